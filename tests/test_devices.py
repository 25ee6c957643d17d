"""One compilation serves every CPU device (ganlab.devices.one_program_per_device)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ganlab import devices

DEVICES = jax.devices()
needs_devices = pytest.mark.skipif(len(DEVICES) < 2 or DEVICES[0].platform != "cpu",
                                   reason="needs two or more CPU devices")


def fresh_step(shift: float = 0.25):
    """A new function each call (JAX keeps what it compiled per function); the same program
    for the same ``shift`` (a constant inside it: a shift no earlier run used gives a program
    that JAX's persistent cache cannot hold yet)."""

    def step(w, x, n):
        for _ in range(3):
            x = jnp.tanh(x @ w) * n + shift
        return x.sum(), x

    return jax.jit(step)


def unseen() -> float:
    """A shift no earlier test run used."""
    import uuid

    return float(uuid.uuid4().int % 10**6) / 10**6


def _placed():
    w = jax.random.normal(jax.random.key(0), (32, 32))
    x = jax.random.normal(jax.random.key(1), (8, 32))
    return [(jax.device_put(w, d), jax.device_put(x, d), jax.device_put(np.float32(0.5), d))
            for d in DEVICES]


def _compiles(run) -> int:
    """How many programs XLA compiled while ``run()`` ran."""
    seen = []
    jax.monitoring.register_event_duration_secs_listener(
        lambda event, seconds, **kw: seen.append(event) if "backend_compile" in event else None)
    run()
    return len(seen)


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GANLAB_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GANLAB_JAX_CACHE", "1")
    return tmp_path / "executables"


@needs_devices
def test_each_device_gets_the_numbers_of_its_own_compilation_and_keeps_its_arrays_there(
        cache_folder):
    args = _placed()
    shift = unseen()
    programs = devices.one_program_per_device(fresh_step(shift), args)
    assert len(programs) == len(DEVICES)
    own = fresh_step(shift)
    for program, a, device in zip(programs, args, DEVICES):
        total, x = program(*a)
        assert x.devices() == {device}
        np.testing.assert_array_equal(x, own(*a)[1])
        np.testing.assert_array_equal(total, own(*a)[0])


_PROCESS = """
import sys
import jax, jax.numpy as jnp, numpy as np
from jax import monitoring
import ganlab
from ganlab import devices
compiled = []
monitoring.register_event_duration_secs_listener(
    lambda event, seconds, **kw: compiled.append(event) if "backend_compile" in event else None)
def step(w, x, n):
    for _ in range(3):
        x = jnp.tanh(x @ w) * n
    return x.sum(), x
w = jax.random.normal(jax.random.key(0), (32, 32))
x = jax.random.normal(jax.random.key(1), (8, 32))
args = [(jax.device_put(w, d), jax.device_put(x, d), np.float32(0.5)) for d in jax.devices()]
before = len(compiled)
programs = devices.one_program_per_device(jax.jit(step), args)
during = len(compiled) - before
same = all(np.array_equal(p(*a)[1], jax.jit(step)(*a)[1]) for p, a in zip(programs, args))
print(during, same)
"""


@needs_devices
def test_a_new_process_loads_the_stored_program_without_compiling(cache_folder):
    import os
    import subprocess
    import sys

    def process() -> str:
        return subprocess.run([sys.executable, "-c", _PROCESS], env=dict(os.environ),
                              check=True, capture_output=True, text=True).stdout.split()

    assert process() == ["1", "True"]  # compiled once for all devices
    assert len(list(cache_folder.glob("*.bin"))) == 1
    assert process() == ["0", "True"]  # loaded, not compiled


@needs_devices
def test_a_second_group_in_the_same_process_reuses_the_programs(cache_folder):
    args = _placed()
    shift = unseen()
    first = devices.one_program_per_device(fresh_step(shift), args)
    assert _compiles(lambda: devices.one_program_per_device(fresh_step(shift), args)) == 0
    assert devices.one_program_per_device(fresh_step(shift), args) == first


@needs_devices
def test_a_damaged_file_in_the_cache_folder_is_compiled_again(cache_folder):
    args = _placed()
    shift = unseen()
    devices.one_program_per_device(fresh_step(shift), args)
    (stored,) = cache_folder.glob("*.bin")
    stored.write_bytes(b"not an executable")
    devices._LOADED.clear()  # as in a new process
    programs = devices.one_program_per_device(fresh_step(shift), args)
    for program, a in zip(programs, args):
        np.testing.assert_array_equal(program(*a)[1], fresh_step(shift)(*a)[1])
    assert not list(cache_folder.glob("*.part"))


@needs_devices
def test_a_loaded_program_that_fails_to_run_is_compiled_for_each_device_and_forgotten(
        cache_folder, monkeypatch):
    args = _placed()
    shift = unseen()
    devices.one_program_per_device(fresh_step(shift), args)
    assert len(list(cache_folder.glob("*.bin"))) == 1

    def broken(*_):
        raise RuntimeError("a stored executable that cannot run")

    monkeypatch.setattr(devices, "_load", lambda blob, lowered, device: broken)
    devices._LOADED.clear()  # as in a new process
    chunk = fresh_step(shift)
    placed = devices.SideBySide([a[0] for a in args], [a[2] for a in args],
                                None, DEVICES)
    placed.data = [a[1] for a in args]
    _, rows = placed.start(chunk)
    for own, a in zip(rows, args):
        np.testing.assert_array_equal(own, fresh_step(shift)(*a)[1])
    assert not list(cache_folder.glob("*.bin"))


def test_one_device_keeps_the_jitted_function():
    jitted = fresh_step()
    assert devices.one_program_per_device(jitted, _placed()[:1]) == [jitted]


def test_a_write_that_fails_leaves_no_half_written_file(tmp_path, monkeypatch):
    def refuse(*_):
        raise OSError("disk full")

    monkeypatch.setattr(devices.os, "replace", refuse)
    devices._write(tmp_path / "program.bin", b"executable")
    assert list(tmp_path.iterdir()) == []
