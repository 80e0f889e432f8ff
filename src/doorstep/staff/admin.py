from django.contrib import admin

from doorstep.staff.models import Branch, StaffMember, Team


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "city", "timezone"]
    search_fields = ["code", "name", "city"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "branch", "kind"]
    list_filter = ["branch", "kind"]


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["employee_number", "display_name", "role", "branch", "team", "is_active"]
    list_filter = ["role", "branch", "is_active"]
    search_fields = ["employee_number", "display_name", "user__username"]
    autocomplete_fields = ["user"]
