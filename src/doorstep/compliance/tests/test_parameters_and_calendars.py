"""Parameters and calendars as data: a change needs a second person and takes effect from its
time; a year whose arrangement is not loaded is unknown until one is."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from doorstep.compliance import services
from doorstep.compliance.engine import YearArrangement
from doorstep.compliance.models import Approval, CalendarArrangement, ParameterVersion
from doorstep.compliance.selectors import calendar_in_force, version_in_force
from doorstep.compliance.tests.conftest import at
from doorstep.core.errors import DomainError
from doorstep.oversight.services import approval_decide

pytestmark = pytest.mark.django_db

ARRANGEMENT_2027 = {
    "year": 2027,
    "rest_days": ["2027-01-01", "2027-01-02", "2027-01-03", "2027-02-06", "2027-02-07"],
    "makeup_workdays": ["2027-02-20"],
    "names": {"2027-01-01": "new_years_day"},
}


def refusal(call) -> DomainError:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as raised:
        call()
    return raised.value


def propose(world, name: str = "compliance_zhou", **kwargs):  # type: ignore[no-untyped-def]
    return services.parameters_propose(
        profile=kwargs.pop("profile", "cn"),
        values=kwargs.pop("values", {"visit_window": "09:00-18:00"}),
        effective_from=kwargs.pop("effective_from", at(2026, 7, 6, 0)),
        maker=world.user(name),
        reason=kwargs.pop("reason", "Customers are home later in summer."),
    )


@pytest.fixture
def compliance_li(world):  # type: ignore[no-untyped-def]
    """A second compliance officer: the checker for compliance_zhou's changes."""
    from doorstep.core.testing import make_staff
    from doorstep.staff.models import Role

    return make_staff("compliance_li", Role.COMPLIANCE_OFFICER)


@pytest.fixture(autouse=True)
def before_july(monkeypatch):  # type: ignore[no-untyped-def]
    """It is 1 July 2026, 09:00 in Shanghai, so proposals can take effect on 6 July."""
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 7, 1, 9))


# --- Parameters -------------------------------------------------------------------------------


def test_a_change_is_pending_until_a_second_compliance_officer_approves_it(
    world, decide, compliance_li
) -> None:
    version = propose(world)
    assert (version.number, version.status, version.base.number) == (2, "pending", 1)
    assert decide("visit", at(2026, 7, 6, 17, 30)).rules == ["CN-VISIT-01"]
    own = refusal(
        lambda: approval_decide(
            request=version.approval,
            approver=world.user("compliance_zhou"),
            approve=True,
            reason="ok",
        )
    )
    manager = refusal(
        lambda: approval_decide(
            request=version.approval, approver=world.user("manager_wang"), approve=True, reason="ok"
        )
    )
    assert (own.code, manager.code) == ("own_request", "not_routed")
    approval_decide(
        request=version.approval, approver=compliance_li.user, approve=True, reason="Fine."
    )
    version.refresh_from_db()
    assert (version.status, version.effective_from) == ("approved", at(2026, 7, 6, 0))


def test_an_approved_change_takes_effect_from_its_time_and_decisions_record_it(
    world, decide, compliance_li
) -> None:
    version = propose(world)
    approval_decide(
        request=version.approval, approver=compliance_li.user, approve=True, reason="ok"
    )
    before = decide("visit", at(2026, 7, 5, 17, 30))  # a Sunday, weekends allowed
    after = decide("visit", at(2026, 7, 6, 17, 30))
    assert (before.verdict, before.rules, before.version.label) == (
        "block",
        ["CN-VISIT-01"],
        "cn-1",
    )
    assert (after.verdict, after.version.label) == ("allow", "cn-2")
    assert version_in_force("cn", at(2026, 7, 6)).number == 2


def test_an_approval_after_the_stated_time_takes_effect_from_the_approval(
    world, compliance_li, monkeypatch
) -> None:
    version = propose(world, effective_from=at(2026, 7, 1, 10))
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 7, 2, 15))
    approval_decide(
        request=version.approval, approver=compliance_li.user, approve=True, reason="ok"
    )
    version.refresh_from_db()
    assert version.effective_from == at(2026, 7, 2, 15)


def test_a_rejected_change_never_takes_effect(world, compliance_li) -> None:
    version = propose(world)
    approval_decide(
        request=version.approval, approver=compliance_li.user, approve=False, reason="No."
    )
    version.refresh_from_db()
    assert (version.status, version_in_force("cn", at(2026, 8, 1)).number) == ("rejected", 1)


def test_only_compliance_officers_propose_changes(world) -> None:
    error = refusal(lambda: propose(world, "manager_wang"))
    assert (error.code, error.status) == ("forbidden", 403)
    assert not ParameterVersion.objects.exists()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"visit_window": "9-5"}, "visit_window", 'must be a time window such as "08:00-22:00"'),
        ({"max_calls_per_day": 600}, "max_calls_per_day", "must be a whole number from 0 to 50"),
        ({"long_stop_years": 2}, "long_stop_years", "must be longer than limitation_years"),
        ({"colour": "red"}, "colour", "is not a parameter of profile cn"),
    ],
)
def test_a_bad_value_is_refused_naming_the_parameter(world, values, field, message) -> None:
    error = refusal(lambda: propose(world, values=values))
    assert (error.code, error.field, error.message) == ("invalid_fact", field, message)
    assert not ParameterVersion.objects.filter(number=2).exists()


def test_a_change_takes_effect_now_or_later_and_must_change_something(world) -> None:
    past = refusal(lambda: propose(world, effective_from=at(2026, 6, 1)))
    same = refusal(lambda: propose(world, values={"visit_window": "09:00-17:00"}))
    silent = refusal(lambda: propose(world, reason=" "))
    assert [(e.code, e.field) for e in (past, same, silent)] == [
        ("effective_in_past", "effective_from"),
        ("no_change", None),
        ("reason_required", "reason"),
    ]


# --- Calendars --------------------------------------------------------------------------------


def test_a_visit_in_2027_needs_approval_until_its_arrangement_is_loaded(
    world, decide, tmp_path: Path, capsys
) -> None:
    assert decide("visit", at(2027, 3, 1)).rules == ["CN-HOL-02"]
    assert decide("visit", at(2027, 3, 1)).verdict == "needs_approval"
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(ARRANGEMENT_2027), encoding="utf-8")
    call_command("compliance", "load-calendar", str(path), "--source", "国办发明电〔2026〕7号")
    assert capsys.readouterr().out == "2027: 5 rest days, 1 make-up workdays, in force\n"
    assert decide("visit", at(2027, 3, 1)).verdict == "allow"
    holiday = decide("visit", at(2027, 1, 1))
    assert (holiday.rules, holiday.fired[0]["facts"]["holiday"]) == (["CN-HOL-01"], "new_years_day")
    assert decide("visit", at(2027, 2, 20)).verdict == "allow"  # a make-up Saturday
    row = CalendarArrangement.objects.get()
    assert (row.status, row.loaded_by, row.source) == ("approved", None, "国办发明电〔2026〕7号")


def test_a_calendar_loaded_on_screen_needs_another_persons_approval(world, decide) -> None:
    arrangement = YearArrangement.from_dict(ARRANGEMENT_2027)
    row = services.calendar_propose(
        arrangement=arrangement, source="State Council notice", loaded_by=world.user("admin")
    )
    assert decide("visit", at(2027, 3, 1)).verdict == "needs_approval"
    own = refusal(
        lambda: approval_decide(
            request=row.approval, approver=world.user("admin"), approve=True, reason="ok"
        )
    )
    approval_decide(
        request=row.approval, approver=world.user("compliance_zhou"), approve=True, reason="ok"
    )
    row.refresh_from_db()
    assert (own.code, row.status) == ("own_request", Approval.APPROVED)
    assert calendar_in_force().knows(2027)
    assert decide("visit", at(2027, 3, 1)).verdict == "allow"


def test_a_later_arrangement_of_the_same_year_replaces_the_earlier(world, decide) -> None:
    services.calendar_load(arrangement=YearArrangement.from_dict(ARRANGEMENT_2027), source="draft")
    corrected = {**ARRANGEMENT_2027, "rest_days": ["2027-03-01"], "makeup_workdays": []}
    services.calendar_load(arrangement=YearArrangement.from_dict(corrected), source="final")
    assert decide("visit", at(2027, 3, 1)).rules == ["CN-HOL-01"]
    assert decide("visit", at(2027, 1, 1)).verdict == "allow"


def test_a_malformed_arrangement_is_refused_saying_what_is_wrong(world, tmp_path: Path) -> None:
    bad = {**ARRANGEMENT_2027, "makeup_workdays": ["2027-03-03"]}  # a Wednesday
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("compliance", "load-calendar", str(path))
    assert str(raised.value) == (
        "2027-03-03 is not a Saturday or Sunday, so it cannot be made a workday"
    )
    not_json = refusal(lambda: services.read_arrangements("{year: 2027"))
    assert (not_json.code, not_json.field) == ("invalid_json", "file")
    assert not CalendarArrangement.objects.exists()


def test_the_calendar_cache_sees_an_approval_made_elsewhere(world) -> None:
    assert not calendar_in_force().knows(2027)
    row = services.calendar_propose(
        arrangement=YearArrangement.from_dict(ARRANGEMENT_2027),
        source="notice",
        loaded_by=world.user("compliance_zhou"),
    )
    # Another process approves: the row changes without this process's hooks.
    CalendarArrangement.objects.filter(pk=row.pk).update(
        status=Approval.APPROVED, approved_at=timezone.now() + timedelta(seconds=1)
    )
    assert calendar_in_force().knows(2027)
