"""The collection notice and the plan agreement as PDF files, bilingual, the same content as
their printable pages, with Chinese set in the PDF helper's built-in CID font (no font files
on the server). The bytes are reproducible, so a file's hash can be compared with the letter's
ledgered content hash record at any time."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from doorstep.core.pdf import PdfDocument
from doorstep.plans.models import PLAN_TYPE_LABELS, Letter, Plan
from doorstep.plans.schedule import PlanType


def _both(fields: dict[str, Any], key: str) -> tuple[str, str]:
    value = fields.get(key, {})
    if isinstance(value, dict):
        return str(value.get("zh-hans", "")), str(value.get("en", ""))
    return str(value), str(value)


def letter_pdf(letter: Letter) -> bytes:
    fields = letter.fields
    balance = fields.get("balance", {})
    pdf = PdfDocument(title=f"催收通知函 Collection notice {letter.case.reference}")
    pdf.heading("催收通知函 Collection notice")
    pdf.paragraph(f"{fields.get('name', '')}：")
    pdf.paragraph(f"Dear {fields.get('name', '')},", small=True)
    reason_zh, reason_en = _both(fields, "reason")
    pdf.paragraph(reason_zh).paragraph(reason_en, small=True)
    pdf.space()
    pdf.table(
        [
            ("本金 Principal", str(balance.get("principal", ""))),
            ("利息 Interest", str(balance.get("interest", ""))),
            ("费用及罚息 Fees and penalties", str(balance.get("penalty", ""))),
            ("合计 Total (CNY)", str(balance.get("total", ""))),
        ]
    )
    for key, title in (
        ("legal_basis", "依据 Legal basis"),
        ("rights", "您的权利 Your rights"),
        ("dispute", "核实与异议 How to check or dispute"),
        ("bank_contact", "联系方式 Contact"),
    ):
        zh, en = _both(fields, key)
        pdf.heading(title, level="heading")
        pdf.paragraph(zh).paragraph(en, small=True)
    bank_zh, _bank_en = _both(fields, "bank")
    seal_zh, seal_en = _both(fields, "seal")
    pdf.space(8)
    pdf.paragraph(f"{bank_zh} · {fields.get('as_of', '')}")
    pdf.paragraph(seal_zh).paragraph(seal_en, small=True)
    pdf.space()
    pdf.paragraph(
        f"{letter.case.reference} · #{letter.pk} · {letter.content_hash[:16]}", small=True
    )
    return pdf.render()


def agreement_pdf(plan: Plan) -> bytes:
    label = PLAN_TYPE_LABELS[PlanType(plan.plan_type)]
    with translation.override("zh-hans"):
        type_zh = str(label)
    with translation.override("en"):
        type_en = str(label)
    pdf = PdfDocument(title=f"还款计划协议 Repayment plan agreement {plan.case.reference}")
    pdf.heading("还款计划协议 Repayment plan agreement")
    pdf.table(
        [
            ("债务人 Debtor", plan.case.customer.name),
            ("案件 Case", plan.case.reference),
            ("计划类型 Plan type", f"{type_zh} {type_en}"),
            ("原欠款 Owed", f"{plan.debt_total:,.2f}"),
            ("减免 Waived and discounted", f"{plan.waived:,.2f}"),
            ("计划利息 Plan interest", f"{plan.new_interest:,.2f}"),
            ("手续费 Plan fees", f"{plan.fees:,.2f}"),
            ("应还合计 Total to pay", f"{plan.total:,.2f}"),
        ]
    )
    pdf.heading("还款计划表 Schedule", level="heading")
    pdf.grid(
        [
            "期数 No.",
            "到期日 Due",
            "费用 Fee",
            "罚息 Penalty",
            "利息 Interest",
            "本金 Principal",
            "应还 Amount",
        ],
        [
            [
                i.number,
                i.due_date.isoformat(),
                i.fee,
                i.penalty,
                i.interest,
                i.principal,
                i.amount,
            ]
            for i in plan.instalments.order_by("number")
        ],
        small=True,
    )
    pdf.space()
    days = plan.grace_days
    pdf.paragraph(
        "到期日遇法定节假日或周末顺延至下一工作日；任一期逾期超过 "
        f"{days} 天未还，本计划终止，本行恢复催收，已还款项保留。接受本计划即确认上述债务。"
    )
    pdf.paragraph(
        "A due date on a weekend or public holiday moves to the next workday. If an instalment "
        f"is more than {days} days late the plan ends and collection resumes; payments made are "
        "kept. Accepting this plan acknowledges the debt above.",
        small=True,
    )
    pdf.space(12)
    pdf.table([("债务人签字 Debtor", ""), ("银行（盖章） Bank seal", "")])
    return pdf.render()
