"""Scenario packs: JSONL files of scenarios with expected verdicts, run after any change.

The format is issue 3 §6. A contact scenario::

    {"id": "…", "profile": "cn|us|uk",
     "contact": {"channel", "at", "target", "staff_count", "consented", "initiated_by", "debt"},
     "debtor": {"timezone", "holds", "opted_out", "attorney"},
     "history": [{"channel", "at", "connected", "conversation", "debt"}],
     "expect": {"verdict": "block", "rules": ["CN-HOL-01"]}}

and a limitation scenario (profile ``cn``)::

    {"id": "…", "limitation": {"start": "2023-02-17", "events": [
        {"kind": "demand_delivered|acknowledgement|part_payment|debit|plan", "on": "…"},
        {"kind": "suit", "on": "…", "ended": "…"}, {"kind": "obstacle", "from": "…", "to": "…"}]},
     "expect": {"expires": "2026-02-24"}}

Facts some rules need beyond §6, optional like the rest: ``contact.announced`` (UK-VIS-01),
``debtor.vulnerable`` (UK-VIS-01), ``debtor.other_timezones`` (US-TIME-01's several places),
``debtor.inconvenient`` (["12:00-14:00"]: US-WORK-01, UK-TIME-01), ``contact.relies_on``,
``debtor.consents`` and ``debtor.withdrawn`` (consent purposes: CN-PI-05),
``history[].initiated_by`` and ``history[].consented`` (who started a past call; a consented
call is not counted under US-FREQ-03). A limitation ``expect`` may also give ``provisional``
and ``rules``.

History is what happened before the contact: items at or after its ``at`` are not counted.
Any other key is an error, so a misspelt fact ("hold") never silently tests something else.
Missing facts take the safe defaults of §6 (one staff member, the debtor, the bank starting
it, the profile's home zone; a past call connected). Each scenario prints
``{"id", "verdict", "rules", "expires", "provisional", "ok"}``; a malformed line prints
``{"line": N, "error": "…"}`` and counts as failed; the last line is ``N passed, M failed``
(a scenario without ``expect`` is reported with ``ok`` null and counted in neither).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from doorstep.core.i18n import gettext_noop

from .calendar import Calendar, YearArrangement
from .evaluate import decide
from .limitation import Event, EventKind, Interruption, Obstacle, limitation
from .model import (
    Channel,
    Contact,
    Debtor,
    EngineInputError,
    Hold,
    Initiator,
    PastContact,
    Target,
    Window,
)
from .params import CnParams, Params, default_params, params_from_dict
from .profiles import DEFAULT, PROFILES

NOT_JSON = gettext_noop("not a JSON object: %(problem)s")
NOT_OBJECT = gettext_noop("must be a JSON object")
NOT_LIST = gettext_noop("must be a list")
UNKNOWN_KEY = gettext_noop("unknown key; expected one of %(keys)s")
MISSING = gettext_noop("is required")
ONE_OF = gettext_noop("must be one of %(choices)s")
NOT_TEXT = gettext_noop("must be a non-empty string")
NOT_BOOL = gettext_noop("must be true or false")
NOT_COUNT = gettext_noop("must be a whole number from 0 to 20")
NOT_INSTANT = gettext_noop("must be an ISO-8601 time with its offset, e.g. 2026-03-02T10:00+08:00")
NOT_DAY = gettext_noop("must be a date, YYYY-MM-DD")
NOT_WINDOW = gettext_noop('must be a list of times such as "12:00-14:00"')
BOTH_KINDS = gettext_noop('give either "contact" or "limitation", not both')
NO_KIND = gettext_noop('needs "contact" or "limitation"')
CN_ONLY = gettext_noop("limitation scenarios are defined for profile cn only")
WRONG_PARAMS = gettext_noop("the parameters given for profile cn are not cn parameters")

SCENARIO_KEYS = ("id", "profile", "contact", "debtor", "history", "limitation", "expect")
CONTACT_KEYS = (
    "channel",
    "at",
    "target",
    "staff_count",
    "consented",
    "initiated_by",
    "debt",
    "announced",
    "relies_on",
)
DEBTOR_KEYS = (
    "timezone",
    "holds",
    "opted_out",
    "attorney",
    "vulnerable",
    "other_timezones",
    "inconvenient",
    "consents",
    "withdrawn",
)
HISTORY_KEYS = ("channel", "at", "connected", "conversation", "debt", "initiated_by", "consented")
LIMITATION_KEYS = ("start", "events")
EVENT_KEYS = ("kind", "on", "ended", "from", "to")
CONTACT_EXPECT_KEYS = ("verdict", "rules")
LIMITATION_EXPECT_KEYS = ("expires", "provisional", "rules")
VERDICTS = ("allow", "warn", "needs_approval", "block")

E = TypeVar("E", Channel, Target, Initiator, Hold, EventKind)


@dataclass(frozen=True, slots=True)
class ContactScenario:
    id: str
    profile: str
    contact: Contact
    debtor: Debtor
    history: tuple[PastContact, ...]
    expect: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class LimitationScenario:
    id: str
    start: date
    events: tuple[Event, ...]
    expect: Mapping[str, Any] | None


Scenario = ContactScenario | LimitationScenario


def parse(line: str) -> Scenario:
    """One scenario from one JSONL line; EngineInputError names the field that is wrong."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise EngineInputError("line", NOT_JSON, problem=error.msg) from None
    data = _object("scenario", data, SCENARIO_KEYS)
    scenario_id = _text("id", data.get("id"))
    profile = data.get("profile", DEFAULT)
    if not isinstance(profile, str) or profile not in PROFILES:
        raise EngineInputError("profile", ONE_OF, choices=", ".join(PROFILES))
    if "contact" in data and "limitation" in data:
        raise EngineInputError("scenario", BOTH_KINDS)
    if "limitation" in data:
        if profile != "cn":
            raise EngineInputError("profile", CN_ONLY)
        for key in ("debtor", "history"):
            if key in data:
                raise EngineInputError(key, UNKNOWN_KEY, keys="id, profile, limitation, expect")
        expect = _expect(data, LIMITATION_EXPECT_KEYS)
        start, events = _limitation(data["limitation"])
        return LimitationScenario(scenario_id, start, events, expect)
    if "contact" not in data:
        raise EngineInputError("scenario", NO_KIND)
    history = data.get("history", [])
    if not isinstance(history, list):
        raise EngineInputError("history", NOT_LIST)
    return ContactScenario(
        id=scenario_id,
        profile=profile,
        contact=_contact(data["contact"]),
        debtor=_debtor(data.get("debtor", {})),
        history=tuple(_past(f"history[{n}]", item) for n, item in enumerate(history)),
        expect=_expect(data, CONTACT_EXPECT_KEYS),
    )


class PackRun:
    """Runs a pack under one set of parameters per profile, one calendar and one version label.

    ``results`` yields one dict per scenario or malformed line; ``outputs`` the same as JSON
    lines followed by the summary line. ``passed``/``failed`` count as the run goes.
    """

    def __init__(
        self,
        *,
        params: Mapping[str, Params] | None = None,
        calendar: Calendar,
        version: str,
    ) -> None:
        self.params = {code: default_params(code) for code in PROFILES} | dict(params or {})
        self.calendar = calendar
        self.version = version
        self.passed = 0
        self.failed = 0

    @property
    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"

    def outputs(self, lines: Iterable[str]) -> Iterator[str]:
        for result in self.results(lines):
            yield json.dumps(result, ensure_ascii=False)
        yield self.summary

    def results(self, lines: Iterable[str]) -> Iterator[dict[str, Any]]:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                result = self.run(parse(line))
            except EngineInputError as error:
                self.failed += 1
                yield {"line": number, "error": str(error)}
                continue
            if result["ok"] is True:
                self.passed += 1
            elif result["ok"] is False:
                self.failed += 1
            yield result

    def run(self, scenario: Scenario) -> dict[str, Any]:
        if isinstance(scenario, LimitationScenario):
            return self._run_limitation(scenario)
        decision = decide(
            scenario.contact,
            scenario.debtor,
            scenario.history,
            profile=scenario.profile,
            params=self.params[scenario.profile],
            calendar=self.calendar,
            version=self.version,
        )
        got = {
            "id": scenario.id,
            "verdict": str(decision.verdict),
            "rules": list(decision.rules),
            "expires": None,
            "provisional": None,
        }
        return {**got, "ok": _meets(scenario.expect, got)}

    def _run_limitation(self, scenario: LimitationScenario) -> dict[str, Any]:
        params = self.params["cn"]
        if not isinstance(params, CnParams):
            raise EngineInputError("params", WRONG_PARAMS)
        result = limitation(scenario.start, scenario.events, params=params, calendar=self.calendar)
        got = {
            "id": scenario.id,
            "verdict": None,
            "rules": list(result.rules),
            "expires": None if result.expires is None else str(result.expires),
            "provisional": result.provisional,
        }
        return {**got, "ok": _meets(scenario.expect, got)}


def _meets(expect: Mapping[str, Any] | None, got: Mapping[str, Any]) -> bool | None:
    """None without expectations; else whether every one holds (expected rules must all be
    among those that fired, other values equal)."""
    if expect is None:
        return None
    return all(
        set(value) <= set(got["rules"]) if key == "rules" else got[key] == value
        for key, value in expect.items()
    )


def _object(where: str, data: object, allowed: Sequence[str]) -> dict[str, Any]:
    """``data`` as a JSON object with none but the ``allowed`` keys."""
    if not isinstance(data, dict):
        raise EngineInputError(where, NOT_OBJECT)
    _only(where, data, allowed)
    return data


def _expect(data: Mapping[str, Any], allowed: Sequence[str]) -> Mapping[str, Any] | None:
    expect = data.get("expect")
    if expect is None:
        return None
    expect = _object("expect", expect, allowed)
    if "verdict" in expect and expect["verdict"] not in VERDICTS:
        raise EngineInputError("expect.verdict", ONE_OF, choices=", ".join(VERDICTS))
    rules = expect.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(rule, str) for rule in rules):
        raise EngineInputError("expect.rules", NOT_LIST)
    if "expires" in expect and expect["expires"] is not None:
        _day("expect.expires", expect["expires"])
    if "provisional" in expect:
        _bool("expect.provisional", expect["provisional"], False)
    return dict(expect)


def _contact(given: object) -> Contact:
    data = _object("contact", given, CONTACT_KEYS)
    if "channel" not in data:
        raise EngineInputError("contact.channel", MISSING)
    if "at" not in data:
        raise EngineInputError("contact.at", MISSING)
    staff = data.get("staff_count", 1)
    if not isinstance(staff, int) or isinstance(staff, bool) or not 0 <= staff <= 20:
        raise EngineInputError("contact.staff_count", NOT_COUNT)
    debt = data.get("debt")
    return Contact(
        channel=_choice("contact.channel", data["channel"], Channel),
        at=_instant("contact.at", data["at"]),
        target=_choice("contact.target", data.get("target", "debtor"), Target),
        staff_count=staff,
        consented=_bool("contact.consented", data.get("consented"), False),
        initiated_by=_choice("contact.initiated_by", data.get("initiated_by", "bank"), Initiator),
        debt=None if debt is None else _text("contact.debt", debt),
        announced=_bool("contact.announced", data.get("announced"), False),
        relies_on=_texts("contact.relies_on", data.get("relies_on", [])),
    )


def _debtor(given: object) -> Debtor:
    data = _object("debtor", given, DEBTOR_KEYS)
    zone = data.get("timezone")
    return Debtor(
        timezone=None if zone is None else _text("debtor.timezone", zone),
        holds=frozenset(_choices("debtor.holds", data.get("holds", []), Hold)),
        opted_out=frozenset(_choices("debtor.opted_out", data.get("opted_out", []), Channel)),
        attorney=_bool("debtor.attorney", data.get("attorney"), False),
        vulnerable=_bool("debtor.vulnerable", data.get("vulnerable"), False),
        other_timezones=tuple(
            _text("debtor.other_timezones", zone)
            for zone in _list("debtor.other_timezones", data.get("other_timezones", []))
        ),
        inconvenient=tuple(
            _window("debtor.inconvenient", text)
            for text in _list("debtor.inconvenient", data.get("inconvenient", []))
        ),
        consents=_texts("debtor.consents", data.get("consents", [])),
        withdrawn=_texts("debtor.withdrawn", data.get("withdrawn", [])),
    )


def _past(where: str, given: object) -> PastContact:
    data = _object(where, given, HISTORY_KEYS)
    for key in ("channel", "at"):
        if key not in data:
            raise EngineInputError(f"{where}.{key}", MISSING)
    debt = data.get("debt")
    return PastContact(
        channel=_choice(f"{where}.channel", data["channel"], Channel),
        at=_instant(f"{where}.at", data["at"]),
        connected=_bool(f"{where}.connected", data.get("connected"), True),
        conversation=_bool(f"{where}.conversation", data.get("conversation"), False),
        debt=None if debt is None else _text(f"{where}.debt", debt),
        initiated_by=_choice(f"{where}.initiated_by", data.get("initiated_by", "bank"), Initiator),
        consented=_bool(f"{where}.consented", data.get("consented"), False),
    )


def _limitation(given: object) -> tuple[date, tuple[Event, ...]]:
    data = _object("limitation", given, LIMITATION_KEYS)
    if "start" not in data:
        raise EngineInputError("limitation.start", MISSING)
    start = _day("limitation.start", data["start"])
    items = _list("limitation.events", data.get("events", []))
    return start, tuple(_event(f"limitation.events[{n}]", item) for n, item in enumerate(items))


def _event(where: str, given: object) -> Event:
    item = _object(where, given, EVENT_KEYS)
    try:
        if item.get("kind") == "obstacle":
            _only(where, item, ("kind", "from", "to"))
            return Obstacle(_day_at(where, item, "from"), _optional_day_at(where, item, "to"))
        kind = _choice(f"{where}.kind", item.get("kind"), EventKind)
        _only(where, item, ("kind", "on", "ended") if kind is EventKind.SUIT else ("kind", "on"))
        return Interruption(
            kind, _day_at(where, item, "on"), _optional_day_at(where, item, "ended")
        )
    except EngineInputError as error:
        if error.field.startswith(where):
            raise
        raise EngineInputError(f"{where}.{error.field}", error.template, **error.params) from None


def _day_at(where: str, item: Mapping[str, Any], key: str) -> date:
    if item.get(key) is None:
        raise EngineInputError(f"{where}.{key}", MISSING)
    return _day(f"{where}.{key}", item[key])


def _optional_day_at(where: str, item: Mapping[str, Any], key: str) -> date | None:
    return None if item.get(key) is None else _day_at(where, item, key)


def _only(where: str, item: Mapping[str, Any], allowed: Sequence[str]) -> None:
    for key in item:
        if key not in allowed:
            raise EngineInputError(f"{where}.{key}", UNKNOWN_KEY, keys=", ".join(allowed))


def _text(where: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EngineInputError(where, NOT_TEXT)
    return value


def _bool(where: str, value: object, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise EngineInputError(where, NOT_BOOL)
    return value


def _texts(where: str, value: object) -> frozenset[str]:
    return frozenset(_text(where, item) for item in _list(where, value))


def _list(where: str, value: object) -> list[Any]:
    if not isinstance(value, list):
        raise EngineInputError(where, NOT_LIST)
    return value


def _choice(where: str, value: object, kind: type[E]) -> E:
    if not isinstance(value, str) or value not in set(kind):
        raise EngineInputError(where, ONE_OF, choices=", ".join(kind))
    return kind(value)


def _choices(where: str, value: object, kind: type[E]) -> list[E]:
    return [_choice(where, item, kind) for item in _list(where, value)]


def _instant(where: str, value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EngineInputError(where, NOT_INSTANT) from None
    if moment.utcoffset() is None:
        raise EngineInputError(where, NOT_INSTANT)
    return moment


def _day(where: str, value: object) -> date:
    try:
        return date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EngineInputError(where, NOT_DAY) from None


def _window(where: str, value: object) -> Window:
    try:
        return Window.parse(value)  # type: ignore[arg-type]
    except (AttributeError, TypeError, ValueError):
        raise EngineInputError(where, NOT_WINDOW) from None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m doorstep.compliance.engine.packs FILE``: run a pack under the default
    parameters (or ``--params``) and the packaged calendar (plus ``--arrangements``)."""
    parser = argparse.ArgumentParser(prog="python -m doorstep.compliance.engine.packs")
    parser.add_argument("file", type=argparse.FileType(encoding="utf-8"))
    parser.add_argument(
        "--params",
        type=argparse.FileType(encoding="utf-8"),
        help='JSON {"cn": {...}, "us": {...}}: parameters instead of the defaults',
    )
    parser.add_argument(
        "--arrangements",
        type=argparse.FileType(encoding="utf-8"),
        help='JSON list of yearly arrangements {"year", "rest_days", "makeup_workdays"}',
    )
    args = parser.parse_args(argv)
    try:
        params = {
            code: params_from_dict(code, values)
            for code, values in (json.load(args.params) if args.params else {}).items()
        }
        arrangements = [
            YearArrangement.from_dict(item)
            for item in (json.load(args.arrangements) if args.arrangements else [])
        ]
    except (EngineInputError, json.JSONDecodeError, AttributeError) as error:
        parser.error(str(error))
    run = PackRun(
        params=params,
        calendar=Calendar(arrangements),
        version="custom" if args.params else "default",
    )
    with args.file:
        for output in run.outputs(args.file):
            print(output)
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
