"""Tests for course.activations: values, derivatives, stability and validation."""

import math

import numpy as np
import pytest

from course import activations as act
from course.activations import (
    ACTIVATIONS,
    Activation,
    get_activation,
    softmax,
    softmax_backward,
)
from course.gradcheck import check_gradient, numerical_vjp, rel_error

NAMES = sorted(ACTIVATIONS)
EXTREME = np.array([-1e4, -1e3, -50.0, -1.0, 0.0, 1.0, 50.0, 1e3, 1e4])


def test_registry_holds_the_elementwise_activations():
    assert set(ACTIVATIONS) == {
        "step",
        "linear",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "elu",
        "silu",
        "gelu",
    }
    for name, activation in ACTIVATIONS.items():
        assert activation.name == name
        assert activation.fn is getattr(act, name)
        assert activation.derivative is getattr(act, f"{name}_derivative")


# --------------------------------------------------------------------------
# derivatives against central differences
# --------------------------------------------------------------------------


def _away_from_kinks(rng, derivative, shape=(4, 6)):
    """Inputs in [-3, 3], at least 0.1 from the kinks at 0 and where the
    derivative is not so close to 0 that rounding dominates a relative error."""
    z = rng.uniform(-3, 3, size=shape)
    z = np.where(np.abs(z) < 0.1, 0.5, z)
    d = derivative(z)
    return np.where((d != 0) & (np.abs(d) < 1e-2), 2.5, z)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_differences(name, rng):
    fn, derivative = ACTIVATIONS[name].fn, ACTIVATIONS[name].derivative
    z = _away_from_kinks(rng, derivative)
    upstream = rng.uniform(0.5, 1.5, size=z.shape)
    err = check_gradient(
        lambda v: float(np.sum(fn(v) * upstream)),
        lambda v: derivative(v) * upstream,
        z,
    )
    assert err <= 1e-7


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_backward_matches_central_differences(axis, rng):
    z = rng.standard_normal((3, 4))
    upstream = rng.standard_normal((3, 4))
    analytic = softmax_backward(softmax(z, axis=axis), upstream, axis=axis)
    numeric = numerical_vjp(lambda v: softmax(v, axis=axis), z, upstream)
    assert rel_error(analytic, numeric) <= 1e-7


def test_softmax_backward_of_a_single_vector(rng):
    z = rng.standard_normal(5)
    upstream = rng.standard_normal(5)
    analytic = softmax_backward(softmax(z), upstream)
    assert rel_error(analytic, numerical_vjp(softmax, z, upstream)) <= 1e-7


# --------------------------------------------------------------------------
# values: formulas from the lecture decks
# --------------------------------------------------------------------------


def test_step_is_the_perceptron_threshold():
    np.testing.assert_array_equal(act.step([-2.0, -1e-12, 0.0, 3.0]), [0, 0, 1, 1])
    np.testing.assert_array_equal(act.step_derivative([-1.0, 0.0, 1.0]), [0, 0, 0])


def test_linear_is_the_identity_and_returns_a_copy():
    z = np.array([-1.5, 0.0, 2.0])
    out = act.linear(z)
    np.testing.assert_array_equal(out, z)
    out[0] = 99.0
    assert z[0] == -1.5
    np.testing.assert_array_equal(act.linear_derivative(z), [1, 1, 1])


def test_tanh_is_a_rescaled_sigmoid(rng):
    x = rng.uniform(-5, 5, size=50)
    np.testing.assert_allclose(
        act.tanh(x), 2 * act.sigmoid(2 * x) - 1, rtol=1e-12, atol=1e-15
    )


def test_sigmoid_values_and_derivative_identity(rng):
    assert act.sigmoid(0.0) == 0.5
    assert act.sigmoid(math.log(3.0)) == pytest.approx(0.75, rel=1e-15)
    x = rng.uniform(-8, 8, size=50)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(act.sigmoid(x), s, rtol=1e-14)
    np.testing.assert_allclose(act.sigmoid_derivative(x), s * (1 - s), rtol=1e-11)
    assert act.sigmoid_derivative(0.0) == 0.25


def test_tanh_derivative_identity(rng):
    x = rng.uniform(-5, 5, size=50)
    np.testing.assert_allclose(
        act.tanh_derivative(x), 1 - np.tanh(x) ** 2, rtol=1e-10, atol=1e-15
    )


def test_tanh_derivative_keeps_relative_precision_in_the_tails():
    # 1 - tanh(20)**2 rounds to 0 in float64; the true value is about 1.7e-17.
    assert act.tanh_derivative(20.0) == pytest.approx(4 * math.exp(-40), rel=1e-12)
    assert act.sigmoid_derivative(40.0) == pytest.approx(math.exp(-40), rel=1e-12)


def test_relu_and_its_derivative_convention_at_zero():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(act.relu(z), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(act.relu_derivative(z), [0.0, 0.0, 1.0])


def test_leaky_relu_uses_slope_one_tenth():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(act.leaky_relu(z), [-0.2, 0.0, 3.0])
    np.testing.assert_allclose(act.leaky_relu(z), np.maximum(0.1 * z, z))
    np.testing.assert_allclose(act.leaky_relu_derivative(z), [0.1, 0.1, 1.0])
    np.testing.assert_allclose(act.leaky_relu(z, alpha=0.2), [-0.4, 0.0, 3.0])


def test_elu_follows_the_piecewise_formula():
    z = np.array([-2.0, -1e-9, 0.0, 1.5])
    np.testing.assert_allclose(
        act.elu(z), [math.expm1(-2), math.expm1(-1e-9), 0.0, 1.5], rtol=1e-15
    )
    np.testing.assert_allclose(
        act.elu_derivative(z), [math.exp(-2), 1.0, 1.0, 1.0], rtol=1e-8
    )
    assert act.elu(-1.0, alpha=2.0) == pytest.approx(2 * (math.exp(-1) - 1))


def test_silu_is_z_times_sigmoid(rng):
    z = rng.uniform(-6, 6, size=30)
    np.testing.assert_allclose(act.silu(z), z * act.sigmoid(z), rtol=1e-14)


def test_gelu_is_z_times_the_normal_cdf(rng):
    z = np.concatenate([rng.uniform(-6, 6, size=30), [-10.0, 0.0, 10.0]])
    phi = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in z])
    np.testing.assert_allclose(act.gelu(z), z * phi, rtol=1e-13)
    # Known values: Phi(1) = 0.8413447460685429..., Phi(-1) = 1 - Phi(1).
    assert act.gelu(1.0) == pytest.approx(0.8413447460685429, rel=1e-15)
    assert act.gelu(-1.0) == pytest.approx(-0.15865525393145707, rel=1e-14)


def test_normal_cdf_is_as_accurate_as_math_erfc():
    # Dense grid over every branch of the rational approximations (|t| < 1,
    # 1 <= |t| < 8, |t| >= 8) down to where Phi leaves the normal range.
    z = np.linspace(-37.5, 9.0, 40001)
    ref = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in z])
    rel = np.abs(act._normal_cdf(z) - ref) / ref
    assert rel.max() < 1e-12
    assert rel[z > -10].max() < 1e-13


@pytest.mark.parametrize(
    "lo, hi",
    [
        (-1.4, 1.4),  # |t| < 1 only
        (1.5, 11.0),  # 1 <= |t| < 8 only
        (-37.5, -11.5),  # |t| >= 8 only
        (-37.5, -2.0),  # the two erfc ranges
        (-0.5, 9.0),  # erf and the middle erfc range
        (-37.5, 1.0),  # all three
    ],
)
def test_normal_cdf_does_not_depend_on_the_other_entries(lo, hi):
    # Arrays that fall in fewer ranges of the approximations skip the others;
    # every entry must get the value it gets among entries of every range.
    z_all = np.linspace(-37.5, 11.0, 20001)
    phi_all = act._normal_cdf(z_all)
    inside = (z_all >= lo) & (z_all <= hi)
    z = z_all[inside]
    np.testing.assert_array_equal(act._normal_cdf(z), phi_all[inside])
    np.testing.assert_array_equal(
        act._normal_cdf(z[:6].reshape(2, 3)), phi_all[inside][:6].reshape(2, 3)
    )


def test_softmax_worked_example_from_the_slides():
    # Scores for (dog, cat, fish, frog).
    y_hat = softmax([3.2, 5.1, -1.7, -3.7])
    np.testing.assert_array_equal(np.round(y_hat, 2), [0.13, 0.87, 0.0, 0.0])
    assert y_hat.sum() == pytest.approx(1.0, abs=1e-15)


def test_softmax_is_invariant_to_a_shift_and_sums_to_one(rng):
    z = rng.standard_normal((5, 4))
    np.testing.assert_allclose(softmax(z + 100.0), softmax(z), rtol=1e-12)
    np.testing.assert_allclose(softmax(z).sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(softmax(z, axis=0), softmax(z.T).T, rtol=1e-15)
    np.testing.assert_allclose(softmax(z, axis=0).sum(axis=0), 1.0, rtol=1e-15)


def test_softmax_of_one_class_is_one():
    np.testing.assert_array_equal(softmax([[3.0], [-2.0]]), [[1.0], [1.0]])


# --------------------------------------------------------------------------
# comparison with PyTorch
# --------------------------------------------------------------------------

TORCH_NAMES = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "silu", "gelu"]


def _torch_fn(name):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": F.relu,
        "leaky_relu": lambda t: F.leaky_relu(t, negative_slope=0.1),
        "elu": lambda t: F.elu(t, alpha=1.0),
        "silu": F.silu,
        "gelu": lambda t: F.gelu(t, approximate="none"),
    }[name]


@pytest.mark.torch
@pytest.mark.parametrize("name", TORCH_NAMES)
def test_values_and_derivatives_match_torch(name, rng):
    torch = pytest.importorskip("torch")
    fn = _torch_fn(name)
    # Include the kink at exactly 0 to pin the same convention as PyTorch.
    z = np.concatenate([3 * rng.standard_normal(200), [0.0, -30.0, 30.0]])
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    out = fn(t)
    (grad,) = torch.autograd.grad(out.sum(), t)
    activation = ACTIVATIONS[name]
    np.testing.assert_allclose(
        activation.fn(z), out.detach().numpy(), rtol=1e-10, atol=1e-10
    )
    np.testing.assert_allclose(
        activation.derivative(z), grad.numpy(), rtol=1e-10, atol=1e-10
    )


@pytest.mark.torch
@pytest.mark.parametrize("axis", [0, 1])
def test_softmax_and_its_backward_match_torch(axis, rng):
    torch = pytest.importorskip("torch")
    z = 3 * rng.standard_normal((6, 5))
    upstream = rng.standard_normal((6, 5))
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    out = torch.softmax(t, dim=axis)
    out.backward(torch.tensor(upstream))
    y_hat = softmax(z, axis=axis)
    np.testing.assert_allclose(y_hat, out.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(
        softmax_backward(y_hat, upstream, axis=axis),
        t.grad.numpy(),
        rtol=1e-10,
        atol=1e-10,
    )


# --------------------------------------------------------------------------
# stability and dtypes
# --------------------------------------------------------------------------


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_extreme_inputs_are_finite_and_keep_their_dtype(name, dtype):
    z = EXTREME.astype(dtype)
    activation = ACTIVATIONS[name]
    with np.errstate(all="raise"):
        value = activation.fn(z)
        slope = activation.derivative(z)
    for out in (value, slope):
        assert out.dtype == dtype
        assert out.shape == z.shape
        assert np.all(np.isfinite(out))


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_limits_at_plus_minus_ten_thousand(dtype):
    z = np.array([-1e4, 1e4], dtype=dtype)
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(act.sigmoid(z), [0.0, 1.0])
        np.testing.assert_array_equal(act.sigmoid_derivative(z), [0.0, 0.0])
        np.testing.assert_array_equal(act.tanh(z), [-1.0, 1.0])
        np.testing.assert_array_equal(act.tanh_derivative(z), [0.0, 0.0])
        np.testing.assert_array_equal(act.elu(z), [-1.0, 1e4])
        np.testing.assert_array_equal(act.silu(z), [0.0, 1e4])
        np.testing.assert_array_equal(act.gelu(z), [0.0, 1e4])
        np.testing.assert_array_equal(act.gelu_derivative(z), [0.0, 1.0])


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_is_stable_for_huge_scores(dtype):
    z = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]], dtype=dtype)
    with np.errstate(all="raise"):
        y_hat = softmax(z)
        back = softmax_backward(y_hat, np.ones_like(z))
    assert y_hat.dtype == dtype and back.dtype == dtype
    np.testing.assert_array_equal(y_hat[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(y_hat[1], [1 / 3] * 3, rtol=1e-6)
    np.testing.assert_allclose(back, 0.0, atol=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_float32_matches_float64(name, rng):
    z = rng.uniform(-4, 4, size=100)
    activation = ACTIVATIONS[name]
    for f in (activation.fn, activation.derivative):
        out32 = f(z.astype(np.float32))
        assert out32.dtype == np.float32
        np.testing.assert_allclose(out32, f(z), rtol=2e-6, atol=2e-6)


def test_integer_input_becomes_float64_and_scalars_stay_scalars():
    out = act.relu(np.array([-1, 2]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [0.0, 2.0])
    assert isinstance(act.sigmoid(0.0), np.float64)
    assert isinstance(act.gelu(np.float32(1.0)), np.float32)
    assert isinstance(act.leaky_relu(-1.0), np.float64)


def test_alpha_given_as_numpy_float64_does_not_upcast_float32():
    z = np.array([-1.0, 1.0], dtype=np.float32)
    assert act.leaky_relu(z, alpha=np.float64(0.2)).dtype == np.float32
    assert act.elu_derivative(z, alpha=np.float64(0.5)).dtype == np.float32


# --------------------------------------------------------------------------
# registry and bad input
# --------------------------------------------------------------------------


def test_get_activation_by_name_or_instance():
    assert get_activation("relu") is ACTIVATIONS["relu"]
    assert get_activation("ReLU") is ACTIVATIONS["relu"]
    custom = Activation("square", np.square, lambda z: 2 * z)
    assert get_activation(custom) is custom


def test_unknown_activation_name():
    with pytest.raises(
        ValueError, match=r"Unknown activation 'swish': expected one of elu, gelu"
    ):
        get_activation("swish")


def test_softmax_is_not_in_the_registry():
    with pytest.raises(ValueError, match=r"'softmax' is not an elementwise"):
        get_activation("softmax")


def test_activation_of_the_wrong_type():
    with pytest.raises(
        TypeError, match=r"activation must be a name \(str\) or an Activation, but"
    ):
        get_activation(np.tanh)


@pytest.mark.parametrize("name", NAMES)
def test_nan_input_is_rejected(name):
    activation = ACTIVATIONS[name]
    for f in (activation.fn, activation.derivative):
        with pytest.raises(
            ValueError, match=r"z must contain only finite values, but got 1 NaN"
        ):
            f([0.0, np.nan])


@pytest.mark.parametrize("name", NAMES)
def test_empty_input_is_rejected(name):
    with pytest.raises(
        ValueError, match=r"z must contain at least one value, but got an empty"
    ):
        ACTIVATIONS[name].fn(np.zeros((0, 3)))


def test_non_numeric_input_is_rejected():
    with pytest.raises(TypeError, match=r"z must be array-like of numbers, but got"):
        act.relu("1.0")


def test_negative_alpha_is_rejected():
    with pytest.raises(ValueError, match=r"alpha must be >= 0, but got -0.1"):
        act.leaky_relu([1.0], alpha=-0.1)


def test_softmax_axis_out_of_range():
    with pytest.raises(
        ValueError, match=r"axis must be in \[-2, 1\] for z of shape \(2, 3\), but"
    ):
        softmax(np.zeros((2, 3)), axis=2)


def test_softmax_axis_must_be_an_integer():
    with pytest.raises(TypeError, match=r"axis must be an integer, but got 1.0"):
        softmax(np.zeros((2, 3)), axis=1.0)


def test_softmax_of_a_scalar():
    with pytest.raises(ValueError, match=r"z must have at least 1 dimension"):
        softmax(3.0)


def test_softmax_backward_shapes_must_match():
    with pytest.raises(
        ValueError, match=r"upstream must have the shape of y_hat, \(2, 3\), but got"
    ):
        softmax_backward(np.full((2, 3), 1 / 3), np.ones((3, 2)))
