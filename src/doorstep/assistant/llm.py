"""Optional rephrasing of an answer by an OpenAI-compatible chat endpoint. Off by default.

Set ``settings.ASSISTANT_LLM_URL`` (the base URL, e.g. ``https://llm.example/v1``) and, if the
endpoint wants one, ``ASSISTANT_LLM_KEY`` and ``ASSISTANT_LLM_MODEL``. The model sees only the
debtor's question and the text of the article retrieval chose, and is told to answer from that
text alone; it never decides which article answers, nor whether the assistant is confident.
Whatever it returns passes the compliance content screening before it is shown. Any failure —
no answer in ``TIMEOUT`` seconds, an HTTP error, a body that is not what the API promises, a
screening finding — falls back to quoting the article, so everything works without it.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

from django.conf import settings

logger = logging.getLogger("doorstep.assistant.llm")
TIMEOUT = 4.0
MAX_TOKENS = 400

INSTRUCTIONS = {
    "zh-hans": (
        "你是银行的还款自助助手。只根据下面这篇经合规审核的文章回答债务人的问题，用简体中文，"
        "语气平和、诚实、不施压，不作任何威胁，不编造文章里没有的内容；如文章没有答案，就说不知道并建议转人工。"
    ),
    "en": (
        "You are the bank's repayment self-service assistant. Answer the debtor's question only "
        "from the compliance-reviewed article below, in plain English, calmly and honestly, "
        "without pressure or threats, adding nothing the article does not say; if the article "
        "does not answer it, say you do not know and suggest talking to a person."
    ),
}


def enabled() -> bool:
    return bool(getattr(settings, "ASSISTANT_LLM_URL", ""))


def rephrase(*, question: str, title: str, body: str, lang: str) -> str | None:
    """The endpoint's answer from the article, or None (off, or it failed)."""
    base = str(getattr(settings, "ASSISTANT_LLM_URL", "")).rstrip("/")
    if not base.startswith(("https://", "http://")):
        return None
    payload = {
        "model": getattr(settings, "ASSISTANT_LLM_MODEL", "") or "default",
        "temperature": 0,
        "max_tokens": MAX_TOKENS,
        "messages": [
            {"role": "system", "content": f"{INSTRUCTIONS[lang]}\n\n# {title}\n\n{body}"},
            {"role": "user", "content": question},
        ],
    }
    headers = {"Content-Type": "application/json"}
    key = getattr(settings, "ASSISTANT_LLM_KEY", "")
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        f"{base}/chat/completions", data=json.dumps(payload).encode(), headers=headers
    )
    try:
        # Bandit B310 reviewed: the base URL's scheme is checked to be http(s) above
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310  # nosec B310
            reply: Any = json.loads(response.read())
        text = reply["choices"][0]["message"]["content"]
    except (OSError, ValueError, KeyError, IndexError, TypeError) as error:
        logger.warning(
            "LLM rephrasing failed, quoting the article instead: %s", type(error).__name__
        )
        return None
    return text.strip() if isinstance(text, str) and text.strip() else None
