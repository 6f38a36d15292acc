"""Declarative cases (grader.cases): comparisons, judging, seeds and inputs."""

from __future__ import annotations

import numpy as np
import pytest

from grader.cases import (
    Case,
    Part,
    ProblemSetError,
    Reason,
    allclose,
    array_equal,
    case_inputs,
    case_seed,
    changed_verdict,
    expected_output,
    judge,
    scalar_close,
)
from grader.problemset import load_problem_set

DEMO = load_problem_set("demo0")


# -- comparisons ----------------------------------------------------------------


def test_allclose_requires_the_same_shape_and_close_values():
    compare = allclose(rtol=1e-6, atol=1e-9)
    e = np.array([1.0, 2.0, 3.0])
    assert compare.mismatch(e + 1e-8, e) is None
    assert compare.mismatch(e + 1e-3, e) == "returned wrong values"
    assert compare.mismatch(np.array([2.0]), np.array(2.0)) == (
        "returned shape (1,) where shape () was expected"
    )
    assert compare.mismatch(e.reshape(3, 1), e).startswith("returned shape (3, 1)")


def test_allclose_catches_nan_and_infinity_but_accepts_them_where_expected():
    compare = allclose()
    assert "NaN" in compare.mismatch(np.array([np.nan, 1.0]), np.array([0.5, 0.5]))
    assert "infinite" in compare.mismatch(np.array([np.inf]), np.array([1.0]))
    assert (
        compare.mismatch(np.array([np.inf, np.nan]), np.array([np.inf, np.nan])) is None
    )


def test_array_equal_and_scalar_close():
    assert array_equal().mismatch(np.array([1, 2]), np.array([1.0, 2.0])) is None
    assert array_equal().mismatch(np.array([1, 3]), np.array([1, 2])) is not None
    assert scalar_close().mismatch(np.array([[0.5]]), np.array(0.5)) is None
    assert "2 values" in scalar_close().mismatch(np.array([0.5, 0.5]), np.array(0.5))


def test_same_kind_asks_for_the_reference_kind_of_number():
    labels = np.array([1, 0, 1])
    assert array_equal().mismatch(labels.astype(bool), labels) is None
    assert array_equal(same_kind=True).mismatch(labels.astype(bool), labels) == (
        "returned booleans (dtype bool) where integers were expected"
    )
    assert "floating-point numbers (dtype float64) where integers" in (
        array_equal(same_kind=True).mismatch(labels.astype(float), labels)
    )
    # Signed and unsigned integers, or float32 and float64, are the same kind.
    assert array_equal(same_kind=True).mismatch(labels.astype(np.uint8), labels) is None
    close = allclose(same_kind=True)
    halves = np.array([0.5, 1.0])
    assert close.mismatch(halves.astype(np.float32), halves) is None
    assert close.mismatch(np.array([1, 2]), np.array([1.0, 2.0])) == (
        "returned integers (dtype int64) where floating-point numbers were expected"
    )
    flag = scalar_close(same_kind=True)
    assert flag.mismatch(np.array(True), np.array(True)) is None
    assert flag.mismatch(np.array(1), np.array(True)) == (
        "returned integers (dtype int64) where booleans were expected"
    )
    # Wrong values are reported as such, before the kind.
    assert flag.mismatch(np.array(0), np.array(True)) == "returned wrong values"


def test_judge_messages_name_the_case_but_no_numbers():
    part = DEMO.part("softmax_hidden")
    case = part.cases[2]
    _, expected = expected_output("demo0", part, case)
    verdict = judge(case, [np.full(expected[0].shape, 0.25)], list(expected))
    assert verdict.reason is Reason.WRONG
    assert verdict.message == (
        "softmax overflows for large inputs: subtract the maximum first "
        "(case 'large logits')."
    )
    assert judge(case, [expected[0].copy()], list(expected)) is None


# -- seeds and inputs -----------------------------------------------------------


def test_seeds_are_fixed_and_distinct():
    assert case_seed("ps3", "softmax_hidden", "large logits") == case_seed(
        "ps3", "softmax_hidden", "large logits"
    )
    seeds = {
        case_seed(ps, part, case)
        for ps in ("ps1", "ps2")
        for part in ("a", "b")
        for case in ("x", "y")
    }
    assert len(seeds) == 8
    assert case_seed("ps1", "ab", "c") != case_seed("ps1", "a", "bc")


def test_case_inputs_are_reproducible_and_independent_copies():
    part = DEMO.part("relu_hidden")
    first = case_inputs("demo0", part, part.cases[0])
    second = case_inputs("demo0", part, part.cases[0])
    np.testing.assert_array_equal(first[0], second[0])
    first[0][:] = 0  # a function that changes its input does not change later cases
    assert np.any(case_inputs("demo0", part, part.cases[0])[0] != 0)


def test_reference_must_return_numbers():
    bad = Case("x", "f", lambda rng: (1.0,), lambda z: "text", allclose(), "m")
    part = Part("f_hidden", "f", 1.0, (bad,))
    with pytest.raises(ProblemSetError, match="must return numbers"):
        expected_output("unit", part, bad)


def test_make_args_must_return_a_tuple():
    bad = Case("x", "f", lambda rng: [1.0], lambda z: z, allclose(), "m")
    part = Part("g_hidden", "f", 1.0, (bad,))
    with pytest.raises(ProblemSetError, match="must return a tuple"):
        case_inputs("unit", part, bad)


# -- arguments changed in place ------------------------------------------------------


def test_changed_verdict_names_the_arguments_and_ignores_malformed_entries():
    case = DEMO.part("relu_hidden").cases[0]
    assert changed_verdict(case, []) is None
    one = changed_verdict(case, [[0, "z"]])
    assert one.reason is Reason.WRONG
    assert one.message.startswith(
        f"relu changes its argument z in place (case '{case.name}')"
    )
    two = changed_verdict(case, [[0, "w"], [1, "b"], [2, None]])
    assert "changes its arguments w, b and number 3 in place" in two.message
    hostile = changed_verdict(case, [[0, "<script>"], [1, "x" * 100]])
    assert "arguments number 1 and number 2 in place" in hostile.message
    for junk in ("z", {"0": "z"}, [["z", 0]], [[-1, "z"]], [[0, "z", 1]], None):
        assert changed_verdict(case, junk) is None, junk
