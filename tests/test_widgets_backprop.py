"""Tests for the gate-by-gate backpropagation explorer."""

import pytest

from course.backprop_steps import gate_patterns_example, neuron_example, worked_example
from course.graph import Value, format_trace
from course.widgets import BackpropExplorer

pytestmark = pytest.mark.usefixtures("agg_backend")


def texts(ex, which):
    return {label: t.get_text() for label, t in getattr(ex, which).items()}


def test_forward_values_and_no_gradient_before_the_first_step():
    ex = BackpropExplorer()
    assert texts(ex, "_values") == {
        "x": "= -2",
        "y": "= 5",
        "z": "= -4",
        "q": "= 3",
        "f": "= -12",
    }
    grads = texts(ex, "_grads")
    assert grads["f"] == "grad 1"
    assert all(grads[n] == "grad ?" for n in "xyzq")
    assert ex._ax.get_title().startswith("gate 0 of 2")


def test_steps_reveal_upstream_local_downstream_gate_by_gate():
    ex = BackpropExplorer()
    ex.controls["step"].click()
    title = ex._ax.get_title()
    assert title.startswith("gate 1 of 2: mul gate at f")
    assert "to q: 1 x -4 = -4" in title and "to z: 1 x 3 = 3" in title
    assert texts(ex, "_grads")["q"] == "grad -4"
    assert texts(ex, "_grads")["x"] == "grad ?"
    active = ex._edges[("q", "f")][0].arrow_patch
    idle = ex._edges[("x", "q")][0].arrow_patch
    assert active.get_linewidth() > idle.get_linewidth()
    ex.controls["step"].click()
    assert "to x: -4 x 1 = -4" in ex._ax.get_title()
    assert texts(ex, "_grads")["x"] == "grad -4" == texts(ex, "_grads")["y"]
    assert ex._table.get_text() == format_trace(worked_example().backward())
    ex.controls["step"].click()  # nothing left: stays on the last gate
    assert ex.n_revealed == 2


def test_back_and_reset():
    ex = BackpropExplorer()
    ex.controls["step"].click()
    ex.controls["step"].click()
    ex.controls["back"].click()
    assert ex.n_revealed == 1 and texts(ex, "_grads")["x"] == "grad ?"
    ex.controls["reset"].click()
    assert ex.n_revealed == 0
    assert ex._table.get_text() == format_trace([])


def test_input_sliders_redo_forward_and_backward():
    ex = BackpropExplorer()
    ex.controls["step"].click()
    ex.controls["x"].value = 3.0  # q = 8, f = -32, df/dz = q = 8
    assert texts(ex, "_values")["q"] == "= 8"
    assert texts(ex, "_values")["f"] == "= -32"
    assert texts(ex, "_grads")["z"] == "grad 8"
    assert ex.n_revealed == 1


def test_another_graph_with_a_copy_gate():
    def square_plus(a):
        a = Value(a, "a")
        return (a * a + a).named("f")

    ex = BackpropExplorer(square_plus, a=3.0)
    for _ in range(len(ex.trace)):
        ex.controls["step"].click()
    assert ex.gradients["a"] == pytest.approx(7.0)  # d(a^2 + a)/da = 2a + 1
    assert ex._ax.get_title().startswith(
        f"gate {len(ex.trace)} of {len(ex.trace)}: copy"
    )


def test_inputs_start_at_the_builder_defaults():
    ex = BackpropExplorer(neuron_example)
    assert {n: ex.controls[n].value for n in "wxb"} == {"w": 2.0, "x": -1.0, "b": 0.5}
    ex = BackpropExplorer(gate_patterns_example, y=1.0)
    assert ex.controls["y"].value == 1.0 and ex.controls["x"].value == 2.0
    for _ in range(len(ex.trace)):
        ex.controls["step"].click()
    assert ex.gradients == {"x": 1.0, "y": 2.0, "z": 0.0, "m": 1.0, "s": 0.0, "f": 1.0}


def test_build_is_checked():
    with pytest.raises(TypeError, match="build must be a function returning a Value"):
        BackpropExplorer(3.0)
    with pytest.raises(
        TypeError, match="build must return a Value, but it returned float"
    ):
        BackpropExplorer(lambda a: a * 2.0, a=1.0)
    with pytest.raises(ValueError, match="own label"):
        BackpropExplorer(lambda a: Value(a, "x") * Value(a, "x"), a=1.0)
