"""Checks for public inputs: each returns the value in its plain Python type or raises a
``ValueError`` that names the input, says what was given and what is allowed.

Every module of ganlab validates through these, so a message reads the same everywhere::

    steps = positive_int("steps", steps)          # an integer >= 1
    lr = positive_float("lr", lr)                 # a finite number > 0
    beta = number("beta1", beta, low=0, high=1, high_open=True)   # in [0, 1)
    loss = choice("loss", loss, ("minimax", "non_saturating"))
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np

__all__ = ["integer", "positive_int", "number", "positive_float", "choice", "flag", "widths",
           "seed_list"]


def integer(name: str, value, *, low: int | None = None, high: int | None = None,
            note: str = "") -> int:
    """``value`` as an int in ``[low, high]`` (either bound may be None); booleans are refused.
    ``note`` is added to the message, e.g. "(0: off)"."""
    ok = not isinstance(value, bool) and isinstance(value, (int, np.integer)) and \
        (low is None or value >= low) and (high is None or value <= high)
    if not ok:
        kind = "a positive integer" if low == 1 else "an integer"
        bounds = [f">= {low}"] if low is not None else []
        bounds += [f"<= {high}"] if high is not None else []
        rule = " ".join([kind, " and ".join(bounds), note]).strip()
        raise ValueError(f"{name} must be {rule}, got {value!r}")
    return int(value)


def positive_int(name: str, value) -> int:
    """``value`` as an int >= 1."""
    return integer(name, value, low=1)


def number(name: str, value, *, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False, note: str = "") -> float:
    """``value`` as a finite float with ``low <= value <= high`` (``<`` where ``*_open``);
    booleans, strings and other non-numbers are refused (0-d numeric arrays are numbers)."""
    if getattr(value, "shape", None) == () and \
            getattr(value, "dtype", np.dtype(bool)).kind in "iuf":
        value = value.item()
    ok = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    if ok:
        out = float(value)
        ok = math.isfinite(out) and \
            (low is None or (out > low if low_open else out >= low)) and \
            (high is None or (out < high if high_open else out <= high))
    if not ok:
        if low is not None and high is not None:
            rule = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        else:
            rule = (f"{'>' if low_open else '>='} {low:g}" if low is not None else
                    f"{'<' if high_open else '<='} {high:g}" if high is not None else "")
        raise ValueError(f"{name} must be a finite number{' ' + rule if rule else ''}"
                         f"{' ' + note if note else ''}, got {value!r}")
    return out


def positive_float(name: str, value) -> float:
    """``value`` as a finite float > 0 (numeric strings are refused too)."""
    return number(name, value, low=0.0, low_open=True)


def choice(name: str, value, options: Collection):
    """``value`` if it is one of ``options``."""
    if isinstance(value, (list, dict, set)) or value not in options:
        raise ValueError(f"unknown {name} {value!r}; choose one of {list(options)}")
    return value


def flag(name: str, value) -> bool:
    """``value`` as a bool (True/False, numpy's included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def widths(name: str, value) -> tuple[int, ...]:
    """A sequence of layer widths (integers >= 1; may be empty; one integer is one layer)
    as a tuple."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a sequence of layer widths such as (32, 32), "
                         f"got {value!r}")
    return tuple(positive_int(f"every width in {name}", w) for w in value)


def seed_list(seeds) -> list[int]:
    """``seeds`` as a list of distinct integers >= 0 (at least one)."""
    seeds = [integer("every seed", s, low=0) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must list at least one seed, each once, got {seeds!r}")
    return seeds
