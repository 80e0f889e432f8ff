"""The assistant's scheduled work: the nightly purge of anonymous chats."""

from __future__ import annotations

from celery import shared_task

from doorstep.assistant.services import conversations_purge


@shared_task(name="assistant.purge_anonymous", acks_late=True)
def purge_anonymous() -> int:
    """Idempotent: a second run finds nothing left to delete."""
    return conversations_purge()
