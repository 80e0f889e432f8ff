from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from doorstep.signin import lockout
from doorstep.signin import services as two_factor
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
    actions = ["unlock_sign_in", "reset_two_factor"]

    @admin.action(description=_("Unlock sign-in (forget failed attempts)"))
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for staff in queryset.select_related("user"):
            lockout.unlock(username=staff.user.get_username())
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Unlocked %(n)d account.", "Unlocked %(n)d accounts.", count) % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reset two-factor sign-in (the user enrols again)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for staff in queryset.select_related("user"):
            two_factor.two_factor_reset(user=staff.user, actor=request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "Reset two-factor sign-in of %(n)d account.",
                "Reset two-factor sign-in of %(n)d accounts.",
                count,
            )
            % {"n": count},
            messages.SUCCESS,
        )
