"""Layering: the engine imports the standard library only, never pandas, matplotlib, ipywidgets or lab.

DESIGN.md §1.5 and STYLE.md C1.5: ``lab`` -> ``sim`` -> ``client`` -> ``broker`` -> core, one way.
"Engine" means every module of ``kafkalab`` except ``kafkalab.lab.*`` and the CLI ``kafkalab.__main__``.
Two checks: importing every engine module in a fresh interpreter loads none of the lab libraries,
and the engine's source (read with ``ast``) has no import or call that breaks determinism.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import kafkalab

PACKAGE_DIR = Path(kafkalab.__file__).resolve().parent
LAB_LIBRARIES = {"pandas", "matplotlib", "ipywidgets"}
# Wall clock, threads and hidden randomness: virtual time and one seeded random.Random per cluster only.
FORBIDDEN_IN_ENGINE = {"time", "datetime", "threading", "_thread", "multiprocessing", "asyncio", "secrets"}
FORBIDDEN_CALLS = {("uuid", "uuid1"), ("uuid", "uuid4"), ("os", "urandom"), ("os", "getrandom")}
# Which kafkalab sub-packages each layer may import (core = the top-level modules).
LAYER_MAY_IMPORT = {
    "core": {"core"},
    "broker": {"core", "broker"},
    "client": {"core", "broker", "client"},
    "sim": {"core", "broker", "client", "sim"},
    "facade": {"core", "broker", "client", "sim"},       # kafkalab/__init__.py, kafkalab/admin.py, kafkalab/error.py
}
FACADES = {"kafkalab", "kafkalab.admin", "kafkalab.error"}
CLI_TOOLS = {"kafkalab.__main__", "kafkalab.lite"}   # command-line tools, not engine (lite runs pip and npm)


def _all_modules() -> list[str]:
    names = ["kafkalab"]
    names += [m.name for m in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="kafkalab.")]
    return sorted(names)


def _is_engine(name: str) -> bool:
    return not (name == "kafkalab.lab" or name.startswith("kafkalab.lab.") or name in CLI_TOOLS)


ENGINE_MODULES = [name for name in _all_modules() if _is_engine(name)]


def _source_path(name: str) -> Path:
    rel = Path(*name.split(".")[1:])
    package_init = PACKAGE_DIR / rel / "__init__.py"
    return package_init if package_init.exists() else PACKAGE_DIR / rel.with_suffix(".py")


def _layer(name: str) -> str:
    """``facade``, ``core`` (a top-level module such as kafkalab.clock) or the sub-package name."""
    if name in FACADES:
        return "facade"
    top = ".".join(name.split(".")[:2])           # kafkalab.broker.log -> kafkalab.broker
    return top.split(".")[1] if _source_path(top).name == "__init__.py" else "core"


def _imports(name: str) -> list[tuple[str, int]]:
    """Absolute module names imported anywhere in ``name`` (relative imports resolved), with line numbers."""
    path = _source_path(name)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
                # `from . import config` imports the module kafkalab.config
                found += [(f"{module}.{alias.name}", node.lineno) for alias in node.names if not node.module]
                found.append((module, node.lineno))
            else:
                found.append((node.module or "", node.lineno))
    return found


def test_layering_checks_enough_modules() -> None:
    """The walk finds the engine, so the checks below cannot pass vacuously."""
    assert len(ENGINE_MODULES) > 10, ENGINE_MODULES
    assert {"kafkalab.clock", "kafkalab.broker.cluster", "kafkalab.client.consumer"} <= set(ENGINE_MODULES)


def test_layering_engine_import_leaves_lab_libraries_unloaded() -> None:
    """A fresh interpreter imports every engine module; pandas, matplotlib, ipywidgets and lab stay unloaded."""
    script = (
        "import importlib, json, sys\n"
        f"names = {ENGINE_MODULES!r}\n"
        "for n in names: importlib.import_module(n)\n"
        "print(json.dumps({'imported': [n for n in names if n in sys.modules],\n"
        "                  'loaded': sorted(m for m in sys.modules)}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=PACKAGE_DIR.parent)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(result["imported"]) == len(ENGINE_MODULES) > 10
    loaded = set(result["loaded"])
    leaked = sorted(m for m in loaded if m.split(".")[0] in LAB_LIBRARIES or m.startswith("kafkalab.lab"))
    assert leaked == [], f"importing the engine loaded {leaked}"


def test_layering_only_lab_imports_lab_libraries() -> None:
    """No module outside kafkalab/lab/ imports pandas, matplotlib or ipywidgets (even inside a function)."""
    offenders = [f"{name}:{line} imports {mod}" for name in _all_modules() if not name.startswith("kafkalab.lab")
                 for mod, line in _imports(name) if mod.split(".")[0] in LAB_LIBRARIES]
    assert offenders == []


def test_layering_engine_imports_stdlib_and_lower_layers_only() -> None:
    """Engine modules import the standard library and kafkalab layers below them; never lab."""
    offenders = []
    for name in ENGINE_MODULES:
        allowed = LAYER_MAY_IMPORT[_layer(name)]
        for mod, line in _imports(name):
            top = mod.split(".")[0]
            if top == "kafkalab":
                if mod == "kafkalab":
                    continue                      # `from .. import config` also yields kafkalab.config
                target_layer = _layer(mod)
                if target_layer not in allowed:
                    offenders.append(f"{name}:{line} ({_layer(name)}) imports {mod} ({target_layer})")
            elif top not in sys.stdlib_module_names and top != "__future__":
                offenders.append(f"{name}:{line} imports non-stdlib {mod}")
    assert offenders == []


def test_layering_engine_has_no_wall_clock_threads_or_global_random() -> None:
    """No time/datetime/threading imports; no random.<function>() (a random.Random instance is fine)."""
    offenders = []
    for name in ENGINE_MODULES:
        path = _source_path(name)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [f"{name}:{line} imports {mod}" for mod, line in _imports(name)
                      if mod.split(".")[0] in FORBIDDEN_IN_ENGINE]
        aliases = {"random": "random", "uuid": "uuid", "os": "os"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in aliases and alias.asname:
                        aliases[alias.asname] = alias.name
            elif isinstance(node, ast.ImportFrom) and node.module == "random" and not node.level:
                offenders += [f"{name}:{node.lineno} from random import {a.name}" for a in node.names
                              if a.name != "Random"]
            elif isinstance(node, ast.ImportFrom) and node.module in ("uuid", "os") and not node.level:
                offenders += [f"{name}:{node.lineno} from {node.module} import {a.name}" for a in node.names
                              if (node.module, a.name) in FORBIDDEN_CALLS]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                module = aliases[node.value.id]
                if module == "random" and node.attr != "Random":
                    offenders.append(f"{name}:{node.lineno} uses random.{node.attr} (module-level state)")
                elif (module, node.attr) in FORBIDDEN_CALLS:
                    offenders.append(f"{name}:{node.lineno} uses {module}.{node.attr}")
    assert offenders == []


# -- the client layer talks to the broker only through broker.apis (issue 16) --------------------------------
#: What a client module may import from kafkalab.broker: the request handlers, and cluster for ``lookup``
#: (finding the cluster named by bootstrap.servers).
CLIENT_MAY_IMPORT_FROM_BROKER = {"kafkalab.broker", "kafkalab.broker.apis", "kafkalab.broker.cluster"}
#: The public attributes a client may read on a cluster object (``self._cluster``, ``c._cluster``, a local
#: ``cluster``): the shared clock and trace, its name and bootstrap address, the seeded random source,
#: the time helpers, and register_client (a new client connects and gets its number). Everything else is
#: reached by a request (``ClientBase._request``).
CLUSTER_PUBLIC_FOR_CLIENTS = {"clock", "trace", "name", "bootstrap_servers", "rng", "now_ms", "advance",
                              "register_client"}
#: Known exceptions, to be removed (the test fails on any NEW one, and on a listed one that is gone).
#: ``module: attribute``. None left: the consumer's helpers send JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
#: OffsetCommit, Fetch and Metadata through ``ClientBase._request``.
KNOWN_CLUSTER_READS: set[str] = set()
#: Known broker imports to be removed, ``module: imported module``. None left.
KNOWN_BROKER_IMPORTS: set[str] = set()


def _client_modules() -> list[str]:
    return [name for name in ENGINE_MODULES if name.startswith("kafkalab.client.")]


def _cluster_reads(name: str) -> list[tuple[str, int]]:
    """``(attribute, line)`` for every ``<cluster>.<attr>`` read in module ``name``.

    A cluster expression is a name ``cluster`` or any ``<x>._cluster`` (``self._cluster``, ``c._cluster``).
    """
    path = _source_path(name)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        value = node.value
        if (isinstance(value, ast.Name) and value.id == "cluster") or (
                isinstance(value, ast.Attribute) and value.attr == "_cluster"):
            found.append((node.attr, node.lineno))
    return found


def test_layering_client_imports_only_broker_apis() -> None:
    """Client modules import from kafkalab.broker only ``apis`` (and ``cluster``, for ``lookup``)."""
    found = {(f"{name}: {mod}", line) for name in _client_modules() for mod, line in _imports(name)
             if mod.startswith("kafkalab.broker") and mod not in CLIENT_MAY_IMPORT_FROM_BROKER}
    assert sorted(f"{key} (line {line})" for key, line in found if key not in KNOWN_BROKER_IMPORTS) == []
    gone = KNOWN_BROKER_IMPORTS - {key for key, _ in found}
    assert not gone, f"fixed, remove from KNOWN_BROKER_IMPORTS: {gone}"
    uses = []
    for name in _client_modules():
        tree = ast.parse(_source_path(name).read_text(encoding="utf-8"))
        aliases = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                   for alias in node.names if alias.name == "cluster" and (node.module or "").endswith("broker")}
        uses += [f"{name}:{node.lineno} uses broker.cluster.{node.attr}" for node in ast.walk(tree)
                 if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                 and node.value.id in aliases and node.attr != "lookup"]
    assert uses == []


def test_layering_client_reads_no_broker_internals() -> None:
    """No client module reads a cluster attribute beyond the public set; the rest goes through requests."""
    seen, offenders = set(), []
    for name in _client_modules():
        for attr, line in _cluster_reads(name):
            if attr in CLUSTER_PUBLIC_FOR_CLIENTS:
                continue
            key = f"{name}: {attr}"
            seen.add(key)
            if key not in KNOWN_CLUSTER_READS:
                offenders.append(f"{name}:{line} reads cluster.{attr}")
    assert offenders == []
    assert not KNOWN_CLUSTER_READS - seen, f"fixed, remove from KNOWN_CLUSTER_READS: {KNOWN_CLUSTER_READS - seen}"
