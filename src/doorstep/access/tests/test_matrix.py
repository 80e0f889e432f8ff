"""The permission matrix: sound as a table, in step with the roles, and the same as the document."""

from __future__ import annotations

from pathlib import Path

from doorstep.access.management.commands.access import with_matrix
from doorstep.access.matrix import (
    MATRIX,
    ROLES,
    Action,
    Category,
    check_consistent,
    matrix_markdown,
    may,
    may_reveal,
    roles_that,
)
from doorstep.cases.selectors import REVEAL_ROLES
from doorstep.oversight.complaints.selectors import REVEAL_ROLES as COMPLAINT_REVEAL_ROLES
from doorstep.staff.models import Role

DOC = Path(__file__).resolve().parents[4] / "docs" / "permissions.md"


def test_every_role_of_the_staff_model_has_a_row_and_no_other_role_does() -> None:
    assert set(ROLES) == set(Role.values)
    assert set(MATRIX) == set(ROLES)


def test_the_matrix_never_grants_a_reveal_export_or_edit_without_a_read() -> None:
    assert check_consistent() == []


def test_a_table_granting_a_reveal_without_a_read_is_reported() -> None:
    MATRIX["internal_auditor"][Category.SCORING] = frozenset({Action.REVEAL})
    try:
        assert check_consistent() == ["internal_auditor may ['reveal'] scoring without reading it"]
    finally:
        MATRIX["internal_auditor"][Category.SCORING] = frozenset({Action.READ})


def test_auditors_finance_and_agencies_never_reveal_and_agencies_never_export() -> None:
    for role in ("internal_auditor", "finance_specialist", "agency_user"):
        assert not may_reveal(role)
    assert not any(may("agency_user", category, Action.EXPORT) for category in Category)
    assert not any(may("agency_user", category, Action.REVEAL) for category in Category)


def test_unknown_and_missing_roles_may_do_nothing() -> None:
    assert not may(None, Category.DEBT, Action.READ)
    assert not may("janitor", Category.DEBT, Action.READ)


def test_the_case_and_complaint_reveal_rules_are_the_matrix() -> None:
    assert {role.value for role in REVEAL_ROLES} == {r for r in ROLES if may_reveal(r)}
    assert {role.value for role in COMPLAINT_REVEAL_ROLES} == roles_that(
        Category.COMPLAINTS, Action.REVEAL
    )


def test_the_permissions_document_shows_exactly_the_matrix() -> None:
    document = DOC.read_text(encoding="utf-8")
    assert with_matrix(document) == document, (
        "docs/permissions.md disagrees with access/matrix.py: run "
        "`doorstep access matrix --write docs/permissions.md`"
    )


def test_a_changed_matrix_no_longer_matches_the_document() -> None:
    document = DOC.read_text(encoding="utf-8")
    before = matrix_markdown()
    MATRIX["agency_user"][Category.EVIDENCE] = frozenset({Action.READ})
    try:
        assert matrix_markdown() != before
        assert with_matrix(document) != document
    finally:
        del MATRIX["agency_user"][Category.EVIDENCE]
