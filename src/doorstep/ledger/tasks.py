"""Periodic signing of the tree head. Safe to run twice: it signs only when the log grew."""

from __future__ import annotations

from celery import shared_task

from doorstep.ledger.services import ledger_sign_if_grown


@shared_task(name="ledger.sign_checkpoint")
def ledger_sign_checkpoint_task() -> int | None:
    """Sign a checkpoint if entries were appended since the latest; its tree size, or None."""
    checkpoint = ledger_sign_if_grown()
    return checkpoint.tree_size if checkpoint else None
