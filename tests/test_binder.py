"""Binder: repo2docker accepts binder/, and binder/requirements.txt resolves in a fresh virtual environment.

``repo2docker --no-build`` reads the folder and prints the Dockerfile it would build, without Docker.
The folder is also checked directly (runtime, pins, postBuild, the JupyterLab settings overrides).
The resolve test needs the package index (network) and takes a while; ``-k "not resolves"`` skips it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
REQUIRED_IN_CI = os.environ.get("CI") == "true"


def _repo2docker() -> str:
    exe = Path(sys.executable).parent / "repo2docker"
    if exe.exists():
        return str(exe)
    found = shutil.which("repo2docker")
    if found:
        return found
    if REQUIRED_IN_CI:
        pytest.fail("repo2docker is missing: it is in the test extra (jupyter-repo2docker)")
    pytest.skip("repo2docker is not installed (pip install jupyter-repo2docker)")


def test_repo2docker_accepts_binder_folder() -> None:
    run = subprocess.run([_repo2docker(), "--no-build", "--debug", "--no-run", "--user-id", "1000",
                          "--user-name", "jovyan", str(ROOT)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    dockerfile = run.stdout + run.stderr
    assert "python=3.11" in dockerfile
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile
    assert "./binder/postBuild" in dockerfile


def test_binder_folder_by_hand() -> None:
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    assert not (BINDER / "environment.yml").exists(), "environment.yml would take precedence over requirements.txt"
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    reqs = [line for line in lines if line and not line.startswith("#")]
    assert "." in reqs or "-e ." in reqs, "binder/ must install kafkalab itself"
    unpinned = [r for r in reqs if r not in (".", "-e .") and not re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.]+", r)]
    assert unpinned == []
    names = {r.split("==")[0].lower().replace("_", "-") for r in reqs if "==" in r}
    assert {"jupyterlab", "ipywidgets", "matplotlib", "pandas", "nbconvert"} <= names
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK) and post.read_text().startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in post.read_text()
    overrides = json.loads((BINDER / "overrides.json").read_text())
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false" and notification["checkForUpdates"] is False


def test_binder_requirements_resolve_in_fresh_venv(tmp_path: Path) -> None:
    """Slow and needs the package index: pip resolves every pin together (nothing is installed)."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = env_dir / "bin" / "pip"
    run = subprocess.run([str(pip), "install", "--dry-run", "--quiet", "--disable-pip-version-check",
                          "-r", str(BINDER / "requirements.txt")],
                         capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
