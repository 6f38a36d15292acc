"""Tests for course.backprop_steps: replaying a backward trace, graph layout."""

import math

import pytest

from course.backprop_steps import (
    gate_patterns_example,
    gradients_after,
    layered_layout,
    neuron_example,
    node_labels,
    worked_example,
)
from course.graph import CopyRecord, Value


def test_worked_example_is_the_lecture_graph():
    f = worked_example()
    assert f.data == -12.0
    grads = gradients_after(f, f.backward(), 2)
    assert (grads["x"], grads["y"], grads["z"], grads["q"]) == (-4.0, -4.0, 3.0, -4.0)


def test_neuron_example_gradients_by_hand():
    f = neuron_example(w=2.0, x=-1.0, b=0.5)
    s = 1 / (1 + math.exp(1.5))  # sigmoid(2 * -1 + 0.5)
    assert f.data == pytest.approx(s)
    trace = f.backward()
    grads = gradients_after(f, trace, len(trace))
    local = s * (1 - s)
    assert grads["a"] == pytest.approx(local)
    assert grads["w"] == pytest.approx(-local)  # x * local
    assert grads["x"] == pytest.approx(2 * local)  # w * local
    assert grads["b"] == pytest.approx(local)


def test_gate_patterns_example_shows_router_swap_distributor_and_adder():
    f = gate_patterns_example(x=2.0, y=3.0, z=-1.0)  # max(6, 2) = 6
    assert f.data == 6.0
    trace = f.backward()
    grads = gradients_after(f, trace, len(trace))
    assert (grads["m"], grads["s"]) == (1.0, 0.0)  # max routes to the larger
    assert grads["x"] == 3.0  # mul swaps: dm/dx = y
    assert grads["z"] == 0.0  # add distributes the 0 it received
    assert trace[-1] == CopyRecord("y", 3.0, ("s", "m"), (0.0, 2.0), 2.0)  # adds up
    assert grads["y"] == 2.0


def test_gradients_appear_gate_by_gate_in_the_lecture_example():
    f = worked_example()
    trace = f.backward()
    assert gradients_after(f, trace, 0) == {
        "x": None,
        "y": None,
        "z": None,
        "q": None,
        "f": 1.0,
    }
    assert gradients_after(f, trace, 1) == {
        "x": None,
        "y": None,
        "z": 3.0,
        "q": -4.0,
        "f": 1.0,
    }
    assert gradients_after(f, trace, 2) == {
        "x": -4.0,
        "y": -4.0,
        "z": 3.0,
        "q": -4.0,
        "f": 1.0,
    }


def test_a_node_used_twice_adds_up_its_gradients():
    a = Value(3.0, "a")
    b = (a * 2.0).named("b")
    g = (a * b).named("g")  # g = 2 a^2, dg/da = 4 a = 12
    trace = g.backward()
    final = gradients_after(g, trace, len(trace))
    assert final["a"] == pytest.approx(12.0) == a.grad
    partial = gradients_after(g, trace, 1)  # only g's gate: a received b = 6
    assert partial["a"] == pytest.approx(6.0)


def test_layout_puts_leaves_left_and_the_output_right():
    pos = layered_layout(worked_example())
    assert pos["f"] == (2.0, 0.0)
    assert pos["q"] == (1.0, 0.0)
    assert {pos[n][0] for n in "xyz"} == {0.0}
    assert sorted(pos[n][1] for n in "xyz") == [-1.0, 0.0, 1.0]


def test_labels_must_be_distinct():
    f = (Value(1.0, "x") + Value(2.0, "x")).named("f")
    with pytest.raises(ValueError, match=r"own label.*\['x'\].*Value.named"):
        node_labels(f)


def test_gradients_after_checks_the_number_of_steps():
    f = worked_example()
    trace = f.backward()
    with pytest.raises(
        ValueError, match=r"between 0 and the length of the trace \(2\)"
    ):
        gradients_after(f, trace, 3)
    with pytest.raises(TypeError, match="n_steps must be an int, but got 1.0"):
        gradients_after(f, trace, 1.0)
