"""Draw ganlab's import graph: each module and the ganlab modules it imports, in layers.

    python tools/import_graph.py          # layers, bottom first, and any cycle
    python tools/import_graph.py --dot    # Graphviz DOT (e.g. | dot -Tsvg > imports.svg)

A module's layer is one more than the highest layer it imports, so every arrow points down;
an import cycle has no layering and is printed instead. Imports inside functions count.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "ganlab"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The ganlab modules ``path`` imports, anywhere in it (lazy imports inside functions
    count: they are dependencies all the same)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n for n in names if n in modules}
    return found


def import_graph() -> dict[str, set[str]]:
    """``{module: modules it imports}`` over ganlab, without the edges from a module to the
    packages that contain it (importing a sibling through its package is not a cycle)."""
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        targets = _imports(path, set(files)) - {"ganlab"}
        graph[name] = {t for t in targets if not name.startswith(t + ".") and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def layers(graph: dict[str, set[str]]) -> dict[str, int]:
    """``{module: layer}``: 0 for modules that import no ganlab module (needs no cycle)."""
    out: dict[str, int] = {}

    def layer(node):
        if node not in out:
            out[node] = 1 + max((layer(t) for t in graph.get(node, ())), default=-1)
        return out[node]

    for node in graph:
        layer(node)
    return out


def main(argv: list[str]) -> int:
    graph = import_graph()
    cycle = find_cycle(graph)
    if cycle:
        print("import cycle: " + " -> ".join(cycle))
        return 1
    if "--dot" in argv:
        print("digraph ganlab {\n  rankdir=BT; node [shape=box];")
        for name, targets in sorted(graph.items()):
            for target in sorted(targets):
                print(f'  "{name}" -> "{target}";')
        print("}")
        return 0
    by_layer: dict[int, list[str]] = {}
    for name, n in layers(graph).items():
        by_layer.setdefault(n, []).append(name)
    for n in sorted(by_layer):
        print(f"layer {n}: " + ", ".join(sorted(by_layer[n])))
    print("no import cycle")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
