"""Explanations in zh-hans and English, rendered on demand from what a rule saw.

Decisions store facts and parameter values, not prose, so the batch path never pays for text
and an explanation can be given later in either language. Each sentence names what was found
and ends with the rule's article, e.g. CN-HOL-01: “2026-10-01 是国庆节法定休息日，不得上门
（全国年节及纪念日放假办法 第2条）”.

The texts live here rather than in Django's message catalogue because the engine runs without
Django (packs, the planner, ``doorstep-verify``-style tools) and its legal wording is reviewed
as one table, per rule, in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .content import Screening
from .limitation import EventKind, Limitation
from .model import Citation, Decision, Verdict

Lang = Literal["zh-hans", "en"]

HOLIDAY_NAMES: Mapping[str, tuple[str, str]] = {
    "new_years_day": ("元旦", "New Year's Day"),
    "spring_festival": ("春节", "Spring Festival"),
    "tomb_sweeping_day": ("清明节", "Tomb-sweeping Day"),
    "labour_day": ("劳动节", "Labour Day"),
    "dragon_boat_festival": ("端午节", "Dragon Boat Festival"),
    "national_day": ("国庆节", "National Day"),
    "mid_autumn_festival": ("中秋节", "Mid-autumn Festival"),
    "anti_fascist_70th_day": ("抗战胜利70周年纪念日", "Anti-Fascist War Victory 70th Anniversary"),
}
WEEKDAYS: Mapping[int, tuple[str, str]] = {6: ("星期六", "Saturday"), 7: ("星期日", "Sunday")}
NAMES: Mapping[str, tuple[str, str]] = {
    # targets
    "debtor": ("债务人本人", "the debtor"),
    "guarantor": ("担保人", "a guarantor"),
    "third_party": ("无关第三方", "an unrelated third party"),
    "attorney": ("债务人的律师", "the debtor's attorney"),
    # holds
    "cease_contact": ("停止联系", "cease-contact"),
    "dispute": ("异议", "dispute"),
    "hardship": ("困难", "hardship"),
    "complaint": ("投诉", "complaint"),
    # channels
    "visit": ("上门", "visits"),
    "call": ("电话", "calls"),
    "sms": ("短信", "SMS"),
    "email": ("电子邮件", "e-mail"),
    "letter": ("信函", "letters"),
    "chat": ("在线聊天", "chat"),
    # content categories
    "threat": ("威胁", "threats"),
    "violence": ("暴力", "violence"),
    "insult": ("侮辱", "insults"),
    "privacy": ("散布隐私", "spreading private information"),
    # letter fields (CN-LET-01)
    "debtor_name": ("债务人姓名", "the debtor's name"),
    "balance": ("欠款金额", "the balance"),
    "reason": ("催收事由", "the reason"),
    "legal_basis": ("法律依据", "the legal basis"),
    "debtor_rights": ("债务人权利", "the debtor's rights"),
    "dispute_channel": ("查询及异议渠道", "how to check or dispute"),
    "bank_contact": ("银行联系方式", "the bank's contact details"),
    "seal": ("银行印章", "the bank's seal"),
    # limitation events
    "demand_delivered": ("催收送达", "a demand delivered"),
    "acknowledgement": ("债务人承认", "an acknowledgement"),
    "part_payment": ("部分还款", "a part payment"),
    "debit": ("银行扣款", "a debit"),
    "plan": ("还款计划", "a repayment plan"),
    "suit": ("诉讼", "a suit"),
}
# Consent purposes (CN-PI-05); the privacy app's catalogue is their source, an unknown code is
# shown as it is.
PURPOSES: Mapping[str, tuple[str, str]] = {
    "sensitive_whereabouts": ("使用行踪轨迹（定位）信息", "using whereabouts (location) data"),
    "sensitive_financial": ("使用他行金融账户信息", "using financial accounts held elsewhere"),
    "transfer_to_buyer": ("向债权受让方提供个人信息", "giving the file to a debt buyer"),
}

# (rule, variant) → (zh-hans, English). The variant is the ``reason`` fact where a rule has
# several ways to fire. ``{citation}`` is the rule's article in the same language.
TEMPLATES: Mapping[tuple[str, str], tuple[str, str]] = {
    ("CN-TIME-01", ""): (
        "当地时间 {date} {local_time}（{timezone}）不在允许联系时段 {contact_window} 内，"
        "且债务人未同意该时间（{citation}）",
        "{date} {local_time} local time ({timezone}) is outside the contact window "
        "{contact_window} and the debtor has not agreed to this time ({citation})",
    ),
    ("CN-VISIT-01", ""): (
        "上门时间 {date} {local_time}（{timezone}）不在本行上门时段 {visit_window} 内"
        "（{citation}）",
        "A visit at {local_time} on {date} ({timezone}) is outside the bank's visit hours "
        "{visit_window} ({citation})",
    ),
    ("CN-HOL-01", ""): (
        "{date} 是{holiday_zh}法定休息日，不得上门（{citation}）",
        "{date} is a public-holiday rest day{holiday_en}: no field visits ({citation})",
    ),
    ("CN-HOL-02", ""): (
        "{year} 年的放假安排尚未载入，{date} 是否休息日未知，上门须经批准（{citation}）",
        "The official arrangement for {year} is not loaded, so whether {date} is a rest day is "
        "unknown: the visit needs approval ({citation})",
    ),
    ("CN-HOL-03", ""): (
        "{date} 是周末（{weekday_zh}），本行已停止周末上门（{citation}）",
        "{date} is a weekend day ({weekday_en}) and the bank has turned weekend visits off "
        "({citation})",
    ),
    ("CN-FREQ-01", ""): (
        "{date} 已向该债务人拨打 {earlier_attempts} 次电话，每日最多 {max_calls_per_day} 次"
        "（{citation}）",
        "{earlier_attempts} call attempts to this debtor already on {date}; at most "
        "{max_calls_per_day} a day ({citation})",
    ),
    ("CN-FREQ-02", ""): (
        "{from} 至 {to} 已上门 {earlier_visits} 次，{visit_period_days} 天内最多 "
        "{max_visits_per_period} 次（{citation}）",
        "{earlier_visits} visits already from {from} to {to}; at most {max_visits_per_period} "
        "in {visit_period_days} days ({citation})",
    ),
    ("CN-TEAM-01", ""): (
        "上门须至少 {min_visit_staff} 人并出示证件，本次仅 {staff_count} 人；未经同意不得进入住宅"
        "（{citation}）",
        "A field visit needs at least {min_visit_staff} staff showing ID, {staff_count} planned; "
        "no entry without the occupant's consent ({citation})",
    ),
    ("CN-TGT-01", ""): (
        "只能就债务联系债务人本人或担保人，不得联系{target_zh}（{citation}）",
        "Only the debtor or a guarantor may be contacted about the debt, not {target_en} "
        "({citation})",
    ),
    ("CN-DISP-01", ""): (
        "债务人的异议尚未答复，答复前停止催收争议金额（{citation}）",
        "The debtor's dispute is not yet answered: collection of the disputed amount stops "
        "until it is ({citation})",
    ),
    ("CN-HOLD-01", ""): (
        "债务人处于{holds_zh}暂停状态，停止联系（{citation}）",
        "The debtor is under a {holds_en} hold: contact stops ({citation})",
    ),
    ("CN-PI-05", "withdrawn"): (
        "债务人已撤回对{purposes_zh}的同意，依赖该同意的处理停止（{citation}）",
        "The debtor withdrew consent to {purposes_en}: what relied on it stops ({citation})",
    ),
    ("CN-PI-05", ""): (
        "债务人未单独同意{purposes_zh}，不得依赖该同意联系（{citation}）",
        "The debtor has not given separate consent to {purposes_en}: a contact relying on it "
        "is not made ({citation})",
    ),
    ("US-TIME-01", ""): (
        "消费者当地时间 {date} {local_time}（{timezone}）不在可联系时段 {contact_window} 内"
        "（{citation}）",
        "{date} {local_time} in the consumer's time zone ({timezone}) is outside "
        "{contact_window} ({citation})",
    ),
    ("US-WORK-01", ""): (
        "消费者已表示 {inconvenient} 不便联系，当地时间为 {local_time}（{citation}）",
        "The consumer said {inconvenient} is inconvenient; it is {local_time} there ({citation})",
    ),
    ("US-ATTY-01", ""): (
        "消费者已委托律师，不得直接联系本人（{citation}）",
        "The consumer is represented by an attorney: no direct contact ({citation})",
    ),
    ("US-CEASE-01", ""): (
        "消费者已书面拒绝或要求停止联系（{citation}）",
        "The consumer refused in writing or asked the bank to stop: contact stops ({citation})",
    ),
    ("US-FREQ-01", ""): (
        "{from} 至 {to} 已就该笔债务计入 {counted_calls} 通电话，{call_period_days} 天内超过 "
        "{max_calls_per_period} 通即推定违规；未接通及经同意的电话不计（{citation}）",
        "{counted_calls} counted calls about this debt from {from} to {to}; more than "
        "{max_calls_per_period} in {call_period_days} days is presumed a violation (calls that "
        "did not connect or were consented are not counted) ({citation})",
    ),
    ("US-FREQ-02", ""): (
        "{conversation_on} 已就该笔债务与消费者通话，{calls_allowed_from} 前不得再致电"
        "（{citation}）",
        "A telephone conversation about this debt took place on {conversation_on}: no calls "
        "before {calls_allowed_from} ({citation})",
    ),
    ("US-MEDIA-01", ""): (
        "消费者已选择不接收{channel_zh}（{citation}）",
        "The consumer opted out of {channel_en} ({citation})",
    ),
    ("US-3P-01", ""): (
        "不得与{target_zh}讨论该笔债务（{citation}）",
        "The debt may not be discussed with {target_en} ({citation})",
    ),
    ("US-VAL-01", ""): (
        "消费者已提出异议，发送核实结果前停止催收（{citation}）",
        "The consumer disputed the debt: collection stops until verification is sent ({citation})",
    ),
    ("US-HOLD-01", ""): (
        "消费者处于{holds_zh}暂停状态，停止联系（{citation}）",
        "The consumer is under a {holds_en} hold: contact stops ({citation})",
    ),
    ("UK-TIME-01", "outside_window"): (
        "客户当地时间 {date} {local_time}（{timezone}）不在合理联系时段 {contact_window} 内"
        "（{citation}）",
        "{date} {local_time} in the customer's time zone ({timezone}) is outside the reasonable "
        "hours {contact_window} ({citation})",
    ),
    ("UK-TIME-01", "stated_inconvenient"): (
        "客户已表示 {inconvenient} 不便联系，当地时间为 {local_time}（{citation}）",
        "The customer said {inconvenient} is inconvenient; it is {local_time} there ({citation})",
    ),
    ("UK-3P-01", ""): (
        "须先核实身份，不得向{target_zh}透露债务（{citation}）",
        "Identity comes first and the debt is not disclosed to {target_en} ({citation})",
    ),
    ("UK-VIS-01", "vulnerable"): (
        "已知客户属于弱势客户，不得上门（{citation}）",
        "The customer is known to be vulnerable: no visits ({citation})",
    ),
    ("UK-VIS-01", "first_visit_unannounced"): (
        "首次上门须事先告知客户及其目的（{citation}）",
        "A first visit must be announced in advance with its purpose ({citation})",
    ),
    ("UK-HOLD-01", ""): (
        "客户处于{holds_zh}暂停状态，停止联系（{citation}）",
        "The customer is under a {holds_en} hold: contact stops ({citation})",
    ),
    ("CN-CON-01", ""): (
        "文本含有{categories_zh}内容：{matches}（{citation}）",
        "The text contains {categories_en}: {matches} ({citation})",
    ),
    ("CN-LET-01", ""): (
        "催收函缺少必备内容：{missing_zh}（{citation}）",
        "The collection letter lacks {missing_en} ({citation})",
    ),
    ("CN-LIM-05", ""): (
        "诉讼时效已届满，不得以起诉相威胁：{matches}（{citation}）",
        "The limitation period has expired: no threat of suit: {matches} ({citation})",
    ),
    ("US-ELEC-01", ""): (
        "电子邮件或短信须附明确的退订方式（{citation}）",
        "Every e-mail or text must carry a clear opt-out ({citation})",
    ),
    ("US-TBD-01", ""): (
        "该笔债务已过诉讼时效，不得起诉或以起诉相威胁：{matches}（{citation}）",
        "The debt is time-barred: no suit and no threat of suit: {matches} ({citation})",
    ),
    ("UK-PRESS-01", ""): (
        "不得迫使客户借款或变卖财产还款：{matches}（{citation}）",
        "No pressure to borrow or to sell property to pay: {matches} ({citation})",
    ),
    ("UK-SB-01", ""): (
        "该笔债务已过诉讼时效，绝不可暗示诉诸法院：{matches}（{citation}）",
        "The debt is statute-barred: never suggest court action: {matches} ({citation})",
    ),
}


@dataclass(frozen=True, slots=True)
class Explanation:
    rule: str
    verdict: Verdict
    text: str


def explain(decision: Decision, lang: Lang = "zh-hans") -> list[Explanation]:
    """One sentence per fired rule, in the order the decision lists them."""
    return [
        Explanation(
            fired.rule,
            fired.verdict,
            render(fired.rule, fired.facts, fired.params, fired.citation, lang),
        )
        for fired in decision.fired
    ]


def explain_screening(screening: Screening, lang: Lang = "zh-hans") -> list[Explanation]:
    """One sentence per content rule that fired, quoting what was found."""
    return [
        Explanation(f.rule, f.verdict, render(f.rule, f.facts, {}, f.citation, lang))
        for f in screening.findings
    ]


def render(
    rule: str,
    facts: Mapping[str, object],
    params: Mapping[str, object],
    citation: Citation,
    lang: Lang,
) -> str:
    """One fired rule in words, also from what a decision log stored (``FiredRule.to_dict``)."""
    zh = lang == "zh-hans"
    variant = str(facts.get("reason", ""))
    template = TEMPLATES.get((rule, variant)) or TEMPLATES[(rule, "")]
    values: dict[str, object] = {**params, **facts}
    values.update(_derived(facts, zh))
    values["citation"] = citation.zh if zh else citation.en
    return (template[0] if zh else template[1]).format(**values)


def explain_limitation(result: Limitation, lang: Lang = "zh-hans") -> str:
    """Where the period ends and what moved it: the event that last interrupted it, a
    suspension, a rest-day extension, the long-stop, a waiver, and whether it is provisional."""
    zh = lang == "zh-hans"
    parts: list[tuple[str, str]] = []
    if result.expires is None:
        parts.append(("诉讼时效暂停计算", "The limitation period is not running"))
    else:
        parts.append(
            (f"诉讼时效届满日 {result.expires}", f"The limitation period ends on {result.expires}")
        )
    parts.append(
        (
            f"自 {result.start} 起算（民法典 第188条）",
            f"counted from {result.start} (Civil Code Art 188)",
        )
    )
    event = result.interrupted_by
    if event is not None and event.kind is EventKind.SUIT and event.ended is None:
        parts.append((f"{event.on} 起诉，诉讼尚未终结", f"a suit filed on {event.on} is pending"))
    elif event is not None:
        zh_name, en_name = NAMES[str(event.kind)]
        restart = event.ended or event.on
        parts.append(
            (
                f"{event.on} {zh_name}中断时效，自 {restart} 重新计算（民法典 第195条）",
                f"{en_name} on {event.on} interrupted it, restarting from {restart} "
                "(Civil Code Art 195)",
            )
        )
    obstacle = result.suspended_by
    if obstacle is not None and obstacle.ends is None:
        parts.append(
            (
                f"自 {obstacle.begins} 起的障碍尚未消除（民法典 第194条）",
                f"an obstacle since {obstacle.begins} has not cleared (Civil Code Art 194)",
            )
        )
    elif obstacle is not None:
        parts.append(
            (
                f"{obstacle.begins} 至 {obstacle.ends} 的障碍使时效中止，障碍消除后满六个月届满"
                "（民法典 第194条）",
                f"an obstacle from {obstacle.begins} to {obstacle.ends} suspended it until six "
                "months after it cleared (Civil Code Art 194)",
            )
        )
    if result.extended_from is not None:
        parts.append(
            (
                f"{result.extended_from} 为休息日，顺延至下一个工作日（民法典 第203条）",
                f"{result.extended_from} is a rest day, so it moves to the next workday "
                "(Civil Code Art 203)",
            )
        )
    if result.capped_by_long_stop:
        parts.append(
            (
                f"受二十年最长保护期限制（{result.long_stop}，民法典 第188条）",
                f"capped by the 20-year long-stop ({result.long_stop}, Civil Code Art 188)",
            )
        )
    waiver = result.waived_by
    if waiver is not None:
        zh_name, en_name = NAMES[str(waiver.kind)]
        parts.append(
            (
                f"届满后债务人于 {waiver.on} {zh_name}，不得再以时效抗辩（诉讼时效规定 第19条）",
                f"after expiry the debtor made {en_name} on {waiver.on}, waiving the limitation "
                "defence (SPC Limitation Provisions Art 19)",
            )
        )
    if result.provisional:
        parts.append(
            (
                "该年度放假安排未载入，日期为暂定",
                "provisional: that year's holiday arrangement is not loaded",
            )
        )
    if zh:
        return "；".join(zh_text for zh_text, _ in parts) + "。"
    return "; ".join(en_text for _, en_text in parts) + "."


def _derived(facts: Mapping[str, object], zh: bool) -> dict[str, str]:
    """Names for the codes a rule records (a holiday key, a target, holds…) in the language."""
    side = 0 if zh else 1
    joiner = "、" if zh else ", "
    derived: dict[str, str] = {}
    holiday = str(facts.get("holiday") or "")
    names = HOLIDAY_NAMES.get(holiday, (holiday, holiday))  # a loaded year may name it as text
    derived["holiday_zh"] = names[0]
    derived["holiday_en"] = f" ({names[1]})" if names[1] else ""
    weekday = facts.get("weekday")
    if isinstance(weekday, int) and weekday in WEEKDAYS:
        derived["weekday_zh"], derived["weekday_en"] = WEEKDAYS[weekday]
    for key in ("target", "channel"):
        if key in facts:
            derived[f"{key}_zh"], derived[f"{key}_en"] = NAMES[str(facts[key])]
    for key in ("holds", "categories", "missing"):
        items = facts.get(key)
        if isinstance(items, list):
            text = joiner.join(NAMES[str(item)][side] for item in items)
            derived[f"{key}_zh" if zh else f"{key}_en"] = text
    purposes = facts.get("purposes")
    if isinstance(purposes, list):
        text = joiner.join(PURPOSES.get(str(p), (str(p), str(p)))[side] for p in purposes)
        derived["purposes_zh" if zh else "purposes_en"] = text
    matches = facts.get("matches")
    if isinstance(matches, list):
        derived["matches"] = joiner.join(f"“{m}”" if zh else f'"{m}"' for m in matches)
    return derived
