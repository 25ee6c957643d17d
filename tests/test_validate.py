import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ganlab.validate import choice, flag, integer, number, positive_float, positive_int, widths


def test_integers_in_range_pass_as_plain_ints_and_others_are_refused_by_name():
    assert positive_int("n", np.int64(3)) == 3 and type(positive_int("n", np.int64(3))) is int
    assert integer("seed", 0, low=0) == 0
    assert integer("k", 5, low=1, high=5) == 5
    for bad in (0, -1, True, 1.5, "2", None):
        with pytest.raises(ValueError, match="n must be a positive integer >= 1, got"):
            positive_int("n", bad)
    with pytest.raises(ValueError, match=r"k must be a positive integer >= 1 and <= 5 \(at"):
        integer("k", 6, low=1, high=5, note="(at most 5)")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_numbers_pass_exactly_when_finite_and_in_range(x):
    ok = math.isfinite(x) and 0.0 <= x < 1.0
    if ok:
        assert number("beta", x, low=0.0, high=1.0, high_open=True) == x
    else:
        with pytest.raises(ValueError, match=r"beta must be a finite number in \[0, 1\)"):
            number("beta", x, low=0.0, high=1.0, high_open=True)


def test_positive_floats_take_numbers_and_0d_arrays_but_not_strings_or_booleans():
    assert positive_float("lr", 0.5) == 0.5 and positive_float("lr", np.float32(2.0)) == 2.0
    assert positive_float("lr", np.array(3.0)) == 3.0
    for bad in (0.0, -1.0, float("nan"), float("inf"), None, "0.5", True, np.ones(2)):
        with pytest.raises(ValueError, match="lr must be a finite number > 0"):
            positive_float("lr", bad)


def test_choices_flags_and_widths():
    assert choice("loss", "minimax", ("minimax", "wgan")) == "minimax"
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'; choose one of \['minimax'"):
        choice("loss", "hinge", ("minimax", "wgan"))
    assert flag("on", np.bool_(True)) is True
    with pytest.raises(ValueError, match="on must be True or False, got 1"):
        flag("on", 1)
    assert widths("hidden", [4, 8]) == (4, 8) and widths("hidden", 3) == (3,)
    assert widths("hidden", ()) == ()
    for bad in ("32", (4, 0), None):
        with pytest.raises(ValueError, match="hidden"):
            widths("hidden", bad)
