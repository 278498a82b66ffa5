"""The trace catalogue (kafkalab.trace_catalog) names every kind the engine records and the lab reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kafkalab
from kafkalab import Consumer, Producer
from kafkalab.sim import library
from kafkalab.trace_catalog import CATALOG, markdown

PKG = Path(kafkalab.__file__).parent
ENGINE_FILES = sorted(p for p in PKG.rglob("*.py") if "lab" not in p.relative_to(PKG).parts[:1])
LAB_FILES = sorted((PKG / "lab").rglob("*.py"))
# Wrappers that add fields to every event they record (Consumer._trace, App._record).
WRAPPER_FIELDS = {"_trace": {"group", "client", "client_id", "member_id"}, "_record": {"app"}}
# Kinds chosen at run time (``kind = "a" if ... else "b"``): the module that holds the literals.
DYNAMIC_KINDS = {"message_timed_out": "client/sender.py", "produce_error": "client/sender.py"}


def _check_trace(trace, where: str) -> set[str]:
    for ev in trace:
        assert ev.kind in CATALOG, f"{where}: kind {ev.kind!r} is not in kafkalab.trace_catalog.CATALOG"
        extra = set(ev.fields) - set(CATALOG[ev.kind].fields)
        assert not extra, f"{where}: {ev.kind} carries fields {sorted(extra)} not listed in the catalogue"
    return {ev.kind for ev in trace}


def _str_consts(node) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        a, b = _str_consts(node.body), _str_consts(node.orelse)
        return None if a is None or b is None else a + b
    return None


def _recorded_in_source() -> dict[str, set[str]]:
    """Kind -> keyword fields of every literal-kind trace call in the engine's source."""
    out: dict[str, set[str]] = {}
    for path in ENGINE_FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                continue
            name = node.func.attr
            if name not in ("record", "append", *WRAPPER_FIELDS) or (name == "append" and not node.keywords):
                continue
            kinds = _str_consts(node.args[0])
            if kinds is None:
                continue
            fields = {kw.arg for kw in node.keywords if kw.arg} | WRAPPER_FIELDS.get(name, set())
            for kind in kinds:
                out.setdefault(kind, set()).update(fields)
    return out


def test_catalogue_entries_are_well_formed() -> None:
    for kind, ek in CATALOG.items():
        assert kind.isidentifier() and kind == kind.lower(), kind
        assert len(set(ek.fields)) == len(ek.fields), f"{kind}: duplicate fields"
        assert not {"seq", "time_ms", "kind", "reason"} & set(ek.fields), f"{kind}: lists a TraceEvent attribute"
        assert ek.meaning and "\n" not in ek.meaning, kind
    assert markdown().count("\n") == len(CATALOG) + 1


def test_every_kind_recorded_in_the_engine_source_is_catalogued() -> None:
    found = _recorded_in_source()
    for kind, fields in found.items():
        assert kind in CATALOG, f"recorded kind {kind!r} is missing from the catalogue"
        assert fields <= set(CATALOG[kind].fields), (kind, sorted(fields - set(CATALOG[kind].fields)))
    for kind, module in DYNAMIC_KINDS.items():
        assert f'"{kind}"' in (PKG / module).read_text(), (kind, module)
    unrecorded = set(CATALOG) - set(found) - set(DYNAMIC_KINDS)
    assert not unrecorded, f"catalogued kinds no engine code records: {sorted(unrecorded)}"


@pytest.mark.parametrize("name", library.names())
def test_library_scenarios_record_only_catalogued_kinds_and_fields(name: str) -> None:
    assert _check_trace(library.run(name).trace, name)


def test_a_plain_and_a_transactional_program_record_only_catalogued_kinds() -> None:
    cluster = kafkalab.Cluster(seed=3)
    cluster.create_topic("t", 2)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    producer = Producer({**conf, "transactional.id": "tx"})
    producer.init_transactions()
    producer.begin_transaction()
    producer.produce("t", b"a", partition=0)
    producer.commit_transaction()
    plain = Producer(conf)
    plain.produce("t", b"b", partition=1)
    plain.flush()
    consumer = Consumer({**conf, "group.id": "g", "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    consumer.subscribe(["t"])
    got = [m for m in (consumer.poll(1.0) for _ in range(5)) if m is not None and m.error() is None]
    consumer.close()
    kinds = _check_trace(cluster.trace, "program")
    assert len(got) == 2 and {"deliver", "txn_state", "control_record", "generation", "consumer_closed"} <= kinds


def _lab_reads() -> dict[str, str]:
    """Trace kinds the lab reads -> where: ``trace.events("k")``, ``trace.last("k")`` and comparisons
    of ``ev.kind`` (or a local ``kind`` bound to ``ev.kind``) with literals."""
    reads: dict[str, str] = {}
    for path in LAB_FILES:
        tree = ast.parse(path.read_text())
        for fn in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))] + [tree]:
            bound = set()
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign):
                    pairs = (zip(node.targets[0].elts, node.value.elts) if isinstance(node.targets[0], ast.Tuple)
                             and isinstance(node.value, ast.Tuple) else [(node.targets[0], node.value)])
                    bound |= {t.id for t, v in pairs if isinstance(t, ast.Name) and isinstance(v, ast.Attribute)
                              and v.attr == "kind"}
            for node in ast.walk(fn):
                lits: list = []
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in ("events", "last") and node.args):
                    lits = [node.args[0]]
                elif isinstance(node, ast.Compare) and (
                        (isinstance(node.left, ast.Attribute) and node.left.attr == "kind"
                         and isinstance(node.left.value, ast.Name) and node.left.value.id in ("ev", "event", "e"))
                        or (isinstance(node.left, ast.Name) and node.left.id in bound)):
                    for comp in node.comparators:
                        lits += comp.elts if isinstance(comp, (ast.Tuple, ast.List, ast.Set)) else [comp]
                for lit in lits:
                    if isinstance(lit, ast.Constant) and isinstance(lit.value, str):
                        reads.setdefault(lit.value, f"{path.name}:{lit.lineno}")
    return reads


def test_every_kind_the_lab_reads_is_catalogued() -> None:
    reads = _lab_reads()
    assert {"deliver", "offset_commit", "append", "segment_created", "member_replaced"} <= set(reads)
    missing = {k: where for k, where in reads.items() if k not in CATALOG}
    assert not missing, f"the lab reads kinds the engine never records: {missing}"
