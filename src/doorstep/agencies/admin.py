"""Read-only admin views of the agency records: every write goes through the services (and the
ledger), so the admin only shows them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from doorstep.agencies import models


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


for model in (
    models.Agency,
    models.Contract,
    models.ImpactAssessment,
    models.SupervisionRecord,
    models.AgencyMember,
    models.PlacementBatch,
    models.Placement,
    models.CommissionSchedule,
    models.WriteOff,
    models.Buyer,
    models.Sale,
):
    admin.site.register(model, ReadOnly)
