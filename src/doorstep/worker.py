"""The Celery application. Tasks run inline (eager) when no broker is configured, so the
embedded demo and the tests need no Redis; production sets CELERY_BROKER_URL."""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab

app = Celery("doorstep")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = {
    "cases-nightly-sync": {"task": "cases.sync_all", "schedule": crontab(hour=2, minute=0)},
    # After the case sync: judges yesterday's promises and breaks plans past grace.
    "plans-nightly": {"task": "plans.nightly", "schedule": crontab(hour=3, minute=0)},
    "approvals-escalate": {
        "task": "oversight.approvals_escalate",
        "schedule": crontab(minute="*/10"),
    },
    "complaints-escalate": {
        "task": "oversight.complaints_escalate",
        "schedule": crontab(minute="*/15"),
    },
    "ledger-sign-checkpoint": {
        "task": "ledger.sign_checkpoint",
        "schedule": crontab(minute="*/10"),  # signs only if the log grew
    },
    # After the 02:00 case sync, so the night's new cases are scored.
    "scoring-nightly": {"task": "scoring.run", "schedule": crontab(hour=3, minute=0)},
    # After the case sync and the plans run: yesterday's dashboard cells, one task per chart.
    "reports-nightly": {"task": "reports.aggregate", "schedule": crontab(hour=4, minute=0)},
    # After scoring: new and re-aged cases to teams and agents, rotation of stalled cases.
    "remote-allocate": {"task": "remote.allocate_all", "schedule": crontab(hour=4, minute=30)},
    "remote-campaigns": {"task": "remote.send_due_campaigns", "schedule": crontab(minute="*/5")},
}
app.autodiscover_tasks()
