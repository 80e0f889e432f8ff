from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KeysConfig(AppConfig):
    name = "doorstep.keys"
    label = "keys"
    verbose_name = _("Encryption keys")

    def ready(self) -> None:
        from doorstep.keys.keyring import ensure_keys

        # The first data key and the index key exist as soon as the tables do, made by
        # migrate (or a test database's set-up, or a flush) in a transaction of their own:
        # never inside a request whose rollback could lose a key already used.
        post_migrate.connect(ensure_keys, sender=self, dispatch_uid="doorstep.keys.ensure")
