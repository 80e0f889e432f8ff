"""The machine a benchmark ran on, told the same way in every section of docs/benchmarks.md.

Every benchmark module starts one ``Machine`` before it measures and ends its section with
``machine.table()``: UTC date and time, CPU model, cores, RAM, OS, Python, the SQLite and
PostgreSQL versions where the benchmark used them, the load average before and after (the
machine may be shared with other work), and the code (short commit, and whether the working
tree had uncommitted changes). Not a benchmark itself (``bench/__main__.py`` skips names
starting with ``_``); pure, no Django.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HEADING = "### Machine"
LABELS = {
    "date": "Date",
    "revision": "Code",
    "cpu": "CPU",
    "cores": "Cores",
    "memory": "RAM",
    "os": "OS",
    "python": "Python",
    "sqlite": "SQLite",
    "postgresql": "PostgreSQL",
    "load_before": "Load average before (1, 5, 15 min)",
    "load_after": "Load average after",
}


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def operating_system() -> str:
    release = Path("/etc/os-release")
    if release.exists():
        for line in release.read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))} ({platform.release()})"
    return platform.platform()


def revision() -> str:
    """The short commit, with "+ uncommitted changes" when the code in the working tree differs
    from it."""
    if os.environ.get("BENCH_REVISION"):
        return os.environ["BENCH_REVISION"]

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(  # noqa: S603
                ["git", *args],  # noqa: S607 (git from PATH)
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown"
    # The document the benchmarks write into is not code: its changes do not count.
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/benchmarks.md")
    return f"{commit} + uncommitted changes" if dirty else commit


def postgres_version(url: str) -> str:
    """The server version behind a PostgreSQL URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


class Machine:
    """Started before a benchmark measures; ``table()`` after it, for the section's end."""

    def __init__(self, *, sqlite: bool = False, postgres: str | None = None) -> None:
        self.info: dict[str, str] = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "revision": revision(),
            "cpu": cpu_model(),
            "cores": str(os.cpu_count()),
            "memory": memory(),
            "os": operating_system(),
            "python": platform.python_version(),
            "load_before": load_average(),
        }
        if sqlite:
            self.uses_sqlite()
        if postgres:
            self.uses_postgres(postgres_version(postgres))
        self.extra: dict[str, str] = {}

    def uses_sqlite(self) -> None:
        self.info["sqlite"] = sqlite3.sqlite_version

    def uses_postgres(self, version: str) -> None:
        self.info["postgresql"] = version

    def uses_database(self, connection: Any) -> None:
        """Record the version of a Django connection's database (SQLite or PostgreSQL)."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                self.uses_postgres(str(cursor.fetchone()[0]))
        elif connection.vendor == "sqlite":
            self.uses_sqlite()

    def add(self, label: str, value: str) -> None:
        """Another line for the table (a library's version, say)."""
        self.extra[label] = value

    def table(self) -> str:
        """The machine table; the load average after is taken at the first call."""
        self.info.setdefault("load_after", load_average())
        lines = [HEADING, "", "| | |", "|---|---|"]
        lines += [f"| {LABELS[key]} | {self.info[key]} |" for key in LABELS if key in self.info]
        lines += [f"| {label} | {value} |" for label, value in self.extra.items()]
        return "\n".join(lines)
