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


# What repo2docker (Binder, JupyterHub images) reads besides environment.yml: a Dockerfile makes it
# ignore everything else; runtime.txt is ignored next to environment.yml; requirements.txt,
# apt.txt, postBuild and start would add to or change the environment that `make install` builds.
REPO2DOCKER_EXTRAS = ("Dockerfile", "requirements.txt", "runtime.txt", "apt.txt", "postBuild",
                      "start", "install.R", "project.toml", "Project.toml", "setup.py")


def test_repo2docker_builds_from_environment_yml_alone():
    found = [name for name in REPO2DOCKER_EXTRAS if (ROOT / name).exists()]
    assert not found, (
        f"the repository root has {found}: repo2docker would then build something other than "
        "environment.yml (keep the environment in environment.yml and pyproject.toml)")
    for folder in ("binder", ".binder"):
        assert not (ROOT / folder).exists(), (
            f"a {folder}/ folder makes repo2docker ignore environment.yml at the root")


def test_environment_yml_uses_conda_forge_and_pip_only():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert sorted(d.split("=")[0] for d in conda) == ["pip", "python"], (
        f"conda packages {conda}: every Python package belongs in the pip section, with the "
        "ranges pyproject.toml gives it, so both installs resolve the same way")
