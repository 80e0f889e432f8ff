from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "doorstep.plans"
    label = "plans"
    verbose_name = _("Repayment plans")

    def ready(self) -> None:
        from doorstep.plans.approvals import register_kinds

        register_kinds()
