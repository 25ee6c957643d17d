"""Self-checking exercises: ``check(exercise_id, answer)`` says right or wrong, with a hint.

The expected answers are computed by ganlab's own code when checked, never stored as typed-in
numbers and never printed. Each notebook's exercises live in a submodule of this package
(``gan_algorithm`` for notebook 03, ``kl_to_jsd`` for notebook 04, …) that registers them with
:func:`register`.

In a notebook::

    answer = None            # replace None with your answer
    gl.exercises.check("04.dstar", answer)

A *code* exercise takes the student's function instead of a number: ``check`` calls it on
inputs the student never sees (``Exercise.cases()``) and compares each result with the
library's (``Exercise.expected(*case)``)::

    def d_star(p_data, p_g, x):
        ...                  # write it here
    gl.exercises.check("04.dstar_code", d_star)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Exercise", "register", "check", "exercise_ids"]

# Submodules that register exercises; imported on the first check.
_MODULES = ("autoencoders", "variational", "gan_algorithm", "kl_to_jsd",
            "training_dynamics", "dcgan", "architectures")


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``expected()`` computes the answer; ``rtol``/``atol`` say how close is right.

    ``kind`` is "number" (a float, or an array compared elementwise), "bool", "choice"
    (a string compared case-insensitively) or "code": the answer is a function, called on
    each argument tuple of ``cases()`` (hidden inputs) and compared with
    ``expected(*case)`` elementwise.
    """

    id: str
    question: str
    expected: Callable[[], object]
    hint: str
    kind: str = "number"
    rtol: float = 1e-3
    atol: float = 1e-4
    cases: Callable[[], list[tuple]] | None = None


_REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    if exercise.kind not in {"number", "bool", "choice", "code"}:
        raise ValueError(f"exercise kind must be number, bool, choice or code, got "
                         f"{exercise.kind!r}")
    if (exercise.kind == "code") != (exercise.cases is not None):
        raise ValueError("a code exercise needs cases (and only a code exercise has them)")
    _REGISTRY[exercise.id] = exercise
    return exercise


def _load() -> None:
    for name in _MODULES:
        importlib.import_module(f"{__name__}.{name}")


def exercise_ids() -> list[str]:
    _load()
    return sorted(_REGISTRY)


def _close(got, want, ex: Exercise) -> bool:
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return False
    return bool(np.all(np.isclose(got, want, rtol=ex.rtol, atol=ex.atol, equal_nan=False)))


def _is_right(ex: Exercise, answer) -> bool:
    if ex.kind == "code":
        if not callable(answer):
            return False
        for case in ex.cases():
            try:
                got = answer(*case)
            except Exception as err:  # the student's code failed: a wrong answer, said why
                print(f"[{ex.id}] your function raised {type(err).__name__}: {err}")
                return False
            if not _close(got, ex.expected(*case), ex):
                return False
        return True
    expected = ex.expected()
    if ex.kind == "bool":
        return isinstance(answer, (bool, np.bool_)) and bool(answer) == bool(expected)
    if ex.kind == "choice":
        return isinstance(answer, str) and answer.strip().lower() == str(expected).strip().lower()
    return _close(answer, expected, ex)


def check(exercise_id: str, answer, *, quiet: bool = False) -> bool:
    """True if ``answer`` is right. Prints a verdict and, when wrong, a hint (not the answer)."""
    _load()
    if exercise_id not in _REGISTRY:
        raise ValueError(
            f"unknown exercise {exercise_id!r}; known: {', '.join(sorted(_REGISTRY))}"
        )
    ex = _REGISTRY[exercise_id]
    if answer is None or answer is Ellipsis:
        if not quiet:
            print(f"[{ex.id}] not answered yet: replace None with your answer.")
        return False
    right = _is_right(ex, answer)
    if not quiet:
        if right:
            print(f"[{ex.id}] ✓ correct.")
        else:
            print(f"[{ex.id}] ✗ not yet. Hint: {ex.hint}")
    return right
