"""The data keys, stored wrapped by the key-encryption key (docs/encryption.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataKey(models.Model):
    """One data key (DEK) or blind-index key, wrapped by the KEK named ``kek_id``.

    A data key is ``active`` (new values are encrypted with it), ``retiring`` (a rotation is
    moving its rows to the active key; it still decrypts) or ``retired`` (no row used it when the
    rotation finished; kept, so a value written meanwhile by a process that had not yet seen the
    new key still decrypts).
    """

    class Purpose(models.TextChoices):
        DATA = "data", _("Field encryption")
        INDEX = "index", _("Blind index")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETIRING = "retiring", _("Being rotated out")
        RETIRED = "retired", _("Retired")

    key_id = models.CharField(_("key id"), max_length=16, unique=True)
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    wrapped = models.BinaryField(_("wrapped key"))
    kek_id = models.CharField(_("key-encryption key"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose"],
                condition=models.Q(state="active"),
                name="datakey_one_active_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.key_id} ({self.state})"
