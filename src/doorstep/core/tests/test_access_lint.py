"""Views and API modules load cases and personal data only through selectors.

The selectors (``cases.selectors.case_get``/``case_list``/``case_visible`` and what builds on
them) are where role and branch scoping happens; a view that writes ``Case.objects.get(pk=…)``
shows any case to anyone who guesses an id. This test reads every ``views.py`` and ``api.py``
(or such a package) under ``src/doorstep/`` and fails on a direct load of a case or personal-data
model: ``Model.objects…``, ``Model._default_manager…``, or ``get_object_or_404(Model, …)``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

PACKAGE = Path(__file__).resolve().parents[2]
GUARDED_APPS = ("cases", "portfolio")
MANAGERS = {"objects", "_default_manager", "_base_manager"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}


def guarded_models() -> frozenset[str]:
    """Every model of the apps that hold cases and personal data (Case, Customer, Account…)."""
    return frozenset(
        model.__name__
        for label in GUARDED_APPS
        for model in apps.get_app_config(label).get_models()
    )


def _model_name(node: ast.expr) -> str | None:
    """``Case`` for ``Case`` or ``models.Case``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def direct_loads(source: str, models: frozenset[str]) -> list[tuple[int, str]]:
    """(line, what) for each direct load of one of ``models`` in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            name = _model_name(node.value)
            if name in models:
                found.append((node.lineno, f"{name}.{node.attr}"))
        elif isinstance(node, ast.Call) and _model_name(node.func) in SHORTCUTS and node.args:
            name = _model_name(node.args[0])
            if name in models:
                found.append((node.lineno, f"{_model_name(node.func)}({name})"))
    return found


def entry_modules() -> list[Path]:
    """``views.py`` and ``api.py`` files, and every module of ``views/`` or ``api/`` packages."""
    files = [*PACKAGE.rglob("views.py"), *PACKAGE.rglob("api.py")]
    for package in ("views", "api"):
        files += [p for d in PACKAGE.rglob(package) if d.is_dir() for p in d.rglob("*.py")]
    return sorted(p for p in files if "tests" not in p.parts and "migrations" not in p.parts)


def test_the_lint_sees_the_modules_that_serve_requests() -> None:
    names = {str(path.relative_to(PACKAGE)) for path in entry_modules()}
    assert {"api.py", "cases/api.py", "cases/views.py"} <= names


def test_the_guarded_models_include_cases_and_personal_data() -> None:
    assert {"Case", "Entry", "Customer", "Phone", "Account", "Payment"} <= guarded_models()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("case = Case.objects.get(pk=pk)", [(1, "Case.objects")]),
        ("x = models.Customer.objects.filter(name=n)", [(1, "Customer.objects")]),
        ("a = Account._default_manager.all()", [(1, "Account._default_manager")]),
        ("c = get_object_or_404(Case, pk=1)", [(1, "get_object_or_404(Case)")]),
        ("c = shortcuts.get_list_or_404(Phone)", [(1, "get_list_or_404(Phone)")]),
        ("case = case_get(user=u, pk=pk)", []),
        ("b = Branch.objects.all()", []),
        ("n = obj.objects", []),
    ],
)
def test_the_lint_catches_direct_loads(source, expected) -> None:
    assert direct_loads(source, guarded_models()) == expected


def test_no_view_or_api_loads_cases_or_personal_data_directly() -> None:
    models = guarded_models()
    offences = [
        f"{path.relative_to(PACKAGE)}:{line}: {what} — load it through a selector"
        for path in entry_modules()
        for line, what in direct_loads(path.read_text(encoding="utf-8"), models)
    ]
    assert offences == []
