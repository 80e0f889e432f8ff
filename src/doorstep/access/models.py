"""The access log's own rows: exports (reveals are ``portfolio.PersonalDataAccess``) and the
alerts raised on unusual volume. Both logs are append-only: no update or delete path here, and on
PostgreSQL a trigger refuses them (see ``guards``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """An attempt to change or delete a row of an append-only log."""


class AppendOnlyQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly(self.model._meta.label)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly(self.model._meta.label)


class ExportRecord(models.Model):
    """One file taken out of the system: who, what, when, why and from where."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=32)
    category = models.CharField(_("data category"), max_length=20)
    what = models.CharField(_("what"), max_length=200)
    filters = models.JSONField(_("filters"), default=dict)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    remote_addr = models.GenericIPAddressField(_("from"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("export record")
        verbose_name_plural = _("export records")

    def __str__(self) -> str:
        return f"{self.user_id} {self.what} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnly(self._meta.label)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly(self._meta.label)


class AccessAlert(models.Model):
    """One person read more distinct customers' unmasked data in a window than the threshold."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    customers = models.PositiveIntegerField(_("distinct customers"))
    threshold = models.PositiveIntegerField(_("threshold"))
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True, db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("access alert")
        verbose_name_plural = _("access alerts")

    def __str__(self) -> str:
        return f"{self.user_id} {self.customers} {self.raised_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
