"""One gate: every contact path in Doorstep records its contact with the decision the
compliance engine made for it, and nothing but the compliance services makes decisions or
contact records.

The paths are found by reading the source, so a new path cannot slip in unnoticed: it appears
here and must be added to ``CONTACT_PATHS`` on purpose, with the decision it records. What the
gate does with a contact outside its decision (kept and flagged) is tested in ``test_gate``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
GATE = SOURCE / "compliance"

# module (relative to src/doorstep) → the functions in it that record a contact.
CONTACT_PATHS = {
    "assistant/services.py": {"_verified", "follow_up_send"},
    "legal/services.py": {"guarantor_demand"},
    "plans/services.py": {"letter_outcome", "_reminder_delivered"},
    "remote/services.py": {"call_wrap_up", "_delivered", "message_receipt"},
    "visits/services.py": {"visit_complete"},
}


def _modules() -> list[Path]:
    return [
        path
        for path in sorted(SOURCE.rglob("*.py"))
        if GATE not in path.parents and "tests" not in path.parts and "migrations" not in path.parts
    ]


def _called(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _owner(func: ast.expr) -> str:
    """``ContactEvent`` for ``ContactEvent.objects.create`` and ``ContactEvent(…)``."""
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else ""


def _contact_calls() -> dict[str, dict[str, list[ast.Call]]]:
    found: dict[str, dict[str, list[ast.Call]]] = {}
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            calls = [
                node
                for node in ast.walk(function)
                if isinstance(node, ast.Call) and _called(node) == "contact_record"
            ]
            if calls:
                module = path.relative_to(SOURCE).as_posix()
                found.setdefault(module, {}).setdefault(function.name, []).extend(calls)
    return found


def test_the_contact_paths_are_exactly_the_known_ones() -> None:
    found = {module: set(functions) for module, functions in _contact_calls().items()}
    assert found == CONTACT_PATHS


def test_every_contact_path_records_the_decision_the_gate_made() -> None:
    for module, functions in _contact_calls().items():
        for name, calls in functions.items():
            for call in calls:
                decision = next((k for k in call.keywords if k.arg == "decision"), None)
                assert decision is not None, f"{module}:{name} records a contact without decision="
                assert not (
                    isinstance(decision.value, ast.Constant) and decision.value.value is None
                ), f"{module}:{name} records a contact with decision=None"


def test_only_the_compliance_services_make_decisions_and_contact_records() -> None:
    made = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            if _owner(node.func) in {"Decision", "ContactEvent"} and _called(node) in {
                "Decision",
                "ContactEvent",
                "create",
                "bulk_create",
                "get_or_create",
                "update_or_create",
            }:
                made.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    assert made == []
