"""Finding the article that answers a debtor's question: jieba words, BM25, banking slang.

Pure: it takes the article texts and a question, and never imports Django, so the evaluation
and the benchmark run it exactly as the API does.

- **Tokens**: jieba's search-mode words for Chinese (its own ``Tokenizer`` instance, so the
  banking words added here never change how another app segments text), lower-cased English
  words with a light plural/verb-ending strip, and Chinese character bigrams, which keep a
  question with a typo (停息分其) close to the right article.
- **Concepts**: slang and both languages' names for the same thing (停息挂账, 个性化分期,
  "installment", "tingxi") add one shared concept token, so a mixed Chinese/English question
  matches articles in either language.
- **Ranking**: one BM25 document per slug holding both languages, with the title and the
  article's keywords weighted above the body.
- **Confidence**: the best score must clear a floor and lead the runner-up by a margin; below
  either, the assistant says it does not know and offers a person. Both numbers are fixed
  from the evaluation set (docs/assistant.md).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import jieba  # type: ignore[import-untyped]

from doorstep.assistant.kb import ArticleText

TITLE_WEIGHT = 3
KEYWORD_WEIGHT = 3
BIGRAM_WEIGHT = 0.5
K1 = 1.2
B = 0.75
MIN_SCORE = 4.0
MIN_MARGIN = 0.18  # (best - second) / best

# Slang and cross-language names → one concept token. Matching is on lower-cased substrings,
# in the question and in the articles alike.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "~instalment": (
        "停息分期",
        "停息挂账",
        "停息",
        "挂账",
        "个性化分期",
        "个性分期",
        "分期",
        "60期",
        "instalment",
        "installment",
        "tingxi",
        "fenqi",
        "payment plan",
    ),
    "~extension": (
        "延期",
        "展期",
        "宽限",
        "推迟",
        "晚几天",
        "缓几天",
        "延迟还款",
        "extension",
        "extend",
        "postpone",
        "more time",
        "defer",
        "grace period",
    ),
    "~negotiate": (
        "协商",
        "商量",
        "谈判",
        "和解",
        "减免",
        "结清",
        "negotiat",
        "settle",
        "waive",
        "discount",
        "lump sum",
    ),
    "~sued": (
        "起诉",
        "告我",
        "法院",
        "传票",
        "开庭",
        "诉讼",
        "打官司",
        "判决",
        "强制执行",
        "sue",
        "suing",
        "court",
        "lawsuit",
        "summons",
        "judg",
    ),
    "~visit": (
        "上门",
        "外访",
        "家访",
        "到家",
        "来家",
        "堵门",
        "敲门",
        "到单位",
        "visit",
        "doorstep",
        "my door",
        "my house",
        "my home",
    ),
    "~complaint": (
        "投诉",
        "举报",
        "骚扰",
        "辱骂",
        "威胁",
        "爆通讯录",
        "12378",
        "complain",
        "harass",
        "threat",
        "abusive",
        "insult",
    ),
    "~credit": (
        "征信",
        "信用记录",
        "信用报告",
        "credit report",
        "credit record",
        "credit score",
        "credit history",
        "credit bureau",
        "zhengxin",
    ),
    "~limitation": (
        "诉讼时效",
        "时效",
        "limitation",
        "time-barred",
        "time barred",
        "statute of",
    ),
    "~hardship": (
        "困难",
        "失业",
        "没工作",
        "生病",
        "住院",
        "大病",
        "收入减少",
        "hardship",
        "lost my job",
        "unemploy",
        "illness",
        "hospital",
        "struggl",
    ),
    "~pay": (
        "还款方式",
        "怎么还款",
        "在哪还",
        "还款渠道",
        "手机银行",
        "网银",
        "柜台",
        "自动扣款",
        "支付宝",
        "微信",
        "到账",
        "入账",
        "how to pay",
        "how can i pay",
        "where to pay",
        "where can i pay",
        "transfer",
        "alipay",
        "wechat",
        "mobile banking",
        "auto debit",
        "direct debit",
    ),
    "~privacy": (
        "个人信息",
        "隐私",
        "泄露",
        "通讯录",
        "personal information",
        "personal data",
        "privacy",
        "contact list",
        "contacts",
        "leak",
    ),
    "~overdue": (
        "逾期",
        "不还会",
        "还不上会",
        "坐牢",
        "抓人",
        "恶意透支",
        "违约金",
        "罚息",
        "overdue",
        "default",
        "jail",
        "prison",
        "arrest",
        "late fee",
        "don't pay",
        "dont pay",
    ),
}

STOPWORDS = frozenset(
    """的 了 吗 呢 吧 啊 呀 么 嘛 我 你 他 她 是 在 有 和 与 就 都 也 还 要 会 能 可以 怎么
    什么 怎么样 怎么办 多久 几点 今天 真的 是不是 有没有 能不能 会不会 怎样 如何 这 那 个
    一个 请问 请 你们 我们 银行 现在 一下 该 办 如果 没有 不 被 把 给 让 对 a an the i you
    he she it we they my me your is are am be been was were do does did to of in on for at
    by with and or if can could would should will what how why when where which who this
    that there please bank""".split()  # noqa: SIM905
)

_ASCII_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def _stem(word: str) -> str:
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + keep
    return word


class Tokenizer:
    """Question and article text → tokens (words, concepts, character bigrams)."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self._jieba = jieba.Tokenizer()
        for variants in CONCEPTS.values():
            for word in variants:
                if _CJK.search(word):
                    self._jieba.add_word(word, freq=2_000)
        self.add_words(extra_words)

    def add_words(self, words: Iterable[str]) -> None:
        """Teach the segmenter an article's Chinese keywords (cheap: no dictionary reload)."""
        for word in words:
            if _CJK.search(word):
                self._jieba.add_word(word, freq=2_000)

    def words(self, text: str) -> list[str]:
        lowered = text.lower()
        out: list[str] = []
        for piece in self._jieba.cut_for_search(lowered):
            piece = piece.strip()
            if not piece or piece in STOPWORDS:
                continue
            if _CJK.search(piece):
                out.append(piece)
            else:
                out += [_stem(w) for w in _ASCII_WORD.findall(piece) if w not in STOPWORDS]
        return out

    @staticmethod
    def concepts(text: str) -> list[str]:
        lowered = text.lower()
        return [
            concept
            for concept, variants in CONCEPTS.items()
            for variant in variants
            if variant in lowered
        ]

    @staticmethod
    def bigrams(text: str) -> list[str]:
        grams: list[str] = []
        for run in _CJK_RUN.findall(text):
            grams += ["§" + run[i : i + 2] for i in range(len(run) - 1)]
        return grams

    def terms(self, text: str) -> Counter[str]:
        """Weighted term counts of ``text`` (bigrams count half a word)."""
        counts: Counter[str] = Counter(self.words(text) + self.concepts(text))
        for gram in self.bigrams(text):
            counts[gram] += BIGRAM_WEIGHT  # type: ignore[assignment]
        return counts


@dataclass(frozen=True)
class Hit:
    slug: str
    score: float


@dataclass(frozen=True)
class Ranking:
    hits: tuple[Hit, ...]  # best first, only slugs with a positive score
    confident: bool

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


class Index:
    """BM25 over one document per slug (both languages, title and keywords weighted)."""

    def __init__(self, articles: Sequence[ArticleText], tokenizer: Tokenizer | None = None):
        if tokenizer is None:
            tokenizer = Tokenizer()
        tokenizer.add_words(kw for a in articles for kw in a.keywords)
        self.tokenizer = tokenizer
        by_slug: dict[str, Counter[str]] = {}
        topics: dict[str, set[str]] = {}
        for article in articles:
            doc = by_slug.setdefault(article.slug, Counter())
            topics.setdefault(article.slug, set()).update(
                term
                for term in self.tokenizer.terms(" ".join(article.keywords))
                if not term.startswith("§")
            )
            for text, weight in (
                (article.title, TITLE_WEIGHT),
                (" ".join(article.keywords), KEYWORD_WEIGHT),
                (article.body, 1),
            ):
                for term, count in self.tokenizer.terms(text).items():
                    doc[term] += count * weight
        self.slugs = sorted(by_slug)
        self.docs = [by_slug[slug] for slug in self.slugs]
        # What each article is about: its keywords' words and concepts. A question is only
        # answered confidently when it names one of the best article's topics.
        self.topics = {slug: frozenset(topics[slug]) for slug in self.slugs}
        self.lengths = [sum(doc.values()) for doc in self.docs]
        self.avg_length = sum(self.lengths) / len(self.lengths) if self.docs else 1.0
        frequency: Counter[str] = Counter()
        for doc in self.docs:
            frequency.update(doc.keys())
        n = len(self.docs)
        self.idf = {
            term: math.log(1 + (n - df + 0.5) / (df + 0.5)) for term, df in frequency.items()
        }

    def rank(self, question: str) -> Ranking:
        query = self.tokenizer.terms(question)
        scores = []
        for slug, doc, length in zip(self.slugs, self.docs, self.lengths, strict=True):
            score = 0.0
            norm = K1 * (1 - B + B * length / self.avg_length)
            for term, weight in query.items():
                tf = doc.get(term)
                if tf:
                    score += weight * self.idf[term] * tf * (K1 + 1) / (tf + norm)
            if score > 0:
                scores.append(Hit(slug, round(score, 3)))
        scores.sort(key=lambda hit: (-hit.score, hit.slug))
        topical = bool(scores) and not self.topics[scores[0].slug].isdisjoint(query)
        return Ranking(tuple(scores), confident=topical and is_confident(scores))


def is_confident(hits: Sequence[Hit]) -> bool:
    """The best hit clears the floor and leads the runner-up by the margin. (``Index.rank``
    also asks that the question names one of the best article's topics.)"""
    if not hits or hits[0].score < MIN_SCORE:
        return False
    if len(hits) == 1:
        return True
    return (hits[0].score - hits[1].score) / hits[0].score >= MIN_MARGIN


class Action(StrEnum):
    """What a message asks the assistant to do rather than explain."""

    HUMAN = "human"
    BALANCE = "balance"


_ACTIONS: dict[Action, tuple[str, ...]] = {
    Action.HUMAN: (
        "转人工",
        "人工客服",
        "人工服务",
        "找人工",
        "真人",
        "找个人",
        "和人说",
        "跟人说",
        "客服电话",
        "talk to a person",
        "speak to a person",
        "real person",
        "human",
        "agent please",
        "speak to someone",
        "talk to someone",
    ),
    Action.BALANCE: (
        "欠多少",
        "还欠",
        "余额",
        "欠款金额",
        "欠了多少",
        "要还多少",
        "应还多少",
        "how much do i owe",
        "how much i owe",
        "my balance",
        "what do i owe",
        "amount due",
    ),
}


def detect_action(question: str) -> Action | None:
    """An explicit request for a person or for the debtor's own balance, else None."""
    lowered = question.lower()
    for action, phrases in _ACTIONS.items():
        if any(phrase in lowered for phrase in phrases):
            return action
    return None
