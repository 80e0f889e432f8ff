from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemoteConfig(AppConfig):
    name = "doorstep.remote"
    label = "remote"
    verbose_name = _("Remote collection")

    def ready(self) -> None:
        from doorstep.remote.approvals import register_kinds

        register_kinds()
