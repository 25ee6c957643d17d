"""CPU devices for training several seeds side by side on several cores.

XLA runs the programs of one device one after the other, and for networks this small each
program keeps about one core busy, so three seeds on one device take three times as long as
one. Importing ganlab therefore asks JAX for one CPU device per core, and at least three (each
device is a queue of programs; they share the cores), and :func:`ganlab.training.train_seeds`
runs one seed per device, all at once. Everything else stays on the first device, JAX's
default. (On two cores, three devices ran three seeds in 1.2-1.7× the time of one; eight
devices in 1.9-2.5×.)

``GANLAB_CPU_DEVICES=1`` keeps JAX's single CPU device. Nothing changes either when JAX has
already started (an array was made before ganlab was imported), when ``XLA_FLAGS`` sets
``--xla_force_host_platform_device_count`` or ``jax_num_cpu_devices`` was set: seeds then
train one after the other, with the same numbers.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

__all__ = ["requested_cpu_devices", "spread_cpu_devices", "seed_devices", "groups",
           "SideBySide", "one_program_per_device"]


def requested_cpu_devices() -> int:
    """``GANLAB_CPU_DEVICES`` as an integer >= 1; default: the number of cores, at least 3
    (up to this many seeds train at once)."""
    value = os.environ.get("GANLAB_CPU_DEVICES", "").strip()
    if not value:
        return max(3, os.cpu_count() or 1)
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"GANLAB_CPU_DEVICES must be a whole number >= 1 (1: one CPU device), "
                         f"got {value!r}")
    return count


def spread_cpu_devices() -> int | None:
    """Ask JAX for :func:`requested_cpu_devices` CPU devices; returns the count, or None when
    something else already decided it (see the module's docstring)."""
    import jax

    if "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", ""):
        return None
    if jax.config.jax_num_cpu_devices != -1:
        return None
    count = requested_cpu_devices()
    try:
        jax.config.update("jax_num_cpu_devices", count)
    except RuntimeError:  # JAX's backends have started already
        return None
    return count


def seed_devices() -> list:
    """The devices seeds can train on side by side: the default backend's devices when it is
    the CPU (one or more), else only its first device."""
    import jax

    devices = jax.devices()
    return list(devices) if devices[0].platform == "cpu" else devices[:1]


def groups(items: list, devices: list) -> list[tuple[list, list]]:
    """``items`` in groups of at most ``len(devices)``, each with the devices it runs on."""
    size = len(devices)
    return [(items[i:i + size], devices[:len(items[i:i + size])])
            for i in range(0, len(items), size)]


class SideBySide:
    """Runs placed one per device: ``states[i]`` (a pytree), ``keys[i]`` and a copy of the
    shared ``data`` pytree on ``devices[i]``.

    :meth:`start` runs one chunk of a compiled program on every device (compiled once, see
    :func:`one_program_per_device`); :meth:`accept` keeps the new states; :meth:`states_here`
    gives them back on JAX's default device.
    """

    def __init__(self, states: list, keys: list, data, devices: list):
        import jax

        self.devices = list(devices)
        self.states = [jax.device_put(s, d) for s, d in zip(states, self.devices)]
        self.keys = [jax.device_put(k, d) for k, d in zip(keys, self.devices)]
        self.data = [jax.device_put(data, d) for d in self.devices]
        self._programs: dict = {}

    def start(self, chunk, *scalars) -> tuple[list, list]:
        """``chunk(state, data, key, *scalars) -> (state, rows)`` on every device: returns the
        new states (not yet kept) and every run's rows as a NumPy array."""
        import numpy as np

        args = [(s, d, k, *scalars) for s, d, k in zip(self.states, self.data, self.keys)]
        if chunk not in self._programs:
            self._programs[chunk] = one_program_per_device(chunk, args)
        try:
            started = [program(*a) for program, a in zip(self._programs[chunk], args)]
            rows = [np.asarray(r) for _, r in started]
        except Exception:  # a loaded executable that cannot run: compile
            if all(p is chunk for p in self._programs[chunk]):
                raise
            _forget(chunk, args)
            self._programs[chunk] = [chunk] * len(args)
            with ThreadPoolExecutor(len(args)) as pool:
                started = list(pool.map(lambda a: chunk(*a), args))
            rows = [np.asarray(r) for _, r in started]
        return [state for state, _ in started], rows

    def accept(self, states: list) -> None:
        self.states = list(states)

    def states_here(self) -> list:
        """The kept states, copied to JAX's default device (not tied to any device)."""
        import jax
        import numpy as np

        return [jax.device_put(jax.tree.map(np.asarray, s)) for s in self.states]


# ---------------------------------------------------------------------------------------------
# One compilation for all devices.


def one_program_per_device(jitted, args: list) -> list:
    """``jitted`` compiled once and loaded on the device of each ``args[i]`` (a tuple of
    arguments placed on one device each): a list of callables, one per device.

    JAX compiles a program for each device it runs on; on two cores, three seeds of the digits
    DCGAN took 16.5 s for their first 200 steps when each device compiled its own copy (side by
    side, from threads), 6.7 s when one compilation served all three. The executable compiled
    for the first device is serialized and loaded on the others: the same machine code, so the
    same numbers. With the persistent compilation cache on, the serialized
    executable is kept under ``cache_dir("executables")``, keyed by the lowered program, the
    JAX version, the platform and the compiler options, and a later run loads it without
    compiling. Anything unexpected (another platform, a JAX without these functions, an
    executable JAX had already cached) falls back to ``jitted`` itself on every device, which
    compiles a copy per device.
    """
    if len(args) == 1:
        return [jitted]
    try:
        lowered = jitted.lower(*args[0])
        digest = _digest(lowered)
        on = [_device_of(a) for a in args]
    except Exception:  # every failure here has the same remedy
        return [jitted] * len(args)
    known = [_LOADED.get((digest, device.id)) for device in on]
    if all(known):  # loaded in this process already (loading it twice here fails)
        return known
    path = _stored(digest)
    programs = None
    if path is not None and path.exists():
        try:
            blob = path.read_bytes()
            programs = [_load(blob, lowered, device) for device in on]
        except Exception:  # an unreadable file: compile again
            programs = None
    if programs is None:
        try:
            compiled = _compile_fresh(lowered)
            from jax.experimental import serialize_executable

            blob, _, _ = serialize_executable.serialize(compiled)
            programs = [compiled] + [_load(blob, lowered, device) for device in on[1:]]
        except Exception:  # as above
            return [jitted] * len(args)
        if path is not None:
            _write(path, blob)
    for device, program in zip(on, programs):
        _LOADED[(digest, device.id)] = program
    while len(_LOADED) > _KEEP:  # the oldest first (a dict keeps insertion order)
        del _LOADED[next(iter(_LOADED))]
    return programs


_LOADED: dict = {}
"""``(digest, device id) -> program`` for the programs :func:`one_program_per_device` made
last (at most ``_KEEP``, as many as the engines' caches of compiled programs hold for three
devices)."""
_KEEP = 3 * 32


def _forget(jitted, args: list) -> None:
    """Delete the stored executable of ``jitted`` on ``args`` (one that loaded but failed)."""
    try:
        digest = _digest(jitted.lower(*args[0]))
        for key in [key for key in _LOADED if key[0] == digest]:
            del _LOADED[key]
        path = _stored(digest)
        if path is not None:
            path.unlink(missing_ok=True)
    except Exception:  # nothing stored, nothing to forget
        pass


def _device_of(args: tuple):
    import jax

    (device,) = jax.tree.leaves(args[0])[0].devices()
    return device


def _digest(lowered) -> str:
    """A name for ``lowered`` compiled here: the program, JAX's version, the platform and the
    compiler options."""
    import hashlib

    import jax
    import jaxlib

    from ganlab.loop import COMPILER_OPTIONS

    digest = hashlib.sha256()
    for part in (lowered.as_text(), jax.__version__, jaxlib.__version__,
                 jax.devices()[0].client.platform_version, repr(sorted(COMPILER_OPTIONS.items())),
                 os.environ.get("XLA_FLAGS", "")):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def _stored(digest: str):
    """Where the serialized executable named ``digest`` is kept, or None (cache off)."""
    from ganlab import cache

    if not cache.compilation_cache_enabled():
        return None
    return cache.cache_dir("executables") / f"{digest}.bin"


_EVENTS: list = []
_LISTENING: list = []


def _compile_fresh(lowered):
    """``lowered.compile()``, refused (``RuntimeError``) unless XLA compiled it just now: an
    executable JAX took from its persistent cache, or from a compilation it kept in memory,
    runs, but its serialized copy does not."""
    import jax

    if not _LISTENING:
        _LISTENING.append(True)
        jax.monitoring.register_event_listener(lambda event, **kw: _EVENTS.append(event))
        jax.monitoring.register_event_duration_secs_listener(
            lambda event, seconds, **kw: _EVENTS.append(event))
    _EVENTS.clear()
    compiled = lowered.compile()
    seen = set(_EVENTS)
    if "/jax/core/compile/backend_compile_duration" not in seen or \
            "/jax/compilation_cache/cache_hits" in seen:
        raise RuntimeError("not compiled here and now: its serialized copy could not run")
    return compiled


def _write(path, blob: bytes) -> None:
    """Atomically (a reader never sees half a file); a folder that refuses is no error."""
    import contextlib
    import tempfile

    part = None
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".part") as f:
            part = f.name
            f.write(blob)
        os.replace(part, path)
    except OSError:
        if part is not None:
            with contextlib.suppress(OSError):
                os.unlink(part)


def _load(blob: bytes, lowered, device):
    """The executable in ``blob`` (``lowered`` compiled for some CPU device) as a program on
    ``device``."""
    import io

    import jax
    import numpy as np
    from jax._src.lib import xla_client
    from jax.experimental import serialize_executable

    class OnDevice(serialize_executable._JaxPjrtUnpickler):
        def persistent_load(self, pid):
            if pid[0] == "device":
                return device
            if pid[0] == "exec":
                options = xla_client.CompileOptions()
                options.device_assignment = xla_client.DeviceAssignment.create(
                    np.array([[device.id]]))
                return self.backend.deserialize_executable(pid[1], self.execution_devices,
                                                           options)
            return super().persistent_load(pid)

    unloaded, args_info, no_kwargs = OnDevice(io.BytesIO(blob), device.client, [device]).load()
    in_tree = jax.tree_util.tree_structure(lowered.args_info)
    return jax.stages.Compiled(unloaded.load(), [], in_tree.unflatten(args_info),
                               lowered.out_tree, no_kwargs=no_kwargs)
