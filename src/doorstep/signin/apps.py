from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    name = "doorstep.signin"
    label = "signin"
    verbose_name = _("Sign-in security")

    def ready(self) -> None:
        from doorstep.signin import checks, signals  # noqa: F401 (registers checks and receivers)
