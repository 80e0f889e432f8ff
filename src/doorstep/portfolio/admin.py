"""Reference data only: customers' personal data is read through the case screens, where it is
masked and every reveal is logged, so the admin does not list or search it."""

from django.contrib import admin

from doorstep.portfolio.models import PersonalDataAccess


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["at", "user", "customer_id", "fields", "reason", "channel", "remote_addr"]
    list_filter = ["channel"]
    date_hierarchy = "at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
