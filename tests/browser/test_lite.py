"""The workbook in the browser with no server: the JupyterLite site of ``python -m kafkalab lite``.

The offline site is built once per session (to a temporary folder), served on 127.0.0.1 from a thread
and opened in Chromium with every non-local request aborted: notebooks 00 and 02 Run All with no error
output and no request leaving the machine, and a click on 02's panel redraws its figure. The default
site (Pyodide from its public CDN) is checked the same way with the CDN's files served from the verified
local copies. If the verified Pyodide packages cannot be had, these tests skip with a one-line reason
naming the file (``pytest -rs`` shows it); nothing else depends on them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, browser_required
from .lite_page import KNOWN_STDERR, click_panel_button, offline_page, run_all, serve

NOTEBOOKS = ["00-start-here", "02-crash-before-commit"]
TIMEOUT_MS = 300_000


def _build(out: Path, offline: bool) -> Path:
    from kafkalab.lite import LiteBuildError, PackagesUnavailable, build_site

    try:
        build_site(out, offline=offline, root=ROOT)
    except PackagesUnavailable as exc:
        pytest.skip(f"verified Pyodide packages unavailable: {exc}")
    except LiteBuildError as exc:
        if "not installed" in str(exc) and not browser_required():
            pytest.skip(str(exc))
        raise
    return out


@pytest.fixture(scope="session")
def offline_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("lite-offline") / "site", offline=True)


@pytest.fixture(scope="session")
def cdn_site(tmp_path_factory: pytest.TempPathFactory, offline_site: Path) -> tuple[Path, Path]:
    """The default site, and a stand-in for the CDN: the official runtime, packages and lock, verified."""
    from kafkalab.lite import cache_dir, official_lock

    site = _build(tmp_path_factory.mktemp("lite-cdn") / "site", offline=False)
    cdn = tmp_path_factory.mktemp("lite-cdn-standin")
    lock = official_lock(cache_dir() / "downloads")
    ours = {"kafkalab", "ipywidgets", "comm"}
    for path in (offline_site / "static" / "pyodide").iterdir():
        if path.name != "pyodide-lock.json" and not path.name.startswith(tuple(f"{n}-" for n in ours)):
            shutil.copyfile(path, cdn / path.name)
    (cdn / "pyodide-lock.json").write_text(json.dumps(lock))
    return site, cdn


def _check(page, base: str, notebook: str, aborted: list[str], tmp_path: Path) -> dict:
    try:
        result = run_all(page, base, f"notebooks/{notebook}.ipynb", TIMEOUT_MS)
        errors = [text for text in result["error_outputs"] if text.strip() not in KNOWN_STDERR]
        assert errors == [], errors
        if notebook.startswith("02"):
            changed, seconds = click_panel_button(page, "crash")
            assert changed, "the panel's figure did not change after the crash button"
            result["click_redraw_s"] = seconds
        page.wait_for_timeout(500)  # requests a click may still start
        assert aborted == [], f"requests left the machine: {aborted[:5]}"
        return result
    except Exception:
        page.screenshot(path=str(tmp_path / f"lite-{notebook}-failure.png"), full_page=True)
        raise


def test_lite_pins_are_the_lite_extra() -> None:
    """pyproject's [lite] extra installs the versions kafkalab/lite.py pins (and checks before a build)."""
    import tomllib

    from kafkalab import lite

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["lite"]
    assert sorted(extra) == [f"jupyterlite-core=={lite.JUPYTERLITE_CORE_VERSION}",
                             f"jupyterlite-pyodide-kernel=={lite.PYODIDE_KERNEL_VERSION}"]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_lite_offline_site_runs_notebook(offline_site: Path, browser_context, notebook: str, tmp_path: Path) -> None:
    with serve(offline_site) as base:
        page, aborted, _ = offline_page(browser_context)
        _check(page, base, notebook, aborted, tmp_path)


def test_lite_cdn_site_runs_with_pyodide_from_the_cdn(cdn_site: tuple[Path, Path], browser_context,
                                                      tmp_path: Path) -> None:
    site, cdn = cdn_site
    assert not (site / "static" / "pyodide").exists(), "the default site must not carry Pyodide"
    with serve(site) as base:
        page, aborted, from_cdn = offline_page(browser_context, cdn=cdn)
        _check(page, base, "02-crash-before-commit", aborted, tmp_path)
    assert any(url.endswith("pyodide.asm.wasm") for url in from_cdn), from_cdn
    assert any("/pandas-" in url for url in from_cdn), from_cdn
