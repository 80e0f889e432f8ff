"""The compliance panel on the case file, the compliance navigation, and who sees it.

The panel is a tag rather than view context so the case file (another app's page) shows it with
one ``{% include %}`` line; the case it is given was already loaded through ``case_get`` for the
reader.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import Case
from doorstep.compliance.forms import HoldForm, ReasonForm
from doorstep.compliance.selectors import (
    CALENDAR_READERS,
    LOG_READERS,
    PACK_RUNNERS,
    PARAMETER_READERS,
    can_add_hold,
    can_release_hold,
    case_decisions,
    case_holds,
    case_limitation,
    decision_explanations,
)
from doorstep.compliance.services import contact_allowed
from doorstep.staff.models import StaffMember

register = template.Library()

SECTIONS = (
    ("decisions", _("Decision log"), LOG_READERS),
    ("parameters", _("Parameters"), PARAMETER_READERS),
    ("calendars", _("Calendars"), CALENDAR_READERS),
    ("packs", _("Scenario packs"), PACK_RUNNERS),
)


@register.filter
def sees_compliance(staff: StaffMember | None) -> bool:
    """Whether the navigation shows Compliance to this person."""
    return staff is not None and any(staff.role in roles for _name, _label, roles in SECTIONS)


@register.filter
def param_value(value: Any) -> str:
    """A parameter's stored value for people: lists joined, true/false in words."""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "—" if value is None else str(value)


@register.inclusion_tag("compliance/_nav.html", takes_context=True)
def compliance_nav(context: dict[str, Any], current: str) -> dict[str, Any]:
    staff = context.get("current_staff")
    role = getattr(staff, "role", None)
    return {
        "sections": [
            {"url": reverse(f"compliance:{name}"), "label": label, "current": name == current}
            for name, label, roles in SECTIONS
            if role in roles
        ]
    }


@register.inclusion_tag("compliance/_case_panel.html", takes_context=True)
def compliance_panel(context: dict[str, Any], case: Case) -> dict[str, Any]:
    """Limitation per account, holds, and the last decisions with their explanations."""
    user = context["request"].user
    return {
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "limitations": case_limitation(case),
        "holds": list(case_holds(case)),
        "decisions": [
            {
                "decision": decision,
                "allowed": contact_allowed(decision),
                "explanations": decision_explanations(decision),
            }
            for decision in case_decisions(case)
        ],
        "can_add_hold": can_add_hold(user=user, case=case),
        "can_release_hold": can_release_hold(user=user, case=case),
        "hold_form": HoldForm(),
        "release_form": ReasonForm(),
    }
