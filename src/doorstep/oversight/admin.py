from django.contrib import admin

from doorstep.oversight.models import Committee


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "quorum"]
    search_fields = ["code", "name"]
    filter_horizontal = ["members"]
