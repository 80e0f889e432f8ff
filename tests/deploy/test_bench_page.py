"""``make bench`` writes docs/benchmarks.md: every benchmark says on which machine and when.

Each module of ``bench/`` that ``python -m bench`` runs must end its section with the shared
machine table (``bench/_machine.py``): a new benchmark without it fails here. The writer is run
for real on the cheapest benchmark, into a temporary document.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bench import __main__ as writer
from bench._machine import LABELS, Machine

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


def _uses_machine_table(path: Path) -> bool:
    """The module imports ``Machine`` from ``bench._machine`` and calls ``.table()``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imports = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "bench._machine"
        and any(alias.name == "Machine" for alias in node.names)
        for node in ast.walk(tree)
    )
    renders = any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "table"
        for node in ast.walk(tree)
    )
    return imports and renders


def test_the_writer_runs_every_module_of_bench_but_its_helpers() -> None:
    modules = {path.stem for path in BENCH.glob("*.py")}
    helpers = {name for name in modules if name in writer.NOT_BENCHMARKS or name.startswith("_")}
    assert set(writer.benchmarks()) == modules - helpers
    assert writer.benchmarks()[0] == writer.FIRST


@pytest.mark.parametrize("name", writer.benchmarks())
def test_every_benchmark_ends_with_the_shared_machine_table(name: str) -> None:
    assert _uses_machine_table(BENCH / f"{name}.py"), (
        f"bench/{name}.py must render `Machine(...).table()` from bench/_machine.py "
        "(date, machine, load average, code), or be listed as a helper in bench/__main__.py"
    )


def test_the_machine_table_names_date_machine_load_and_code() -> None:
    table = Machine(sqlite=True).table()
    rows = dict(re.findall(r"^\| ([^|]+) \| ([^|]+) \|$", table, re.MULTILINE))
    for key in ("date", "revision", "cpu", "cores", "memory", "os", "python", "sqlite"):
        assert rows.get(LABELS[key], "").strip(), f"{LABELS[key]} missing in\n{table}"
    assert "PostgreSQL" not in rows  # only the databases a benchmark used
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", rows["Date"])
    assert re.fullmatch(r"[0-9a-f]{7,}( \+ uncommitted changes)?|unknown", rows["Code"])
    for key in ("load_before", "load_after"):
        assert re.fullmatch(r"\d+\.\d\d \d+\.\d\d \d+\.\d\d", rows[LABELS[key]])


def test_python_m_bench_writes_a_section_between_markers_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    document = tmp_path / "benchmarks.md"
    document.write_text(
        f"{writer.HEADER}\n<!-- bench:other -->\n## Kept\n<!-- /bench:other -->\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "bench", "--only", "plans", "--output", str(document)]
    done = subprocess.run(  # noqa: S603 (our interpreter, our module)
        [*command, "--", "--schedules", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    sections = writer._read(document)
    assert sections["other"] == "## Kept"
    plans = sections["plans"]
    assert plans.startswith("## Repayment plans")
    assert "Failed" not in plans
    assert "### Machine" in plans
    assert re.search(r"\| Date \| \d{4}-\d\d-\d\d \d\d:\d\d UTC \|", plans)
    assert re.search(r"\*\*\d+(\.\d+)?×\*\*", plans), "the baseline ratio"
    assert "Same allocation from both: yes" in plans
