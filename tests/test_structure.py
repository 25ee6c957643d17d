"""The library's shape: imports point down only, and the compiled-program cache key follows
the config's fields."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

from ganlab.training import GANConfig
from ganlab.training.config import DATA_FIELDS, program_fields

ROOT = Path(__file__).resolve().parents[1] / "ganlab"
_SPEC = importlib.util.spec_from_file_location(
    "import_graph", Path(__file__).resolve().parents[1] / "tools" / "import_graph.py")
_TOOL = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_TOOL)
import_graph, find_cycle = _TOOL.import_graph, _TOOL.find_cycle


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
    changed = {"loss": "wasserstein_gp", "k": 2, "batch_size": 128, "latent_dim": 2,
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
    for loss in ("minimax", "least_squares", "least_squares_chi2"):  # data: one program for all
        assert program_fields(base.replace(loss=loss)) == program_fields(base), loss
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
