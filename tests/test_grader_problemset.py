"""Problem sets (grader.problemset): the demo's, unknown names, malformed ones."""

from __future__ import annotations

import pytest

from grader.cases import Case, Part, ProblemSetError, allclose
from grader.problemset import ProblemSet, load_problem_set, problem_set_names

DEMO = load_problem_set("demo0")


# -- problem sets ---------------------------------------------------------------


def test_demo0_is_registered_and_valid():
    assert "demo0" in problem_set_names()
    assert [p.grade_id for p in DEMO.parts] == ["relu_hidden", "softmax_hidden"]
    assert DEMO.max_score == 3.0
    assert DEMO.is_reference("course.activations.relu")
    assert not DEMO.is_reference("course.data.load_mnist")
    assert not DEMO.is_reference("course")
    assert not DEMO.is_reference("numpy.maximum")
    with pytest.raises(KeyError, match="no part 'nope'"):
        DEMO.part("nope")


@pytest.mark.parametrize("name", ["nope", "../etc", "Demo0", 3])
def test_unknown_problem_sets(name):
    with pytest.raises(KeyError):
        load_problem_set(name)


def _case(name="c", function="f"):
    return Case(name, function, lambda rng: (1.0,), lambda z: z, allclose(), "m")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"parts": ()}, "has no PARTS"),
        ({"parts": (Part("a", "f", 1.0, (_case(),)),) * 2}, "repeats a grade_id"),
        ({"parts": (Part("a", "f", 0.0, (_case(),)),)}, "positive points"),
        ({"parts": (Part("a", "f", 1.0, ()),)}, "has no cases"),
        ({"parts": (Part("a", "f", 1.0, (_case(), _case())),)}, "repeats a case name"),
        ({"parts": (Part("a", "f", 1.0, (_case(function="g"),)),)}, "calls 'g'"),
        ({"handouts": ("course.data.mnist",)}, "directly under course"),
        ({"handouts": ("course.data", "course.linear")}, "imports course."),
    ],
)
def test_malformed_problem_sets_are_refused(kwargs, message):
    fields = {"name": "bad", "parts": (Part("a", "f", 1.0, (_case(),)),), **kwargs}
    with pytest.raises(ProblemSetError, match=message):
        ProblemSet(**fields)
