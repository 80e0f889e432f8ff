"""Who may do what with which kind of personal data: role × data category × action, as data.

Pure (no Django): the case selectors, the reveal service, the exports and ``docs/permissions.md``
all read this one table, and a test keeps the document and the table the same. Roles are the
string values of ``staff.models.Role`` (a test keeps them in step); a role missing from the table
may do nothing.

Reading is always masked (``110105********1234``, ``138****5678``); the full values need the
explicit ``reveal`` action, with a reason, logged. ``export`` is taking data out of the system as
a file; every export is logged. ``edit`` is writing the category.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    IDENTITY = "identity"  # national ID number
    CONTACT = "contact"  # phones, addresses
    FINANCIAL = "financial"  # declared income, assets, household, other debts
    DEBT = "debt"  # accounts, balances, statements, payments
    CASE_NOTES = "case_notes"  # notes and the shared thread
    EVIDENCE = "evidence"  # visit reports, photos, recordings, complaint evidence
    SCORING = "scoring"  # credit and collection scores
    COMPLAINTS = "complaints"  # complainants' identities and their complaints
    REPORTS = "reports"  # aggregated figures (dashboards), no single person
    # Files the bank hands over by law or contract with full identities: the credit-bureau
    # file, a debt sale's transfer file.
    STATUTORY = "statutory"
    ACCESS_LOG = "access_log"  # who read or exported personal data, and the alerts


class Action(StrEnum):
    READ = "read"  # masked where the category has masks
    REVEAL = "reveal"  # unmasked, with a reason, logged
    EXPORT = "export"  # as a file, logged
    EDIT = "edit"


# The roles, as ``staff.models.Role`` values.
COLLECTIONS_MANAGER = "collections_manager"
FIELD_AGENT = "field_agent"
PHONE_AGENT = "phone_agent"
LEGAL_SPECIALIST = "legal_specialist"
FINANCE_SPECIALIST = "finance_specialist"
COMPLIANCE_OFFICER = "compliance_officer"
INTERNAL_AUDITOR = "internal_auditor"
COMPLAINT_HANDLER = "complaint_handler"
BRANCH_ADMIN = "branch_admin"
HEAD_OFFICE_ADMIN = "head_office_admin"
AGENCY_USER = "agency_user"

ROLES = (
    FIELD_AGENT,
    PHONE_AGENT,
    COLLECTIONS_MANAGER,
    BRANCH_ADMIN,
    LEGAL_SPECIALIST,
    FINANCE_SPECIALIST,
    COMPLAINT_HANDLER,
    COMPLIANCE_OFFICER,
    INTERNAL_AUDITOR,
    HEAD_OFFICE_ADMIN,
    AGENCY_USER,
)

C = Category
R, V, X, E = Action.READ, Action.REVEAL, Action.EXPORT, Action.EDIT

_AGENT = {
    C.IDENTITY: {R, V},
    C.CONTACT: {R, V, E},
    C.FINANCIAL: {R, E},
    C.DEBT: {R},
    C.CASE_NOTES: {R, E},
    C.EVIDENCE: {R, E},
    C.SCORING: {R},
}
_MANAGER = {
    **_AGENT,
    C.COMPLAINTS: {R},
    C.REPORTS: {R, X},
}

MATRIX: dict[str, dict[Category, frozenset[Action]]] = {
    role: {category: frozenset(actions) for category, actions in grants.items()}
    for role, grants in {
        FIELD_AGENT: _AGENT,
        PHONE_AGENT: _AGENT,
        COLLECTIONS_MANAGER: _MANAGER,
        BRANCH_ADMIN: _MANAGER,
        LEGAL_SPECIALIST: {
            **_AGENT,
            C.SCORING: set(),
        },
        # Finance works the numbers; it never needs to reach the person.
        FINANCE_SPECIALIST: {
            C.STATUTORY: {R, X},
            C.IDENTITY: {R},
            C.CONTACT: {R},
            C.FINANCIAL: {R},
            C.DEBT: {R, E},
            C.CASE_NOTES: {R, E},
            C.SCORING: {R},
        },
        COMPLAINT_HANDLER: {
            C.IDENTITY: {R, V},
            C.CONTACT: {R, V},
            C.FINANCIAL: {R},
            C.DEBT: {R},
            C.CASE_NOTES: {R, E},
            C.EVIDENCE: {R, E},
            C.COMPLAINTS: {R, V, E},
        },
        # Compliance reads everything and reveals to investigate; it writes nothing but its
        # own acknowledgements of access alerts.
        COMPLIANCE_OFFICER: {
            C.IDENTITY: {R, V},
            C.CONTACT: {R, V},
            C.FINANCIAL: {R},
            C.DEBT: {R},
            C.CASE_NOTES: {R},
            C.EVIDENCE: {R},
            C.SCORING: {R},
            C.COMPLAINTS: {R},
            C.REPORTS: {R, X},
            C.ACCESS_LOG: {R, E},
            C.STATUTORY: {R, X},
        },
        # Auditors sample records; they never need the values themselves.
        INTERNAL_AUDITOR: {
            C.IDENTITY: {R},
            C.CONTACT: {R},
            C.FINANCIAL: {R},
            C.DEBT: {R},
            C.CASE_NOTES: {R},
            C.EVIDENCE: {R},
            C.SCORING: {R},
            C.COMPLAINTS: {R},
            C.REPORTS: {R, X},
            C.ACCESS_LOG: {R},
        },
        HEAD_OFFICE_ADMIN: {
            **_MANAGER,
            C.COMPLAINTS: {R, V, E},
            C.STATUTORY: {R, X},
        },
        # An outside agency works only the cases placed with it, with the minimum: how to reach
        # the debtor (masked), what is owed, and its own notes; never the ID number, never a
        # reveal or an export (docs/agencies.md: the contract narrows it further).
        AGENCY_USER: {
            C.CONTACT: {R},
            C.DEBT: {R},
            C.CASE_NOTES: {R, E},
        },
    }.items()
}


def may(role: str | None, category: Category, action: Action) -> bool:
    """Whether ``role`` may take ``action`` on ``category``. Unknown roles may do nothing."""
    if role is None:
        return False
    return action in MATRIX.get(role, {}).get(category, frozenset())


def roles_that(category: Category, action: Action) -> frozenset[str]:
    """Every role that may take ``action`` on ``category``."""
    return frozenset(role for role in ROLES if may(role, category, action))


# What a reveal unmasks: the ID number and the phones (and addresses with them).
REVEALED_CATEGORIES = (Category.IDENTITY, Category.CONTACT)


def may_reveal(role: str | None) -> bool:
    return all(may(role, category, Action.REVEAL) for category in REVEALED_CATEGORIES)


def check_consistent() -> list[str]:
    """Rules the table itself must keep: a reveal or an export needs a read, and nobody but
    the roles listed here appears. Returns the breaches (empty when the table is sound)."""
    problems = []
    for role, grants in MATRIX.items():
        if role not in ROLES:
            problems.append(f"unknown role {role}")
        for category, actions in grants.items():
            if actions & {Action.REVEAL, Action.EXPORT, Action.EDIT} and Action.READ not in actions:
                problems.append(
                    f"{role} may {sorted(a.value for a in actions)} {category} without reading it"
                )
    return problems


ROLE_TITLES = {
    FIELD_AGENT: "field agent",
    PHONE_AGENT: "phone agent",
    COLLECTIONS_MANAGER: "collections manager",
    BRANCH_ADMIN: "branch administrator",
    LEGAL_SPECIALIST: "legal specialist",
    FINANCE_SPECIALIST: "finance specialist",
    COMPLAINT_HANDLER: "complaint handler",
    COMPLIANCE_OFFICER: "compliance officer",
    INTERNAL_AUDITOR: "internal auditor",
    HEAD_OFFICE_ADMIN: "head-office administrator",
    AGENCY_USER: "agency user",
}
CATEGORY_TITLES = {
    Category.IDENTITY: "identity (national ID number)",
    Category.CONTACT: "contact (phones, addresses)",
    Category.FINANCIAL: "financial (income, assets, household)",
    Category.DEBT: "debt (accounts, balances, payments)",
    Category.CASE_NOTES: "case notes and thread",
    Category.EVIDENCE: "evidence (visit reports, photos, recordings)",
    Category.SCORING: "credit and collection scores",
    Category.COMPLAINTS: "complaints and complainants",
    Category.REPORTS: "reports (aggregated figures)",
    Category.STATUTORY: "statutory files (credit-bureau file, debt-sale transfer file)",
    Category.ACCESS_LOG: "access log and alerts",
}
LETTERS = {Action.READ: "R", Action.REVEAL: "V", Action.EXPORT: "X", Action.EDIT: "E"}

DOC_BEGIN = "<!-- matrix:begin (generated by `doorstep access matrix`; do not edit) -->"
DOC_END = "<!-- matrix:end -->"


def matrix_markdown() -> str:
    """The table as Markdown: one row per category, one column per role, letters per action."""
    head = "| category | " + " | ".join(ROLE_TITLES[role] for role in ROLES) + " |"
    rule = "|---|" + "---|" * len(ROLES)
    rows = [head, rule]
    for category in Category:
        cells = []
        for role in ROLES:
            letters = "".join(LETTERS[action] for action in Action if may(role, category, action))
            cells.append(letters or "–")
        rows.append(f"| {CATEGORY_TITLES[category]} | " + " | ".join(cells) + " |")
    return "\n".join([DOC_BEGIN, *rows, DOC_END])
