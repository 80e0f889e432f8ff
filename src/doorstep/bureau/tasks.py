"""Certificates for newly settled or cured cases. Safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from doorstep.bureau.services import certificates_issue_due


@shared_task(name="bureau.issue_certificates")
def issue_certificates() -> dict[str, Any]:
    return {"issued": len(certificates_issue_due())}
