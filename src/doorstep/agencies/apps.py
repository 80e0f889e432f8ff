from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "doorstep.agencies"
    label = "agencies"
    verbose_name = _("Agencies, write-off and debt sale")

    def ready(self) -> None:
        from doorstep.agencies import writeoffs

        writeoffs.register_approval_kind()
