"""A real Celery worker for ``tests/deploy/test_worker_killed.py``, and what it needs.

``python -m bench.worker_kill [celery worker options]`` runs ``celery -A doorstep.worker
worker`` exactly as the systemd unit does, with one change: the SMS gateway is
``FileGateway``, which appends every message it accepts to the file
``WORKER_KILL_GATEWAY_LOG`` names, so a test counts the SMS that left across worker processes
(the default fake gateway keeps them in the memory of the process that died). ``Worker``
starts one in its own process group, reads its log and kills it, whole or its pool child only.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
GATEWAY_LOG = "WORKER_KILL_GATEWAY_LOG"
# An SMS gateway answers an HTTP request: the message is accepted before the answer is back.
GATEWAY_LATENCY = 0.2


@dataclass(frozen=True)
class _Sent:
    status: str
    ref: str = ""
    error: str = ""


class FileGateway:
    """Accepts every SMS: one line ``ref<TAB>to`` per message, on disk before it answers."""

    def send(self, *, channel: str, to: str, subject: str, text: str, ref: str) -> Any:
        from doorstep.remote.channels import SendResult

        with open(os.environ[GATEWAY_LOG], "a", encoding="utf-8") as log:
            log.write(f"{ref}\t{to}\n")
            log.flush()
            os.fsync(log.fileno())
        time.sleep(GATEWAY_LATENCY)
        return SendResult("sent", ref=f"file-{ref}")


def gateway_sent(path: Path) -> list[str]:
    """The refs of the messages ``FileGateway`` accepted, in order."""
    if not path.exists():
        return []
    return [line.split("\t")[0] for line in path.read_text(encoding="utf-8").splitlines()]


def champion_install(*, owner: Any, as_of: date) -> Any:
    """An approved champion scorecard (and its LightGBM) fitted on synthetic rows in a second:
    the real training is not what is tested."""
    from doorstep.scoring.models import ModelVersion
    from doorstep.scoring.testing import synthetic_model_version

    return synthetic_model_version(
        owner,
        seed=1,
        status=ModelVersion.Status.CHAMPION,
        data_from=date(as_of.year - 1, 1, 31),
        data_to=as_of,
        trained_at=f"{as_of.isoformat()}T00:00:00+08:00",
    )


@dataclass
class Worker:
    """``celery -A doorstep.worker worker`` (prefork, one child) in a process group of its own,
    logging to ``log``."""

    name: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self, timeout: float = 60) -> Worker:
        command = [
            sys.executable,
            "-m",
            "bench.worker_kill",
            "--hostname",
            f"{self.name}@%h",
            "--concurrency",
            "1",
            "--prefetch-multiplier",
            "1",
            "-O",
            "fair",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our module, fixed arguments
                command, cwd=REPO, env=self.env, stdout=out, stderr=out, start_new_session=True
            )
        self.wait_for(r"\bready\.", timeout=timeout)
        return self

    def _started(self) -> subprocess.Popen[bytes]:
        if self.process is None:
            raise RuntimeError(f"worker {self.name} was not started")
        return self.process

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def wait_for(self, pattern: str, *, timeout: float, count: int = 1) -> re.Match[str]:
        """Wait until the log holds ``count`` matches of ``pattern``; the last one."""
        deadline = time.monotonic() + timeout
        while True:
            found = list(re.finditer(pattern, self.text()))
            if len(found) >= count:
                return found[count - 1]
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.text()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} in {timeout}s:\n{self.text()[-3000:]}")
            time.sleep(0.01)

    def children(self) -> list[int]:
        import psutil

        return [child.pid for child in psutil.Process(self._started().pid).children()]

    def kill_child(self) -> int:
        """SIGKILL the pool's one child (the process running the task); its pid."""
        (child,) = self.children()
        os.kill(child, signal.SIGKILL)
        return child

    def kill_all(self) -> None:
        """SIGKILL the whole worker, main process and child at once (a node lost)."""
        process = self._started()
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    from celery.bin.celery import main as celery_main
    from django.conf import settings

    settings.REMOTE_GATEWAY = "bench.worker_kill.FileGateway"
    sys.argv = ["celery", "-A", "doorstep.worker", "worker", *argv]
    celery_main()


if __name__ == "__main__":
    main(sys.argv[1:])
