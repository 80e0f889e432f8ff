from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "doorstep.access"
    label = "access"
    verbose_name = _("Access to personal data")

    def ready(self) -> None:
        from doorstep.access.guards import install_append_only_triggers

        # After every migrate (and the tests' table creation without migrations): the access
        # log's tables refuse UPDATE and DELETE in PostgreSQL itself.
        post_migrate.connect(install_append_only_triggers, sender=self)
