"""Tests for course.losses: values, gradients, stability and validation."""

import math

import numpy as np
import pytest

from course import losses
from course.activations import softmax as activations_softmax
from course.gradcheck import check_gradient, numerical_gradient
from course.losses import (
    binary_cross_entropy,
    binary_cross_entropy_gradient,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_gradient,
    cross_entropy,
    cross_entropy_from_probs,
    cross_entropy_from_probs_gradient,
    cross_entropy_gradient,
    entropy,
    kl_divergence,
    kl_divergence_gradient,
    log_softmax,
    mse,
    mse_gradient,
    one_hot,
    softmax,
    zero_one_loss,
)


def _distributions(rng, n, K):
    """n random probability rows with every entry at least about 0.02."""
    P = rng.uniform(0.1, 1.0, size=(n, K))
    return P / P.sum(axis=1, keepdims=True)


def _gradient_cases(rng):
    """(name, loss, gradient, y, prediction) with predictions away from kinks."""
    n, K = 5, 4
    labels = rng.integers(0, K, size=n)
    soft = _distributions(rng, n, K)
    return [
        ("mse 1-D", mse, mse_gradient, rng.normal(size=n), rng.normal(size=n)),
        (
            "mse 2-D",
            mse,
            mse_gradient,
            rng.normal(size=(n, 3)),
            rng.normal(size=(n, 3)),
        ),
        (
            "binary cross-entropy",
            binary_cross_entropy,
            binary_cross_entropy_gradient,
            rng.integers(0, 2, size=n).astype(float),
            rng.uniform(0.05, 0.95, size=n),
        ),
        (
            "binary cross-entropy, soft targets",
            binary_cross_entropy,
            binary_cross_entropy_gradient,
            rng.uniform(0, 1, size=n),
            rng.uniform(0.05, 0.95, size=n),
        ),
        (
            "binary cross-entropy with logits",
            binary_cross_entropy_with_logits,
            binary_cross_entropy_with_logits_gradient,
            rng.integers(0, 2, size=n).astype(float),
            rng.normal(scale=3, size=n),
        ),
        (
            "cross-entropy, labels",
            cross_entropy,
            cross_entropy_gradient,
            labels,
            rng.normal(scale=2, size=(n, K)),
        ),
        (
            "cross-entropy, probability rows",
            cross_entropy,
            cross_entropy_gradient,
            soft,
            rng.normal(scale=2, size=(n, K)),
        ),
        (
            "cross-entropy, one sample",
            cross_entropy,
            cross_entropy_gradient,
            2,
            rng.normal(scale=2, size=K),
        ),
        (
            "cross-entropy from probabilities",
            cross_entropy_from_probs,
            cross_entropy_from_probs_gradient,
            soft,
            _distributions(rng, n, K),
        ),
        (
            "KL divergence",
            kl_divergence,
            kl_divergence_gradient,
            soft,
            _distributions(rng, n, K),
        ),
    ]


CASE_NAMES = [case[0] for case in _gradient_cases(np.random.default_rng(0))]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_gradient_matches_central_differences(case, rng):
    cases = {c[0]: c[1:] for c in _gradient_cases(rng)}
    loss, gradient, y, prediction = cases[case]
    err = check_gradient(
        lambda p: loss(y, p), lambda p: gradient(y, p), np.asarray(prediction)
    )
    assert err <= 1e-7


def test_losses_average_over_samples(rng):
    # Doubling the data set (the same samples twice) leaves every loss unchanged.
    for _, loss, _, y, prediction in _gradient_cases(rng):
        if np.ndim(prediction) < 2:
            continue
        y2 = np.concatenate([y, y])
        assert loss(y2, np.concatenate([prediction, prediction])) == pytest.approx(
            loss(y, prediction), rel=1e-12
        )


# --------------------------------------------------------------------------
# worked examples from the slides
# --------------------------------------------------------------------------


def test_cross_entropy_first_slide_example():
    # (dog, cat, fish, frog) scores; the true class is "cat", index 1.
    z = np.array([3.2, 5.1, -1.7, -3.7])
    np.testing.assert_array_equal(np.round(softmax(z), 2), [0.13, 0.87, 0.0, 0.0])
    assert round(cross_entropy(1, z), 2) == 0.14
    assert cross_entropy([0, 1, 0, 0], z) == pytest.approx(cross_entropy(1, z))
    assert cross_entropy(1, z) == pytest.approx(-math.log(softmax(z)[1]))


def test_cross_entropy_second_slide_example_and_its_rounding():
    z = np.array([5.8, 2.2, -1.6, 1.5])
    y_hat = softmax(z)
    # The slide rounds the probabilities to two decimals...
    np.testing.assert_array_equal(np.round(y_hat, 2), [0.96, 0.03, 0.0, 0.01])
    # ...but the probability of the true class is really about 0.026,
    assert round(float(y_hat[1]), 3) == 0.026
    # so the loss is about 3.64, not the 3.5 written on the slide,
    assert round(cross_entropy(1, z), 2) == 3.64
    # which is -log of the rounded probability 0.03.
    assert round(cross_entropy_from_probs(1, [0.96, 0.03, 0.0, 0.01]), 1) == 3.5
    assert round(-math.log(0.03), 1) == 3.5


def test_softmax_is_reexported_from_activations():
    assert softmax is activations_softmax


# --------------------------------------------------------------------------
# information theory: entropy, KL and cross-entropy
# --------------------------------------------------------------------------


def test_kl_divergence_of_a_concrete_pair_is_not_symmetric():
    p, q = [0.5, 0.5], [0.9, 0.1]
    # By hand: 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1) = 0.5108...
    assert kl_divergence(p, q) == pytest.approx(0.51083, abs=1e-5)
    # and 0.9 ln(0.9/0.5) + 0.1 ln(0.1/0.5) = 0.3681...
    assert kl_divergence(q, p) == pytest.approx(0.36806, abs=1e-5)


def test_kl_divergence_is_non_negative_and_zero_only_for_equal_rows(rng):
    for _ in range(20):
        K = int(rng.integers(2, 8))
        p, q = rng.dirichlet(np.ones(K), size=2)
        assert kl_divergence(p, q) >= 0.0
    p = _distributions(rng, 3, 4)
    assert kl_divergence(p, p) == 0.0


def test_kl_divergence_treats_zero_log_zero_as_zero():
    assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(math.log(2))
    # q may be 0 where p is 0.
    assert kl_divergence([1.0, 0.0], [1.0, 0.0]) == 0.0
    np.testing.assert_array_equal(
        kl_divergence_gradient([1.0, 0.0], [0.5, 0.5]), [-2.0, 0.0]
    )


def test_cross_entropy_is_entropy_plus_kl(rng):
    p = _distributions(rng, 6, 5)
    q = _distributions(rng, 6, 5)
    assert cross_entropy_from_probs(p, q) == pytest.approx(
        entropy(p) + kl_divergence(p, q), rel=1e-12
    )
    z = rng.normal(size=(6, 5))
    assert cross_entropy(p, z) == pytest.approx(
        entropy(p) + kl_divergence(p, softmax(z)), rel=1e-12
    )


def test_entropy_bounds():
    assert entropy([0.25] * 4) == pytest.approx(math.log(4))
    assert entropy([0.0, 1.0, 0.0]) == 0.0
    assert entropy([[0.5, 0.5], [1.0, 0.0]]) == pytest.approx(math.log(2) / 2)


# --------------------------------------------------------------------------
# other values
# --------------------------------------------------------------------------


def test_mse_values():
    assert mse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0]) == pytest.approx(4 / 3)
    # A sample's squared error sums over its outputs.
    assert mse([[0.0, 0.0]], [[1.0, 1.0]]) == 2.0
    np.testing.assert_array_equal(mse_gradient([0.0, 0.0], [1.0, -1.0]), [1.0, -1.0])


def test_binary_cross_entropy_agrees_with_the_logit_version(rng):
    y = rng.integers(0, 2, size=10).astype(float)
    z = rng.normal(scale=3, size=10)
    y_hat = 1 / (1 + np.exp(-z))
    assert binary_cross_entropy(y, y_hat) == pytest.approx(
        binary_cross_entropy_with_logits(y, z), rel=1e-10
    )
    assert binary_cross_entropy([1.0, 0.0], [0.5, 0.5]) == pytest.approx(math.log(2))


def test_binary_cross_entropy_clips_certain_mistakes():
    with np.errstate(all="raise"):
        loss = binary_cross_entropy([1.0, 0.0], [0.0, 1.0])
        grad = binary_cross_entropy_gradient([1.0, 0.0], [0.0, 1.0])
    eps = np.finfo(np.float64).eps
    assert loss == pytest.approx(-math.log(eps), rel=1e-6)
    assert np.all(np.isfinite(grad))
    # The clipped gradient still points the right way: raise y_hat[0], lower [1].
    assert grad[0] < 0 < grad[1]
    assert binary_cross_entropy([1.0, 0.0], [1.0, 0.0]) < 1e-12


def test_log_softmax_is_log_of_softmax(rng):
    z = rng.normal(scale=3, size=(4, 6))
    np.testing.assert_allclose(log_softmax(z), np.log(softmax(z)), rtol=1e-12)
    np.testing.assert_allclose(
        log_softmax(z, axis=0), np.log(softmax(z, axis=0)), rtol=1e-12
    )


def test_cross_entropy_label_and_one_hot_forms_agree(rng):
    z = rng.normal(size=(7, 3))
    y = rng.integers(0, 3, size=7)
    assert cross_entropy(y, z) == pytest.approx(cross_entropy(one_hot(y, 3), z))
    np.testing.assert_allclose(
        cross_entropy_gradient(y, z), cross_entropy_gradient(one_hot(y, 3), z)
    )
    np.testing.assert_allclose(
        cross_entropy_gradient(y, z), (softmax(z) - one_hot(y, 3)) / 7
    )


def test_single_sample_gradient_keeps_the_shape_of_z():
    z = np.array([3.2, 5.1, -1.7, -3.7])
    grad = cross_entropy_gradient(1, z)
    assert grad.shape == (4,)
    np.testing.assert_allclose(grad, softmax(z) - [0, 1, 0, 0])
    assert cross_entropy_from_probs_gradient(1, softmax(z)).shape == (4,)


def test_one_hot():
    np.testing.assert_array_equal(
        one_hot([2, 0, 1], 3), [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    )
    assert one_hot([0], 2).dtype == np.float64
    assert one_hot([0], 2, dtype=np.float32).dtype == np.float32


def test_zero_one_loss_counts_mistakes():
    assert zero_one_loss([0, 1, 2, 2], [0, 2, 2, 1]) == 0.5
    assert zero_one_loss([-1, 1, 1], [-1, 1, 1]) == 0.0


def test_zero_one_loss_has_zero_gradient_almost_everywhere(rng):
    # A linear classifier's 0-1 loss as a function of its weights: no small
    # change of the weights flips a prediction, so the slope is exactly 0.
    X = rng.normal(size=(50, 3))
    y = rng.integers(0, 4, size=50)
    W = rng.normal(size=(4, 3))
    grad = numerical_gradient(lambda w: zero_one_loss(y, np.argmax(X @ w.T, 1)), W)
    np.testing.assert_array_equal(grad, 0.0)
    assert zero_one_loss(y, np.argmax(X @ W.T, 1)) > 0
    assert "zero almost everywhere" in " ".join(zero_one_loss.__doc__.split())


# --------------------------------------------------------------------------
# comparison with PyTorch
# --------------------------------------------------------------------------


def _torch_loss_and_grad(torch, loss_fn, prediction):
    t = torch.tensor(prediction, dtype=torch.float64, requires_grad=True)
    value = loss_fn(t)
    (grad,) = torch.autograd.grad(value, t)
    return value.item(), grad.numpy()


@pytest.mark.torch
def test_losses_and_gradients_match_torch(rng):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    n, K = 6, 5
    labels = rng.integers(0, K, size=n)
    soft = _distributions(rng, n, K)
    z = rng.normal(scale=3, size=(n, K))
    y01 = rng.integers(0, 2, size=n).astype(float)
    z1 = rng.normal(scale=3, size=n)
    y_hat1 = rng.uniform(0.05, 0.95, size=n)
    q = _distributions(rng, n, K)
    Y_reg = rng.normal(size=(n, 3))
    Y_hat_reg = rng.normal(size=(n, 3))
    t_labels = torch.tensor(labels)
    t_soft = torch.tensor(soft)
    cases = [
        (cross_entropy, cross_entropy_gradient, labels, z,
         lambda t: F.cross_entropy(t, t_labels)),
        (cross_entropy, cross_entropy_gradient, soft, z,
         lambda t: F.cross_entropy(t, t_soft)),
        (binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_gradient,
         y01, z1,
         lambda t: F.binary_cross_entropy_with_logits(t, torch.tensor(y01))),
        (binary_cross_entropy, binary_cross_entropy_gradient, y01, y_hat1,
         lambda t: F.binary_cross_entropy(t, torch.tensor(y01))),
        (mse, mse_gradient, Y_reg, Y_hat_reg,
         lambda t: F.mse_loss(t, torch.tensor(Y_reg), reduction="sum") / n),
        (cross_entropy_from_probs, cross_entropy_from_probs_gradient, labels, q,
         lambda t: F.nll_loss(torch.log(t), t_labels)),
        (kl_divergence, kl_divergence_gradient, soft, q,
         lambda t: F.kl_div(torch.log(t), t_soft, reduction="batchmean")),
    ]  # fmt: skip
    for loss, gradient, y, prediction, torch_loss in cases:
        value, grad = _torch_loss_and_grad(torch, torch_loss, prediction)
        assert loss(y, prediction) == pytest.approx(value, rel=1e-10, abs=1e-10)
        np.testing.assert_allclose(
            gradient(y, prediction), grad, rtol=1e-10, atol=1e-10
        )


@pytest.mark.torch
def test_log_softmax_matches_torch(rng):
    torch = pytest.importorskip("torch")
    z = rng.normal(scale=5, size=(4, 7))
    expected = torch.log_softmax(torch.tensor(z), dim=1).numpy()
    np.testing.assert_allclose(log_softmax(z), expected, rtol=1e-10, atol=1e-10)


# --------------------------------------------------------------------------
# stability and dtypes
# --------------------------------------------------------------------------


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_is_stable_for_logits_of_ten_thousand(dtype):
    z = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]], dtype=dtype)
    with np.errstate(all="raise"):
        right = cross_entropy([0, 1], z)
        wrong = cross_entropy([2, 0], z)
        grad = cross_entropy_gradient([2, 0], z)
        logp = log_softmax(z)
    assert right == 0.0
    assert wrong == pytest.approx(2e4)  # both true classes sit 2e4 below the top
    assert grad.dtype == dtype and logp.dtype == dtype
    np.testing.assert_allclose(grad, [[0.5, 0, -0.5], [-0.5, 0.5, 0]])
    np.testing.assert_array_equal(logp[0], [0.0, -1e4, -2e4])


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_cross_entropy_with_logits_is_stable(dtype):
    y = np.array([1.0, 0.0, 1.0, 0.0])
    z = np.array([1e4, -1e4, -1e4, 1e4], dtype=dtype)
    with np.errstate(all="raise"):
        loss = binary_cross_entropy_with_logits(y, z)
        grad = binary_cross_entropy_with_logits_gradient(y, z)
    # Two right (cost 0) and two wrong by 1e4 each, averaged over 4 samples.
    assert loss == pytest.approx(5e3)
    assert grad.dtype == dtype
    np.testing.assert_array_equal(grad, [0.0, 0.0, -0.25, 0.25])


@pytest.mark.filterwarnings("error")
def test_kl_and_entropy_with_zeros_raise_no_warning():
    with np.errstate(all="raise"):
        assert kl_divergence([0.0, 1.0], [0.0, 1.0]) == 0.0
        assert entropy([0.0, 1.0]) == 0.0
        assert np.isfinite(cross_entropy_from_probs([1.0, 0.0], [0.0, 1.0]))


def test_gradients_keep_float32(rng):
    n, K = 4, 3
    z = rng.normal(size=(n, K)).astype(np.float32)
    y_hat = rng.uniform(0.1, 0.9, size=n).astype(np.float32)
    p = _distributions(rng, n, K)
    q = _distributions(rng, n, K).astype(np.float32)
    labels = rng.integers(0, K, size=n)
    y01 = rng.integers(0, 2, size=n)  # integer targets must not upcast
    assert cross_entropy_gradient(labels, z).dtype == np.float32
    assert cross_entropy_gradient(p, z).dtype == np.float32
    assert cross_entropy_from_probs_gradient(labels, q).dtype == np.float32
    assert binary_cross_entropy_gradient(y01, y_hat).dtype == np.float32
    assert binary_cross_entropy_with_logits_gradient(y01, y_hat).dtype == np.float32
    assert mse_gradient(y01, y_hat).dtype == np.float32
    assert kl_divergence_gradient(p, q).dtype == np.float32
    assert log_softmax(z).dtype == np.float32
    assert isinstance(cross_entropy(labels, z), float)


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------


def test_one_hot_label_out_of_range_names_the_range():
    with pytest.raises(
        ValueError,
        match=r"y must contain labels in \[0, 2\], but got labels in \[-1, 3\]",
    ):
        one_hot([-1, 3, 0], 3)


def test_one_hot_needs_a_positive_number_of_classes():
    with pytest.raises(ValueError, match=r"n_classes must be > 0, but got 0"):
        one_hot([0], 0)
    with pytest.raises(TypeError, match=r"n_classes must be an integer, but got 2.5"):
        one_hot([0], 2.5)


def test_one_hot_rejects_non_integer_labels():
    with pytest.raises(ValueError, match=r"y must contain integer class labels"):
        one_hot([0.5, 1.0], 2)


def test_cross_entropy_label_out_of_range():
    with pytest.raises(
        ValueError, match=r"y must contain labels in \[0, 3\], but got labels in"
    ):
        cross_entropy([1, 4], np.zeros((2, 4)))


def test_cross_entropy_one_label_per_sample():
    with pytest.raises(
        ValueError, match=r"y must have one label per sample, but got 3 labels for 2"
    ):
        cross_entropy([0, 1, 1], np.zeros((2, 4)))


def test_cross_entropy_probability_rows_must_match_and_sum_to_one():
    with pytest.raises(
        ValueError, match=r"y given as probability rows must have the shape of z"
    ):
        cross_entropy(np.full((2, 3), 1 / 3), np.zeros((2, 4)))
    with pytest.raises(
        ValueError, match=r"each row of y must sum to 1 .*row 1 sums to 0.9"
    ):
        cross_entropy([[0.5, 0.5], [0.5, 0.4]], np.zeros((2, 2)))


def test_cross_entropy_needs_1d_or_2d_scores():
    with pytest.raises(
        ValueError, match=r"z must be a 1-D array of shape \(K,\) for one sample or"
    ):
        cross_entropy([0], np.zeros((1, 2, 3)))
    with pytest.raises(
        ValueError, match=r"y must be integer labels of shape \(n_samples,\) or"
    ):
        cross_entropy(np.zeros((2, 2, 2)), np.zeros((2, 2)))


@pytest.mark.parametrize(
    "loss", [mse, binary_cross_entropy, binary_cross_entropy_with_logits]
)
def test_shapes_must_match_exactly(loss):
    name = "z" if loss is binary_cross_entropy_with_logits else "y_hat"
    with pytest.raises(
        ValueError, match=rf"y and {name} must have the same shape, but got \(3,\)"
    ):
        loss([0.0, 1.0, 1.0], [[0.5], [0.5], [0.5]])


def test_probabilities_must_be_in_the_unit_interval():
    with pytest.raises(
        ValueError,
        match=r"y_hat must contain probabilities in \[0, 1\], but got values in "
        r"\[0.5, 1.2\]",
    ):
        binary_cross_entropy([1.0, 0.0], [0.5, 1.2])
    with pytest.raises(ValueError, match=r"y must contain probabilities in \[0, 1\]"):
        binary_cross_entropy_with_logits([2.0, 0.0], [0.5, 1.2])


def test_nan_is_rejected():
    with pytest.raises(ValueError, match=r"z must contain only finite values"):
        cross_entropy([0], [[np.nan, 1.0]])
    with pytest.raises(ValueError, match=r"y must contain only finite values"):
        mse([np.nan], [1.0])


def test_empty_arrays_are_rejected():
    with pytest.raises(ValueError, match=r"y_hat must contain at least one value"):
        mse([], [])
    with pytest.raises(ValueError, match=r"z must contain at least one value"):
        cross_entropy([], np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"y must contain at least one label"):
        zero_one_loss([], [])


def test_kl_divergence_needs_q_positive_where_p_is():
    with pytest.raises(
        ValueError,
        match=r"q must be positive wherever p is positive .* but q is 0 at 1 such",
    ):
        kl_divergence([0.5, 0.5], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"q must be positive wherever p is positive"):
        kl_divergence_gradient([0.5, 0.5], [1.0, 0.0])


def test_kl_divergence_shapes():
    with pytest.raises(
        ValueError, match=r"p and q must have the same shape, but got \(2,\) and"
    ):
        kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match=r"p must have shape \(K,\) or"):
        entropy(np.full((2, 2, 2), 0.5))


def test_zero_one_loss_lengths_must_match():
    with pytest.raises(
        ValueError, match=r"y and y_hat_labels must have the same length, but got 3"
    ):
        zero_one_loss([0, 1, 1], [0, 1])


def test_string_input_is_a_type_error():
    with pytest.raises(TypeError, match=r"y_hat must be array-like of numbers"):
        mse([1.0], "1.0")


def test_module_exports_exist():
    for name in losses.__all__:
        assert callable(getattr(losses, name))
