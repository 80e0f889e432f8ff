"""The nightly retention job. Safe to run twice: a customer already erased is not examined
again, and one still held is examined again the next night."""

from __future__ import annotations

from celery import shared_task

from doorstep.privacy.retention import retention_run


@shared_task(name="privacy.retention")
def privacy_retention(dry_run: bool = False) -> int:
    """Run retention as of today; the id of the stored run (its report is on the run)."""
    return retention_run(dry_run=dry_run).pk
