"""Locust scenario (``bench.load`` runs it; so can an operator against a staging site): three
kinds of client at once, each a fixed number of simulated users.

* Managers (``LOAD_MANAGERS``, default 8): the JSON API's case list, paged, and case details.
  The user and the password come from LOAD_USER / LOAD_PASSWORD, or a bearer token in
  LOAD_TOKEN, so the same file drives any bank.
* Field agents (``LOAD_FIELD``: a JSON list of ``{"token", "visit", "seq"}``, one per user,
  for visits already checked in, as ``bench.load`` prepares them): a phone syncing its notes
  through ``POST /api/v1/field/sync`` in batches of ``LOAD_FIELD_BATCH`` (default 10); one batch
  in five is sent again, as a phone whose answer was lost does, and must come back
  ``duplicate``.
* Debtors (``LOAD_DEBTORS``, default 8): the self-service assistant's general questions
  (``POST /api/v1/assistant/ask``, no login), each from its own address in X-Forwarded-For,
  as many debtors behind the bank's proxy are (the server must trust one proxy).

Without ``LOAD_FIELD`` no field agent runs.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from locust import HttpUser, between, task

WAIT = between(0, 0.05)
FIELD = json.loads(os.environ.get("LOAD_FIELD") or "[]")
_phones = itertools.count()
_phones_lock = threading.Lock()


def _questions() -> list[tuple[str, str]]:
    """The assistant's evaluation questions (lang, text), read from the repository."""
    path = os.path.join(
        os.path.dirname(__file__), "..", "src", "doorstep", "assistant", "tests", "evalset.tsv"
    )
    with open(path, encoding="utf-8") as source:
        rows = [line.rstrip("\n").split("\t") for line in source]
    return [
        ("en" if lang == "en" else "zh-hans", text)
        for lang, _slug, text in (row for row in rows if len(row) == 3 and row[0][:1] != "#")
    ]


QUESTIONS = _questions()


class Manager(HttpUser):
    fixed_count = int(os.environ.get("LOAD_MANAGERS", "8"))
    wait_time = WAIT

    def on_start(self) -> None:
        # One token for every simulated user (LOAD_TOKEN), so password hashing, deliberately
        # slow, is not what the run measures; without one, each user signs in.
        token = os.environ.get("LOAD_TOKEN") or self._sign_in()
        self.client.headers["Authorization"] = f"Bearer {token}"
        first = self.client.get("/api/v1/cases?page_size=100", name="case list").json()
        self.pages = max(1, -(-first["count"] // 25))
        self.ids = [case["id"] for case in first["items"]]

    def _sign_in(self) -> str:
        answer = self.client.post(
            "/api/v1/auth/token",
            json={
                "username": os.environ.get("LOAD_USER", "manager_wang"),
                "password": os.environ.get("LOAD_PASSWORD", "doorstep-demo"),
            },
            name="auth",
        )
        return str(answer.json()["token"])

    @task(1)
    def case_list(self) -> None:
        page = random.randint(1, min(self.pages, 40))  # noqa: S311 (load, not security)
        self.client.get(f"/api/v1/cases?page={page}", name="case list")

    @task(3)
    def case_detail(self) -> None:
        case = random.choice(self.ids)  # noqa: S311
        self.client.get(f"/api/v1/cases/{case}", name="case detail")


class FieldAgent(HttpUser):
    fixed_count = len(FIELD)
    wait_time = WAIT

    def on_start(self) -> None:
        with _phones_lock:
            phone = FIELD[next(_phones) % len(FIELD)]
        self.client.headers["Authorization"] = f"Bearer {phone['token']}"
        self.visit = int(phone["visit"])
        self.seq = int(phone["seq"])
        self.start = datetime.fromisoformat(phone["captured_from"])
        self.batch = int(os.environ.get("LOAD_FIELD_BATCH", "10"))
        self.last: list[dict[str, Any]] = []
        self.sent = 0

    def _note(self) -> dict[str, Any]:
        self.seq += 1
        return {
            "id": str(uuid.uuid4()),
            "visit": self.visit,
            "kind": "note",
            "seq": self.seq,
            "captured_at": (self.start + timedelta(seconds=self.seq)).isoformat(),
            "data": {"text": f"债务人说明还款安排,第 {self.seq} 条"},
        }

    @task
    def sync(self) -> None:
        self.sent += 1
        again = self.sent % 5 == 0 and bool(self.last)
        records = self.last if again else [self._note() for _ in range(self.batch)]
        expected = "duplicate" if again else "stored"
        with self.client.post(
            "/api/v1/field/sync",
            json={"records": records},
            name="field sync (resent)" if again else "field sync",
            catch_response=True,
        ) as answer:
            statuses = (
                {r["status"] for r in answer.json()["results"]} if answer.ok else {"http error"}
            )
            if statuses != {expected}:
                answer.failure(f"expected every record {expected}, got {sorted(statuses)}")
        self.last = records


class Debtor(HttpUser):
    fixed_count = int(os.environ.get("LOAD_DEBTORS", "8"))
    wait_time = WAIT

    @task
    def ask(self) -> None:
        lang, text = random.choice(QUESTIONS)  # noqa: S311
        address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"  # noqa: S311
        with self.client.post(
            "/api/v1/assistant/ask",
            json={"question": text, "lang": lang},
            headers={"X-Forwarded-For": address},
            name="assistant ask",
            catch_response=True,
        ) as answer:
            if answer.ok and not answer.json().get("answer"):
                answer.failure("no answer")
