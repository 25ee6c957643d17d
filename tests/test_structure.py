"""The library's shape: imports point down only, and the compiled-program cache key follows
the config's fields."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from ganlab.training import GANConfig
from ganlab.training.config import DATA_FIELDS, program_fields

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


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_ganlab_has_no_import_cycle():
    graph = import_graph()
    assert "ganlab.training.run" in graph and "ganlab.checkpoints" in graph
    assert find_cycle(graph) is None


def test_engines_do_not_import_what_stands_above_them():
    graph = import_graph()
    above = {"ganlab.checkpoints", "ganlab.presets", "ganlab.widgets", "ganlab.exercises",
             "ganlab.plots"}
    for name, targets in graph.items():
        if name.startswith(("ganlab.training", "ganlab.autoencoding", "ganlab.models",
                            "ganlab.loop", "ganlab.losses")):
            assert not {t for t in targets if ".".join(t.split(".")[:2]) in above}, name


def test_every_field_but_the_data_fields_is_part_of_the_program_key():
    base = GANConfig()
    changed = {"loss": "least_squares", "k": 2, "batch_size": 128, "latent_dim": 2,
               "hidden": (8,), "hidden_discriminator": (4,), "activation": "tanh",
               "noise": "uniform", "gp_weight": 5.0, "chunk_size": 100, "standardize": False,
               "pack": 2, "channels": (8, 4), "norm": "layer", "n_classes": 3,
               "r1_weight": 1.0, "lr_generator": 1e-2, "lr_discriminator": 1e-2,
               "beta1": 0.9, "beta2": 0.99, "seed": 5, "steps": 7}
    names = {f.name for f in dataclasses.fields(GANConfig)} - {"n_components"}
    assert set(changed) == names  # a new field must be added here, and decided on
    for name, value in changed.items():
        same = program_fields(base.replace(**{name: value})) == program_fields(base)
        assert same == (name in DATA_FIELDS), name
    mixture = base.replace(noise="mixture", n_components=3)
    assert program_fields(mixture) != program_fields(mixture.replace(n_components=4))


def test_a_field_added_later_is_in_the_key_without_anyone_listing_it():
    @dataclasses.dataclass(frozen=True)
    class Extended(GANConfig):
        new_switch: int = 0

    assert program_fields(Extended(new_switch=1)) != program_fields(Extended(new_switch=0))


def test_data_fields_are_fields():
    assert DATA_FIELDS <= {f.name for f in dataclasses.fields(GANConfig)}


def test_every_module_reads_in_one_sitting():
    sizes = {p.relative_to(ROOT.parent).as_posix(): len(p.read_text().splitlines())
             for p in ROOT.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 500} == {}
