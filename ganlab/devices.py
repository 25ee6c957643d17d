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
           "SideBySide"]


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

    :meth:`start` runs one chunk of a compiled program on every device, the first time from
    one thread per device so that each device's compilation of its copy of the program shares
    the cores instead of queueing; :meth:`accept` keeps the new states; :meth:`states_here`
    gives them back on JAX's default device.
    """

    def __init__(self, states: list, keys: list, data, devices: list):
        import jax

        self.devices = list(devices)
        self.states = [jax.device_put(s, d) for s, d in zip(states, self.devices)]
        self.keys = [jax.device_put(k, d) for k, d in zip(keys, self.devices)]
        self.data = [jax.device_put(data, d) for d in self.devices]
        self._started = False

    def start(self, chunk, *scalars) -> tuple[list, list]:
        """``chunk(state, data, key, *scalars) -> (state, rows)`` on every device: returns the
        new states (not yet kept) and every run's rows as a NumPy array."""
        import numpy as np

        def one(i):
            return chunk(self.states[i], self.data[i], self.keys[i], *scalars)

        if self._started or len(self.devices) == 1:
            started = [one(i) for i in range(len(self.devices))]
        else:
            with ThreadPoolExecutor(len(self.devices)) as pool:
                started = list(pool.map(one, range(len(self.devices))))
        self._started = True
        return [state for state, _ in started], [np.asarray(rows) for _, rows in started]

    def accept(self, states: list) -> None:
        self.states = list(states)

    def states_here(self) -> list:
        """The kept states, copied to JAX's default device (not tied to any device)."""
        import jax
        import numpy as np

        return [jax.device_put(jax.tree.map(np.asarray, s)) for s in self.states]
