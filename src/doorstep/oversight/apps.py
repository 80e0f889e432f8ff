from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "doorstep.oversight"
    label = "oversight"
    verbose_name = _("Oversight")

    def ready(self) -> None:
        from doorstep.oversight.complaints.approvals import register_kinds

        register_kinds()
