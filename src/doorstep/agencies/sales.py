"""Debt sale: a portfolio sold to an independent buyer, the notices to the debtors, and the
transfer file.

The buyer is a separate personal-information handler, so giving it a debtor's personal data
needs that debtor's separate consent (PIPL Art 23, CN-PI-04): the transfer file carries a
debtor's name, ID number, phones and address only when ``privacy.selectors.consent_in_force``
says the ``transfer_to_buyer`` consent is in force at the transfer; every row carries the debt
itself (account numbers, amounts, ageing), which the assignment of the claim needs. Each debtor
is sent a notice of the assignment (债权转让通知), a letter, so the compliance gate decides it
first and the decision is kept with the item. The file's SHA-256 goes to the ledger, so the
bank and the buyer can show which file was handed over.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.access.matrix import Category
from doorstep.access.services import export_record
from doorstep.agencies.models import Buyer, Placement, Sale, SaleItem
from doorstep.agencies.selectors import REGISTER_ROLES, staff_in
from doorstep.agencies.services import AgencyRefused, _recall
from doorstep.cases import services as case_services
from doorstep.cases.lifecycle import OPEN as CASE_OPEN
from doorstep.cases.lifecycle import Status as CaseStatus
from doorstep.cases.models import Case
from doorstep.compliance.proposals import ContactProposal
from doorstep.compliance.services import contact_allowed, contact_decide
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.portfolio.models import Account
from doorstep.privacy.selectors import consent_in_force

PURPOSE = "transfer_to_buyer"
FORMATS = ("csv", "json")
# What every row carries: the debt, never the person.
DEBT_FIELDS = (
    "case",
    "accounts",
    "principal",
    "interest",
    "fees",
    "face_value",
    "dpd",
    "bucket",
    "opened_on",
    "consent",
)
# Added only for a debtor whose separate consent is in force.
PERSONAL_FIELDS = ("name", "national_id", "phones", "address")
SELLABLE = ("active", "promised", "in_plan", "legal", "closed_written_off")


def _require(actor: Any) -> None:
    if staff_in(actor, REGISTER_ROLES) is None:
        raise AgencyRefused("forbidden", _("Your role may not sell debts."))


@transaction.atomic
def buyer_register(
    *, actor: Any, code: str, name: str, credit_code: str, contact_name: str
) -> Buyer:
    _require(actor)
    credit = credit_code.strip().upper()
    if len(credit) != 18 or not credit.isalnum():
        raise DomainError(
            "invalid_credit_code",
            _("A unified social credit code has 18 letters and digits."),
            field="credit_code",
        )
    if Buyer.objects.filter(code=code).exists() or Buyer.objects.filter(credit_code=credit):
        raise ConflictError("duplicate", _("This buyer is registered already."), field="code")
    now = timezone.now()
    buyer = Buyer.objects.create(
        code=code,
        name=name.strip(),
        credit_code=credit,
        contact_name=contact_name,
        registered_at=now,
    )
    ledger_append(
        kind="sale.buyer_registered",
        actor=actor,
        subject={"buyer": buyer.code},
        record={"name": buyer.name, "credit_code": buyer.credit_code},
        at=now,
    )
    return buyer


@transaction.atomic
def sale_create(*, actor: Any, buyer: Buyer, cases: Sequence[Case], price: Decimal) -> Sale:
    """A draft sale of ``cases`` to ``buyer`` for ``price``; each case's face value is what is
    unpaid on it now. A case already in another sale, or closed other than written off, is
    refused."""
    _require(actor)
    if price <= 0:
        raise DomainError("invalid_price", _("The price is more than zero."), field="price")
    if not cases:
        raise DomainError("no_cases", _("Choose the cases to sell."), field="cases")
    locked = list(Case.objects.select_for_update().filter(pk__in=[c.pk for c in cases]))
    for case in locked:
        if case.status not in SELLABLE:
            raise DomainError(
                "not_sellable",
                _("Case %(case)s cannot be sold in its status.") % {"case": case.reference},
                field="cases",
            )
    if SaleItem.objects.filter(case__in=locked).exists():
        raise ConflictError("already_sold", _("Some of these cases are in another sale."))
    now = timezone.now()
    sale = Sale.objects.create(
        reference=f"DS{timezone.localtime(now):%y%m%d}-{secrets.token_hex(3).upper()}",
        buyer=buyer,
        price=price,
        created_by=actor,
        created_at=now,
    )
    SaleItem.objects.bulk_create(
        SaleItem(sale=sale, case=case, face_value=case.outstanding_total)
        for case in sorted(locked, key=lambda c: c.reference)
    )
    ledger_append(
        kind="sale.created",
        actor=actor,
        subject={"sale": sale.reference, "buyer": buyer.code},
        record={"price": str(price), "cases": sorted(c.reference for c in locked)},
        at=now,
    )
    return sale


@dataclass(frozen=True)
class TransferFile:
    sale: Sale
    name: str
    content: bytes
    sha256: str


def _row(item: SaleItem, consent: bool) -> dict[str, Any]:
    case = item.case
    row: dict[str, Any] = {
        "case": case.reference,
        "accounts": ";".join(a.external_id for a in case.accounts.all()),
        "principal": f"{case.outstanding_principal:.2f}",
        "interest": f"{case.outstanding_interest:.2f}",
        "fees": f"{case.outstanding_penalty:.2f}",
        "face_value": f"{item.face_value:.2f}",
        "dpd": case.dpd,
        "bucket": case.bucket,
        "opened_on": case.opened_on.isoformat(),
        "consent": consent,
    }
    if consent:
        person = case.customer
        address = person.addresses.first()
        row.update(
            name=person.name,
            national_id=person.national_id,
            phones=";".join(p.number for p in person.phones.all()),
            address=(
                f"{address.province}{address.city}{address.district}{address.line}"
                if address is not None
                else ""
            ),
        )
    else:
        row.update(dict.fromkeys(PERSONAL_FIELDS, ""))
    return row


def _render(rows: list[dict[str, Any]], file_format: str) -> bytes:
    columns = [*DEBT_FIELDS, *PERSONAL_FIELDS]
    if file_format == "json":
        return json.dumps(rows, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@transaction.atomic
def _hand_over(case: Case, sale: Sale, actor: Any, now: Any) -> None:
    """The debt is no longer the bank's: its accounts become ``sold`` (the nightly sync opens no
    case on them again) and an open case closes ``closed_sold``, so nobody at the bank goes on
    collecting it."""
    Account.objects.filter(cases=case).update(status=Account.Status.SOLD, updated_at=now)
    if CaseStatus(case.status) in CASE_OPEN:
        case_services.case_transition(
            case=case,
            target=CaseStatus.CLOSED_SOLD.value,
            actor=actor,
            reason=_("Debt sold to %(buyer)s in %(sale)s.")
            % {"buyer": sale.buyer.name, "sale": sale.reference},
            by_process=True,
        )


def sale_transfer(
    *,
    actor: Any,
    sale: Sale,
    file_format: str = "csv",
    remote_addr: str | None = None,
    channel: str = "api",
) -> TransferFile:
    """Hand the sale over: recall any agency placement of the sold cases, send each debtor the
    notice of assignment through the compliance gate, mark the accounts sold and close the open
    cases, build the transfer file with only the fields each debtor's consent allows, and ledger
    its hash. Once only."""
    _require(actor)
    if file_format not in FORMATS:
        raise DomainError("invalid_choice", _("Choose CSV or JSON."), field="file_format")
    sale = Sale.objects.select_for_update().get(pk=sale.pk)
    if sale.status != Sale.Status.DRAFT:
        raise ConflictError("already_transferred", _("This sale was transferred already."))
    now = timezone.now()
    items = list(
        sale.items.select_related("case__customer")
        .prefetch_related("case__accounts", "case__customer__phones", "case__customer__addresses")
        .order_by("case__reference")
    )
    placements = Placement.objects.select_for_update(of=("self",)).filter(
        case__in=[i.case for i in items], recalled_at__isnull=True
    )
    _recall(
        list(placements.select_related("case", "batch", "agency")),
        reason=Placement.Recall.AT_WILL,
        actor=actor,
        note=_("Sold in %(sale)s") % {"sale": sale.reference},
        now=now,
    )
    rows = []
    for item in items:
        item.consent = consent_in_force(item.case.customer_id, PURPOSE, now)
        decision = contact_decide(
            case=item.case, proposal=ContactProposal(channel="letter", at=now), actor=actor
        )
        item.notice_decision = decision
        item.notice_sent_at = now if contact_allowed(decision) else None
        item.save(update_fields=["consent", "notice_decision", "notice_sent_at"])
        rows.append(_row(item, item.consent))
        _hand_over(item.case, sale, actor, now)
    content = _render(rows, file_format)
    digest = content_hash(content)
    sale.status = Sale.Status.TRANSFERRED
    sale.transferred_at = now
    sale.file_format = file_format
    sale.file_sha256 = digest
    sale.save(update_fields=["status", "transferred_at", "file_format", "file_sha256"])
    ledger_append(
        kind="sale.transferred",
        actor=actor,
        subject={"sale": sale.reference, "buyer": sale.buyer.code},
        record={
            "file_sha256": digest,
            "format": file_format,
            "rows": len(rows),
            "with_personal_data": sum(1 for item in items if item.consent),
            "notices_sent": sum(1 for item in items if item.notice_sent_at),
        },
        at=now,
    )
    export_record(
        user=actor,
        category=Category.STATUTORY,
        what=f"debt-sale transfer file {sale.reference}",
        filters={"sale": sale.reference, "format": file_format},
        rows=len(rows),
        remote_addr=remote_addr,
        channel=channel,
    )
    return TransferFile(sale, f"{sale.reference}.{file_format}", content, digest)
