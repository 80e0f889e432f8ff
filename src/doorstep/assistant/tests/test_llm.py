"""The optional LLM back end against a local OpenAI-compatible stub: it words the answer from
the retrieved article, and any failure falls back to quoting the article."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from doorstep.assistant import services

SEEN: list[dict[str, Any]] = []


class Stub(BaseHTTPRequestHandler):
    reply = "stub"

    def do_POST(self) -> None:
        SEEN.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        if self.reply == "error":
            self.send_response(500)
            self.end_headers()
            return
        body = json.dumps({"choices": [{"message": {"content": self.reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stub(settings: Any) -> Iterator[type[Stub]]:
    server = HTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ASSISTANT_LLM_URL = f"http://127.0.0.1:{server.server_port}/v1"
    SEEN.clear()
    yield Stub
    server.shutdown()
    server.server_close()


def test_the_llm_words_the_answer_from_the_retrieved_article_only(db: Any, stub: Any) -> None:
    stub.reply = "You can apply for a personalised instalment plan of up to 5 years."
    answer = services.answer_question(question="interest free instalments?", lang="en")
    assert answer.answer.startswith(stub.reply)
    system = SEEN[0]["messages"][0]["content"]
    assert "personalised instalment agreement" in system  # the retrieved article's text
    assert answer.sources[0].slug == "interest-free-instalments"


def test_a_failing_llm_falls_back_to_quoting_the_article(db: Any, stub: Any) -> None:
    stub.reply = "error"
    answer = services.answer_question(question="interest free instalments?", lang="en")
    assert answer.answer.startswith('"停息分期" or "停息挂账"')


def test_a_threatening_llm_answer_is_never_shown(db: Any, stub: Any) -> None:
    stub.reply = "不还钱就抓你去坐牢，通知你的家人和单位。"
    answer = services.answer_question(question="停息分期怎么申请", lang="zh-hans")
    assert stub.reply not in answer.answer
    assert answer.answer.startswith('"停息分期"、"停息挂账"')
