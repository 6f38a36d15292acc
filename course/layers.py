"""The dense (fully connected) layer: forward pass, backward pass, initialisation.

A dense layer maps the outputs ``z`` of the previous layer to

.. math:: a = W z + b, \\qquad z_{out} = \\sigma(a),

with ``W`` of shape ``(n_out, n_in)``, ``b`` of shape ``(n_out,)`` and an
elementwise activation :math:`\\sigma`. On a batch whose samples are the rows of
``Z_prev`` (shape ``(n_samples, n_in)``) the same computation reads

.. math:: A = Z_{prev} W^T + b, \\qquad Z = \\sigma(A).

Backward pass (the seeds' algorithm, one row per sample): given the upstream
gradient :math:`dZ = \\partial L / \\partial Z`,

.. math::

    \\delta = dZ \\odot \\sigma'(A), \\qquad
    \\frac{\\partial L}{\\partial W} = \\delta^T Z_{prev}, \\qquad
    \\frac{\\partial L}{\\partial b} = \\sum_{i} \\delta_{i}, \\qquad
    \\frac{\\partial L}{\\partial Z_{prev}} = \\delta W.

The sums over the batch inside :math:`\\delta^T Z_{prev}` and
:math:`\\sum_i \\delta_i` add the contributions of the samples. The average over
the batch is *not* taken here: it comes with the upstream gradient, because the
gradient of a mean loss :math:`L = \\frac{1}{n} \\sum_i \\ell_i` already carries
the factor :math:`1/n` (for example :math:`(\\mathrm{softmax}(A) - Y) / n` for
cross-entropy).
"""

from __future__ import annotations

import numpy as np

from course._validation import as_float_array, check_dtype, check_positive
from course.activations import Activation, get_activation

__all__ = ["INITS", "Dense", "init_weights"]

#: Names accepted by :func:`init_weights` (``"glorot"`` is ``"xavier"``).
INITS = ("normal", "xavier", "glorot", "he")


def init_weights(
    n_in: int,
    n_out: int,
    init: str = "he",
    *,
    scale: float = 0.01,
    seed: int | np.random.Generator | None = None,
    dtype=np.float64,
) -> np.ndarray:
    """Draw a weight matrix of shape ``(n_out, n_in)`` from a centred normal law.

    =====================  =============================================
    ``init``               standard deviation of each weight
    =====================  =============================================
    ``"normal"``           ``scale``
    ``"xavier"/"glorot"``  :math:`\\sqrt{2 / (n_{in} + n_{out})}`
    ``"he"``               :math:`\\sqrt{2 / n_{in}}`
    =====================  =============================================

    Xavier (Glorot) keeps the variance of the signal about constant through
    layers with a roughly linear activation around 0 (tanh, sigmoid); He
    compensates for ReLU zeroing half of its inputs.

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out of the layer.
    init : {"normal", "xavier", "glorot", "he"}
        Initialisation scheme.
    scale : float, default 0.01
        Standard deviation for ``init="normal"`` (ignored otherwise).
    seed : int, numpy Generator or None
        Source of randomness (``np.random.default_rng(seed)``).
    dtype : float32 or float64
        dtype of the result. The draws are made in float64 and rounded, so the
        same seed gives the same network in both precisions.

    Returns
    -------
    W : ndarray of shape (n_out, n_in)
    """
    check_positive(n_in, "n_in", integer=True)
    check_positive(n_out, "n_out", integer=True)
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, but got {init!r}.")
    if init == "normal":
        std = check_positive(scale, "scale")
    elif init == "he":
        std = np.sqrt(2.0 / n_in)
    else:
        std = np.sqrt(2.0 / (n_in + n_out))
    rng = np.random.default_rng(seed)
    W = std * rng.standard_normal((n_out, n_in))
    return W.astype(check_dtype(dtype), copy=False)


class Dense:
    """A fully connected layer :math:`Z = \\sigma(Z_{prev} W^T + b)`.

    Parameters
    ----------
    n_in : int
        Number of inputs (units of the previous layer).
    n_out : int
        Number of units of this layer.
    activation : str or Activation, default "linear"
        Elementwise activation :math:`\\sigma` (see
        :data:`course.activations.ACTIVATIONS`).
    init : {"he", "xavier", "glorot", "normal"}, default "he"
        Weight initialisation (see :func:`init_weights`); biases start at 0.
    scale : float, default 0.01
        Standard deviation of the weights when ``init="normal"``.
    seed : int, numpy Generator or None
        Source of randomness of the initial weights.
    dtype : float32 or float64, default float64
        dtype of the parameters, the activations and the gradients.

    Attributes
    ----------
    W : ndarray of shape (n_out, n_in)
        Weights; row ``j`` holds the incoming weights of unit ``j``.
    b : ndarray of shape (n_out,)
        Biases.
    activation : Activation
        The activation and its derivative.
    Z_prev, A, Z : ndarray or None
        Cache of the last :meth:`forward`: input ``(n_samples, n_in)``,
        pre-activation and output ``(n_samples, n_out)``.

    Examples
    --------
    >>> layer = Dense(3, 2, "relu", seed=0)
    >>> Z = layer.forward(np.ones((4, 3)))
    >>> dW, db, dZ_prev = layer.backward(np.ones((4, 2)) / 4)
    >>> Z.shape, dW.shape, db.shape, dZ_prev.shape
    ((4, 2), (2, 3), (2,), (4, 3))
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: str | Activation = "linear",
        *,
        init: str = "he",
        scale: float = 0.01,
        seed: int | np.random.Generator | None = None,
        dtype=np.float64,
    ) -> None:
        self.activation = get_activation(activation)
        self.W = init_weights(n_in, n_out, init, scale=scale, seed=seed, dtype=dtype)
        self.b = np.zeros(n_out, dtype=self.W.dtype)
        self.Z_prev: np.ndarray | None = None
        self.A: np.ndarray | None = None
        self.Z: np.ndarray | None = None

    @classmethod
    def from_weights(
        cls, W, b, activation: str | Activation = "linear", *, dtype=np.float64
    ) -> Dense:
        """Build a layer with given parameters (copied).

        Parameters
        ----------
        W : array_like of shape (n_out, n_in)
        b : array_like of shape (n_out,)
        activation : str or Activation, default "linear"
        dtype : float32 or float64, default float64
        """
        dtype = check_dtype(dtype)
        W = as_float_array(W, "W", ndim=2, dtype=dtype)
        b = as_float_array(b, "b", ndim=1, dtype=dtype)
        if b.shape[0] != W.shape[0]:
            raise ValueError(
                f"b must have one entry per row of W ({W.shape[0]}), but got "
                f"shape {b.shape}."
            )
        layer = cls.__new__(cls)
        layer.activation = get_activation(activation)
        layer.W = W.copy()
        layer.b = b.copy()
        layer.Z_prev = layer.A = layer.Z = None
        return layer

    @property
    def n_in(self) -> int:
        """Number of inputs."""
        return self.W.shape[1]

    @property
    def n_out(self) -> int:
        """Number of units."""
        return self.W.shape[0]

    @property
    def params(self) -> list[np.ndarray]:
        """``[W, b]``, the arrays an optimiser updates in place."""
        return [self.W, self.b]

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out}, {self.activation.name!r})"

    def forward(self, Z_prev) -> np.ndarray:
        """Compute :math:`Z = \\sigma(Z_{prev} W^T + b)` and cache the inputs.

        Parameters
        ----------
        Z_prev : array_like of shape (n_samples, n_in)
            Outputs of the previous layer (or the inputs ``X``), one row per
            sample. Converted to the layer's dtype.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_out)
        """
        Z_prev = np.asarray(Z_prev, dtype=self.W.dtype)
        if Z_prev.ndim != 2 or Z_prev.shape[1] != self.n_in:
            raise ValueError(
                f"Z_prev must have shape (n_samples, {self.n_in}), but got an array "
                f"of shape {Z_prev.shape}."
            )
        A = Z_prev @ self.W.T
        A += self.b
        self.Z_prev, self.A = Z_prev, A
        self.Z = self.activation.fn(A)
        return self.Z

    def _check_cache(self, grad: np.ndarray, name: str) -> None:
        if self.A is None:
            raise ValueError(
                "backward needs the cache of a forward pass, but forward has not "
                "been called: call forward(Z_prev) first."
            )
        if grad.shape != self.A.shape:
            raise ValueError(
                f"{name} must have the shape of the layer output {self.A.shape}, "
                f"but got shape {grad.shape}."
            )

    def backward(
        self, dZ, *, input_grad: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Backpropagate the gradient of the loss through the layer.

        Parameters
        ----------
        dZ : array_like of shape (n_samples, n_out)
            :math:`\\partial L / \\partial Z`, gradient of the loss with respect
            to this layer's output (for a mean loss it includes the ``1/n``).
        input_grad : bool, default True
            Also compute :math:`\\partial L / \\partial Z_{prev}`. The first layer
            of a network does not need it (the inputs are not learned), which
            saves the largest matrix product of its backward pass.

        Returns
        -------
        dW : ndarray of shape (n_out, n_in)
            :math:`\\delta^T Z_{prev}`.
        db : ndarray of shape (n_out,)
            :math:`\\sum_i \\delta_i`.
        dZ_prev : ndarray of shape (n_samples, n_in) or None
            :math:`\\delta W` (None when ``input_grad`` is False).

        Notes
        -----
        :math:`\\delta = dZ \\odot \\sigma'(A)` (for a linear activation
        :math:`\\delta = dZ`, without a multiplication by ones).
        """
        dZ = np.asarray(dZ, dtype=self.W.dtype)
        self._check_cache(dZ, "dZ")
        if self.activation.name == "linear":
            return self.backward_affine(dZ, input_grad=input_grad)
        delta = dZ * self.activation.derivative(self.A)
        return self.backward_affine(delta, input_grad=input_grad)

    def backward_affine(
        self, dA, *, input_grad: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Backpropagate :math:`\\delta = \\partial L / \\partial A` through
        :math:`A = Z_{prev} W^T + b` only.

        Use it when :math:`\\delta` is known directly, e.g. the fused gradient
        :math:`(\\mathrm{softmax}(A) - Y)/n` of softmax and cross-entropy.

        Parameters
        ----------
        dA : array_like of shape (n_samples, n_out)
            :math:`\\delta`, gradient of the loss with respect to the
            pre-activation.
        input_grad : bool, default True
            Also compute :math:`\\partial L / \\partial Z_{prev} = \\delta W`.

        Returns
        -------
        dW, db, dZ_prev
            As for :meth:`backward`.
        """
        delta = np.asarray(dA, dtype=self.W.dtype)
        self._check_cache(delta, "dA")
        dW = delta.T @ self.Z_prev
        db = delta.sum(axis=0)
        dZ_prev = delta @ self.W if input_grad else None
        return dW, db, dZ_prev
