"""Remote collection benchmark: allocation, a phone queue and a campaign on the database.

``python -m bench.remote`` (``--cases N``, default 10,000; ``--database-url URL``) builds N open
M2 cases at one branch with two phone agents (a tenth of the debtors on a cease-contact hold)
in a fresh database (a temporary SQLite file unless a URL names an empty one), then times:

1. allocation of the N cases by one rule, simulated and then applied (through ``case_assign``);
2. reading one agent's phone queue (their half of the cases, gated in one batch);
3. a campaign to the N cases (every message through the gate, the gateway accepting), and
   delivery receipts for 1,000 of them (each recorded as a contact, interrupting limitation).

It checks the simulation equals the applied moves and the campaign's counts, and prints
markdown.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")
SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIPTS = 1_000


def timed(call: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def configure(url: str | None, workdir: Path) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    os.environ["DOORSTEP_DATA_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return os.environ["DATABASE_URL"].split(":", 1)[0]


def run(cases: int, url: str | None) -> str:
    with tempfile.TemporaryDirectory() as workdir:
        backend = configure(url, Path(workdir))
        from django.conf import settings
        from django.test.utils import override_settings
        from django.utils import timezone

        from doorstep.cases.models import Case
        from doorstep.compliance.models import Hold
        from doorstep.core.testing import make_branch, make_staff
        from doorstep.oversight.services import approval_decide
        from doorstep.remote import services
        from doorstep.remote.models import AllocationMove, AllocationRule, CampaignMessage
        from doorstep.remote.selectors import queue
        from doorstep.remote.tests.factories import late_cases
        from doorstep.staff.models import Role, Team

        branch = make_branch("BENCH", "Bench branch")
        team = Team.objects.create(branch=branch, name="phone", kind=Team.Kind.PHONE)
        manager = make_staff("bench_manager", Role.COLLECTIONS_MANAGER, branch=branch).user
        officer = make_staff("bench_compliance", Role.COMPLIANCE_OFFICER).user
        agents = [
            make_staff(f"bench_agent_{n}", Role.PHONE_AGENT, branch=branch, team=team)
            for n in range(2)
        ]
        built, made = timed(lambda: late_cases(branch, cases, prefix="B"))
        since = datetime(2026, 1, 1, tzinfo=SHANGHAI)
        Hold.objects.bulk_create(
            Hold(customer_id=c.customer_id, kind="cease_contact", starts_at=since, reason="b")
            for c in made[::10]
        )
        AllocationRule.objects.create(
            position=1, name="all", branch=branch, team=team, agent_cap=cases
        )
        today = timezone.localdate()
        simulate, simulated = timed(
            lambda: services.allocation_run(actor=manager, as_of=today, apply=False)
        )
        apply, applied = timed(
            lambda: services.allocation_run(actor=manager, as_of=today, apply=True)
        )

        def moves(run: Any) -> list[tuple[int, int | None]]:
            return sorted(
                AllocationMove.objects.filter(run=run).values_list("case_id", "to_agent_id")
            )

        if moves(simulated) != moves(applied):
            raise SystemExit("the simulation differs from the applied run")
        moment = datetime(2026, 12, 1, 10, tzinfo=SHANGHAI)
        read, offered = timed(lambda: queue(user=agents[0].user, at=moment, limit=cases))
        held = Case.objects.filter(agent=agents[0]).count()

        template = services.template_create(
            code="bench", name="bench", channel="sms", actor=manager
        )
        version = services.template_version_propose(
            template=template,
            body="{debtor_name}您好，您的账户 {reference} 逾期 {past_due} 元，请尽快还款。",
            actor=manager,
            reason="bench",
        )
        approval_decide(request=version.approval, approver=officer, approve=True, reason="ok")
        version.refresh_from_db()
        campaign = services.campaign_create(
            actor=manager, name="bench", version=version, scheduled_at=moment
        )
        with override_settings(REMOTE_GATEWAY="bench.remote.AcceptingGateway"):
            send, sent = timed(lambda: services.campaign_run(campaign=campaign, at=moment))
        refs = list(
            CampaignMessage.objects.filter(campaign=sent, status="sent").values_list(
                "gateway_ref", flat=True
            )[:RECEIPTS]
        )

        def receipts() -> None:
            for ref in refs:
                services.message_receipt(gateway_ref=ref, delivered=True, at=moment)

        receive, _none = timed(receipts)
        blocked = len(made[::10])
        if (sent.blocked, sent.sent, sent.failed) != (blocked, cases - blocked, 0):
            raise SystemExit(f"campaign counts wrong: {sent.sent}, {sent.blocked}, {sent.failed}")
        lines = [
            "## bench.remote",
            "",
            f"{cases:,} open M2 cases at one branch, two phone agents, one debtor in ten on a "
            f"cease-contact hold; {backend}, Python {platform.python_version()} on "
            f"{platform.machine()}, {timezone.localdate().isoformat()}"
            f"{' (DEBUG)' if settings.DEBUG else ''}.",
            "",
            "| step | seconds | per second |",
            "|---|---:|---:|",
            f"| build the cases (bulk) | {built:.2f} | {cases / built:,.0f} |",
            f"| allocation, simulated ({simulated.moved:,} moves) | {simulate:.2f} "
            f"| {cases / simulate:,.0f} |",
            f"| allocation, applied through case_assign | {apply:.2f} | {cases / apply:,.0f} |",
            f"| one agent's phone queue ({len(offered):,} callable of {held:,}) "
            f"| {read:.2f} | {held / read:,.0f} |",
            f"| campaign: gate + render + gateway ({sent.sent:,} sent, {sent.blocked:,} "
            f"blocked by CN-HOLD-01) | {send:.2f} | {cases / send:,.0f} |",
            f"| delivery receipts recorded as contacts | {receive:.2f} "
            f"| {len(refs) / receive:,.0f} |",
            "",
            "The simulation's moves equal the applied run's; the campaign's counts are exact.",
        ]
        return "\n".join(lines)


def _accepting() -> type:
    from doorstep.remote.channels import FakeGateway

    class Accepting(FakeGateway):
        """Accepts every message; receipts follow through ``services.message_receipt``."""

        DELIVERS_AT_ONCE = False

    return Accepting


def __getattr__(name: str) -> Any:
    """``bench.remote.AcceptingGateway``, defined once Django is set up."""
    if name == "AcceptingGateway":
        return _accepting()
    raise AttributeError(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    print(run(args.cases, args.database_url))


if __name__ == "__main__":
    main()
