"""The content screen: scripts, letters and messages checked before they are used or sent.

- CN-CON-01: no violence, threats, insults, or spreading the debtor's private information (zh
  and en lexicons).
- CN-LET-01: a collection letter carries every required field.
- CN-LIM-05 / US-TBD-01 / UK-SB-01: no threat of suit on a time-barred debt.
- US-ELEC-01: an e-mail or text carries a clear opt-out.
- UK-PRESS-01: no pressure to borrow or to sell property to pay.

Lexicon matching is deliberately plain (phrases, not a model): every finding points at the
exact span that fired, so a reviewer sees why, and a phrase split by spaces or line breaks
(“起 诉”) still matches. It is a screen for review, not a proof of innocence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .model import Citation, Verdict, most_severe
from .profiles import get_profile

CARD_68 = Citation(
    zh="商业银行信用卡业务监督管理办法（2011）第68条；"
    "治安管理处罚法 第42条（2012）/第50条（2025修订）",
    en="Credit Card Business Measures (2011), Art 68; Public Security Administration "
    "Punishments Law Art 42 (2012) / Art 50 (2025 revision)",
)
CARD_69 = Citation(
    zh="商业银行信用卡业务监督管理办法（2011）第69条",
    en="Measures on the Supervision of Commercial Banks' Credit Card Business (2011), Art 69",
)
CIVIL_CODE = Citation(
    zh="民法典 第192、193条；最高人民法院诉讼时效规定 第19条",
    en="Civil Code Arts 192–193; SPC Limitation Provisions Art 19",
)
US_TBD = Citation(zh="12 CFR 1006.26(b)", en="12 CFR 1006.26(b)")
US_ELEC = Citation(zh="12 CFR 1006.6(e)", en="12 CFR 1006.6(e)")
UK_PRESS = Citation(zh="FCA CONC 7.3.10R", en="FCA CONC 7.3.10R")
UK_SB = Citation(
    zh="FCA CONC 7.15.4R；Limitation Act 1980 s 5（6 年）",
    en="FCA CONC 7.15.4R; Limitation Act 1980 s 5 (6 years)",
)


class Kind(StrEnum):
    SCRIPT = "script"
    LETTER = "letter"
    SMS = "sms"
    EMAIL = "email"
    CHAT = "chat"


class Category(StrEnum):
    THREAT = "threat"
    VIOLENCE = "violence"
    INSULT = "insult"
    PRIVACY = "privacy"  # spreading the debtor's private information
    SUIT = "suit"
    PRESSURE = "pressure"
    OPT_OUT = "opt_out"


# Phrases per category. Chinese phrases match with any spacing between characters; English
# ones match whole words, case-insensitively, with any spacing between words.
LEXICON: Mapping[Category, Sequence[str]] = {
    Category.THREAT: (
        "让你好看",
        "走着瞧",
        "后果自负",
        "你等着",
        "找人收拾你",
        "上门堵你",
        "让你坐牢",
        "抓你",
        "拘留你",
        "判刑",
        "你会坐牢",
        "不得安宁",
        "饶不了你",
        "you will regret",
        "you'll regret",
        "we know where you live",
        "you will go to jail",
        "you'll go to jail",
        "have you arrested",
        "watch your back",
    ),
    Category.VIOLENCE: (
        "打死你",
        "弄死你",
        "杀了你",
        "砍死",
        "打断你的腿",
        "废了你",
        "泼油漆",
        "放火",
        "揍你",
        "动手打",
        "kill you",
        "hurt you",
        "beat you",
        "break your legs",
        "break your arm",
        "burn your house",
    ),
    Category.INSULT: (
        "老赖",
        "无赖",
        "骗子",
        "不要脸",
        "去死",
        "败类",
        "畜生",
        "废物",
        "垃圾人",
        "人渣",
        "deadbeat",
        "scum",
        "loser",
        "idiot",
        "liar",
        "thief",
        "worthless",
        "lowlife",
    ),
    Category.PRIVACY: (
        "曝光你",
        "公开你的",
        "你的通讯录",
        "通讯录里",
        "爆通讯录",
        "告诉你的同事",
        "告诉你单位",
        "通知你的亲友",
        "告诉你的家人",
        "挂到网上",
        "发到朋友圈",
        "贴大字报",
        "张贴你的",
        "telling your employer",
        "tell your employer",
        "tell your neighbours",
        "tell your neighbors",
        "tell your family",
        "post your name",
        "publish your",
        "expose you",
        "shame you",
        "everyone in your contacts",
        "your contact list",
    ),
    Category.SUIT: (
        "起诉",
        "诉讼",
        "法院",
        "立案",
        "法律程序",
        "司法程序",
        "强制执行",
        "律师函",
        "仲裁",
        "sue",
        "suing",
        "sued",
        "lawsuit",
        "legal action",
        "court",
        "proceedings",
        "litigation",
        "judgment",
        "judgement",
    ),
    Category.PRESSURE: (
        "借钱还",
        "借款还",
        "卖房",
        "卖车",
        "sell your house",
        "sell your home",
        "sell your car",
        "sell your property",
        "take out a loan",
        "borrow money",
        "borrow from",
        "payday loan",
        "remortgage",
    ),
    Category.OPT_OUT: (
        "退订",
        "回复TD",
        "回TD",
        "取消订阅",
        "reply stop",
        "text stop",
        "unsubscribe",
        "opt out",
        "opt-out",
        "to stop receiving",
    ),
}

# Phrases that contain a lexicon phrase without meaning it: "诉讼时效" (the limitation period
# itself) is how a letter tells the debtor the period has expired, not a threat of suit.
EXCEPTIONS: Mapping[Category, Sequence[str]] = {
    Category.SUIT: ("诉讼时效", "statute of limitations", "time-barred", "statute-barred"),
}

# CN-LET-01: what a collection letter states (Art 69).
LETTER_FIELDS: Sequence[str] = (
    "debtor_name",
    "balance",
    "reason",
    "legal_basis",
    "debtor_rights",
    "dispute_channel",
    "bank_contact",
    "seal",
)

_CJK = re.compile(r"[\u3400-\u9fff]")


def _pattern(phrase: str) -> str:
    if _CJK.search(phrase):
        return r"\s*".join(re.escape(char) for char in phrase)
    words = (re.escape(word) for word in phrase.split())
    return r"\b" + r"\s+".join(words) + r"\b"


def _compile(phrases: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(_pattern(phrase) for phrase in phrases), re.IGNORECASE)


_PATTERNS = {category: _compile(phrases) for category, phrases in LEXICON.items()}
_EXCEPTIONS = {category: _compile(phrases) for category, phrases in EXCEPTIONS.items()}


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str
    category: Category


@dataclass(frozen=True, slots=True)
class Finding:
    """One content rule that fired, with the spans that made it fire (none for what is
    missing: ``missing`` lists the letter's absent fields)."""

    rule: str
    verdict: Verdict
    citation: Citation
    spans: tuple[Span, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def facts(self) -> dict[str, object]:
        return {
            "matches": [span.text for span in self.spans],
            "categories": list(dict.fromkeys(str(span.category) for span in self.spans)),
            "missing": list(self.missing),
        }


@dataclass(frozen=True, slots=True)
class Screening:
    verdict: Verdict
    findings: tuple[Finding, ...]

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(finding.rule for finding in self.findings)


def find(text: str, *categories: Category) -> list[Span]:
    """Every lexicon match of ``categories`` in ``text`` outside the category's exceptions, in
    text order."""
    spans = []
    for category in categories:
        excepted = (
            [m.span() for m in _EXCEPTIONS[category].finditer(text)]
            if (category in _EXCEPTIONS)
            else []
        )
        for match in _PATTERNS[category].finditer(text):
            inside = any(low <= match.start() and match.end() <= high for low, high in excepted)
            if not inside:
                spans.append(Span(match.start(), match.end(), match.group(), category))
    return sorted(spans, key=lambda span: (span.start, span.end))


def screen(
    text: str,
    *,
    profile: str = "cn",
    kind: Kind,
    time_barred: bool = False,
    letter_fields: Mapping[str, str] | None = None,
) -> Screening:
    """The content rules of ``profile`` on ``text`` (a ``kind`` of script, letter or message).

    ``time_barred``: the debt's limitation has expired and was not waived
    (``Limitation.time_barred``). ``letter_fields``: the letter's filled fields (CN-LET-01); a
    letter given none lacks them all.
    """
    get_profile(profile)  # an unknown profile is refused, not screened by nothing
    findings: list[Finding] = []

    def spans_rule(rule: str, citation: Citation, *categories: Category) -> None:
        spans = find(text, *categories)
        if spans:
            findings.append(Finding(rule, Verdict.BLOCK, citation, tuple(spans)))

    if profile == "cn":
        spans_rule(
            "CN-CON-01",
            CARD_68,
            Category.THREAT,
            Category.VIOLENCE,
            Category.INSULT,
            Category.PRIVACY,
        )
        if kind is Kind.LETTER:
            given = letter_fields or {}
            missing = tuple(name for name in LETTER_FIELDS if not str(given.get(name, "")).strip())
            if missing:
                findings.append(Finding("CN-LET-01", Verdict.BLOCK, CARD_69, missing=missing))
        if time_barred:
            spans_rule("CN-LIM-05", CIVIL_CODE, Category.SUIT)
    elif profile == "us":
        if kind in (Kind.EMAIL, Kind.SMS) and not find(text, Category.OPT_OUT):
            findings.append(Finding("US-ELEC-01", Verdict.BLOCK, US_ELEC))
        if time_barred:
            spans_rule("US-TBD-01", US_TBD, Category.SUIT)
    elif profile == "uk":
        spans_rule("UK-PRESS-01", UK_PRESS, Category.PRESSURE)
        if time_barred:
            spans_rule("UK-SB-01", UK_SB, Category.SUIT)
    return Screening(most_severe(f.verdict for f in findings), tuple(findings))
