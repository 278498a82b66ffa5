"""The broker's modules import one another without circles, and none hides an import inside a function."""

import ast
import pathlib

BROKER = pathlib.Path(__file__).resolve().parent.parent / "kafkalab" / "broker"


def _imports() -> tuple[dict[str, set[str]], list[str]]:
    graph: dict[str, set[str]] = {}
    lazy = []
    for path in sorted(BROKER.glob("*.py")):
        name = path.stem
        tree = ast.parse(path.read_text())
        graph[name] = set()
        top = set(map(id, tree.body))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                targets = [node.module] if node.module else [a.name for a in node.names]
                graph[name].update(t.split(".")[0] for t in targets)
                if id(node) not in top:
                    lazy.append(f"{name}:{node.lineno}")
            elif isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
                lazy.append(f"{name}:{node.lineno}")
    return graph, lazy


def test_broker_has_no_import_cycles():
    graph, _ = _imports()
    done: set[str] = set()

    def visit(mod: str, path: list[str]) -> None:
        if mod in path:
            raise AssertionError("broker import cycle: " + " -> ".join([*path[path.index(mod):], mod]))
        if mod in done or mod not in graph:
            return
        for dep in sorted(graph[mod]):
            visit(dep, [*path, mod])
        done.add(mod)

    for mod in graph:
        visit(mod, [])


def test_broker_imports_at_module_top_only():
    _, lazy = _imports()
    assert lazy == []


def test_internal_topics_is_a_leaf():
    graph, _ = _imports()
    assert graph["internal_topics"] <= {"java_hash"}
