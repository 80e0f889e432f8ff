"""Delinquency episodes read back from the simulated rows.

Pure (no Django). The demo never types a DPD in: it stores statements and payments, and every
case's numbers come from ``cases.delinquency``, the code the nightly job runs. An open episode
is the customer's arrears on the as-of date over their past-due accounts, as ``cases_sync`` would
open it. Closed episodes are earlier stretches in which some account of the customer was past due
and that ended in a cure; only those that reached M2 (more than 30 days) are kept as case files,
shorter slips being settled by reminders.

Finding those stretches by asking ``delinquency.bucket_moves`` about every account of every
customer costs too much at a million accounts, so ``late_spells`` finds them with numpy from the
same rule (something is past due at the end of a day when less stands paid than has fallen due),
and only the episodes kept are then worked out in full by ``cases.delinquency``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from doorstep.cases.delinquency import (
    Arrears,
    BucketMove,
    History,
    arrears,
    bucket_moves,
    combined,
)

DAY = timedelta(days=1)
KEPT_FROM_DPD = 31  # closed episodes are kept once they reached M2
IntArray = npt.NDArray[np.int64]
DateArray = npt.NDArray[np.datetime64]
_SHIFT = np.int64(1) << np.int64(45)  # keeps per-account running totals apart in one sorted key


@dataclass(frozen=True)
class Episode:
    accounts: tuple[int, ...]
    opened_on: date
    # The day the arrears were cleared; None while the episode is open.
    cured_on: date | None
    opening: Arrears  # on ``opened_on``
    snapshot: Arrears  # on the as-of date, or on ``cured_on``
    moves: tuple[BucketMove, ...]  # after ``opened_on``
    # Each account's own days past due at the snapshot, in ``accounts`` order.
    account_dpd: tuple[int, ...]


@dataclass(frozen=True)
class Spells:
    """Stretches in which one account was past due: first late day, the day it was cleared
    (NaT while still late) and the most days past due it reached."""

    account: IntArray
    start: DateArray
    end: DateArray
    worst_dpd: IntArray


def late_spells(
    *,
    st_account: IntArray,
    st_due: DateArray,
    st_amount: IntArray,
    pay_account: IntArray,
    pay_date: DateArray,
    pay_amount: IntArray,
    pay_reversed: DateArray,
    as_of: date,
) -> Spells:
    """Every account's late spells up to ``as_of``, from its dues and payments (in cents).

    Statements must come in account then due-date order. A due falls late the day after its
    due date; a payment counts from its value date until the day it is reversed.
    """
    day = np.datetime64(as_of, "D")
    fell = st_due < day
    reversed_ = ~np.isnat(pay_reversed)
    account = np.r_[st_account[fell], pay_account, pay_account[reversed_]]
    when = np.r_[st_due[fell] + 1, pay_date, pay_reversed[reversed_]].astype(np.int64)
    due_change = np.r_[st_amount[fell], np.zeros(len(pay_account) + int(reversed_.sum()), np.int64)]
    paid_change = np.r_[np.zeros(int(fell.sum()), np.int64), pay_amount, -pay_amount[reversed_]]
    order = np.lexsort((when, account))
    account, when = account[order], when[order]
    fell_due = _running(account, due_change[order])
    paid = _running(account, paid_change[order])
    # The state at the end of each day with an event is that after the day's last event.
    last = np.r_[(account[1:] != account[:-1]) | (when[1:] != when[:-1]), True]
    account, when, fell_due, paid = account[last], when[last], fell_due[last], paid[last]
    late = paid < fell_due

    # The oldest unpaid due: the first whose running total (over all dues) exceeds what is paid.
    running_due = _running(st_account, st_amount) + st_account * _SHIFT
    oldest_index = np.searchsorted(running_due, paid + account * _SHIFT, side="right")
    oldest = st_due[np.minimum(oldest_index, len(st_due) - 1)].astype(np.int64)

    same_next = np.r_[account[1:] == account[:-1], False]
    next_day = np.r_[when[1:], 0]
    # Days past due just before the next event (or on the as-of date): the most it reached.
    reached = np.where(same_next, next_day - 1, day.astype(np.int64)) - oldest
    same_prev = np.r_[False, account[1:] == account[:-1]]
    prev_late = np.r_[False, late[:-1]] & same_prev
    starts = np.flatnonzero(late & ~prev_late)
    if not len(starts):
        empty = np.array([], dtype="datetime64[D]")
        return Spells(np.array([], np.int64), empty, empty, np.array([], np.int64))
    # Each spell ends at the first event after its start that is not late, if any.
    cleared = np.flatnonzero(~late)
    after = np.searchsorted(cleared, starts)
    end_index = np.where(after < len(cleared), cleared[np.minimum(after, len(cleared) - 1)], -1)
    ended = (end_index >= 0) & (account[np.maximum(end_index, 0)] == account[starts])
    stop = np.where(ended, end_index, _last_of_account(account)[starts] + 1)
    worst = np.array(
        [reached[s:e].max() for s, e in zip(starts.tolist(), stop.tolist(), strict=True)],
        dtype=np.int64,
    )
    return Spells(
        account=account[starts],
        start=when[starts].astype("datetime64[D]"),
        end=np.where(ended, when[np.maximum(end_index, 0)], np.iinfo(np.int64).min).astype(
            "datetime64[D]"
        ),
        worst_dpd=worst,
    )


def _running(group: IntArray, values: IntArray) -> IntArray:
    """Running totals of ``values`` restarting at each new ``group`` (rows sorted by group)."""
    total = np.cumsum(values)
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    before = total[starts] - values[starts]
    return total - np.repeat(before, np.diff(np.r_[starts, len(group)]))


def _last_of_account(account: IntArray) -> IntArray:
    """For each row, the index of the last row of the same account."""
    ends = np.r_[np.flatnonzero(account[1:] != account[:-1]), len(account) - 1]
    return np.repeat(ends, np.diff(np.r_[-1, ends]))


def customer_episodes(
    histories: Mapping[int, History],
    spells: Sequence[tuple[int, date, date | None, int]],
    late_now: Sequence[int],
    as_of: date,
) -> list[Episode]:
    """A customer's kept closed episodes, oldest first, then the open one if any.

    ``spells`` are the customer's accounts' (account, start, end, worst DPD); ``late_now`` the
    accounts past due on ``as_of``; ``histories`` must cover both.
    """
    found = [
        _closed(histories, members, start, end, as_of)
        for start, end, members, worst in _merge(spells)
        if end is not None and end < as_of and worst >= KEPT_FROM_DPD
    ]
    if late_now:
        found.append(_open(histories, late_now, as_of))
    return found


def _merge(
    spells: Sequence[tuple[int, date, date | None, int]],
) -> list[tuple[date, date | None, list[int], int]]:
    """The customer is late while any account is: join spells that overlap or touch."""
    merged: list[tuple[date, date | None, list[int], int]] = []
    for account, start, end, worst in sorted(spells, key=lambda s: (s[1], s[0])):
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            first, last, members, most = merged[-1]
            later = None if last is None or end is None else max(last, end)
            if account not in members:
                members = [*members, account]
            merged[-1] = (first, later, members, max(most, worst))
        else:
            merged.append((start, end, [account], worst))
    return merged


def _arrears(histories: Sequence[History], day: date) -> Arrears:
    return combined([arrears(h.dues, h.payments, day) for h in histories], day)


def _closed(
    histories: Mapping[int, History], members: list[int], start: date, end: date, as_of: date
) -> Episode:
    accounts = tuple(sorted(members))
    chosen = [histories[a] for a in accounts]
    return Episode(
        accounts=accounts,
        opened_on=start,
        cured_on=end,
        opening=_arrears(chosen, start),
        snapshot=_arrears(chosen, end),
        moves=tuple(bucket_moves(chosen, start, end)),
        account_dpd=tuple(0 for _ in accounts),
    )


def _open(histories: Mapping[int, History], late: Sequence[int], as_of: date) -> Episode:
    accounts = tuple(sorted(late))
    chosen = [histories[a] for a in accounts]
    parts = [arrears(h.dues, h.payments, as_of) for h in chosen]
    snapshot = combined(parts, as_of)
    # Past due, so there is an oldest unpaid due; the case opened the day it fell late.
    opened_on = (snapshot.oldest_unpaid_due or as_of) + DAY
    return Episode(
        accounts=accounts,
        opened_on=opened_on,
        cured_on=None,
        opening=_arrears(chosen, opened_on),
        snapshot=snapshot,
        moves=tuple(bucket_moves(chosen, opened_on, as_of)),
        account_dpd=tuple(p.dpd for p in parts),
    )
