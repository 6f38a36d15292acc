"""Vanishing and exploding gradients in deep multilayer perceptrons.

For a network :math:`z^l = \\sigma(a^l)`, :math:`a^l = W^l z^{l-1} + b^l`, the
Jacobian of layer ``l`` (how its output moves with its input) is

.. math:: J^l = \\frac{\\partial z^l}{\\partial z^{l-1}}
              = \\mathrm{diag}(\\sigma'(a^l))\\, W^l ,

and backpropagation multiplies the gradient at the output by the transposed
Jacobians of all the layers above,

.. math:: \\frac{\\partial L}{\\partial W^k}
          = \\Big(\\sigma'(a^k) \\odot (J^{k+1})^T \\cdots (J^L)^T
            \\frac{\\partial L}{\\partial z^L}\\Big) (z^{k-1})^T .

Its size is therefore bounded by the product of the spectral norms (largest
singular values) :math:`\\prod_{i=k+1}^{L} \\lVert J^i \\rVert_2`. When the
factors are below 1, as with the sigmoid (:math:`\\sigma' \\le 1/4`), the
gradients of the first layers vanish exponentially with depth; when they are
above 1, as with weights drawn too large, they explode. Initialisations such as
He's for ReLU (:math:`\\mathrm{Var}(W_{ij}) = 2 / n_{in}`) keep the typical
gain of a layer close to 1.

The product of spectral norms is an upper bound, and a loose one for random
weights: the spectral norm is the gain of the most amplified direction, while a
gradient in a random direction is amplified by the root-mean-square gain. With
He's initialisation :math:`\\lVert J^l \\rVert_2 \\approx 2.3` for 64 units, yet
the gradient norms stay flat across 20 layers.

The functions here build a deep network with :class:`course.mlp.MLP`, run its
forward and backward pass on one fixed random batch, and read the gradients and
the per-sample Jacobians from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from course._validation import check_positive
from course.activations import Activation
from course.mlp import MLP

__all__ = [
    "GradientReport",
    "Sweep",
    "DepthSweep",
    "deep_mlp",
    "jacobian_norms",
    "gradient_report",
    "sweep",
    "depth_sweep",
]


class GradientReport(NamedTuple):
    """Per-layer gradient statistics of one network on one batch.

    Attributes
    ----------
    layer : ndarray of int, shape (n_layers,)
        Layer numbers ``1, ..., L`` (input side first).
    grad_norms : ndarray of shape (n_layers,)
        Frobenius norm :math:`\\lVert \\partial L / \\partial W^l \\rVert_F`.
    jacobian_norms : ndarray of shape (n_layers,) or None
        :math:`\\lVert \\mathrm{diag}(\\sigma'(a^l)) W^l \\rVert_2`, geometric
        mean over the samples of the batch (None if :func:`gradient_report` was
        called with ``jacobians=False``).
    jacobian_products : ndarray of shape (n_layers,) or None
        :math:`\\prod_{i=l+1}^{L} \\lVert J^i \\rVert_2` (1 for the last layer):
        the bound on how much the output gradient is amplified on its way down to
        layer ``l``. Geometric mean over the samples, which is the product of the
        geometric means in ``jacobian_norms`` (None with ``jacobians=False``).
    """

    layer: np.ndarray
    grad_norms: np.ndarray
    jacobian_norms: np.ndarray | None
    jacobian_products: np.ndarray | None


class Sweep(NamedTuple):
    """:class:`GradientReport` of several settings, stacked for plotting.

    ``ax.semilogy(s.layer, s.grad_norms.T); ax.legend(s.labels)`` draws one
    line per setting.

    Attributes
    ----------
    labels : list of str
        One label per setting, e.g. ``"relu, he"`` or ``"tanh, normal(1)"``.
    layer : ndarray of int, shape (n_layers,)
    grad_norms, jacobian_norms, jacobian_products : ndarray of shape \
(n_settings, n_layers)
    """

    labels: list[str]
    layer: np.ndarray
    grad_norms: np.ndarray
    jacobian_norms: np.ndarray
    jacobian_products: np.ndarray


class DepthSweep(NamedTuple):
    """Gradient norms of the first and last layers as the depth grows.

    Attributes
    ----------
    depths : ndarray of int, shape (n_depths,)
        Numbers of hidden layers.
    first_layer : ndarray of shape (n_depths,)
        :math:`\\lVert \\partial L / \\partial W^1 \\rVert_F`.
    last_layer : ndarray of shape (n_depths,)
        :math:`\\lVert \\partial L / \\partial W^L \\rVert_F`.
    """

    depths: np.ndarray
    first_layer: np.ndarray
    last_layer: np.ndarray


def deep_mlp(
    depth: int,
    width: int,
    activation: str | Activation = "relu",
    init: str = "he",
    scale: float = 0.01,
    *,
    n_in: int | None = None,
    n_classes: int = 10,
    seed: int | None = 0,
) -> MLP:
    """A float64 cross-entropy MLP with ``depth`` hidden layers of ``width`` units.

    Parameters
    ----------
    depth : int
        Number of hidden layers.
    width : int
        Units per hidden layer.
    activation : str or Activation, default "relu"
        Activation of every hidden layer (the output is linear: logits).
    init : {"he", "xavier", "glorot", "normal"}, default "he"
        Initialisation of every layer; biases are 0.
    scale : float, default 0.01
        Standard deviation of the weights for ``init="normal"``.
    n_in : int, optional
        Number of inputs, ``width`` by default.
    n_classes : int, default 10
        Number of output units.
    seed : int or None, default 0

    Returns
    -------
    MLP
        Layer sizes ``[n_in] + [width] * depth + [n_classes]``.
    """
    check_positive(depth, "depth", integer=True)
    check_positive(width, "width", integer=True)
    sizes = [width if n_in is None else n_in] + [width] * depth + [n_classes]
    return MLP(
        sizes,
        activation,
        "linear",
        "cross_entropy",
        init=init,
        init_scale=scale,
        seed=seed,
    ).initialize()


def jacobian_norms(mlp: MLP) -> np.ndarray:
    """Spectral norms of the layer Jacobians for every sample of the last forward.

    Parameters
    ----------
    mlp : MLP
        A network on which :meth:`MLP.forward` (or a method that runs it) has
        been called.

    Returns
    -------
    ndarray of shape (n_samples, n_layers)
        :math:`\\lVert \\mathrm{diag}(\\sigma'(a^l_s)) W^l \\rVert_2` for sample
        ``s`` and layer ``l``.
    """
    norms = []
    for layer in mlp.layers_:
        if layer.A is None:
            raise ValueError(
                "jacobian_norms needs the cache of a forward pass, but forward has "
                "not been called: call mlp.forward(X) first."
            )
        slopes = layer.activation.derivative(layer.A)  # (n_samples, n_out)
        jacobians = slopes[:, :, None] * layer.W  # (n_samples, n_out, n_in)
        norms.append(np.linalg.svd(jacobians, compute_uv=False)[:, 0])
    return np.stack(norms, axis=1)


def _geometric_mean(values: np.ndarray, axis: int = 0) -> np.ndarray:
    with np.errstate(divide="ignore"):  # a dead layer has norm 0: log 0 = -inf
        return np.exp(np.mean(np.log(values), axis=axis))


def gradient_report(
    depth: int = 10,
    width: int = 64,
    activation: str | Activation = "sigmoid",
    init: str = "xavier",
    scale: float = 0.01,
    *,
    n_samples: int = 64,
    n_classes: int = 10,
    seed: int | None = 0,
    jacobians: bool = True,
) -> GradientReport:
    """Per-layer gradient norms and Jacobian norms of a fresh deep network.

    The network (:func:`deep_mlp`) sees one batch of ``n_samples`` inputs drawn
    from a standard normal law, with random labels, both from ``seed``.

    Parameters
    ----------
    depth, width, activation, init, scale
        As for :func:`deep_mlp`.
    n_samples : int, default 64
        Size of the batch.
    n_classes : int, default 10
    seed : int or None, default 0
        Seed of the weights and of the batch.
    jacobians : bool, default True
        Also compute the Jacobian norms: one singular value decomposition per
        sample and layer, which costs far more than the gradients when the
        layers are wide. With False, ``jacobian_norms`` and
        ``jacobian_products`` are None; the gradient norms are the same.

    Returns
    -------
    GradientReport

    Examples
    --------
    >>> r = gradient_report(depth=10, activation="sigmoid", init="xavier")
    >>> bool(r.grad_norms[0] < 1e-3 * r.grad_norms[-1])
    True
    """
    check_positive(n_samples, "n_samples", integer=True)
    mlp = deep_mlp(
        depth, width, activation, init, scale, n_classes=n_classes, seed=seed
    )
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, width))
    y = rng.integers(n_classes, size=n_samples)
    _, grads_W, _ = mlp.loss_and_gradients(X, y)
    per_layer = above = None
    if jacobians:
        per_layer = _geometric_mean(jacobian_norms(mlp))
        # prod_{i > l} ||J^i||: reversed cumulative product, shifted by one layer.
        above = np.append(np.cumprod(per_layer[:0:-1])[::-1], 1.0)
    return GradientReport(
        layer=np.arange(1, len(grads_W) + 1),
        grad_norms=np.array([np.linalg.norm(g) for g in grads_W]),
        jacobian_norms=per_layer,
        jacobian_products=above,
    )


#: The settings of :func:`gradient_report` that :func:`sweep` varies, with the
#: defaults of :func:`gradient_report`.
_SETTING_DEFAULTS = {"activation": "sigmoid", "init": "xavier", "scale": 0.01}


def _label(setting: Mapping) -> str:
    init = setting["init"]
    if init == "normal":
        init = f"normal({setting['scale']:g})"
    activation = setting["activation"]
    name = activation.name if isinstance(activation, Activation) else activation
    return f"{name}, {init}"


def sweep(
    settings: Sequence[Mapping],
    *,
    depth: int = 20,
    width: int = 64,
    n_samples: int = 64,
    n_classes: int = 10,
    seed: int | None = 0,
) -> Sweep:
    """:func:`gradient_report` for several settings of one architecture.

    Parameters
    ----------
    settings : sequence of dict
        Each with some of the keys ``"activation"``, ``"init"`` and ``"scale"``
        (the arguments of :func:`gradient_report`), e.g.
        ``[{"activation": "sigmoid", "init": "xavier"}, {"activation": "relu",
        "init": "he"}, {"activation": "relu", "init": "normal", "scale": 0.5}]``.
    depth, width, n_samples, n_classes, seed
        As for :func:`gradient_report`, shared by all settings.

    Returns
    -------
    Sweep
    """
    full_settings = []
    for setting in settings:
        unknown = set(setting) - set(_SETTING_DEFAULTS)
        if unknown:
            raise ValueError(
                f"each setting may only have the keys {sorted(_SETTING_DEFAULTS)}, "
                f"but got {sorted(unknown)}."
            )
        full_settings.append({**_SETTING_DEFAULTS, **setting})
    if not full_settings:
        raise ValueError("settings must hold at least one setting, but got none.")
    reports = [
        gradient_report(
            depth,
            width,
            **setting,
            n_samples=n_samples,
            n_classes=n_classes,
            seed=seed,
        )
        for setting in full_settings
    ]
    return Sweep(
        labels=[_label(setting) for setting in full_settings],
        layer=reports[0].layer,
        grad_norms=np.stack([r.grad_norms for r in reports]),
        jacobian_norms=np.stack([r.jacobian_norms for r in reports]),
        jacobian_products=np.stack([r.jacobian_products for r in reports]),
    )


def depth_sweep(
    depths: Sequence[int],
    *,
    width: int = 64,
    activation: str | Activation = "sigmoid",
    init: str = "xavier",
    scale: float = 0.01,
    n_samples: int = 64,
    n_classes: int = 10,
    seed: int | None = 0,
) -> DepthSweep:
    """Gradient norms of the first and last layer for networks of growing depth.

    Parameters
    ----------
    depths : sequence of int
        Numbers of hidden layers to try.
    width, activation, init, scale, n_samples, n_classes, seed
        As for :func:`gradient_report`.

    Returns
    -------
    DepthSweep
    """
    reports = [
        gradient_report(
            depth,
            width,
            activation,
            init,
            scale,
            n_samples=n_samples,
            n_classes=n_classes,
            seed=seed,
            jacobians=False,
        )
        for depth in depths
    ]
    return DepthSweep(
        depths=np.asarray(depths, dtype=np.int64),
        first_layer=np.array([r.grad_norms[0] for r in reports]),
        last_layer=np.array([r.grad_norms[-1] for r in reports]),
    )
