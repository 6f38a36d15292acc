"""Optimisation: gradient descent, mini-batches and the SGD optimiser.

Gradient descent looks for a minimum of a differentiable function ``f`` by
stepping against its gradient,

.. math:: x_{t+1} = x_t - \\eta \\, \\nabla f(x_t),

where the step size :math:`\\eta` is the learning rate ``lr``. It stops when
the function no longer decreases, i.e. when :math:`|f(x_{t+k}) - f(x_t)| <
\\epsilon` for a chosen ``k``, or after a fixed budget of steps.

For a training loss that averages over many samples, one step can use a
random mini-batch of the samples instead of all of them (stochastic gradient
descent); :func:`minibatches` produces the batches and :class:`SGD` applies
the update, with optional momentum and L2 weight decay, to a list of
parameter arrays in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from course._validation import as_float_array, check_positive

__all__ = [
    "DIVERGENCE_FACTOR",
    "GradientDescentResult",
    "gradient_descent",
    "minibatches",
    "SGD",
]

#: Gradient descent is flagged as diverged once ``|f(x_t)|`` exceeds
#: ``DIVERGENCE_FACTOR * (1 + |f(x_0)|)``, long before floats overflow.
DIVERGENCE_FACTOR = 1e10


@dataclass(frozen=True)
class GradientDescentResult:
    """Outcome of :func:`gradient_descent`.

    Attributes
    ----------
    x : ndarray of the shape of ``x0``
        The last point reached, :math:`x_{n\\_steps}`.
    trajectory : ndarray of shape (n_steps + 1, *x0.shape)
        Every point visited, starting with ``x0``. With
        ``keep_trajectory=False`` only the first and the last point are kept
        (shape ``(2, *x0.shape)``).
    values : ndarray of shape (n_steps + 1,)
        :math:`f(x_t)` for every step ``t``.
    converged : bool
        True if the stopping rule :math:`|f(x_{t+k}) - f(x_t)| < \\epsilon`
        ended the run.
    diverged : bool
        True if the run stopped because a value or a point became non-finite
        or :math:`|f(x_t)|` exceeded ``DIVERGENCE_FACTOR * (1 + |f(x_0)|)``
        (typically a learning rate that is too large).
    n_steps : int
        Number of updates made.
    """

    x: np.ndarray
    trajectory: np.ndarray
    values: np.ndarray
    converged: bool
    diverged: bool
    n_steps: int


def _check_callable(fn, name: str) -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be callable, but got {type(fn).__name__}.")


def _value(f: Callable, x: np.ndarray) -> float:
    value = np.asarray(f(x))
    if value.ndim != 0:
        raise ValueError(
            f"f must return a scalar, but it returned an array of shape {value.shape}."
        )
    return float(value)


def _gradient(grad: Callable, x: np.ndarray) -> np.ndarray:
    g = np.asarray(grad(x))
    if g.shape != x.shape:
        raise ValueError(
            f"grad must return an array shaped like x {x.shape}, but it returned "
            f"an array of shape {g.shape}."
        )
    return g


def gradient_descent(
    f: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x0,
    lr: float,
    *,
    eps: float = 1e-6,
    k: int = 1,
    max_steps: int = 1000,
    keep_trajectory: bool = True,
) -> GradientDescentResult:
    """Minimise ``f`` by gradient descent from ``x0``.

    Repeats :math:`x_{t+1} = x_t - \\eta \\nabla f(x_t)` and stops at the
    first step ``t + k`` with

    .. math:: |f(x_{t+k}) - f(x_t)| < \\epsilon,

    after ``max_steps`` updates, or as soon as the run diverges (a non-finite
    value or point, or :math:`|f(x_t)| > 10^{10} (1 + |f(x_0)|)`), whichever
    comes first. Floating-point overflow during a diverging run is not
    reported as a warning: it is what ``diverged`` records.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, the function to minimise.
    grad : callable
        ``grad(x) -> ndarray`` shaped like ``x``, the gradient of ``f``.
    x0 : float or array_like of any shape
        Starting point (not modified). Its floating dtype is kept.
    lr : float
        Learning rate (step size) :math:`\\eta > 0`.
    eps : float, default 1e-6
        Tolerance :math:`\\epsilon > 0` of the stopping rule.
    k : int, default 1
        Look-back of the stopping rule: compare :math:`f(x_{t+k})` with
        :math:`f(x_t)`.
    max_steps : int, default 1000
        Largest number of updates.
    keep_trajectory : bool, default True
        Keep every point visited. Set to False for large parameter arrays
        (model weights): only ``x0`` and the last point are then stored.

    Returns
    -------
    GradientDescentResult
        ``x``, ``trajectory``, ``values``, ``converged``, ``diverged``,
        ``n_steps``.

    Examples
    --------
    The seeds' example :math:`f(x, y) = x^2 - 4x + y^2 + 2y`, with gradient
    field :math:`(2x - 4, 2y + 2)` and minimum at :math:`(2, -1)`:

    >>> f = lambda p: p[0] ** 2 - 4 * p[0] + p[1] ** 2 + 2 * p[1]
    >>> grad = lambda p: np.array([2 * p[0] - 4, 2 * p[1] + 2])
    >>> res = gradient_descent(f, grad, [0.0, 0.0], lr=0.1, eps=1e-12)
    >>> np.round(res.x, 4), res.converged
    (array([ 2., -1.]), True)
    """
    _check_callable(f, "f")
    _check_callable(grad, "grad")
    x = as_float_array(x0, "x0").copy()
    if x.size == 0:
        raise ValueError("x0 must contain at least one value, but got an empty array.")
    check_positive(lr, "lr")
    check_positive(eps, "eps")
    check_positive(k, "k", integer=True)
    check_positive(max_steps, "max_steps", integer=True)

    fx = _value(f, x)
    if not np.isfinite(fx):
        raise ValueError(f"f(x0) must be finite, but got {fx}.")
    limit = DIVERGENCE_FACTOR * (1.0 + abs(fx))
    values = [fx]
    points = [x]
    converged = diverged = False
    n_steps = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, max_steps + 1):
            x = x - lr * _gradient(grad, x)
            fx = _value(f, x)
            values.append(fx)
            if keep_trajectory or step == 1:
                points.append(x)
            else:
                points[1] = x
            n_steps = step
            if not (np.isfinite(fx) and np.isfinite(x).all()) or abs(fx) > limit:
                diverged = True
                break
            if step >= k and abs(fx - values[step - k]) < eps:
                converged = True
                break
    return GradientDescentResult(
        x=x,
        trajectory=np.stack(points),
        values=np.asarray(values),
        converged=converged,
        diverged=diverged,
        n_steps=n_steps,
    )


def minibatches(
    n_samples: int,
    batch_size: int,
    *,
    shuffle: bool = True,
    seed: int | np.random.Generator | None = None,
) -> Iterator[np.ndarray]:
    """Split ``range(n_samples)`` into mini-batches of indices for one epoch.

    Parameters
    ----------
    n_samples : int
        Number of samples in the data set.
    batch_size : int
        Number of indices per batch. The last batch holds the remaining
        ``n_samples % batch_size`` indices when the division is not exact.
    shuffle : bool, default True
        Visit the samples in a random order (drawn from ``seed``); otherwise
        in order ``0, 1, ..., n_samples - 1``.
    seed : int, numpy Generator or None
        Seed of ``np.random.default_rng``. Pass one Generator for every epoch
        to get a different, still reproducible, order each epoch.

    Returns
    -------
    iterator of ndarray of int
        ``ceil(n_samples / batch_size)`` index arrays that together hold each
        index exactly once.

    Examples
    --------
    >>> [b.tolist() for b in minibatches(5, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    check_positive(n_samples, "n_samples", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    if shuffle:
        order = np.random.default_rng(seed).permutation(n_samples)
    else:
        order = np.arange(n_samples)
    return (order[i : i + batch_size] for i in range(0, n_samples, batch_size))


class SGD:
    """Stochastic gradient descent with momentum and L2 weight decay.

    For each parameter array ``p`` with gradient ``g`` (of the mini-batch
    loss), one :meth:`step` does

    .. math::

        g' = g + \\lambda p \\quad (\\text{only if } p \\text{ is a weight
        matrix, } p.ndim \\ge 2)

        v \\leftarrow \\mu v - \\eta g', \\qquad p \\leftarrow p + v

    (classical momentum). With ``momentum=0`` this is plain
    :math:`p \\leftarrow p - \\eta g'`. Weight decay is the gradient of the
    penalty :math:`\\frac{\\lambda}{2}\\lVert W \\rVert^2`; biases (1-D arrays)
    are not decayed.

    Parameters
    ----------
    lr : float, default 0.1
        Learning rate :math:`\\eta > 0`.
    momentum : float, default 0.0
        Momentum coefficient :math:`\\mu`, with :math:`0 \\le \\mu < 1`.
    weight_decay : float, default 0.0
        L2 coefficient :math:`\\lambda \\ge 0`.

    Notes
    -----
    The update runs in place, in the dtype of each parameter (float32 stays
    float32), and reuses one scratch buffer per parameter so that a step
    allocates no new arrays. Velocities are kept per position in the
    ``params`` list: call :meth:`reset` before optimising other parameters.
    """

    def __init__(
        self, lr: float = 0.1, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        check_positive(lr, "lr")
        check_positive(momentum, "momentum", strict=False)
        if momentum >= 1:
            raise ValueError(f"momentum must be < 1, but got {momentum!r}.")
        check_positive(weight_decay, "weight_decay", strict=False)
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self._velocities: list[np.ndarray] | None = None
        self._buffers: list[np.ndarray] | None = None

    def reset(self) -> None:
        """Forget the velocities (and scratch buffers) of earlier steps."""
        self._velocities = None
        self._buffers = None

    def _check(self, params: list, grads: list) -> None:
        if len(params) != len(grads):
            raise ValueError(
                "params and grads must have the same length, but got "
                f"{len(params)} params and {len(grads)} grads."
            )
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                got = (
                    f"an ndarray of dtype {p.dtype}"
                    if isinstance(p, np.ndarray)
                    else type(p).__name__
                )
                raise TypeError(
                    f"params[{i}] must be a floating-point ndarray (updated in "
                    f"place), but got {got}."
                )
            if np.shape(g) != p.shape:
                raise ValueError(
                    f"grads[{i}] must have the shape of params[{i}] {p.shape}, but "
                    f"got shape {np.shape(g)}."
                )
        if self._buffers is not None:
            if len(self._buffers) != len(params) or any(
                b.shape != p.shape for b, p in zip(self._buffers, params, strict=True)
            ):
                raise ValueError(
                    "params do not match the arrays of earlier steps (number or "
                    "shapes differ): call reset() before optimising new parameters."
                )

    def step(self, params: Sequence[np.ndarray], grads: Sequence) -> None:
        """Update every array of ``params`` in place from its gradient.

        Parameters
        ----------
        params : sequence of ndarray
            Parameter arrays (weights with ``ndim >= 2``, biases 1-D),
            modified in place.
        grads : sequence of array_like
            Gradients of the loss, one per parameter and of the same shape.
        """
        params = list(params)
        grads = list(grads)
        self._check(params, grads)
        if self._buffers is None:
            self._buffers = [np.empty_like(p) for p in params]
            if self.momentum:
                self._velocities = [np.zeros_like(p) for p in params]
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            buf = self._buffers[i]
            if self.weight_decay and p.ndim >= 2:
                np.multiply(p, self.weight_decay, out=buf)
                buf += g
                g = buf
            np.multiply(g, self.lr, out=buf)
            if self.momentum:
                v = self._velocities[i]
                v *= self.momentum
                v -= buf
                p += v
            else:
                p -= buf
