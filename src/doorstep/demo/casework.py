"""Case files for the demo's delinquency episodes: who worked them and what happened.

Pure (no Django). Every status change follows ``cases.lifecycle.TRANSITIONS`` and is written the
way ``cases.services`` writes it (opening row, assignment history, bucket history starting with
``opened``), so the demo reads like a bank that has used Doorstep for a while:

* open cases a few days late are mostly still new and unassigned; older ones are with a phone
  agent (M1) or a field agent (M2 and beyond), some with a promise to pay or a repayment plan, the
  oldest often with the branch's legal specialist;
* a few were transferred to another branch, with the thread between the two branches;
* a few drew a complaint, handled by a complaint handler attached to the case;
* past episodes that reached M2 and were then paid off are closed as cured.

Times are naive UTC. The nightly job stamps its work at 02:00 Hangzhou time; people work
09:00–18:00.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

import numpy as np

from doorstep.cases.delinquency import Arrears, Bucket
from doorstep.cases.lifecycle import Status
from doorstep.demo import places, staffing
from doorstep.demo.episodes import Episode

UTC_OFFSET = timedelta(hours=8)  # Asia/Shanghai keeps no daylight saving time
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


class Reference(Protocol):
    def __call__(self, *, customer_id: int, opened_on: date) -> str: ...


@dataclass(frozen=True)
class Conventions:
    """What the generator borrows from the Django side without importing it."""

    reference: Reference
    cured_reason: str
    password_hash: str


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Hangzhou wall-clock time as naive UTC."""
    return datetime.combine(day, time(hour, minute)) - UTC_OFFSET


def cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))


@dataclass(frozen=True)
class Crew:
    """The staff as case rows refer to them: database ids by ``staffing.STAFF`` index."""

    user: tuple[int, ...]
    staff: tuple[int, ...]
    team: tuple[int | None, ...]
    branch_ids: tuple[int, ...]  # by ``places.BRANCHES`` index

    def of(self, branch: int, role: str) -> list[int]:
        return [i for i, s in enumerate(staffing.STAFF) if s.branch == branch and s.role == role]


NOTES = (
    "电话联系客户本人，客户称本月{day}日发工资后还款。",
    "拨打预留手机号无人接听，已发送还款提醒短信。",
    "客户表示因生病住院暂时无力还款，已请其提供医院证明材料。",
    "上门走访，客户本人在家，说明来意后客户同意制定还款计划。",
    "客户对欠款金额有异议，已调取账单明细逐笔核对。",
    "客户工作单位已变更，已核实新单位地址。",
    "客户称经营困难，申请减免部分违约金，需提交主管审批。",
)
PROMISE = "客户承诺于 {day} 前还款 {amount} 元。"
PLAN = "客户申请分期还款（{months} 期），还款方案已提交审批。"
ESCALATED = "逾期进入 M2，转外访组跟进。"
BROKEN = "客户未按承诺日期还款（跳票），恢复正常催收。"
LEGAL = "多次催收未果，移交法务准备诉讼材料。"
LEGAL_NOTE = "已审阅案卷，拟向{district}人民法院提起诉讼。"
COMPLAINT_NOTE = "客户来电投诉催收电话过于频繁，已受理登记，三个工作日内回复。"
TRANSFER_REASON = "客户已搬至{district}居住，转{branch}就近跟进。"
THREAD = (
    "客户已搬至{district}，本案转贵行跟进。此前电话联系 {calls} 次，客户承认欠款但称收入下降。",
    "已收到，安排外访组本周内上门核实新住址。",
    "补充：客户工作单位电话已核实，工作日白天可以联系。",
)


@dataclass
class CaseRows:
    """Rows for the case tables, with ids drawn from ``next_id`` as they are written."""

    next_id: dict[str, int]
    tables: dict[str, dict[str, list[Any]]] = field(default_factory=dict)

    def add(self, table: str, **values: Any) -> int:
        row_id = self.next_id[table]
        self.next_id[table] = row_id + 1
        columns = self.tables.setdefault(table, {"id": []})
        columns["id"].append(row_id)
        for name, value in values.items():
            columns.setdefault(name, []).append(value)
        return row_id


@dataclass(frozen=True)
class Subject:
    """The customer and accounts an episode belongs to, as database ids."""

    customer_id: int
    account_ids: tuple[int, ...]
    branch: int  # index into places.BRANCHES
    district: int  # home district, index into places.DISTRICTS


class Casework:
    """Writes one case per episode: the case, its history, people and conversation."""

    def __init__(
        self,
        rng: np.random.Generator,
        rows: CaseRows,
        crew: Crew,
        conventions: Conventions,
        as_of: date,
    ) -> None:
        self.rng = rng
        self.rows = rows
        self.crew = crew
        self.conventions = conventions
        self.as_of = as_of

    def _pick(self, candidates: list[int]) -> int:
        weights = np.array([staffing.STAFF[i].caseload for i in candidates])
        return candidates[int(self.rng.choice(len(candidates), p=weights / weights.sum()))]

    def _day_between(self, first: date, last: date) -> date:
        """A day from ``first`` to ``last`` inclusive, early in the range more often."""
        span = (last - first).days
        return first + timedelta(days=int(min(self.rng.geometric(0.35) - 1, span)))

    def _work_time(self, day: date) -> datetime:
        return local(day, int(self.rng.integers(9, 18)), int(self.rng.integers(0, 60)))

    def write(self, subject: Subject, episode: Episode) -> None:
        closed = episode.cured_on is not None
        snapshot = episode.snapshot
        opened_at = local(episode.opened_on, 2)
        case = self.rows.add(
            "case",
            reference=self.conventions.reference(
                customer_id=subject.customer_id, opened_on=episode.opened_on
            ),
            customer_id=subject.customer_id,
            branch_id=self.crew.branch_ids[subject.branch],
            team_id=None,
            agent_id=None,
            status=Status.NEW.value,
            opened_on=episode.opened_on,
            closed_at=None,
            **_amounts(snapshot),
            arrears_as_of=snapshot.as_of,
            updated_at=local(snapshot.as_of, 2),
        )
        for account_id in subject.account_ids:
            self.rows.add("case_account", case_id=case, account_id=account_id)
        self._buckets(case, episode)
        self._status(case, "", Status.NEW, None, "", opened_at)
        opening = self.rows.add(
            "assignment",
            case_id=case,
            branch_id=self.crew.branch_ids[subject.branch],
            team_id=None,
            agent_id=None,
            reason="",
            assigned_by_id=None,
            started_at=opened_at,
            ended_at=None,
        )
        # The last day people can act: the day before the cure, or before the as-of date.
        last_day = (episode.cured_on or self.as_of) - DAY
        state = _CaseState(case, Status.NEW, opening, subject.branch)
        if last_day >= episode.opened_on and self._assigned(snapshot.dpd, closed):
            self._assign(
                state,
                episode.opening.bucket,
                episode.opened_on,
                min(last_day, episode.opened_on + 3 * DAY),
            )
        if closed:
            self._status(
                case,
                state.status,
                Status.CLOSED_CURED,
                None,
                self.conventions.cured_reason,
                local(snapshot.as_of, 2),
            )
            self._finish(state, Status.CLOSED_CURED, local(snapshot.as_of, 2))
            return
        self._escalate(state, episode, last_day)
        if state.agent is not None and state.since is not None and state.since < last_day:
            self._progress(state, subject, episode, last_day)
        self._finish(state, state.status, None)

    def _assigned(self, dpd: int, closed: bool) -> bool:
        if closed:
            return bool(self.rng.random() < 0.9)
        chance_new = 0.7 if dpd <= 3 else 0.12 if dpd <= 30 else 0.03
        return bool(self.rng.random() >= chance_new)

    def _assign(self, state: _CaseState, bucket: str, first: date, last: date) -> None:
        phone_first = bucket == Bucket.M1
        prefer = "phone_agent" if phone_first else "field_agent"
        other = "field_agent" if phone_first else "phone_agent"
        role = prefer if self.rng.random() < (0.75 if phone_first else 0.8) else other
        agent = self._pick(self.crew.of(state.branch, role))
        manager = self.crew.of(state.branch, "collections_manager")[0]
        day = self._day_between(first, last)
        at = self._work_time(day)
        self._reassign(state, agent, manager, "", at)
        self._status(state.case, Status.NEW, Status.ACTIVE, manager, "", at)
        state.status = Status.ACTIVE
        state.since = day

    def _escalate(self, state: _CaseState, episode: Episode, last_day: date) -> None:
        """A case that rolled into M2 goes from the phone team to a field agent."""
        agent = state.agent
        if agent is None or state.since is None or staffing.STAFF[agent].role != "phone_agent":
            return
        rolled = next((m.on for m in episode.moves if m.to_bucket == Bucket.M2), None)
        if rolled is None or not state.since < rolled <= last_day or self.rng.random() >= 0.85:
            return
        manager = self.crew.of(state.branch, "collections_manager")[0]
        field_agent = self._pick(self.crew.of(state.branch, "field_agent"))
        self._reassign(state, field_agent, manager, ESCALATED, self._work_time(rolled))
        state.since = rolled

    def _reassign(
        self, state: _CaseState, agent: int | None, by: int, reason: str, at: datetime
    ) -> None:
        self.rows.tables["assignment"]["ended_at"][state.assignment - self._first("assignment")] = (
            at
        )
        branch_id = self.crew.branch_ids[state.branch]
        state.assignment = self.rows.add(
            "assignment",
            case_id=state.case,
            branch_id=branch_id,
            team_id=self.crew.team[agent] if agent is not None else None,
            agent_id=self.crew.staff[agent] if agent is not None else None,
            reason=reason,
            assigned_by_id=self.crew.user[by],
            started_at=at,
            ended_at=None,
        )
        state.agent = agent

    def _first(self, table: str) -> int:
        return int(self.rows.tables[table]["id"][0])

    def _progress(
        self, state: _CaseState, subject: Subject, episode: Episode, last_day: date
    ) -> None:
        """What happened after assignment: an outcome, notes, maybe a complaint or a transfer."""
        agent = state.agent
        if agent is None or state.since is None:
            return
        snapshot, moves = episode.snapshot, episode.moves
        manager = self.crew.of(state.branch, "collections_manager")[0]
        start = state.since + DAY
        notes_until = last_day
        u = self.rng.random()
        # Legal proceedings start once the case is past 120 days (M5).
        legal_from = next((m.on for m in moves if m.to_bucket == Bucket.M5), None)
        if legal_from is not None and legal_from <= last_day and u < 0.45:
            day = self._day_between(max(start, legal_from), last_day)
            self._legal(state, subject, manager, self._work_time(day))
        elif u < 0.18 or (snapshot.dpd > 120 and u < 0.55):
            at = self._work_time(self._day_between(start, last_day))
            self._promise(
                state,
                agent,
                snapshot,
                at,
                self.as_of + timedelta(days=int(self.rng.integers(1, 15))),
            )
        elif snapshot.dpd > 30 and u < 0.32:
            at = self._work_time(self._day_between(start, last_day))
            reason = PLAN.format(months=int(self.rng.choice([6, 12, 24, 36])))
            self._status(state.case, Status.ACTIVE, Status.IN_PLAN, agent, reason, at)
            state.status = Status.IN_PLAN
        elif u < 0.45 and (last_day - start).days >= 4:
            promised_on = self._day_between(start, last_day - 4 * DAY)
            self._promise(
                state, agent, snapshot, self._work_time(promised_on), promised_on + 3 * DAY
            )
            self._status(
                state.case,
                Status.PROMISED,
                Status.ACTIVE,
                agent,
                BROKEN,
                local(promised_on + 4 * DAY, 10),
            )
            state.status = Status.ACTIVE
        elif self.rng.random() < 0.04 and (last_day - start).days >= 3:
            notes_until = self._day_between(start, last_day - 3 * DAY)
            self._transfer(state, manager, notes_until)
        if self.rng.random() < 0.35:
            for _ in range(int(self.rng.integers(1, 3))):
                at = self._work_time(self._day_between(start, notes_until))
                text = NOTES[int(self.rng.integers(len(NOTES)))].format(
                    day=int(self.rng.integers(5, 26))
                )
                self._entry(agent, state.case, "note", text, at)
        if state.branch == subject.branch and self.rng.random() < 0.025:
            self._complaint(state, manager, self._work_time(self._day_between(start, last_day)))

    def _legal(self, state: _CaseState, subject: Subject, manager: int, at: datetime) -> None:
        self._status(state.case, Status.ACTIVE, Status.LEGAL, manager, LEGAL, at)
        state.status = Status.LEGAL
        legal = self.crew.of(state.branch, "legal_specialist")[0]
        self._attach(state.case, legal, "legal", manager, at)
        district = places.DISTRICTS[subject.district].name
        self._entry(legal, state.case, "note", LEGAL_NOTE.format(district=district), at + HOUR)

    def _promise(
        self, state: _CaseState, agent: int, snapshot: Arrears, at: datetime, by: date
    ) -> None:
        reason = PROMISE.format(day=by.isoformat(), amount=f"{snapshot.past_due:,.2f}")
        self._status(state.case, Status.ACTIVE, Status.PROMISED, agent, reason, at)
        state.status = Status.PROMISED

    def _complaint(self, state: _CaseState, manager: int, at: datetime) -> None:
        handler = "complaints_sun" if self.rng.random() < 0.8 else "complaints_fang"
        person = staffing.STAFF_INDEX[handler]
        self._attach(state.case, person, "complaint", manager, at)
        self._entry(person, state.case, "note", COMPLAINT_NOTE, at + 20 * MINUTE)

    def _attach(self, case: int, person: int, capacity: str, by: int, at: datetime) -> None:
        self.rows.add(
            "participant",
            case_id=case,
            staff_id=self.crew.staff[person],
            capacity=capacity,
            added_by_id=self.crew.user[by],
            added_at=at,
        )

    def _transfer(self, state: _CaseState, manager: int, day: date) -> None:
        others = [b for b in range(len(places.BRANCHES)) if b != state.branch]
        to = others[int(self.rng.integers(len(others)))]
        site = places.BRANCHES[to]
        district = site.catchment[int(self.rng.integers(len(site.catchment)))]
        at = self._work_time(day)
        from_id, to_id = self.crew.branch_ids[state.branch], self.crew.branch_ids[to]
        reason = TRANSFER_REASON.format(district=district, branch=site.name)
        self.rows.add(
            "transfer",
            case_id=state.case,
            from_branch_id=from_id,
            to_branch_id=to_id,
            reason=reason,
            by_id=self.crew.user[manager],
            at=at,
        )
        from_agent = state.agent
        state.branch = to
        self._reassign(state, None, manager, reason, at)
        calls = int(self.rng.integers(3, 12))
        opening = THREAD[0].format(district=district, calls=calls)
        self._entry(manager, state.case, "message", opening, at + 5 * MINUTE)
        to_manager = self.crew.of(to, "collections_manager")[0]
        reply_at = local(day + DAY, 10, int(self.rng.integers(0, 60)))
        self._entry(to_manager, state.case, "message", THREAD[1], reply_at)
        if self.rng.random() < 0.7:
            agent = self._pick(self.crew.of(to, "field_agent"))
            self._reassign(state, agent, to_manager, "", reply_at + timedelta(minutes=10))
        if from_agent is not None and self.rng.random() < 0.6:
            self._entry(from_agent, state.case, "message", THREAD[2], local(day + 2 * DAY, 15))

    def _entry(self, author: int, case: int, kind: str, body: str, at: datetime) -> None:
        branch = staffing.STAFF[author].branch
        self.rows.add(
            "entry",
            case_id=case,
            kind=kind,
            author_id=self.crew.user[author],
            author_branch_id=self.crew.branch_ids[branch] if branch is not None else None,
            body=body,
            at=at,
        )

    def _status(
        self,
        case: int,
        source: Status | str,
        target: Status,
        actor: int | None,
        reason: str,
        at: datetime,
    ) -> None:
        self.rows.add(
            "status_change",
            case_id=case,
            from_status=str(source),
            to_status=target.value,
            reason=reason,
            actor_id=self.crew.user[actor] if actor is not None else None,
            at=at,
        )

    def _buckets(self, case: int, episode: Episode) -> None:
        opening = episode.opening
        self.rows.add(
            "bucket_change",
            case_id=case,
            on=episode.opened_on,
            from_bucket="",
            to_bucket=opening.bucket.value,
            dpd=opening.dpd,
            cause="opened",
            cause_date=opening.oldest_unpaid_due or episode.opened_on,
            cause_amount=cents(opening.past_due),
        )
        for move in episode.moves:
            self.rows.add(
                "bucket_change",
                case_id=case,
                on=move.on,
                from_bucket=move.from_bucket.value,
                to_bucket=move.to_bucket.value,
                dpd=move.dpd,
                cause=move.cause.value,
                cause_date=move.cause_date,
                cause_amount=cents(move.cause_amount) if move.cause_amount is not None else None,
            )

    def _finish(self, state: _CaseState, status: Status, closed_at: datetime | None) -> None:
        case = self.rows.tables["case"]
        index = state.case - self._first("case")
        case["status"][index] = status.value
        case["closed_at"][index] = closed_at
        case["branch_id"][index] = self.crew.branch_ids[state.branch]
        agent = state.agent
        case["agent_id"][index] = self.crew.staff[agent] if agent is not None else None
        case["team_id"][index] = self.crew.team[agent] if agent is not None else None
        if closed_at is not None:
            case["updated_at"][index] = closed_at


@dataclass
class _CaseState:
    case: int
    status: Status
    assignment: int
    branch: int
    agent: int | None = None
    since: date | None = None


def _amounts(snapshot: Arrears) -> dict[str, int | str]:
    return {
        "dpd": snapshot.dpd,
        "bucket": snapshot.bucket.value,
        "past_due": cents(snapshot.past_due),
        "outstanding_principal": cents(snapshot.unpaid_principal),
        "outstanding_interest": cents(snapshot.unpaid_interest),
        "outstanding_penalty": cents(snapshot.unpaid_fee),
    }
