"""Which object of the world stands behind each path parameter."""

from __future__ import annotations

from django.conf import settings

# API path parameters by name.
API_PARAMS = {
    "case_id": "case",
    "visit_id": "visit",
    "reference": "complaint",
    "hold_id": "hold",
    "letter_id": "letter",
    "code": "course",
    "employee_number": "employee",
    "profile": "profile",
    "index": "ledger_index",
    "approval_id": "approval",
    "decision_id": "decision",
    "plan_id": "plan",
    "quarter": "quarter",
    "customer_id": "customer",
    "lang": "lang",
    "slug": "article",
    "purpose": "purpose",
    "alert_id": "alert",
    "template_id": "template",
    "flag_id": "flag",
    "record_id": "missing_uuid",
}

# Where one operation's parameter names a different kind of object than the name says elsewhere.
API_OPERATION_PARAMS: dict[str, dict[str, str]] = {
    "GET /api/v1/reports/charts/{slug}": {"slug": "chart"},
}

# Web path parameters, by URL name (``pk`` means a different object on each page).
WEB_PARAMS: dict[str, dict[str, str]] = {
    "cases:detail": {"pk": "case"},
    "cases:status": {"pk": "case"},
    "cases:assign": {"pk": "case"},
    "cases:transfer": {"pk": "case"},
    "cases:attach": {"pk": "case"},
    "cases:reveal": {"pk": "case"},
    "cases:note": {"pk": "case"},
    "cases:message": {"pk": "case"},
    "compliance:decision": {"pk": "decision"},
    "compliance:override": {"pk": "decision"},
    "oversight:approval": {"pk": "approval"},
    "oversight:approval_decide": {"pk": "approval"},
    "oversight:approval_withdraw": {"pk": "approval"},
    "oversight:audit_campaign": {"pk": "missing"},
    "oversight:audit_close": {"pk": "missing"},
    "oversight:audit_item": {"pk": "missing"},
    "oversight:audit_review": {"pk": "missing"},
    "oversight:audit_finding": {"pk": "missing"},
    "oversight:audit_remediation": {"pk": "missing"},
    "oversight:remediation_update": {"pk": "missing"},
    "plans:accept": {"pk": "plan"},
    "plans:agreement_pdf": {"pk": "plan"},
    "plans:letter_pdf": {"pk": "letter"},
    "visits:report_pdf": {"pk": "visit"},
    "visits:evidence_file": {"pk": "visit", "record": "missing_uuid"},
    "plans:agreement": {"pk": "plan"},
    "assistant:task_done": {"pk": "missing"},
    "assistant:task_take": {"pk": "missing"},
    "planning:detail": {"pk": "missing"},
    "planning:reoptimise": {"pk": "missing"},
    "planning:publish": {"pk": "missing"},
    "remote:wrap_up": {"pk": "missing"},
    "oversight:regulator_download": {"quarter": "quarter", "format": "report_format"},
    "compliance:parameters_profile": {"profile": "profile"},
    "compliance:parameters_propose": {"profile": "profile"},
    "compliance:hold_add": {"pk": "case"},
    "compliance:hold_release": {"pk": "case", "hold_pk": "hold"},
    "ledger:case": {"pk": "case"},
    "oversight:complaint": {"reference": "complaint"},
    "oversight:complaint_reveal": {"reference": "complaint"},
    "oversight:complaint_action": {"reference": "complaint", "action": "complaint_action"},
    "oversight:training_complete": {"pk": "staff"},
    "visits:briefing": {"pk": "visit"},
    "visits:report": {"pk": "visit"},
    "plans:case_panel": {"pk": "case"},
    "plans:offer": {"pk": "case"},
    "plans:promise": {"pk": "case"},
    "plans:letter_send": {"pk": "case"},
    "plans:letter": {"pk": "letter"},
    "plans:letter_outcome": {"pk": "letter"},
    "reports:section": {"section": "section"},
    "reports:export": {"slug": "chart"},
    "assistant:article": {"slug": "article"},
    "access:acknowledge": {"pk": "alert"},
    "assistant:case_tasks": {"pk": "case"},
}


# Bodies and queries beyond the least the schema takes: real ids, the right credentials.
API_BODIES: dict[str, dict[str, object]] = {
    # The one operation anybody may call: a token for a correct login and password.
    "POST /api/v1/auth/token": {"username": "agent_li", "password": settings.DEMO_PASSWORD},
}
API_QUERY: dict[str, dict[str, object]] = {
    "GET /api/v1/oversight/regulator-report": {"quarter": "2026Q2"},
}

# Form fields a page needs before it reaches its permission check (the reveal forms check the
# reason first and the role in the service).
WEB_DATA: dict[str, dict[str, object]] = {
    "cases:reveal": {"reason": "Checked on the authorisation test"},
    "oversight:complaint_reveal": {"reveal-reason": "Checked on the authorisation test"},
    "access:acknowledge": {"note": "Checked on the authorisation test"},
}
