"""The Celery application. Tasks run inline (eager) when no broker is configured, so the
embedded demo and the tests need no Redis; production sets CELERY_BROKER_URL."""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab

app = Celery("doorstep")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = {
    "cases-nightly-sync": {"task": "cases.sync_all", "schedule": crontab(hour=2, minute=0)},
    "approvals-escalate": {
        "task": "oversight.approvals_escalate",
        "schedule": crontab(minute="*/10"),
    },
    "ledger-sign-checkpoint": {
        "task": "ledger.sign_checkpoint",
        "schedule": crontab(minute="*/10"),  # signs only if the log grew
    },
}
app.autodiscover_tasks()
