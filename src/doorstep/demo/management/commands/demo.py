"""``doorstep demo load`` builds the demo bank; ``doorstep demo logins`` prints who can sign in."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from doorstep.core.errors import DomainError
from doorstep.demo.selectors import bank_exists, demo_debtor, demo_logins
from doorstep.demo.services import demo_load


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("--as-of must be a date like 2026-06-30.")) from None


class Command(BaseCommand):
    help = "Load the deterministic demo bank, or print its demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="Build the demo bank in an empty database.")
        load.add_argument("--accounts", type=int, default=5000)
        load.add_argument("--seed", type=int, default=7)
        load.add_argument(
            "--as-of", dest="as_of", help="The bank's today, YYYY-MM-DD (default: today)."
        )
        load.add_argument(
            "--if-empty",
            dest="if_empty",
            action="store_true",
            help="Do nothing when the database already holds a bank.",
        )
        actions.add_parser("logins", help="Print the demo logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self._load(options)
        else:
            self._logins()

    def _load(self, options: dict[str, Any]) -> None:
        if options["if_empty"] and bank_exists():
            self.stdout.write(_("The database already holds a bank; the demo load is skipped."))
            return
        accounts: int = options["accounts"]
        as_of = _as_of(options["as_of"]) if options["as_of"] else timezone.localdate()
        with tqdm(
            total=accounts, unit=" accounts", file=self.stderr, disable=None, leave=False
        ) as bar:
            try:
                report = demo_load(
                    accounts=accounts,
                    seed=options["seed"],
                    as_of=as_of,
                    progress=bar.update,
                )
            except DomainError as error:
                raise CommandError(error.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Loaded the demo bank as of %(as_of)s: %(accounts)s accounts, %(customers)s "
                    "customers, %(cases)s cases, %(rows)s rows in %(seconds).1f s."
                )
                % {
                    "as_of": as_of.isoformat(),
                    "accounts": f"{report.rows.get('account', 0):,}",
                    "customers": f"{report.rows.get('customer', 0):,}",
                    "cases": f"{report.rows.get('case', 0):,}",
                    "rows": f"{report.total_rows:,}",
                    "seconds": report.seconds,
                }
            )
        )

    def _logins(self) -> None:
        logins = demo_logins()
        if not logins:
            raise CommandError(_("No demo bank is loaded: run “doorstep demo load” first."))
        header = (_("Username"), _("Name"), _("Role"), _("Branch"), _("Password"))
        rows = [(x.username, x.display_name, x.role, x.branch, x.password) for x in logins]
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for number, row in enumerate([header, *rows]):
            self.stdout.write("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)))
            if number == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        debtor = demo_debtor()
        if debtor is not None:
            self.stdout.write(
                _(
                    "Self-service assistant (/assistant/), as a demo debtor: phone %(phone)s, "
                    "ID number ending %(last4)s; the one-time code appears in the server log."
                )
                % {"phone": debtor.phone, "last4": debtor.id_last4}
            )


def _width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
