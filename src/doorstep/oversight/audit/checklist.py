"""The audit checklist every sampled record is reviewed against (the seed's supervision part
and CN-TEAM-01, CN-TIME-01, CN-PI-01, CN-CON-01, CN-REC-01). Pure: codes and source texts."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from doorstep.core.i18n import gettext_noop


class Answer(StrEnum):
    PASSED = "pass"
    FAILED = "fail"
    NOT_APPLICABLE = "na"


CHECKLIST: dict[str, str] = {
    "identity_stated": gettext_noop("Staff stated who they are and showed ID"),
    "purpose_stated": gettext_noop("The purpose of the contact was stated first"),
    "within_hours": gettext_noop("Inside the allowed hours, not on a rest day"),
    "team_of_two": gettext_noop("A field visit was made by two staff"),
    "evidence_present": gettext_noop("The record has its evidence (check-in, photos, report)"),
    "no_prohibited_wording": gettext_noop("No threats, insults or disclosure in notes or scripts"),
}

MISSING = gettext_noop("Answer every checklist item.")
UNKNOWN = gettext_noop("“%(item)s” is not a checklist item.")
BAD_ANSWER = gettext_noop("“%(value)s” is not pass, fail or na.")


def problems(results: Mapping[str, str]) -> list[tuple[str, str, dict[str, str]]]:
    """What is wrong with a review's answers: ``(item, message, params)`` for each problem."""
    found = []
    for item, value in results.items():
        if item not in CHECKLIST:
            found.append((item, UNKNOWN, {"item": item}))
        elif value not in {answer.value for answer in Answer}:
            found.append((item, BAD_ANSWER, {"value": value}))
    missing = [item for item in CHECKLIST if item not in results]
    if missing:
        found.append((missing[0], MISSING, {}))
    return found


def failed(results: Mapping[str, str]) -> list[str]:
    return [item for item in CHECKLIST if results.get(item) == Answer.FAILED]
