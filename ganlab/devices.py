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
           "call_each", "to_default_device"]


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


def call_each(start, count: int, *, at_once: bool) -> list:
    """``[start(0), …, start(count - 1)]``. With ``at_once`` (the first chunk, when each device
    compiles its copy of the program) every call runs in a thread of its own, so the
    compilations share the cores instead of queueing."""
    if not at_once or count == 1:
        return [start(i) for i in range(count)]
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(start, range(count)))


def to_default_device(tree):
    """A copy of the arrays of ``tree`` on JAX's default device (not tied to any device)."""
    import jax
    import numpy as np

    return jax.device_put(jax.tree.map(np.asarray, tree))
