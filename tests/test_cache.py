"""The persistent compilation cache: on by default in the per-user folder, off by env var."""

import json
import os
import subprocess
import sys

PROBE = (
    "import json, jax, ganlab; "
    "print(json.dumps({'dir': jax.config.jax_compilation_cache_dir, "
    "'min_secs': jax.config.jax_persistent_cache_min_compile_time_secs}))"
)


def _probe(env_extra: dict) -> dict:
    env = {**os.environ, **env_extra}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cache_is_on_by_default_in_the_user_cache_folder(tmp_path):
    got = _probe({"GANLAB_CACHE_DIR": str(tmp_path), "GANLAB_JAX_CACHE": "1"})
    assert got["dir"] == str(tmp_path / "jax")
    assert got["min_secs"] == 0
    assert (tmp_path / "jax").is_dir()


def test_cache_follows_xdg_cache_home(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path), "GANLAB_JAX_CACHE": "1"}
    env_clean = {k: v for k, v in os.environ.items() if k != "GANLAB_CACHE_DIR"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env={**env_clean, **env}, capture_output=True,
        text=True, check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1])["dir"] == str(tmp_path / "ganlab" / "jax")


def test_cache_can_be_turned_off(tmp_path):
    got = _probe({"GANLAB_CACHE_DIR": str(tmp_path), "GANLAB_JAX_CACHE": "0"})
    assert not got["dir"]
    assert not (tmp_path / "jax").exists()
