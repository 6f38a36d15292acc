"""Tests for course.graph: the scalar computational graph and its backward trace."""

import math
import sys

import numpy as np
import pytest

from course.gradcheck import check_gradient
from course.graph import (
    CopyRecord,
    GateRecord,
    Value,
    format_trace,
    maximum,
    nodes_and_edges,
)


def seed_example():
    """f = (x + y) z at x = -2, y = 5, z = -4 (the lecture's worked example)."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = (x + y).named("q")
    f = (q * z).named("f")
    return x, y, z, q, f


# ------------------------------------------------------------------ worked example
def test_seed_example_forward_and_gradients():
    x, y, z, q, f = seed_example()
    assert q.data == 3.0
    assert f.data == -12.0
    f.backward()
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)
    assert q.grad == -4.0  # df/dq = z
    assert f.grad == 1.0


def test_seed_example_trace_upstream_local_downstream():
    *_, f = seed_example()
    trace = f.backward()
    assert trace == [
        GateRecord(
            op="mul",
            output_label="f",
            output=-12.0,
            upstream=1.0,
            input_labels=("q", "z"),
            input_values=(3.0, -4.0),
            local=(-4.0, 3.0),  # df/dq = z, df/dz = q
            downstream=(-4.0, 3.0),
        ),
        GateRecord(
            op="add",
            output_label="q",
            output=3.0,
            upstream=-4.0,
            input_labels=("x", "y"),
            input_values=(-2.0, 5.0),
            local=(1.0, 1.0),
            downstream=(-4.0, -4.0),
        ),
    ]


def test_seed_example_trace_table():
    *_, f = seed_example()
    assert format_trace(f.backward()).splitlines() == [
        "gate  output   upstream  input   local  downstream",
        "--------------------------------------------------",
        "mul   f = -12  1         q = 3   -4     -4",
        "                         z = -4  3      3",
        "add   q = 3    -4        x = -2  1      -4",
        "                         y = 5   1      -4",
    ]


def test_seed_example_graph_nodes_and_edges():
    x, y, z, q, f = seed_example()
    nodes, edges = nodes_and_edges(f)
    assert nodes == [x, y, q, z, f]
    assert edges == [(x, q), (y, q), (q, f), (z, f)]
    assert [n.op for n in nodes] == ["", "", "add", "", "mul"]


# ------------------------------------------------------------------- gate patterns
def test_add_gate_distributes_the_upstream_gradient():
    a, b = Value(1.5, "a"), Value(-0.5, "b")
    out = (a + b) * 7.0
    add = out.backward()[1]
    assert add.op == "add"
    assert add.upstream == 7.0
    assert add.downstream == (7.0, 7.0)
    assert a.grad == b.grad == 7.0


def test_mul_gate_swaps_its_inputs():
    a, b = Value(3.0, "a"), Value(-2.0, "b")
    out = (a * b) * 5.0
    mul = out.backward()[1]
    assert mul.local == (-2.0, 3.0)  # d(ab)/da = b, d(ab)/db = a
    assert mul.downstream == (-10.0, 15.0)
    assert (a.grad, b.grad) == (-10.0, 15.0)


def test_copy_gate_adds_the_gradients_of_each_use():
    x, y = Value(2.0, "x"), Value(-3.0, "y")
    f = x * y + x  # x fans out to the mul and to the add
    trace = f.backward()
    copies = [r for r in trace if isinstance(r, CopyRecord)]
    assert copies == [
        CopyRecord(
            label="x",
            value=2.0,
            consumers=("(x * y) + x", "x * y"),
            upstream=(1.0, -3.0),
            downstream=-2.0,
        )
    ]
    assert copies[0].op == "copy"
    assert x.grad == y.data + 1.0
    assert "copy  x = 2" in format_trace(trace)
    assert "1 + -3" in format_trace(trace)


def test_copy_gate_for_a_value_used_twice_by_one_gate():
    x = Value(3.0, "x")
    f = x * x
    trace = f.backward()
    assert x.grad == 6.0
    assert trace[-1] == CopyRecord("x", 3.0, ("x * x", "x * x"), (3.0, 3.0), 6.0)
    _, edges = nodes_and_edges(f)
    assert edges == [(x, f), (x, f)]


def test_copy_record_of_an_inner_node_comes_before_its_gate():
    x, y = Value(1.0, "x"), Value(2.0, "y")
    q = (x + y).named("q")
    f = q * q + q
    trace = f.backward()
    ops = [r.op for r in trace]
    assert ops == ["add", "mul", "copy", "add"]
    assert trace[2].label == "q" and trace[2].downstream == 2 * q.data + 1
    assert trace[3].upstream == 2 * q.data + 1
    assert x.grad == y.grad == 7.0


@pytest.mark.parametrize(
    ("a", "b", "grads"),
    [(4.0, 1.0, (2.0, 0.0)), (-1.0, 0.5, (0.0, 2.0)), (2.0, 2.0, (1.0, 1.0))],
)
def test_max_gate_routes_the_gradient_to_the_larger_input(a, b, grads):
    va, vb = Value(a, "a"), Value(b, "b")
    out = maximum(va, vb) * 2.0
    rec = out.backward()[1]
    assert rec.op == "max"
    assert out.data == 2.0 * max(a, b)
    assert (va.grad, vb.grad) == grads  # a tie splits the gradient in halves


def test_maximum_with_plain_numbers_and_method_form():
    x = Value(-3.0, "x")
    assert maximum(x, 0.0).data == 0.0
    assert maximum(1.0, x).data == 1.0
    assert x.maximum(-5).data == -3.0
    out = maximum(0.0, x)
    out.backward()
    assert x.grad == 0.0


# -------------------------------------------------------------- backward semantics
def test_backward_twice_gives_the_same_gradients():
    x, y, z, q, f = seed_example()
    first = f.backward()
    second = f.backward()
    assert first == second
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_zero_grad_resets_every_node():
    x, y, z, q, f = seed_example()
    f.backward()
    f.zero_grad()
    assert [n.grad for n in (x, y, z, q, f)] == [0.0] * 5


def test_leaf_shared_by_two_graphs_gets_the_gradient_of_the_last_backward():
    w = Value(2.0, "w")
    loss_a = w * 3.0
    loss_b = w * w
    loss_a.backward()
    assert w.grad == 3.0
    loss_b.backward()
    assert w.grad == 4.0


def test_plain_numbers_on_either_side():
    x = Value(4.0, "x")
    assert (2 + x).data == 6.0 and (x + 2).data == 6.0
    assert (2 - x).data == -2.0 and (x - 2).data == 2.0
    assert (2 * x).data == 8.0 and (x * 2).data == 8.0
    assert (2 / x).data == 0.5 and (x / 2).data == 2.0
    f = 10 - 3 * x / 2 + 1
    f.backward()
    assert f.data == 5.0
    assert x.grad == -1.5
    assert sum([x, x, x]).data == 12.0


def test_labels_spell_out_small_expressions():
    a, b = Value(3.0, "a"), Value(2.0, "b")
    assert (a * b + maximum(a, b)).label == "(a * b) + max(a, b)"
    assert ((a - 1) / b).label == "(a - 1) / b"
    assert (-(a + b)).label == "-(a + b)"
    assert ((a + b) ** 2).label == "(a + b)**2"
    assert Value(2.5).label == "2.5"
    long = a
    for _ in range(10):
        long = long * b + a
    assert long.label == "(add * b) + a"  # long inner labels fall back to the gate
    assert all(len(n.label) <= 32 for n in nodes_and_edges(long)[0])
    assert repr(a * b) == "Value(data=6, grad=0, label='a * b')"


def test_deep_graph_does_not_hit_the_recursion_limit():
    x = Value(0.5, "x")
    out = x
    for _ in range(sys.getrecursionlimit() + 500):
        out = out * 1.0
    out.backward()
    assert x.grad == 1.0


# ------------------------------------------------------------ numerical gradients
UNARY = {
    "neg": lambda a: -a,
    "pow2": lambda a: a**2,
    "pow3": lambda a: a**3,
    "pow_inverse": lambda a: a**-1,
    "pow_half": lambda a: a**0.5,
    "pow_zero": lambda a: a**0 + a,
    "relu_positive": lambda a: a.relu(),
    "relu_negative": lambda a: (-a).relu() + a,
    "sigmoid": lambda a: a.sigmoid(),
    "tanh": lambda a: a.tanh(),
    "exp": lambda a: a.exp(),
    "radd": lambda a: 2.5 + a,
    "rsub": lambda a: 2.5 - a,
    "rmul": lambda a: 2.5 * a,
    "rtruediv": lambda a: 2.5 / a,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "max_first": lambda a, b: maximum(a, b),
    "max_second": lambda a, b: maximum(b, a),
    "fan_out": lambda a, b: a * b + a.tanh() * a - b / a,
    "composite": lambda a, b: ((a * b).sigmoid() + maximum(a, b) ** 2).exp() / (1 + b),
}


def _check(build, x0):
    def f(x):
        return build(*(Value(v) for v in x)).data

    def grad(x):
        leaves = [Value(v) for v in x]
        build(*leaves).backward()
        return np.array([leaf.grad for leaf in leaves])

    return check_gradient(f, grad, np.array(x0, dtype=np.float64))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradient_matches_central_difference(name):
    assert _check(UNARY[name], [1.3]) <= 1e-7


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradient_matches_central_difference(name):
    assert _check(BINARY[name], [0.7, -1.2]) <= 1e-7


def test_negative_base_with_integer_exponent():
    assert _check(lambda a: a**3 + a**-2, [-1.7]) <= 1e-7


# ---------------------------------------------------------------------- stability
@pytest.mark.parametrize("z", [-1e4, 1e4])
def test_sigmoid_and_tanh_are_stable_for_large_inputs(z):
    x = Value(z, "x")
    out = x.sigmoid() + x.tanh()
    out.backward()
    assert out.data == (2.0 if z > 0 else -1.0)
    assert x.grad == 0.0


# ------------------------------------------------------------------------- torch
@pytest.mark.torch
def test_gradients_match_torch_autograd():
    torch = pytest.importorskip("torch")

    def expression(a, b, c, relu, sigmoid, tanh, exp, maxi):
        h = a * b + c  # c used twice below
        g = relu(h) * sigmoid(c - a) + tanh(h / 3.0) ** 2
        return exp(maxi(g, c * 0.1)) - 2.0 / (1.0 + b**2) + (-a) * c

    inputs = [0.8, -1.7, 2.3]
    leaves = [Value(v) for v in inputs]
    ours = expression(
        *leaves,
        Value.relu,
        Value.sigmoid,
        Value.tanh,
        Value.exp,
        maximum,
    )
    ours.backward()

    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
    ref = expression(
        *ts,
        torch.relu,
        torch.sigmoid,
        torch.tanh,
        torch.exp,
        torch.maximum,
    )
    ref.backward()
    assert ours.data == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(
        [leaf.grad for leaf in leaves], [t.grad.item() for t in ts], rtol=1e-12
    )


@pytest.mark.torch
def test_max_tie_matches_torch():
    torch = pytest.importorskip("torch")
    a, b = Value(1.0), Value(1.0)
    maximum(a, b).backward()
    ta, tb = (torch.tensor(1.0, dtype=torch.float64, requires_grad=True) for _ in "ab")
    torch.maximum(ta, tb).backward()
    assert (a.grad, b.grad) == (ta.grad.item(), tb.grad.item())


# -------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (
            "3",
            TypeError,
            r"Value data must be a real number \(int or float\), but got str",
        ),
        (None, TypeError, "but got NoneType"),
        (True, TypeError, "but got bool"),
        (1 + 2j, TypeError, "but got complex"),
        (np.array([1.0, 2.0]), TypeError, "but got ndarray"),
        (math.nan, ValueError, "Value data must be a finite number, but got nan"),
        (-math.inf, ValueError, "Value data must be a finite number, but got -inf"),
    ],
)
def test_bad_data_is_rejected(data, error, message):
    with pytest.raises(error, match=message):
        Value(data)


def test_numpy_scalars_are_accepted():
    assert Value(np.float32(0.5)).data == 0.5
    assert Value(np.int64(3)).data == 3.0


def test_bad_operands_are_rejected():
    x = Value(2.0, "x")
    with pytest.raises(
        TypeError, match=r"The other operand must be a real number .* str"
    ):
        x + "1"
    with pytest.raises(ValueError, match="The other operand must be a finite number"):
        x * math.nan
    with pytest.raises(TypeError, match="The exponent must be a plain number .* Value"):
        x ** Value(2.0)
    with pytest.raises(ValueError, match="The exponent must be a finite number"):
        x**math.inf
    with pytest.raises(TypeError, match="label must be a str, but got int"):
        Value(1.0, label=3)
    with pytest.raises(TypeError, match="label must be a str, but got NoneType"):
        x.named(None)


def test_domain_errors_are_reported():
    with pytest.raises(ValueError, match=r"'x' \*\* 0.5 is not a real number.*\(-4\)"):
        Value(-4.0, "x") ** 0.5
    with pytest.raises(ValueError, match=r"'x' \*\* 0.5 has no finite derivative at 0"):
        Value(0.0, "x") ** 0.5
    with pytest.raises(
        ZeroDivisionError, match="cannot divide 'x' by 'y': the denominator"
    ):
        Value(1.0, "x") / Value(0.0, "y")
    with pytest.raises(ZeroDivisionError, match="cannot divide '1' by 'x'"):
        1.0 / Value(0.0, "x")


def test_overflow_is_reported_not_propagated():
    with pytest.raises(OverflowError, match="exp of 1000 is not finite in float64"):
        Value(1000.0).exp()
    with pytest.raises(OverflowError, match=r"mul of 1e\+200, 1e\+200 is not finite"):
        Value(1e200) * 1e200
    with pytest.raises(OverflowError, match=r"pow of 1e\+200 is not finite"):
        Value(1e200) ** 2


def test_helpers_reject_wrong_types():
    with pytest.raises(TypeError, match="root must be a Value, but got float"):
        nodes_and_edges(1.0)
    with pytest.raises(
        TypeError, match="GateRecord or CopyRecord entries, but got str"
    ):
        format_trace(["mul"])
