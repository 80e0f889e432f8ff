"""The knowledge base as files: Markdown articles with a small front matter, read without Django.

Each article lives in ``knowledge/<slug>.<lang>.md``::

    ---
    slug: being-sued
    lang: zh-hans
    title: 被银行起诉了怎么办？
    cites:
      - 民法典第一百八十八条
    reviewed_on: 2026-11-20
    reviewer: compliance_zhou
    review_due: 2027-05-20
    keywords: [起诉, 法院, 传票]
    ---
    body in Markdown…

The front matter is a deliberately small subset of YAML (``key: value``, ``key: [a, b]`` and
``- item`` lists), parsed here so the knowledge base needs no YAML library at run time. A file
that breaks the format is refused naming the file and the problem: a compliance officer edits
these, and a silent misread would serve the wrong text to debtors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

LANGS = ("zh-hans", "en")
KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"
# The articles the issue requires: the questions debtors actually search for.
REQUIRED_SLUGS = (
    "repayment-extension",
    "overdue-consequences",
    "interest-free-instalments",
    "negotiate-repayment",
    "being-sued",
    "field-visit-rights",
    "complaints",
    "credit-report",
    "limitation-period",
    "hardship-help",
    "payment-methods",
    "data-privacy",
)
_REQUIRED_KEYS = ("slug", "lang", "title", "cites", "reviewed_on", "reviewer")
_LIST_KEYS = ("cites", "keywords")


class ArticleFormatError(ValueError):
    """An article file does not follow the format; the message names the file."""


@dataclass(frozen=True)
class ArticleText:
    slug: str
    lang: str
    title: str
    body: str
    cites: tuple[str, ...]
    keywords: tuple[str, ...]
    reviewed_on: date
    reviewer: str
    review_due: date | None = None


def _split(text: str, source: str) -> tuple[list[str], str]:
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise ArticleFormatError(f"{source}: the file must start with a '---' front matter line")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise ArticleFormatError(f"{source}: the front matter has no closing '---'") from None
    return lines[1:end], "\n".join(lines[end + 1 :]).strip()


def _scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def parse_front_matter(lines: list[str], source: str) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(lines, start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        stripped = line.strip()
        if stripped.startswith("- ") and line[:1].isspace() and current is not None:
            current.append(_scalar(stripped[2:]))
            continue
        key, sep, value = line.partition(":")
        if not sep or line[:1].isspace() or not key.strip():
            raise ArticleFormatError(f"{source}:{number}: expected 'key: value', got {line!r}")
        key, value = key.strip(), value.strip()
        if key in data:
            raise ArticleFormatError(f"{source}:{number}: '{key}' is given twice")
        if value.startswith("[") and value.endswith("]"):
            data[key] = [_scalar(item) for item in value[1:-1].split(",") if item.strip()]
            current = None
        elif not value:
            current = []
            data[key] = current
        else:
            data[key] = _scalar(value)
            current = None
    return data


def _date(data: dict[str, str | list[str]], key: str, source: str) -> date | None:
    raw = data.get(key)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ArticleFormatError(f"{source}: '{key}' must be a date like 2026-11-20")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ArticleFormatError(f"{source}: '{key}' must be a date like 2026-11-20") from None


def parse_article(text: str, *, source: str) -> ArticleText:
    """The article in ``text`` (the file's content; ``source`` names it in errors)."""
    header, body = _split(text, source)
    data = parse_front_matter(header, source)
    missing = [key for key in _REQUIRED_KEYS if not data.get(key)]
    if missing:
        raise ArticleFormatError(f"{source}: missing {', '.join(missing)}")
    for key in _LIST_KEYS:
        if key in data and not isinstance(data[key], list):
            raise ArticleFormatError(f"{source}: '{key}' must be a list")
    for key in ("slug", "lang", "title", "reviewer"):
        if not isinstance(data[key], str):
            raise ArticleFormatError(f"{source}: '{key}' must be text")
    if data["lang"] not in LANGS:
        raise ArticleFormatError(f"{source}: 'lang' must be one of {', '.join(LANGS)}")
    if not body:
        raise ArticleFormatError(f"{source}: the article has no body")
    reviewed_on = _date(data, "reviewed_on", source) or date.min  # present: checked above
    return ArticleText(
        slug=str(data["slug"]),
        lang=str(data["lang"]),
        title=str(data["title"]),
        body=body,
        cites=tuple(data["cites"]),
        keywords=tuple(data.get("keywords", [])),
        reviewed_on=reviewed_on,
        reviewer=str(data["reviewer"]),
        review_due=_date(data, "review_due", source),
    )


def read_directory(directory: Path = KNOWLEDGE_DIR) -> list[ArticleText]:
    """Every article under ``directory``, checked: the file name matches the front matter and
    each slug has both languages."""
    articles = []
    for path in sorted(directory.glob("*.md")):
        article = parse_article(path.read_text(encoding="utf-8"), source=path.name)
        if path.name != f"{article.slug}.{article.lang}.md":
            raise ArticleFormatError(f"{path.name}: name the file {article.slug}.{article.lang}.md")
        articles.append(article)
    langs: dict[str, set[str]] = {}
    for article in articles:
        langs.setdefault(article.slug, set()).add(article.lang)
    for slug, have in sorted(langs.items()):
        if have != set(LANGS):
            raise ArticleFormatError(f"{slug}: needs one file per language ({', '.join(LANGS)})")
    return articles


def summary(body: str) -> str:
    """The article's first paragraph: what the assistant quotes as its answer."""
    return body.strip().split("\n\n", 1)[0].strip()
