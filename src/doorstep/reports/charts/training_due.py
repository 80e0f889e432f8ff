"""Mandatory training on a day: for each course, how many of the people who must hold it hold
a valid pass, one ending within the warning period, an expired one, or none."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.oversight.models import Course
from doorstep.oversight.training.rules import State
from doorstep.oversight.training.selectors import course_title, training_status
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure, rate
from doorstep.staff.models import StaffMember

STATES = (State.CURRENT, State.EXPIRING, State.EXPIRED, State.MISSING)
STATE_LABELS = {
    State.CURRENT: gettext_lazy("Current"),
    State.EXPIRING: gettext_lazy("Ending soon"),
    State.EXPIRED: gettext_lazy("Expired"),
    State.MISSING: gettext_lazy("Never passed"),
}
COLORS = {
    State.CURRENT: "#3a7d44",
    State.EXPIRING: "#d4a017",
    State.EXPIRED: "#b3261e",
    State.MISSING: "#8a8f98",
}


def aggregate(day: date) -> Iterable[FactRow]:
    """key: the course's title (as the page shows it), key2: the state. Staff are counted by
    their branch and team; head-office staff have no branch."""
    counts: Counter[tuple[int | None, int | None, str, str]] = Counter()
    for staff in StaffMember.objects.filter(is_active=True):
        for item in training_status(staff, day):
            counts[(staff.branch_id, staff.team_id, item.course.code, item.state.value)] += 1
    for (branch_id, team_id, course, state), count in counts.items():
        yield FactRow(branch_id, team_id, "", course, state, count=count)


def present(cells: Sequence[Cell]) -> Figure:
    titles = {course.code: course_title(course) for course in Course.objects.all()}
    grid: Counter[tuple[str, str]] = Counter()
    for cell in cells:
        grid[(cell.key, cell.key2)] += cell.count
    courses = sorted({course for course, _state in grid})
    rows: list[list[object]] = []
    for course in courses:
        total = sum(grid[(course, s.value)] for s in STATES)
        valid = grid[(course, State.CURRENT.value)] + grid[(course, State.EXPIRING.value)]
        rows.append(
            [
                titles.get(course, course),
                total,
                *(grid[(course, s.value)] for s in STATES),
                rate(valid, total),
            ]
        )
    return Figure(
        columns=[
            Column(_("Course")),
            Column(_("People who must hold it"), ColumnKind.COUNT),
            *(Column(str(STATE_LABELS[s]), ColumnKind.COUNT) for s in STATES),
            Column(_("Valid"), ColumnKind.PERCENT),
        ],
        rows=rows,
        option={
            "tooltip": {"trigger": "axis"},
            "legend": {"bottom": 0},
            "xAxis": {"type": "category", "data": [titles.get(c, c) for c in courses]},
            "yAxis": {"type": "value", "name": _("People"), "minInterval": 1},
            "series": [
                {
                    "name": str(STATE_LABELS[state]),
                    "type": "bar",
                    "stack": "training",
                    "itemStyle": {"color": COLORS[state]},
                    "data": [grid[(course, state.value)] for course in courses],
                }
                for state in STATES
            ],
        },
    )


CHART = Chart(
    slug="training_due",
    title=gettext_lazy("Mandatory training"),
    section=Section.COMPLIANCE,
    kind=Kind.SNAPSHOT,
    description=gettext_lazy(
        "On the last day of the range: who holds a valid pass of each mandatory course, whose "
        "pass ends within 30 days, and who is overdue."
    ),
    aggregate=aggregate,
    present=present,
)
