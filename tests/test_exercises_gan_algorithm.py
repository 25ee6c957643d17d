"""Notebook 03's exercises: right answers pass, wrong ones and None fail, hints keep the answer.

The right answers are computed here independently of ganlab (closed forms), so a bug in
ganlab's divergences, losses or training loop cannot make an exercise agree with itself.
"""

import math

import pytest

from ganlab import exercises

# id -> (a right answer, a wrong answer)
ANSWERS = {
    # p_G = p_data: D* = 1/2 everywhere, so V = log 1/2 + log 1/2.
    "03.value_at_equilibrium": (lambda: -math.log(4.0), lambda: 0.0),
    # Equal widths: the densities cross halfway between the means 3 and 1.5.
    "03.dstar_half": (lambda: (3.0 + 1.5) / 2, lambda: 3.0),
    # |d(-log sigmoid l)/dl| / |d log(1 - sigmoid l)/dl| = (1 - D) / D at D = 0.01.
    "03.gradient_ratio": (lambda: (1 - 0.01) / 0.01, lambda: 1.0),
    # k fresh minibatches of m data points per iteration.
    "03.data_drawn": (lambda: 3 * 64 * 1000, lambda: 64 * 1000),
}


def test_every_notebook_03_exercise_is_tested():
    ours = {i for i in exercises.exercise_ids() if i.startswith("03.")}
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


def test_a_near_miss_is_refused():
    assert exercises.check("03.dstar_half", 2.3, quiet=True) is False
    assert exercises.check("03.gradient_ratio", 100.0, quiet=True) is False


def _spellings(answer):
    out = {f"{answer:.{d}f}" for d in (2, 3, 4, 5)}
    out |= {f"{answer:.3g}", f"{answer:.4g}", repr(answer), f"{answer:,.0f}"}
    return {s for s in out if len(s.strip("-0.")) > 1}  # "99" or "2.25", not a lone digit


@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_printed_hint_does_not_give_the_answer(exercise_id, capsys):
    right, wrong = ANSWERS[exercise_id]
    exercises.check(exercise_id, wrong())
    printed = capsys.readouterr().out.lower()
    assert "hint" in printed
    for spelling in _spellings(right()):
        assert spelling not in printed, spelling
