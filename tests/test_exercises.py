"""Every notebook's exercises: right answers pass, wrong ones and None fail, hints keep the answer.

The right answers are computed here independently of ganlab (closed forms and scipy
quadrature), so a bug in ganlab cannot make an exercise agree with itself.
"""

import math

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
    # notebook 03: the GAN game and Algorithm 1
    # p_G = p_data: D* = 1/2 everywhere, so V = log 1/2 + log 1/2.
    "03.value_at_equilibrium": (lambda: -math.log(4.0), lambda: 0.0),
    # Equal widths: the densities cross halfway between the means 3 and 1.5.
    "03.dstar_half": (lambda: (3.0 + 1.5) / 2, lambda: 3.0),
    # |d(-log sigmoid l)/dl| / |d log(1 - sigmoid l)/dl| = (1 - D) / D at D = 0.01.
    "03.gradient_ratio": (lambda: (1 - 0.01) / 0.01, lambda: 1.0),
    # k fresh minibatches of m data points per iteration.
    "03.data_drawn": (lambda: 3 * 64 * 1000, lambda: 64 * 1000),
    # notebook 04: from maximum likelihood (KL) to the JSD
    "04.dstar": (_dstar, lambda: 1 - _dstar()),
    "04.max_v": (_max_v, lambda: -2 * math.log(2)),
    "04.jsd_disjoint": (lambda: math.log(2), lambda: 1.0),
    "04.mode_seeking": (lambda: "reverse", lambda: "forward"),
}


def test_every_exercise_is_tested():
    assert set(exercises.exercise_ids()) == set(ANSWERS)


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


def test_unknown_exercise_is_a_value_error():
    with pytest.raises(ValueError, match="unknown exercise"):
        exercises.check("99.nothing", 1.0)


def test_a_near_miss_is_refused():
    assert exercises.check("03.dstar_half", 2.3, quiet=True) is False
    assert exercises.check("03.gradient_ratio", 100.0, quiet=True) is False


def test_choice_is_case_and_space_insensitive():
    assert exercises.check("04.mode_seeking", "  Reverse ", quiet=True) is True
    assert exercises.check("04.mode_seeking", 1, quiet=True) is False


def _spellings(answer):
    if isinstance(answer, str):
        return {answer.lower()}
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
