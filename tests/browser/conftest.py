"""Browser fixtures: Debian's Chromium driven by Playwright, and JupyterLab on 127.0.0.1.

Never ``playwright install``: the browser is /usr/bin/chromium (``apt-get install -y chromium``, which
``.ci/run`` does). Locally a missing browser or playwright skips these tests with the reason; in CI
(``CI=true`` or ``KAFKALAB_REQUIRE_BROWSER=1``) it fails them. Every process started here is stopped
by its pid in a ``finally``.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("KAFKALAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]


def browser_required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("KAFKALAB_REQUIRE_BROWSER") == "1"


def _missing(reason: str) -> None:
    if browser_required():
        pytest.fail(f"{reason} (required here: CI=true or KAFKALAB_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture
def browser_context(tmp_path: Path) -> Iterator:
    """A fresh Chromium profile; closed (and the browser process with it) at the end."""
    if not CHROMIUM.exists():
        _missing(f"no browser at {CHROMIUM}: install it with `apt-get install -y chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
        try:
            yield ctx
        finally:
            ctx.close()


def open_offline(browser_context, path: Path) -> tuple:
    """A new page showing the file at ``path`` with every http(s) request aborted.

    Returns (page, the aborted URLs, the URLs of every request that failed, those aborted included).
    """
    page = browser_context.new_page()
    blocked: list[str] = []
    failed: list[str] = []

    def block(route) -> None:
        blocked.append(route.request.url)
        route.abort()

    page.route("http://**/*", block)
    page.route("https://**/*", block)
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(path.as_uri(), wait_until="load")
    return page, blocked, failed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop ``proc`` and its children (the kernels) by pid: SIGTERM, then SIGKILL."""
    import psutil

    try:
        kids = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        kids = []
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # jupyter_server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    _gone, alive = psutil.wait_procs(kids, timeout=10)
    for kid in alive:
        kid.kill()


@pytest.fixture
def jupyterlab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """JupyterLab serving the repository on 127.0.0.1 with a token; yields (base url, token)."""
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"), ("IPYTHONDIR", "ipython"),
                     ("MPLCONFIGDIR", "mpl")):
        env[var] = str(tmp_path / sub)
    env.pop("MPLBACKEND", None)
    # the "Jupyter news" toast would cover the notebook
    notification = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={ROOT}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = tmp_path / "jupyterlab.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as answer:
                    json.load(answer)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer within 90 s: {log_path.read_text()[-2000:]}")
                time.sleep(0.25)
        yield url, token
    finally:
        _stop(proc)
