"""Notebook 04's exercises: right answers pass, wrong ones and None fail, hints keep the answer.

The right answers are computed here independently of ganlab (closed forms and scipy
quadrature), so a bug in ganlab's divergences cannot make an exercise agree with itself.
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from ganlab import exercises


def _jsd_by_quad(p, q, low, high):
    def term(a, b):
        def f(x):
            pa, pb = a(x), b(x)
            return 0.0 if pa == 0.0 else pa * math.log(pa / (0.5 * (pa + pb)))

        return integrate.quad(f, low, high, limit=200)[0]

    return 0.5 * term(p, q) + 0.5 * term(q, p)


def _dstar():
    p, q = stats.norm(0, 1).pdf(0.5), stats.norm(2, 1).pdf(0.5)
    return p / (p + q)


def _max_v():
    p, q = stats.norm(0, 1).pdf, stats.norm(1, 2).pdf
    return -2 * math.log(2) + 2 * _jsd_by_quad(p, q, -30, 30)


# id -> (a right answer, a wrong answer)
ANSWERS = {
    "04.dstar": (_dstar, lambda: 1 - _dstar()),
    "04.max_v": (_max_v, lambda: -2 * math.log(2)),
    "04.jsd_disjoint": (lambda: math.log(2), lambda: 1.0),
    "04.mode_seeking": (lambda: "reverse", lambda: "forward"),
}


def test_every_notebook_04_exercise_is_tested():
    ours = {i for i in exercises.exercise_ids() if i.startswith("04.")}
    assert ours == set(ANSWERS)


@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_right_answer_accepted(exercise_id, capsys):
    right, _ = ANSWERS[exercise_id]
    assert exercises.check(exercise_id, right()) is True
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_wrong_answer_refused(exercise_id):
    _, wrong = ANSWERS[exercise_id]
    assert exercises.check(exercise_id, wrong(), quiet=True) is False


@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_none_refused(exercise_id, capsys):
    assert exercises.check(exercise_id, None) is False
    assert "not answered yet" in capsys.readouterr().out


def test_choice_is_case_and_space_insensitive():
    assert exercises.check("04.mode_seeking", "  Reverse ", quiet=True) is True
    assert exercises.check("04.mode_seeking", 1, quiet=True) is False


def _spellings(answer):
    if isinstance(answer, str):
        return {answer.lower()}
    out = {f"{answer:.{d}f}" for d in (2, 3, 4, 5)}
    return out | {f"{answer:.3g}", f"{answer:.4g}", repr(answer)}


@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_printed_hint_does_not_give_the_answer(exercise_id, capsys):
    right, wrong = ANSWERS[exercise_id]
    exercises.check(exercise_id, wrong())
    printed = capsys.readouterr().out.lower()
    assert "hint" in printed
    for spelling in _spellings(right()):
        assert spelling not in printed, spelling
