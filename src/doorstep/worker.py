"""The Celery application. Tasks run inline (eager) when no broker is configured, so the
embedded demo and the tests need no Redis; production sets CELERY_BROKER_URL."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

app = Celery("doorstep")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = {
    "cases-nightly-sync": {"task": "cases.sync_all", "schedule": crontab(hour=2, minute=0)},
    # After the case sync: judges yesterday's promises and breaks plans past grace.
    "plans-nightly": {"task": "plans.nightly", "schedule": crontab(hour=3, minute=0)},
    # Inside contact hours: SMS reminders of tomorrow's promises, once each (the gate decides).
    "plans-promise-reminders": {
        "task": "plans.promise_reminders",
        "schedule": crontab(hour=10, minute=0),
    },
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
    # After the 02:00 case sync, so the night's new cases are scored; one task per branch.
    "scoring-nightly": {"task": "scoring.run", "schedule": crontab(hour=3, minute=0)},
    # Evening drafts of the next working day's visit plans, one task per branch; managers
    # review and publish them.
    "planning-nightly": {"task": "planning.plan_all", "schedule": crontab(hour=18, minute=30)},
    # After the case sync and the plans run: yesterday's dashboard cells, one task per chart.
    "reports-nightly": {"task": "reports.aggregate", "schedule": crontab(hour=4, minute=0)},
    # After scoring: new and re-aged cases to teams and agents, rotation of stalled cases.
    "remote-allocate": {"task": "remote.allocate_all", "schedule": crontab(hour=4, minute=30)},
    "remote-campaigns": {"task": "remote.send_due_campaigns", "schedule": crontab(minute="*/5")},
    # Placements whose term ended lost access at midnight; this records their recall.
    "agencies-expire": {
        "task": "agencies.expire_placements",
        "schedule": crontab(hour=0, minute=5),
    },
    # Legal deadlines and guarantee-period warnings; certificates for newly settled cases.
    "legal-reminders": {"task": "legal.reminders", "schedule": crontab(hour=6, minute=0)},
    "bureau-certificates": {"task": "bureau.issue_certificates", "schedule": crontab(minute=20)},
    # Quiet hours, after the nightly runs: erase or anonymise what retention no longer needs.
    "privacy-retention": {"task": "privacy.retention", "schedule": crontab(hour=5, minute=0)},
    "assistant-purge": {
        "task": "assistant.purge_anonymous",
        "schedule": crontab(hour=5, minute=30),
    },
    # Unusual reveal volume (docs/permissions.md); each reveal also checks at once.
    "access-alerts": {"task": "access.alerts_check", "schedule": crontab(minute="*/5")},
}
# DOORSTEP_HEAVY_QUEUE=heavy sends the per-branch scoring and planning partitions to their own
# queue, for workers started with ``-Q heavy`` (docs/deploy.md); unset, one queue for all.
HEAVY_QUEUE = os.environ.get("DOORSTEP_HEAVY_QUEUE", "")
if HEAVY_QUEUE:
    app.conf.task_routes = {
        name: {"queue": HEAVY_QUEUE} for name in ("scoring.run_branch", "planning.plan_branch")
    }
app.autodiscover_tasks()
