"""`doorstep planning …`: the routing benchmarks and the day's visit plan from the shell.

``solve-vrptw FILE --seconds S [--seed N]`` prints ``{"routes", "distance", "vehicles"}``;
``bench-day`` plans a generated city day and prints its measurements as JSON; ``plan`` builds
a branch's plan for a day as a manager (``--publish`` also publishes it).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from doorstep.core.errors import DomainError
from doorstep.planning.engine.citygen import city_day
from doorstep.planning.engine.daybench import plan_city_day
from doorstep.planning.engine.search import Budget
from doorstep.planning.engine.solomon import (
    NoFeasibleSolution,
    SolomonFormatError,
    read_solomon,
    solve_vrptw,
)
from doorstep.planning.selectors import branch_for_planning
from doorstep.planning.services import plan_build, plan_publish


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError as exc:
        raise CommandError(f"--seconds must be a number, not {value!r}") from exc
    if number <= 0:
        raise CommandError("--seconds must be positive")
    return number


class Command(BaseCommand):
    help = "Visit planning: Solomon VRPTW benchmark interface and the generated city day."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        vrptw = sub.add_parser("solve-vrptw", help="Solve a Solomon VRPTW file, print JSON.")
        vrptw.add_argument("file")
        vrptw.add_argument("--seconds", required=True, type=_positive)
        vrptw.add_argument("--seed", type=int, default=0)
        day = sub.add_parser("bench-day", help="Plan a generated city day, print JSON.")
        day.add_argument("--teams", type=int, default=50)
        day.add_argument("--candidates", type=int, default=2000)
        day.add_argument("--branches", type=int, default=5)
        day.add_argument("--seconds", type=_positive, default=60.0)
        day.add_argument("--seed", type=int, default=0)
        plan = sub.add_parser("plan", help="Build (and optionally publish) a branch's plan.")
        plan.add_argument("--branch", required=True, help="Branch code, e.g. XH.")
        plan.add_argument("--date", required=True, help="Day to plan, e.g. 2026-07-01.")
        plan.add_argument("--user", required=True, help="Username of the manager who plans.")
        plan.add_argument("--seconds", type=_positive, default=10.0)
        plan.add_argument("--seed", type=int, default=0)
        plan.add_argument("--publish", action="store_true", help="Publish the plan at once.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "solve-vrptw":
            self._solve_vrptw(options)
        elif options["action"] == "bench-day":
            self._bench_day(options)
        else:
            self._plan(options)

    def _solve_vrptw(self, options: dict[str, Any]) -> None:
        try:
            instance = read_solomon(options["file"])
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc.strerror}") from exc
        except (SolomonFormatError, UnicodeDecodeError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        try:
            answer = solve_vrptw(instance, Budget(seconds=options["seconds"]), seed=options["seed"])
        except NoFeasibleSolution as exc:
            raise CommandError(f"no feasible solution found: {exc}") from exc
        self.stdout.write(json.dumps(answer))

    def _bench_day(self, options: dict[str, Any]) -> None:
        for name in ("teams", "candidates", "branches"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1")
        if options["branches"] > options["teams"]:
            raise CommandError("--branches cannot exceed --teams")
        day = city_day(
            teams=options["teams"],
            candidates=options["candidates"],
            branches=options["branches"],
            seed=options["seed"],
        )
        result = plan_city_day(day, options["seconds"], seed=options["seed"])
        self.stdout.write(json.dumps(asdict(result)))

    def _plan(self, options: dict[str, Any]) -> None:
        try:
            day = date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError(
                f"--date must be a date like 2026-07-01, not {options['date']!r}"
            ) from exc
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        try:
            branch = branch_for_planning(user=user, code=options["branch"])
        except (Http404, PermissionDenied) as exc:
            raise CommandError(
                f"{options['user']} may not plan branch {options['branch']!r}."
            ) from exc
        try:
            plan = plan_build(
                branch=branch, day=day, actor=user, seconds=options["seconds"], seed=options["seed"]
            )
            if options["publish"]:
                plan = plan_publish(plan=plan, actor=user)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        visits = plan.stops.filter(visit__isnull=False).count()
        reasons = Counter(plan.left_out.values_list("reason", flat=True))
        self.stdout.write(
            f"P{plan.pk} {branch.code} {day} {plan.status}: {visits} visits by "
            f"{len({s.team for s in plan.stops.all()})} teams, value {plan.value} yuan, "
            f"{plan.metres / 1000:.1f} km; left out: "
            + (", ".join(f"{code} {n}" for code, n in sorted(reasons.items())) or "none")
        )
