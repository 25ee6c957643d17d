"""environment.yml (conda / Binder) and pyproject.toml must ask for the same packages."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _normalise(spec: str) -> tuple[str, str]:
    req = Requirement(spec)
    return req.name.lower().replace("_", "-"), str(req.specifier)


def _pyproject_requirements() -> set[tuple[str, str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    return {_normalise(s) for s in specs}


def _environment_pip_entries() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml needs exactly one pip section"
    return list(pip_sections[0])


def test_environment_yml_matches_pyproject():
    entries = _environment_pip_entries()
    packages = {_normalise(e) for e in entries if not e.startswith("-")}
    want = _pyproject_requirements()
    assert packages == want, (
        f"only in environment.yml: {sorted(packages - want)}; "
        f"only in pyproject.toml: {sorted(want - packages)}"
    )


def test_environment_yml_installs_ganlab_and_a_supported_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "-e ." in _environment_pip_entries()
    pythons = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert pythons, "environment.yml must pin python"
    version = tuple(int(part) for part in pythons[0].split("=")[1].split("."))
    assert version >= (3, 11)
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11"
