from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "doorstep.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Bind shared tasks to the configured Celery app in every Django process.
        from doorstep import worker  # noqa: F401
