"""``make bench``: run the benchmarks of ``bench/`` and write docs/benchmarks.md.

Every module here but the helpers (``run``, ``field_restart``, names starting with ``_``) is
one benchmark: ``python -m bench.NAME`` prints a markdown section, with the machine table of
``bench/_machine.py``. This runs them (all, or those named by ``--only``), each in its own
process, and writes each section between markers in the document, so that a run of some
benchmarks keeps the sections of the others. Arguments after ``--`` go to every benchmark run:

    python -m bench                                   # everything (the demo load takes long)
    python -m bench --only demo -- --accounts 50000   # one quick section
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"__init__", "__main__", "run", "field_restart", "worker_kill"}  # helpers
FIRST = "demo"  # the section the document opens with
HEADER = """# Benchmarks

Written by `make bench` (`python -m bench`): each section comes from one module of `bench/`
(`python -m bench.NAME` prints it) and says what it measured, on which machine and when.
"""


def benchmarks() -> list[str]:
    names = sorted(
        p.stem for p in HERE.glob("*.py") if p.stem not in NOT_BENCHMARKS and p.stem[0] != "_"
    )
    return sorted(names, key=lambda name: (name != FIRST, name))


def main() -> None:
    argv = sys.argv[1:]
    passed = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", help=f"Comma-separated, from: {', '.join(benchmarks())}.")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(own)
    chosen = args.only.split(",") if args.only else benchmarks()
    unknown = sorted(set(chosen) - set(benchmarks()))
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)}")

    for name in chosen:
        print(f"== bench.{name}", file=sys.stderr)
        done = subprocess.run(  # noqa: S603 (our own interpreter and modules)
            [sys.executable, "-m", f"bench.{name}", *passed],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        # Read the document again: another run may have written its sections meanwhile.
        sections = _read(args.output)
        if done.returncode == 0:
            sections[name] = done.stdout.strip()
        else:
            sections[name] = (
                f"## bench.{name}\n\nFailed (exit code {done.returncode}); see its output."
            )
        _write(args.output, sections)
    print(f"Wrote {args.output}", file=sys.stderr)


MARKED = re.compile(r"<!-- bench:(\w+) -->\n(.*?)\n<!-- /bench:\1 -->", re.DOTALL)


def _read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    return dict(MARKED.findall(path.read_text(encoding="utf-8")))


def _write(path: Path, sections: dict[str, str]) -> None:
    order = sorted(sections, key=lambda name: (name != FIRST, name))
    parts = [HEADER]
    parts += [f"<!-- bench:{n} -->\n{sections[n]}\n<!-- /bench:{n} -->\n" for n in order]
    path.write_text("\n".join(parts), encoding="utf-8")


if __name__ == "__main__":
    main()
