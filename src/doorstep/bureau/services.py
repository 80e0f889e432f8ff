"""Writes for credit reporting: the monthly file, corrections after upheld disputes, and
settlement certificates. Each is one transaction with its ledger entry."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.access.matrix import Category
from doorstep.access.services import export_record
from doorstep.bureau import layout
from doorstep.bureau.models import Certificate, Correction, ReportFile
from doorstep.cases import delinquency
from doorstep.cases.lifecycle import Status as CaseStatus
from doorstep.cases.models import Case
from doorstep.core.errors import ConflictError, DomainError
from doorstep.core.masking import mask_national_id
from doorstep.core.pdf import PdfDocument
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.legal.models import Matter
from doorstep.oversight.models import Complaint
from doorstep.plans.letters import load_texts
from doorstep.plans.models import Plan
from doorstep.portfolio.models import Account, Statement
from doorstep.portfolio.selectors import histories_for

ID_TYPE_RESIDENT_CARD = "01"
UPHELD = ("upheld", "partly_upheld")
CERTIFIED_STATUSES = (CaseStatus.CLOSED_SETTLED.value, CaseStatus.CLOSED_CURED.value)


def bank_code() -> str:
    return str(getattr(settings, "BUREAU_BANK_CODE", "DOORSTEP"))


def _local_date(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def reported_cases(month: str) -> list[Case]:
    """The cases a month's file reports: open at some time during the month."""
    first, last = layout.month_bounds(month)
    cases = Case.objects.filter(opened_on__lte=last).exclude(
        closed_at__isnull=False, closed_at__date__lt=first
    )
    return list(cases.select_related("customer").prefetch_related("accounts").order_by("pk"))


def report_rows(month: str, *, as_of: date) -> list[dict[str, str]]:
    """One D row per account of every reported case, from the system's own state as of
    ``as_of``: the arrears recomputed from the stored dues and payments (as the case refresh
    does; none for a case closed settled or cured), the case's and the account's status, the
    newest plan and legal matter."""
    cases = reported_cases(month)
    case_ids = [case.pk for case in cases]
    account_ids = sorted({a.pk for case in cases for a in case.accounts.all()})
    histories = histories_for(account_ids, as_of=as_of)
    balances: dict[int, Any] = {}
    for account_id, closing in (
        Statement.objects.filter(account_id__in=account_ids, statement_date__lte=as_of)
        .order_by("account_id", "statement_date")
        .values_list("account_id", "closing_balance")
    ):
        balances[account_id] = closing  # the last one wins
    plans: dict[int, str] = {}
    for case_id, status in (
        Plan.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "offered_at", "id")
        .values_list("case_id", "status")
    ):
        plans[case_id] = status
    matters: dict[int, str] = {}
    for case_id, status in (
        Matter.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "status")
    ):
        matters[case_id] = status
    rows = []
    for case in cases:
        customer = case.customer
        for account in sorted(case.accounts.all(), key=lambda a: a.external_id):
            history = histories[account.pk]
            if case.status in CERTIFIED_STATUSES:
                # Settled or cured: nothing is owed on the case any more, whatever a discount
                # left unpaid on the statements; the bureau learns the account is clear.
                arrears = delinquency.arrears((), (), as_of)
            else:
                arrears = delinquency.arrears(history.dues, history.payments, as_of)
            rows.append(
                {
                    "record_type": "D",
                    "report_month": month,
                    "bank_code": bank_code(),
                    "account_number": account.external_id,
                    "product": account.product,
                    "currency": account.currency,
                    "opened_on": layout.day(account.opened_on),
                    "credit_limit": layout.money(account.credit_limit),
                    "principal": layout.money(account.principal),
                    "customer_number": customer.external_id,
                    "name": customer.name,
                    "id_type": ID_TYPE_RESIDENT_CARD,
                    "id_number": customer.national_id,
                    "case_reference": case.reference,
                    "case_status": case.status,
                    "account_status": account.status,
                    "bureau_status": layout.bureau_status(
                        case_status=case.status, account_status=account.status
                    ),
                    "dpd": str(arrears.dpd),
                    "bucket": arrears.bucket.value,
                    "overdue_amount": layout.money(arrears.past_due),
                    "unpaid_principal": layout.money(arrears.unpaid_principal),
                    "unpaid_interest": layout.money(arrears.unpaid_interest),
                    "unpaid_fees": layout.money(arrears.unpaid_fee),
                    "balance": layout.money(balances.get(account.pk)),
                    "plan_status": plans.get(case.pk, ""),
                    "legal_status": matters.get(case.pk, ""),
                    "closed_on": layout.day(_local_date(case.closed_at)),
                }
            )
    return rows


@transaction.atomic
def report_generate(*, month: str, actor: Any, as_of: date | None = None) -> ReportFile:
    """Generate the file for ``month`` (as of its last day, or today while it runs), with every
    correction not yet sent; ledger its SHA-256."""
    try:
        first, last = layout.month_bounds(month)
    except layout.LayoutError:
        raise DomainError("invalid_month", _("Give the month as YYYY-MM."), field="month") from None
    today = timezone.localdate()
    if first > today:
        raise DomainError("future_month", _("That month has not begun."), field="month")
    as_of = as_of or min(last, today)
    pending = list(
        Correction.objects.select_for_update().filter(included_in__isnull=True).order_by("pk")
    )
    rows = report_rows(month, as_of=as_of) + [dict(c.corrected_row) for c in pending]
    now = timezone.now()
    header = layout.Header(bank_code(), month, as_of, now.isoformat(timespec="seconds"))
    text = layout.render(header, rows)
    version = (ReportFile.objects.filter(month=month).aggregate(v=Max("version"))["v"] or 0) + 1
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    report = ReportFile.objects.create(
        month=month,
        version=version,
        as_of=as_of,
        content=text,
        sha256=sha,
        data_rows=len(rows) - len(pending),
        correction_rows=len(pending),
        generated_by=actor,
        generated_at=now,
    )
    Correction.objects.filter(pk__in=[c.pk for c in pending]).update(included_in=report)
    ledger_append(
        kind="bureau.file",
        actor=actor,
        subject={"bureau_file": f"{month}v{version}"},
        record={
            "sha256": sha,
            "rows": report.data_rows,
            "corrections": report.correction_rows,
            "as_of": as_of,
        },
    )
    return report


@transaction.atomic
def report_downloaded(
    *, report: ReportFile, actor: Any, channel: str, remote_addr: str | None = None
) -> None:
    """The file holds full names and ID numbers: every download is checked against the
    permission matrix and logged in the access log (who, which file, from where), and
    ledgered."""
    export_record(
        user=actor,
        category=Category.STATUTORY,
        what=f"credit-bureau file {report.month} v{report.version}",
        filters={"month": report.month, "version": report.version},
        rows=report.data_rows,
        remote_addr=remote_addr,
        channel=channel,
    )
    ledger_append(
        kind="bureau.file_downloaded",
        actor=actor,
        subject={"bureau_file": f"{report.month}v{report.version}"},
        record={"sha256": report.sha256, "channel": channel},
    )


@transaction.atomic
def correction_record(
    *,
    complaint: Complaint,
    account: Account,
    month: str,
    changes: Sequence[tuple[str, str]],
    reason: str,
    actor: Any,
) -> Correction:
    """A dispute about what a month's file said was upheld: the account's row in the latest
    file of that month, corrected, goes out in the next file."""
    if complaint.outcome not in UPHELD:
        raise ConflictError(
            "dispute_not_upheld",
            _("Only an upheld dispute corrects a reported file."),
            field="complaint",
        )
    source = ReportFile.objects.filter(month=month).order_by("-version").first()
    if source is None:
        raise DomainError(
            "month_not_reported", _("No file was sent for that month."), field="month"
        )
    original = next(
        (
            row
            for row in layout.parse(source.content).data
            if row["account_number"] == account.external_id
        ),
        None,
    )
    if original is None:
        raise DomainError(
            "account_not_reported",
            _("That account was not in that month's file."),
            field="account",
        )
    if not changes:
        raise DomainError("no_changes", _("Say what was wrong."), field="changes")
    try:
        fixed = layout.corrected(original, changes)
    except layout.LayoutError:
        raise DomainError(
            "invalid_column", _("That column cannot be corrected."), field="changes"
        ) from None
    text = reason.strip()
    if not text:
        raise DomainError("reason_required", _("Give a reason for this change."), field="reason")
    correction = Correction(
        account=account,
        month=month,
        reason=text[:500],
        complaint=complaint,
        source=source,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    # JSON values of encrypted fields: assigned, not passed, as the stubs type them as text.
    correction.changes = [[column, original[column], value] for column, value in changes]
    correction.corrected_row = fixed
    correction.save()
    ledger_append(
        kind="bureau.correction",
        actor=actor,
        subject={"account": account.external_id, "complaint": complaint.reference},
        record={
            "month": month,
            "columns": [c for c, _v in changes],
            "row_hash": content_hash(fixed),
            "source": source.sha256,
        },
    )
    return correction


# ---------------------------------------------------------------------------------------------
# Settlement certificates


def certificate_number(case: Case) -> str:
    return f"SC{case.reference[1:]}"


def certificate_facts(case: Case) -> dict[str, Any]:
    texts = load_texts()
    settled_on = _local_date(case.closed_at)
    return {
        "number": certificate_number(case),
        "bank": texts["bank"]["zh-hans"],
        "bank_en": texts["bank"]["en"],
        "case": case.reference,
        "debtor": case.customer.name,
        "national_id": mask_national_id(case.customer.national_id),
        "accounts": sorted(a.external_id for a in case.accounts.all()),
        "closed_as": case.status,
        "settled_on": settled_on.isoformat() if settled_on else "",
    }


def certificate_pdf(facts: dict[str, Any], facts_hash: str) -> bytes:
    closed = {"closed_settled": "已结清 Settled", "closed_cured": "逾期已结清 Arrears cleared"}
    pdf = PdfDocument(title=f"结清证明 {facts['number']}")
    pdf.heading("结清证明 Settlement certificate")
    pdf.table(
        [
            ("证明编号 Certificate no.", facts["number"]),
            ("出具银行 Issuing bank", f"{facts['bank']} {facts['bank_en']}"),
            ("借款人 Debtor", facts["debtor"]),
            ("证件号码 ID number", facts["national_id"]),
            ("账户 Accounts", "、".join(facts["accounts"])),
            ("结清情况 Status", closed.get(facts["closed_as"], facts["closed_as"])),
            ("结清日期 Date settled", facts["settled_on"]),
        ]
    )
    pdf.space(6)
    pdf.paragraph(
        "兹证明上述借款人在我行上述账户项下的逾期欠款已于结清日期全部清偿，本案催收已结束。"
    )
    pdf.paragraph(
        "This certifies that the debtor above has repaid in full the overdue amounts on the "
        "accounts above as of the date settled, and collection of this case has ended."
    )
    pdf.space(10)
    pdf.paragraph(f"校验码 Verification hash: {facts_hash}", small=True)
    pdf.paragraph(
        "校验码为证明内容的 SHA-256 摘要，已记入银行的可验证日志。"
        " The hash is the SHA-256 of the certified facts, recorded in the bank's verifiable log.",
        small=True,
    )
    return pdf.render()


@transaction.atomic
def certificate_issue(*, case: Case, actor: Any) -> Certificate:
    """Issue the settlement certificate of a case closed settled or cured (once per case)."""
    case = Case.objects.select_for_update().select_related("customer").get(pk=case.pk)
    if case.status not in CERTIFIED_STATUSES:
        raise ConflictError(
            "not_settled", _("A certificate is issued only for a case closed settled or cured.")
        )
    if Certificate.objects.filter(case=case).exists():
        raise ConflictError("already_issued", _("The certificate was already issued."))
    facts = certificate_facts(case)
    facts_hash = content_hash(facts)
    data = certificate_pdf(facts, facts_hash)
    pdf_sha = hashlib.sha256(data).hexdigest()
    certificate = Certificate(
        number=facts["number"],
        case=case,
        closed_as=case.status,
        settled_on=date.fromisoformat(facts["settled_on"]),
        facts_hash=facts_hash,
        pdf_base64=base64.b64encode(data).decode("ascii"),
        pdf_sha256=pdf_sha,
        issued_by=actor,
        issued_at=timezone.now(),
    )
    certificate.facts = facts
    certificate.save()
    ledger_append(
        kind="certificate.issued",
        actor=actor,
        subject={"case": case.reference, "certificate": certificate.number},
        record={"facts_hash": facts_hash, "pdf_sha256": pdf_sha, "closed_as": case.status},
        personal={"customer": case.customer_id},
    )
    return certificate


def certificates_issue_due(*, limit: int = 500) -> list[str]:
    """Issue the certificates of cases closed settled or cured that have none yet. Safe to
    run twice."""
    issued = []
    due = Case.objects.filter(status__in=CERTIFIED_STATUSES, certificate__isnull=True).order_by(
        "closed_at", "pk"
    )[:limit]
    for case in due:
        try:
            issued.append(certificate_issue(case=case, actor=None).number)
        except ConflictError:
            continue  # issued meanwhile by someone else
    return issued
