"""Locust scenario (``bench.load`` runs it; so can an operator against a staging site): a
manager's API client paging the case list and opening cases. The user and the password come
from LOAD_USER / LOAD_PASSWORD (or a bearer token in LOAD_TOKEN), so the same file drives
any bank."""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task


class Manager(HttpUser):
    wait_time = between(0, 0.05)

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
