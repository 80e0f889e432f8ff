from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalConfig(AppConfig):
    name = "doorstep.legal"
    label = "legal"
    verbose_name = _("Legal")

    def ready(self) -> None:
        from doorstep.legal.approvals import register_kinds

        register_kinds()
