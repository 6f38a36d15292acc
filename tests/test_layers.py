"""Tests for course.layers: initialisation, forward and backward of Dense."""

import numpy as np
import pytest

from course.activations import ACTIVATIONS, get_activation
from course.gradcheck import check_gradient
from course.layers import INITS, Dense, init_weights

#: Every activation with a useful derivative (that of step is 0 wherever it exists).
ACTIVATION_NAMES = [name for name in ACTIVATIONS if name != "step"]


# ----------------------------------------------------------------------
# initialisation
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "init, expected_std",
    [
        ("normal", 0.3),
        ("xavier", np.sqrt(2 / (400 + 600))),
        ("glorot", np.sqrt(2 / (400 + 600))),
        ("he", np.sqrt(2 / 400)),
    ],
)
def test_init_weights_has_the_documented_spread(init, expected_std):
    W = init_weights(400, 600, init, scale=0.3, seed=0)
    assert W.shape == (600, 400)
    assert W.dtype == np.float64
    assert abs(W.mean()) < 0.01 * expected_std
    assert W.std() == pytest.approx(expected_std, rel=0.01)


def test_init_weights_is_reproducible_and_the_same_in_both_precisions():
    W64 = init_weights(5, 3, "he", seed=7)
    W32 = init_weights(5, 3, "he", seed=7, dtype=np.float32)
    assert W32.dtype == np.float32
    np.testing.assert_array_equal(W32, W64.astype(np.float32))
    assert not np.array_equal(W64, init_weights(5, 3, "he", seed=8))


def test_glorot_is_another_name_for_xavier():
    np.testing.assert_array_equal(
        init_weights(4, 6, "glorot", seed=1), init_weights(4, 6, "xavier", seed=1)
    )
    assert set(INITS) == {"normal", "xavier", "glorot", "he"}


def test_init_weights_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"init must be one of .*, but got 'lecun'"):
        init_weights(3, 2, "lecun")
    with pytest.raises(ValueError, match=r"scale must be > 0, but got -1"):
        init_weights(3, 2, "normal", scale=-1)
    with pytest.raises(TypeError, match=r"n_in must be an integer, but got 2.5"):
        init_weights(2.5, 2)
    with pytest.raises(ValueError, match=r"n_out must be > 0, but got 0"):
        init_weights(2, 0)
    with pytest.raises(ValueError, match=r"dtype must be float32 or float64"):
        init_weights(2, 2, dtype=np.int32)


# ----------------------------------------------------------------------
# forward
# ----------------------------------------------------------------------


def test_forward_is_sigma_of_W_z_plus_b_for_every_sample(rng):
    layer = Dense(4, 3, "tanh", seed=0)
    layer.b[:] = rng.standard_normal(3)
    Z_prev = rng.standard_normal((5, 4))
    Z = layer.forward(Z_prev)
    for z_prev, z in zip(Z_prev, Z, strict=True):
        np.testing.assert_allclose(z, np.tanh(layer.W @ z_prev + layer.b))
    np.testing.assert_allclose(layer.A, Z_prev @ layer.W.T + layer.b)
    assert layer.Z_prev is Z_prev
    assert layer.Z is Z


def test_forward_keeps_float32(rng):
    layer = Dense(4, 3, "gelu", seed=0, dtype=np.float32)
    Z = layer.forward(rng.standard_normal((5, 4)))  # float64 input is converted
    assert Z.dtype == layer.A.dtype == layer.Z_prev.dtype == np.float32
    dW, db, dZ_prev = layer.backward(np.ones((5, 3)))
    assert dW.dtype == db.dtype == dZ_prev.dtype == np.float32


def test_forward_rejects_a_wrong_shape():
    layer = Dense(4, 3)
    with pytest.raises(
        ValueError,
        match=r"Z_prev must have shape \(n_samples, 4\), but got an array of shape "
        r"\(5, 3\)",
    ):
        layer.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"but got an array of shape \(4,\)"):
        layer.forward(np.zeros(4))


def test_layer_properties_and_repr():
    layer = Dense(4, 3, "relu", seed=0)
    assert (layer.n_in, layer.n_out) == (4, 3)
    assert layer.params[0] is layer.W and layer.params[1] is layer.b
    np.testing.assert_array_equal(layer.b, 0)
    assert layer.activation == get_activation("relu")
    assert repr(layer) == "Dense(4, 3, 'relu')"


def test_activation_may_be_an_activation_object():
    act = ACTIVATIONS["elu"]
    assert Dense(2, 2, act).activation is act
    with pytest.raises(ValueError, match=r"Unknown activation 'swish'"):
        Dense(2, 2, "swish")
    with pytest.raises(TypeError, match=r"activation must be a name .* but got int"):
        Dense(2, 2, 3)


def test_from_weights_copies_and_validates():
    W = np.arange(6.0).reshape(2, 3)
    b = np.array([1.0, -1.0])
    layer = Dense.from_weights(W, b, "relu")
    W[0, 0] = 100
    assert layer.W[0, 0] == 0
    np.testing.assert_array_equal(layer.forward([[1, 0, 0]]), [[1.0, 2.0]])
    with pytest.raises(
        ValueError, match=r"b must have one entry per row of W \(2\), but got shape"
    ):
        Dense.from_weights(W, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"W must be a 2-D array, but got a 1-D"):
        Dense.from_weights([1.0, 2.0], [1.0])


# ----------------------------------------------------------------------
# backward
# ----------------------------------------------------------------------


def _layer_and_data(activation, rng):
    """A layer with pre-activations of both signs, away from 0.

    The inputs and the upstream gradient are positive, so that the sums over
    the batch in dW and db do not cancel into tiny entries, whose elementwise
    relative error would be dominated by rounding.
    """
    layer = Dense(4, 3, activation, init="normal", scale=0.5, seed=1)
    layer.b[:] = [0.4, -1.5, -0.6]
    Z_prev = rng.uniform(0.5, 1.5, size=(6, 4))
    upstream = rng.uniform(0.5, 1.5, size=(6, 3))
    return layer, Z_prev, upstream


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_backward_passes_the_gradient_check(activation, rng):
    """dW, db and dZ_prev are the gradients of sum(forward(Z_prev) * upstream)."""
    layer, Z_prev, upstream = _layer_and_data(activation, rng)

    def with_param(name, index):
        def f(value):
            saved = getattr(layer, name)
            setattr(layer, name, value)
            try:
                return np.sum(layer.forward(Z_prev) * upstream)
            finally:
                setattr(layer, name, saved)

        def grad(value):
            saved = getattr(layer, name)
            setattr(layer, name, value)
            try:
                layer.forward(Z_prev)
                return layer.backward(upstream)[index]
            finally:
                setattr(layer, name, saved)

        return f, grad

    for name, index, x in [("W", 0, layer.W), ("b", 1, layer.b)]:
        f, grad = with_param(name, index)
        assert check_gradient(f, grad, x) <= 1e-7, name

    def f_input(z):
        return np.sum(layer.forward(z) * upstream)

    def grad_input(z):
        layer.forward(z)
        return layer.backward(upstream)[2]

    assert check_gradient(f_input, grad_input, Z_prev) <= 1e-7


def test_batched_backward_sums_the_per_sample_rule_of_the_seeds(rng):
    """delta = dZ * sigma'(a); dW = sum_i delta_i z_i^T; db = sum_i delta_i."""
    layer, Z_prev, upstream = _layer_and_data("sigmoid", rng)
    layer.forward(Z_prev)
    dW, db, dZ_prev = layer.backward(upstream)
    dW_loop = np.zeros_like(layer.W)
    db_loop = np.zeros_like(layer.b)
    for z_prev, a, dz, dz_prev in zip(Z_prev, layer.A, upstream, dZ_prev, strict=True):
        s = 1 / (1 + np.exp(-a))
        delta = dz * s * (1 - s)
        dW_loop += np.outer(delta, z_prev)
        db_loop += delta
        np.testing.assert_allclose(dz_prev, layer.W.T @ delta)
    np.testing.assert_allclose(dW, dW_loop)
    np.testing.assert_allclose(db, db_loop)


def test_backward_affine_skips_the_activation_and_the_input_gradient(rng):
    layer, Z_prev, upstream = _layer_and_data("tanh", rng)
    layer.forward(Z_prev)
    dW, db, dZ_prev = layer.backward_affine(upstream, input_grad=False)
    assert dZ_prev is None
    np.testing.assert_allclose(dW, upstream.T @ Z_prev)
    np.testing.assert_allclose(db, upstream.sum(axis=0))
    linear = Dense.from_weights(layer.W, layer.b, "linear")
    linear.forward(Z_prev)
    for got, expected in zip(
        linear.backward(upstream), linear.backward_affine(upstream), strict=True
    ):
        np.testing.assert_array_equal(got, expected)
    assert layer.backward(upstream, input_grad=False)[2] is None


def test_backward_needs_a_forward_pass_and_a_matching_gradient(rng):
    layer = Dense(4, 3)
    with pytest.raises(ValueError, match=r"call forward\(Z_prev\) first"):
        layer.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"call forward\(Z_prev\) first"):
        layer.backward_affine(np.ones((2, 3)))
    layer.forward(rng.standard_normal((2, 4)))
    with pytest.raises(
        ValueError,
        match=r"dZ must have the shape of the layer output \(2, 3\), but got shape "
        r"\(3, 2\)",
    ):
        layer.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"dA must have the shape"):
        layer.backward_affine(np.ones((2, 2)))


def test_forward_and_backward_are_stable_for_huge_inputs():
    layer = Dense.from_weights([[1.0, -1.0], [2.0, 0.5]], [0.0, 1.0], "sigmoid")
    Z = layer.forward([[1e4, -1e4], [-1e4, 1e4]])
    dW, db, dZ_prev = layer.backward(np.ones((2, 2)))
    for array in (Z, dW, db, dZ_prev):
        assert np.all(np.isfinite(array))
