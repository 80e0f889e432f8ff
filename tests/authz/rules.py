"""Who may use each endpoint: the rule table the endpoint test checks every URL pattern and
every API operation against (``test_every_endpoint.py``). A new endpoint needs a line here.

Each rule is the set of principals (roles, and ``ANON`` for a visitor who is not signed in) that
must get through: not 401, not 403, not sent to sign in. Everybody else must be refused (401, 403,
or 404 for what lies outside their scope). The world the test calls them in (``world.py``): zhang's
case at 西湖 is assigned to the field agent and has the legal, finance and complaint specialists
attached; the phone agent has a case of their own; the agency user has no placed case. Personal
data permissions come from the permission matrix (``doorstep.access.matrix``,
docs/permissions.md); this table is what the endpoints enforce, matrix included.

Markers in comments:
- ``UNBUILT``: the world has no such object, so every principal gets 404 (or 401/403 first); the
  rule proves only that the endpoint refuses, not who it lets through.
- ``form first``: a web form posted empty stops at its validation before the service checks the
  role, so more principals get through to the form error than may ever change anything.
"""

from __future__ import annotations

from collections.abc import Set

from doorstep.staff.models import Role

Rule = Set[str]

FA = Role.FIELD_AGENT.value
PA = Role.PHONE_AGENT.value
CM = Role.COLLECTIONS_MANAGER.value
BA = Role.BRANCH_ADMIN.value
LS = Role.LEGAL_SPECIALIST.value
FS = Role.FINANCE_SPECIALIST.value
CH = Role.COMPLAINT_HANDLER.value
CO = Role.COMPLIANCE_OFFICER.value
IA = Role.INTERNAL_AUDITOR.value
HO = Role.HEAD_OFFICE_ADMIN.value
AG = "agency_user"
ANON = "anonymous"

STAFF = frozenset({FA, PA, CM, BA, LS, FS, CH, CO, IA, HO, AG})
BANK_STAFF = STAFF - {AG}
EVERYONE = STAFF | {ANON}
NOBODY: frozenset[str] = frozenset()
UNBUILT = NOBODY  # see above

WEB_RULES: dict[str, Rule] = {
    "admin:index": NOBODY,  # superusers only; no role is one
    "api:openapi-json": EVERYONE,
    "api:openapi-view": EVERYONE,
    "api:api-root": NOBODY,  # not a page
    "set_language": EVERYONE,
    "home": EVERYONE,
    "login": EVERYONE,
    "logout": EVERYONE,
    "signin:code": EVERYONE,
    "signin:enrol": STAFF,
    "signin:recovery_codes": STAFF,
    "signin:password_change": STAFF,
    "signin:password_done": STAFF,
    "cases:list": STAFF,
    "cases:detail": BANK_STAFF,
    "cases:status": {FA, PA, CM, BA, LS, HO},
    "cases:assign": {CM, BA, HO},
    "cases:transfer": {CM, BA, HO},
    "cases:attach": {CM, BA, HO},
    "cases:reveal": BANK_STAFF - {FS, IA},
    "cases:note": BANK_STAFF - {CO, IA},
    "cases:message": BANK_STAFF - {CO, IA},
    "compliance:index": STAFF,
    "compliance:decisions": {CM, BA, CO, IA, HO},
    "compliance:decision": BANK_STAFF - {PA},
    "compliance:override": NOBODY,  # the world's decision needs no override
    "compliance:parameters": {CO, IA, HO},
    "compliance:parameters_profile": {CO, IA, HO},
    "compliance:parameters_propose": {CO},
    "compliance:calendars": {CO, IA, HO},
    "compliance:calendar_upload": {CO, HO},
    "compliance:packs": {CO, IA, HO},
    "compliance:hold_add": BANK_STAFF - {IA},
    "compliance:hold_release": {CM, BA, CO, HO},
    "ledger:index": {CO, IA, HO},
    "ledger:verify": {CO, IA, HO},
    "ledger:entries": {CO, IA, HO},
    "ledger:case": BANK_STAFF,
    "oversight:hub": STAFF,
    "oversight:approvals": STAFF,
    "oversight:approval": {CO, IA, HO},
    "oversight:approval_decide": {CO, IA, HO},
    "oversight:approval_withdraw": {CO, IA, HO},
    "oversight:complaints": STAFF,
    "oversight:complaint_intake": STAFF,
    "oversight:complaint_stats": STAFF,
    "oversight:complaint": {CH, CO, IA, HO},
    "oversight:complaint_reveal": {CH, CO, IA, HO},
    "oversight:complaint_action": {CH, CO, IA, HO},  # form first: compliance and audit read only
    "oversight:audit": STAFF,
    "oversight:audit_campaign": UNBUILT,
    "oversight:audit_close": UNBUILT,
    "oversight:audit_item": UNBUILT,
    "oversight:audit_review": UNBUILT,
    "oversight:audit_finding": UNBUILT,
    "oversight:audit_remediation": UNBUILT,
    "oversight:remediation": STAFF,
    "oversight:remediation_update": UNBUILT,
    "oversight:regulator": {CO, IA, HO},
    "oversight:regulator_download": {CO, IA, HO},
    "oversight:training": STAFF,
    "oversight:training_complete": {FA, CM, BA, CO, IA, HO},
    "oversight:training_course": STAFF,  # form first
    "oversight:training_assign": STAFF,  # form first
    "complaints:file": EVERYONE,
    "complaints:status": EVERYONE,
    "visits:field": STAFF,
    "visits:manifest": EVERYONE,
    "visits:service_worker": EVERYONE,
    "visits:board": STAFF,
    "visits:briefing": BANK_STAFF - {PA},
    "visits:report": BANK_STAFF - {PA},
    "visits:report_pdf": BANK_STAFF - {PA},
    "visits:evidence_file": UNBUILT,  # no evidence file in the world
    "plans:policies": {CM, CO, IA, HO},
    "plans:case_panel": BANK_STAFF,
    "plans:offer": {FA, PA, CM, BA, LS, HO},
    "plans:promise": {FA, PA, CM, BA, LS, HO},
    "plans:accept": {FA, CM, BA, LS, HO},
    "plans:agreement": BANK_STAFF - {PA},
    "plans:agreement_pdf": BANK_STAFF - {PA},
    "plans:letter_send": {FA, PA, CM, BA, LS, HO},
    "plans:letter": BANK_STAFF - {PA},
    "plans:letter_pdf": BANK_STAFF - {PA},
    "plans:letter_outcome": {FA, CM, BA, LS, HO},
    "assistant:chat": EVERYONE,
    "assistant:article": EVERYONE,
    "assistant:tasks": STAFF,
    "assistant:task_done": STAFF,  # form first: no task in the world; the service checks the role
    "assistant:task_take": STAFF,  # form first: no task in the world; the queue is the team's
    "assistant:case_tasks": BANK_STAFF,
    "assistant:kb": {CO},
    "assistant:kb_edit": {CO},
    "assistant:kb_version": UNBUILT,
    "planning:index": STAFF,
    "planning:detail": UNBUILT,
    "planning:reoptimise": UNBUILT,
    "planning:publish": UNBUILT,
    "scoring:experiments": {CM, BA, CO, IA, HO},
    "scoring:experiment": UNBUILT,
    "scoring:promote": UNBUILT,
    "scoring:stop": UNBUILT,
    "reports:index": {CM, BA, CO, IA, HO},
    "reports:section": {CM, BA, CO, IA, HO},
    "reports:export": {CM, BA, CO, IA, HO},
    "remote:queue": {FA, PA},
    "remote:next": {FA, PA},
    "remote:wrap_up": UNBUILT,
    "legal:desk": STAFF,
    "legal:case_panel": UNBUILT,
    "legal:propose": UNBUILT,
    "legal:contract": UNBUILT,
    "legal:demand": UNBUILT,
    "legal:matter": UNBUILT,
    "legal:action": UNBUILT,
    "legal:document": UNBUILT,
    "bureau:index": {FS, CH, CO, HO},
    "bureau:generate": {FS, CO, HO},
    "bureau:download": UNBUILT,
    "bureau:correction": {CH, CO, HO},
    "bureau:certificate": UNBUILT,
    "privacy:index": {CH, CO, IA, HO},
    "privacy:notice_publish": {CO},
    "privacy:customer_lookup": UNBUILT,  # looks up by a customer number in the form
    "privacy:customer": UNBUILT,
    "privacy:consent": UNBUILT,
    "privacy:notice_shown": UNBUILT,
    "privacy:retention": {CH, CO, IA, HO},
    "privacy:retention_run": UNBUILT,
    "agencies:index": {CM, BA, CO, IA, HO},
    "agencies:detail": UNBUILT,
    "agencies:place": UNBUILT,
    "agencies:batch": UNBUILT,
    "agencies:recall": UNBUILT,
    "agencies:writeoffs": {CM, BA, FS, CO, IA, HO},
    "access:log": {CO, IA},
    "access:alerts": {CO, IA},
    "access:acknowledge": {CO},
    "healthz": EVERYONE,
    "readyz": EVERYONE,
    "metrics": EVERYONE,
}

API_RULES: dict[str, Rule] = {
    "POST /api/v1/auth/token": EVERYONE,
    "DELETE /api/v1/auth/token": NOBODY,  # revokes the bearer token it is called with
    "GET /api/v1/me": STAFF,
    "GET /api/v1/cases": STAFF,
    "GET /api/v1/cases/{case_id}": BANK_STAFF,
    "GET /api/v1/cases/{case_id}/customer": BANK_STAFF,
    "POST /api/v1/cases/{case_id}/customer/reveal": BANK_STAFF - {FS, IA},
    "GET /api/v1/cases/{case_id}/accounts": BANK_STAFF,
    "GET /api/v1/cases/{case_id}/history": BANK_STAFF,
    "GET /api/v1/cases/{case_id}/entries": BANK_STAFF,
    "POST /api/v1/cases/{case_id}/entries": BANK_STAFF - {CO, IA},
    "POST /api/v1/cases/{case_id}/transition": {FA, PA, CM, BA, LS, HO},
    "POST /api/v1/cases/{case_id}/assign": {CM, BA, HO},
    "POST /api/v1/cases/{case_id}/transfer": {CM, BA, HO},
    "POST /api/v1/cases/{case_id}/participants": {CM, BA, HO},
    "POST /api/v1/imports/accounts": {BA, HO},
    "POST /api/v1/imports/payments": {BA, HO},
    "POST /api/v1/imports/statements": {BA, HO},
    "GET /api/v1/approvals": STAFF,
    "GET /api/v1/approvals/{approval_id}": {CO, IA, HO},
    "POST /api/v1/approvals/{approval_id}/decide": NOBODY,  # only a second compliance officer
    "POST /api/v1/approvals/{approval_id}/withdraw": {CO},
    "GET /api/v1/complaints": STAFF,
    "POST /api/v1/complaints": {FA, PA, CM, BA, LS, FS, CH, CO, HO, AG},
    "GET /api/v1/complaints/stats": STAFF,
    "GET /api/v1/complaints/{reference}": {CH, CO, IA, HO},
    "POST /api/v1/complaints/{reference}/acknowledge": {CH, HO},
    "POST /api/v1/complaints/{reference}/start": {CH, HO},
    "POST /api/v1/complaints/{reference}/link": {CH, HO},
    "POST /api/v1/complaints/{reference}/notes": {CH, HO},
    "POST /api/v1/complaints/{reference}/evidence": {CH, HO},
    "POST /api/v1/complaints/{reference}/extend": {CH, HO},
    "POST /api/v1/complaints/{reference}/resolve": {CH, HO},
    "POST /api/v1/complaints/{reference}/verify": {CH, CO, HO},
    "GET /api/v1/audit/campaigns": STAFF,
    "POST /api/v1/audit/campaigns": {IA},
    "GET /api/v1/audit/campaigns/{campaign_id}": UNBUILT,
    "POST /api/v1/audit/campaigns/{campaign_id}/close": UNBUILT,
    "POST /api/v1/audit/items/{item_id}/review": UNBUILT,
    "POST /api/v1/audit/items/{item_id}/findings": UNBUILT,
    "POST /api/v1/audit/findings/{finding_id}/remediation": UNBUILT,
    "GET /api/v1/audit/remediation": STAFF,
    "POST /api/v1/audit/remediation/{action_id}/done": UNBUILT,
    "POST /api/v1/audit/remediation/{action_id}/verify": UNBUILT,
    "GET /api/v1/training/courses": STAFF,
    "POST /api/v1/training/courses": {CO, HO},
    "POST /api/v1/training/courses/{code}/assign": {CO, HO},
    "POST /api/v1/training/completions": STAFF,
    "GET /api/v1/training/staff": STAFF,
    "GET /api/v1/training/staff/{employee_number}": {FA, CM, BA, CO, IA, HO},
    "GET /api/v1/oversight/regulator-report": {CO, IA, HO},
    "GET /api/v1/reports/charts": {CM, BA, CO, IA, HO},
    "GET /api/v1/reports/charts/{slug}": {CM, BA, CO, IA, HO},
    "POST /api/v1/compliance/decide": BANK_STAFF - {PA, CO, IA},
    "GET /api/v1/compliance/decisions": STAFF,
    "GET /api/v1/compliance/decisions/{decision_id}": BANK_STAFF - {PA},
    "POST /api/v1/compliance/decisions/{decision_id}/override": BANK_STAFF - {PA, CO, IA},
    "POST /api/v1/compliance/screen": STAFF,
    "GET /api/v1/compliance/cases/{case_id}/limitation": BANK_STAFF,
    "POST /api/v1/compliance/cases/{case_id}/contacts": BANK_STAFF - {CO, IA},
    "POST /api/v1/compliance/cases/{case_id}/holds": BANK_STAFF - {IA},
    "POST /api/v1/compliance/cases/{case_id}/holds/{hold_id}/release": {CM, BA, CO, HO},
    "GET /api/v1/compliance/parameters/{profile}": STAFF,
    "POST /api/v1/compliance/parameters/{profile}": {CO},
    "GET /api/v1/ledger/checkpoint": UNBUILT,  # no signed checkpoint in the world
    "GET /api/v1/ledger/checkpoints": {CO, IA, HO},
    "GET /api/v1/ledger/entries": {CO, IA, HO},
    "GET /api/v1/ledger/entries/{index}": {CO, IA, HO},
    "GET /api/v1/ledger/proofs/inclusion": {CO, IA, HO},
    "GET /api/v1/ledger/proofs/consistency": {CO, IA, HO},
    "GET /api/v1/ledger/public-key": {CO, IA, HO},
    "POST /api/v1/ledger/cosignatures": {CO, IA, HO},
    "POST /api/v1/visits": {CM, BA, LS, HO},
    "GET /api/v1/visits": STAFF,
    "GET /api/v1/visits/{visit_id}": BANK_STAFF - {PA},
    "GET /api/v1/visits/{visit_id}/briefing": BANK_STAFF - {PA},
    "POST /api/v1/visits/{visit_id}/schedule": {CM, BA, HO},
    "POST /api/v1/visits/{visit_id}/transition": {FA},
    "POST /api/v1/visits/{visit_id}/check-in": {FA},
    "POST /api/v1/visits/{visit_id}/complete": {FA},
    "GET /api/v1/field/board": STAFF,
    "POST /api/v1/visits/{visit_id}/report/sign-off": {CM, BA, HO},
    "GET /api/v1/field/day": STAFF,
    "POST /api/v1/field/sync": STAFF,
    "POST /api/v1/field/records/{record_id}/file": UNBUILT,  # no record in the world
    "POST /api/v1/assistant/ask": EVERYONE,
    "POST /api/v1/assistant/conversations": EVERYONE,
    "POST /api/v1/assistant/messages": NOBODY,  # DEBTOR: a debtor's token
    "POST /api/v1/assistant/identity": NOBODY,  # DEBTOR: a debtor's token
    "POST /api/v1/assistant/identity/confirm": NOBODY,  # DEBTOR: a debtor's token
    "GET /api/v1/assistant/me": NOBODY,  # DEBTOR: a debtor's token
    "POST /api/v1/assistant/requests": NOBODY,  # DEBTOR: a debtor's token
    "GET /api/v1/assistant/plans": NOBODY,  # DEBTOR: a debtor's token
    "POST /api/v1/assistant/plans/{plan_id}/accept": NOBODY,  # DEBTOR: a debtor's token
    "POST /api/v1/assistant/complaints": NOBODY,  # DEBTOR: a debtor's token
    "GET /api/v1/cases/{case_id}/assistant-tasks": BANK_STAFF,
    "GET /api/v1/assistant/article-versions": STAFF,
    "POST /api/v1/assistant/articles/{slug}/{lang}/drafts": {CO},
    "POST /api/v1/assistant/article-versions/{version_id}/review": UNBUILT,
    "GET /api/v1/cases/{case_id}/plans": BANK_STAFF,
    "POST /api/v1/cases/{case_id}/plans": {FA, PA, CM},
    "POST /api/v1/plans/{plan_id}/accept": {FA, CM, BA, LS, HO},
    "GET /api/v1/cases/{case_id}/plan-options": BANK_STAFF,
    "GET /api/v1/cases/{case_id}/promises": BANK_STAFF,
    "POST /api/v1/cases/{case_id}/promises": {FA, PA, CM, BA, LS, HO},
    "POST /api/v1/payments": UNBUILT,  # the body names an account
    "POST /api/v1/payments/{transaction_id}/reverse": UNBUILT,
    "GET /api/v1/plan-policies": STAFF,
    "POST /api/v1/plan-policies": {CM, HO},
    "POST /api/v1/cases/{case_id}/letters": {FA, PA, CM, BA, LS, HO},
    "POST /api/v1/letters/{letter_id}/outcome": {FA, CM, BA, LS, HO},
    "POST /api/v1/visit-plans": UNBUILT,  # the body names a branch and agents
    "GET /api/v1/visit-plans/{plan_id}": UNBUILT,
    "POST /api/v1/visit-plans/{plan_id}/reoptimise": UNBUILT,
    "POST /api/v1/visit-plans/{plan_id}/publish": UNBUILT,
    "GET /api/v1/scoring/models": {CM, BA, CO, IA, HO},
    "GET /api/v1/scoring/models/{model_id}": UNBUILT,
    "GET /api/v1/scoring/runs": {CM, BA, CO, IA, HO},
    "GET /api/v1/scoring/worklist": STAFF,
    "GET /api/v1/cases/{case_id}/score": UNBUILT,  # no scoring run in the world
    "GET /api/v1/scoring/experiments": {CM, BA, CO, IA, HO},
    "POST /api/v1/scoring/experiments": UNBUILT,  # the body names a model version
    "GET /api/v1/scoring/experiments/{experiment_id}/comparison": UNBUILT,
    "POST /api/v1/scoring/experiments/{experiment_id}/stop": UNBUILT,
    "POST /api/v1/scoring/experiments/{experiment_id}/promote": UNBUILT,
    "GET /api/v1/remote/allocation/rules": {CM, BA, HO},
    "POST /api/v1/remote/allocation/rules": {CM, BA, HO},
    "POST /api/v1/remote/allocation/runs": {CM, BA, HO},
    "GET /api/v1/remote/allocation/runs/{run_id}": UNBUILT,
    "POST /api/v1/remote/cases/{case_id}/override": {CM, BA, HO},
    "POST /api/v1/remote/cases/{case_id}/vulnerability": BANK_STAFF - {CO, IA},
    "POST /api/v1/remote/cases/{case_id}/vulnerability/{flag_id}/end": {CM, BA, HO},
    "POST /api/v1/remote/cases/{case_id}/vulnerability/{flag_id}/contact-requests": BANK_STAFF
    - {PA, CO, IA},  # the phone agent's own case has no such flag
    "GET /api/v1/remote/queue": {FA, PA},
    "POST /api/v1/remote/queue/next": {FA, PA},
    "POST /api/v1/remote/calls/{call_id}/wrap-up": UNBUILT,
    "GET /api/v1/remote/templates": {CM, BA, CO, HO},
    "POST /api/v1/remote/templates": {CM, CO, HO},
    "POST /api/v1/remote/templates/{template_id}/versions": {CM, CO, HO},
    "POST /api/v1/remote/campaigns": UNBUILT,  # the body names a template
    "GET /api/v1/remote/campaigns/{campaign_id}": UNBUILT,
    "POST /api/v1/remote/campaigns/{campaign_id}/send": UNBUILT,
    "POST /api/v1/remote/quality/samples": {CM, BA, IA, HO},
    "POST /api/v1/remote/quality/reviews/{review_id}": UNBUILT,
    "GET /api/v1/remote/quality/trends": {CM, BA, IA, HO},
    "POST /api/v1/gateway/receipts": NOBODY,  # GATEWAY: the body signed with the shared secret
    "GET /api/v1/legal/matters": STAFF,
    "GET /api/v1/legal/matters/{matter_id}": UNBUILT,
    "POST /api/v1/cases/{case_id}/legal": {FA, PA, CM, BA, LS, HO},
    "POST /api/v1/legal/matters/{matter_id}/file": UNBUILT,
    "POST /api/v1/legal/matters/{matter_id}/decide": UNBUILT,
    "GET /api/v1/cases/{case_id}/guarantees": BANK_STAFF,
    "POST /api/v1/cases/{case_id}/guarantees": {CM, BA, LS, HO},
    "GET /api/v1/bureau/files": {FS, CO, HO},
    "POST /api/v1/bureau/files": {FS, CO, HO},
    "GET /api/v1/bureau/files/{file_id}/content": UNBUILT,
    "GET /api/v1/certificates/{certificate_id}": UNBUILT,
    "GET /api/v1/agencies": STAFF,
    "POST /api/v1/agencies/{agency_id}/placements": UNBUILT,
    "GET /api/v1/agency-batches/{reference}": UNBUILT,
    "POST /api/v1/agency-batches/{reference}/recall": UNBUILT,
    "POST /api/v1/cases/{case_id}/write-off": {CM, BA, FS, HO},
    "GET /api/v1/write-offs/reconciliation": {CM, BA, FS, CO, IA, HO},
    "POST /api/v1/debt-sales": UNBUILT,  # the body names cases and a buyer
    "POST /api/v1/debt-sales/{reference}/transfer": UNBUILT,
    "GET /api/v1/access/log": {CO, IA},
    "GET /api/v1/access/alerts": {CO, IA},
    "POST /api/v1/access/alerts/{alert_id}/acknowledge": {CO},
    "GET /api/v1/privacy/catalogue": {CH, CO, IA, HO},
    "GET /api/v1/privacy/notices": {CH, CO, IA, HO},
    "POST /api/v1/privacy/notices": {CO},
    "GET /api/v1/privacy/customers/{customer_id}": {CH, CO, IA, HO},
    "POST /api/v1/privacy/customers/{customer_id}/consents": {CH, CO},
    "GET /api/v1/privacy/customers/{customer_id}/consents/{purpose}": {CH, CO, IA, HO},
    "POST /api/v1/privacy/customers/{customer_id}/notices-shown": {CH, CO},
    "GET /api/v1/privacy/retention/runs": {CH, CO, IA, HO},
    "POST /api/v1/privacy/retention/runs": {CO, HO},
    "GET /api/v1/privacy/retention/runs/{run_id}": UNBUILT,
}
