"""Imports over HTTP: the same import as ``doorstep import``, for head-office and branch admins.

A branch admin's rows of other branches are rejected row by row; everyone else gets 403 before
the file is read. A file that cannot be imported at all answers 400 with ``fields.file``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from doorstep.portfolio.importing import import_check_upload, import_file
from doorstep.portfolio.rows import Kind
from doorstep.staff.selectors import staff_for

router = Router(tags=["imports"])


class RowErrorOut(Schema):
    line: int
    field: str
    reason: str


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[RowErrorOut]
    dry_run: bool
    ignored_columns: list[str]
    cases_refreshed: int


def _import(
    request: HttpRequest, kind: Kind, file: UploadedFile, dry_run: bool, branch: str | None
) -> dict[str, Any]:
    staff = staff_for(request.user)
    import_check_upload(actor=staff, size=file.size)
    report = import_file(
        kind=kind,
        data=file.read(),
        filename=file.name or "",
        actor=staff,
        dry_run=dry_run,
        default_branch=branch or None,
    )
    return report.summary()


@router.post("/imports/accounts", response=ImportOut)
def imports_accounts(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    branch: Form[str] = "",
) -> dict[str, Any]:
    """Accounts with their customers, keyed by account and customer number."""
    return _import(request, Kind.ACCOUNTS, file, dry_run, branch)


@router.post("/imports/payments", response=ImportOut)
def imports_payments(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> dict[str, Any]:
    """Payments keyed by transaction id; refreshes the arrears of open cases they touch."""
    return _import(request, Kind.PAYMENTS, file, dry_run, None)


@router.post("/imports/statements", response=ImportOut)
def imports_statements(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> dict[str, Any]:
    """Billed dues keyed by account and due date; refreshes the arrears of open cases."""
    return _import(request, Kind.STATEMENTS, file, dry_run, None)
