"""The house rules of the package layout, read from the source: who may import whom.

Layers, bottom up: store -> indexer -> engine -> evaluation -> ui / cli. Nothing imports a layer above
its own; the window and the command line use the engine through its facade (``desktop_app.engine``)
only; settings and language are leaves of the engine; and no two modules import each other, directly
or around a loop. Imports under ``if TYPE_CHECKING:`` are for annotations and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "desktop_app"
LAYERS = {"store": 0, "indexer": 1, "engine": 2, "evaluation": 3, "ui": 4, "cli": 4}
# Modules of the package's top, below every layer: errors, cancel tokens, files, the data folder, logs.
COMMON = {"desktop_app", "desktop_app.errors", "desktop_app.cancel", "desktop_app.files", "desktop_app.home",
          "desktop_app.logs", "desktop_app.frozen", "desktop_app.offline"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path) -> set[str]:
    """The desktop_app modules ``path`` imports when it runs (TYPE_CHECKING blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test)
               for child in node.body for n in ast.walk(child)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("desktop_app")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("desktop_app"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if (PACKAGE.parent / f"{node.module}.{a.name}"
                                                                         .replace(".", "/")).exists()}
    return found


GRAPH = {module_name(p): runtime_imports(p) for p in PACKAGE.rglob("*.py")}


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_nothing_imports_a_layer_above_its_own() -> None:
    upward = [(m, d) for m, deps in GRAPH.items() for d in deps
              if layer(m) is not None and layer(d) is not None and layer(d) > layer(m)]  # type: ignore[operator]
    assert not upward, upward


def test_the_window_and_the_cli_use_only_the_facade() -> None:
    clients = {m: deps for m, deps in GRAPH.items() if layer(m) == 4}
    below = [(m, d) for m, deps in clients.items() for d in deps
             if d.startswith(("desktop_app.store", "desktop_app.indexer")) or
             (d.startswith("desktop_app.engine.") and d != "desktop_app.engine")]
    assert not below, below


def test_the_evaluation_is_a_client_of_the_facade() -> None:
    deps = {d for m, ds in GRAPH.items() if m.startswith("desktop_app.evaluation") for d in ds}
    allowed = {"desktop_app.engine"} | {m for m in GRAPH if m.startswith("desktop_app.evaluation")} | COMMON
    assert deps <= allowed, deps - allowed


def test_settings_and_language_are_leaves_of_the_engine() -> None:
    for leaf in ("desktop_app.engine.settings", "desktop_app.engine.language"):
        assert not {d for d in GRAPH[leaf] if d.startswith("desktop_app.engine")}, GRAPH[leaf]


def test_only_the_facade_level_reaches_the_runtime() -> None:
    """The engine's capabilities never reach back up to the facade, its managers or the runtime they share."""
    top = {"desktop_app.engine.runtime", "desktop_app.engine.facade", "desktop_app.engine.managers"}
    facade_level = top | {"desktop_app.engine"}
    reaching = {m for m, deps in GRAPH.items() if m.startswith("desktop_app.engine.") and deps & top}
    assert reaching <= facade_level, reaching - facade_level


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over the module graph: every component is one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in GRAPH.get(node, ()):
            if dep not in GRAPH or dep == node:
                continue
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while (top := stack.pop()) != node:
                component.append(top)
            component.append(node)
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert not cycles, cycles


def test_no_cycles_between_the_engines_subpackages() -> None:
    def package(module: str) -> str:
        return ".".join(module.split(".")[:3])

    edges = {(package(m), package(d)) for m, deps in GRAPH.items() for d in deps
             if m.startswith("desktop_app.engine.") and d.startswith("desktop_app.engine.")
             and package(m) != package(d)}
    assert not {(a, b) for a, b in edges if (b, a) in edges}, sorted(edges)
