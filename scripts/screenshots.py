"""Take the README's screenshots of the case list and a case file (``make screenshots``).

Builds the demo bank in a throw-away data directory (or uses ``--data-dir`` as it is), serves it
on a free local port, signs in as manager_wang in Chinese and writes 1440×900 PNGs to
``docs/screenshots/``. Needs Debian's chromium and a CJK font (``apt-get install chromium
fonts-noto-cjk``); without the font every Chinese character would be an empty box.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import ViewportSize, sync_playwright

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
DOORSTEP = Path(sys.executable).parent / "doorstep"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
USERNAME = "manager_wang"
PASSWORD = "doorstep-demo"  # noqa: S105 (the published demo password)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="use this demo database instead of a new one")
    parser.add_argument("--accounts", type=int, default=int(os.environ.get("DEMO_ACCOUNTS", 2000)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("DEMO_SEED", 7)))
    args = parser.parse_args()
    problem = missing_prerequisite()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if args.data_dir:
        return shoot_with_server(args.data_dir)
    with tempfile.TemporaryDirectory(prefix="doorstep-screenshots-") as data_dir:
        env = server_env(Path(data_dir))
        doorstep(env, "migrate", "--no-input", "-v", "0")
        doorstep(env, "demo", "load", "--accounts", str(args.accounts), "--seed", str(args.seed))
        return shoot_with_server(Path(data_dir))


def doorstep(env: dict[str, str], *args: str) -> None:
    subprocess.run([DOORSTEP, *args], env=env, check=True)  # noqa: S603 (our own console script)


def missing_prerequisite() -> str:
    if not CHROMIUM.exists():
        return f"Screenshots need Debian's chromium at {CHROMIUM}: apt-get install chromium"
    fc_list = shutil.which("fc-list")
    if fc_list:
        fonts = subprocess.run(  # noqa: S603 (fontconfig's own lister)
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False
        )
        if not fonts.stdout.strip():
            return "Screenshots need a Chinese font: apt-get install fonts-noto-cjk"
    return ""


def server_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DOORSTEP_DATA_DIR": str(data_dir), "DOORSTEP_ENV": "development"}
    env.pop("DATABASE_URL", None)  # always the demo SQLite file in data_dir
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def shoot_with_server(data_dir: Path) -> int:
    base = f"http://127.0.0.1:{free_port()}"
    server = subprocess.Popen(  # noqa: S603 (our own console script)
        [DOORSTEP, "runserver", base.removeprefix("http://"), "--noreload"],
        env=server_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"{base}/login/", server)
        shoot(base)
    finally:
        server.terminate()
        server.wait(timeout=15)
    return 0


def wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode}) before answering")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own local server)
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise SystemExit(f"no answer from {url} within {seconds:.0f} s")


def shoot(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=base)
        page = context.new_page()
        page.goto("/login/")
        page.fill("input[name=username]", USERNAME)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url("**/cases/")
        page.screenshot(path=OUT / "case-list.png")
        page.click("table.cases tbody tr:first-child a.ref")
        page.wait_for_selector(".case-head")
        page.screenshot(path=OUT / "case-detail.png")
        browser.close()
    for name in ("case-list.png", "case-detail.png"):
        print(OUT / name)


if __name__ == "__main__":
    sys.exit(main())
