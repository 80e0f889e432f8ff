"""``POST /api/v1/imports/…``: who may import, the report body and the error bodies."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from doorstep.portfolio import tables
from doorstep.portfolio.models import Account, Payment
from doorstep.portfolio.tests.files import (
    ACCOUNT_HEADER,
    LI_QIANG_ID,
    PAYMENT_HEADER,
    account_row,
    csv_bytes,
)

pytestmark = pytest.mark.django_db


def post(client: Client, kind: str, data: bytes, name: str = "file.csv", **form):
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(
        f"/api/v1/imports/{kind}", {"file": upload, **form}, HTTP_ACCEPT_LANGUAGE="en"
    )


def signed_in(world, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def two_branch_accounts() -> bytes:
    return csv_bytes(
        ACCOUNT_HEADER,
        account_row("AC-T1", "CU-T1"),
        account_row("AC-T2", "CU-T2", branch="BJ", name="李强", national_id=LI_QIANG_ID),
    )


def test_a_head_office_admin_imports_every_branch(world) -> None:
    response = post(signed_in(world, "admin"), "accounts", two_branch_accounts())
    assert response.status_code == 200
    assert response.json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "errors": [],
        "dry_run": False,
        "ignored_columns": [],
        "cases_refreshed": 0,
    }


def test_a_branch_admin_imports_only_their_own_branch(world) -> None:
    response = post(signed_in(world, "branch_admin_he"), "accounts", two_branch_accounts())
    assert response.status_code == 200
    assert (response.json()["created"], response.json()["errors"]) == (
        1,
        [{"line": 3, "field": "branch", "reason": "you may import only rows of your branch XH"}],
    )
    assert list(
        Account.objects.filter(external_id__startswith="AC-T").values_list(
            "branch__code", flat=True
        )
    ) == ["XH"]


@pytest.mark.parametrize("name", ["agent_li", "manager_wang", "compliance_zhou"])
def test_other_roles_are_forbidden_and_nothing_is_stored(world, name) -> None:
    response = post(signed_in(world, name), "accounts", two_branch_accounts())
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": "Your role may not do this.", "fields": {}}
    }
    assert not Account.objects.filter(external_id__in=["AC-T1", "AC-T2"]).exists()


def test_a_user_without_a_staff_profile_is_forbidden(world) -> None:
    client = Client()
    client.force_login(get_user_model().objects.create_user("stranger", password="x"))
    response = post(client, "accounts", two_branch_accounts())
    assert response.status_code == 403
    assert not Account.objects.filter(external_id__in=["AC-T1", "AC-T2"]).exists()


def test_an_anonymous_request_is_not_authenticated(world) -> None:
    response = post(Client(), "payments", csv_bytes(PAYMENT_HEADER))
    assert response.status_code == 401


def test_a_file_missing_columns_answers_400_naming_the_file(world) -> None:
    data = csv_bytes(["transaction_id", "amount"], ["TX1", "100"])
    response = post(signed_in(world, "admin"), "payments", data)
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "missing_columns",
            "message": "The file lacks the required columns: account_id, paid_on.",
            "fields": {"file": ["The file lacks the required columns: account_id, paid_on."]},
        }
    }


def test_a_file_of_the_wrong_type_answers_400(world) -> None:
    response = post(signed_in(world, "admin"), "statements", b"%PDF-1.7", name="dues.pdf")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_file_type"
    assert response.json()["error"]["fields"] == {
        "file": ["“dues.pdf” is not a CSV (.csv) or Excel (.xlsx) file; save it as one of those."]
    }


def test_an_upload_over_the_size_limit_is_refused_unread(world, monkeypatch) -> None:
    monkeypatch.setattr(tables, "MAX_FILE_BYTES", 1024 * 1024)
    response = post(signed_in(world, "admin"), "payments", b"x" * (1024 * 1024 + 1))
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "file": ["The file is too large: at most 1 MB and 1000000 rows; split it into parts."]
    }


def test_an_unknown_default_branch_answers_400_naming_the_branch(world) -> None:
    response = post(signed_in(world, "admin"), "accounts", two_branch_accounts(), branch="HZ")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "unknown_branch",
        "message": "There is no branch with code “HZ”.",
        "fields": {"branch": ["There is no branch with code “HZ”."]},
    }


def test_the_imports_are_in_the_openapi_schema(world) -> None:
    paths = signed_in(world, "admin").get("/api/openapi.json").json()["paths"]
    assert {"/api/v1/imports/accounts", "/api/v1/imports/payments"} <= set(paths)


def test_a_request_without_a_file_answers_422(world) -> None:
    response = signed_in(world, "admin").post("/api/v1/imports/payments", {"dry_run": "true"})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["file"]


def test_a_dry_run_over_the_api_stores_nothing(world) -> None:
    card = world.zhang_case.accounts.get().external_id
    data = csv_bytes(PAYMENT_HEADER, ["TX1", card, "2026-06-01", "100.00", "", ""])
    response = post(signed_in(world, "admin"), "payments", data, dry_run="true")
    assert (response.status_code, response.json()["created"], response.json()["dry_run"]) == (
        200,
        1,
        True,
    )
    assert not Payment.objects.filter(external_id="TX1").exists()


def test_payments_over_the_api_report_each_bad_row(world) -> None:
    card = world.zhang_case.accounts.get().external_id
    data = csv_bytes(
        PAYMENT_HEADER,
        ["TX1", card, "2026-06-30", "2000.00", "", ""],
        ["TX2", card, "2026-06-30", "12.345", "", ""],
    )
    response = post(signed_in(world, "branch_admin_he"), "payments", data)
    body = response.json()
    assert (body["created"], body["rejected"], body["cases_refreshed"]) == (1, 1, 1)
    assert body["errors"] == [
        {"line": 3, "field": "amount", "reason": "has more than 2 decimal places"}
    ]


def test_a_bearer_token_may_import(world) -> None:
    token = (
        Client()
        .post(
            "/api/v1/auth/token",
            {"username": "admin", "password": "doorstep-demo"},
            content_type="application/json",
        )
        .json()["token"]
    )
    upload = SimpleUploadedFile("a.csv", two_branch_accounts(), content_type="text/csv")
    response = Client().post(
        "/api/v1/imports/accounts", {"file": upload}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert (response.status_code, response.json()["created"]) == (200, 2)
