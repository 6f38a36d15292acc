"""Central-difference gradient checking.

Every backward pass in the course is compared against the slope of the forward
pass measured numerically. For a scalar function :math:`f` of an array
:math:`x`, the central difference along coordinate :math:`i` is

.. math::

    \\frac{\\partial f}{\\partial x_i} \\approx
    \\frac{f(x + h e_i) - f(x - h e_i)}{2h},

whose error is :math:`O(h^2)`, against :math:`O(h)` for a one-sided difference.
With ``h = 1e-5`` in float64 the two errors (truncation, about
:math:`h^2 |f'''| / 6`, and rounding, about :math:`\\epsilon |f| / h`) are both
near ``1e-10``, so an analytic gradient that agrees to a relative error of
``1e-7`` is almost certainly right. Run the checks in float64: in float32 the
rounding error alone is about ``1e-2``.

The relative error is the one of the Stanford CS231n assignments: elementwise
:math:`|a - b| / \\max(10^{-8}, |a| + |b|)`, then the maximum over entries.
Because it is elementwise, a check should use inputs where no entry of the true
gradient is tiny but nonzero (say below ``1e-6``), and inputs away from kinks
such as ``z = 0`` for ReLU.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course._validation import as_float_array, check_positive

__all__ = ["numerical_gradient", "numerical_vjp", "rel_error", "check_gradient"]


def _scalar(value, h_sign: str) -> float:
    """Return ``value`` as a float, or raise if ``f`` did not return a scalar."""
    arr = np.asarray(value)
    if arr.ndim != 0 or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(
            "f must return a scalar number, but at x "
            f"{h_sign} h it returned {type(value).__name__} of shape {arr.shape}."
        )
    return float(arr)


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Gradient of a scalar function by central differences.

    Each entry of ``x`` is moved by ``+h`` and ``-h`` in turn, in place, and put
    back afterwards (also if ``f`` raises), so ``f`` may close over ``x`` or over
    arrays that share its memory, such as the weights of a model.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``: the function to differentiate; it must return a
        scalar (a Python or numpy number, or a 0-d array).
    x : ndarray of any shape
        Point at which to differentiate. A floating ndarray is perturbed in
        place; anything else (a list, an integer array) is first copied to a new
        float64 array.
    h : float, default=1e-5
        Step of the central difference.

    Returns
    -------
    grad : ndarray of the shape and dtype of ``x``
        ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)``.

    Raises
    ------
    ValueError
        If ``x`` holds NaN or infinity, if ``h <= 0`` or if ``f`` does not return
        a scalar.
    """
    check_positive(h, "h")
    if not (isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)):
        x = as_float_array(x, "x", dtype=np.float64).copy()
    else:
        as_float_array(x, "x")  # finiteness check only; x itself is perturbed
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + h
            f_plus = _scalar(f(x), "+")
            x[index] = original - h
            f_minus = _scalar(f(x), "-")
        finally:
            x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_vjp(
    f: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    upstream: np.ndarray,
    h: float = 1e-5,
) -> np.ndarray:
    """Vector-Jacobian product of an array-valued function by central differences.

    The backward pass of an operation ``y = f(x)`` receives ``upstream = dL/dy``
    and returns ``dL/dx = J^T upstream``, where ``J`` is the Jacobian of ``f``.
    That product is the gradient of the scalar ``sum(f(x) * upstream)``, which
    is what this function differentiates numerically.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray``.
    x : ndarray of any shape
        Point at which to differentiate (perturbed in place, see
        :func:`numerical_gradient`).
    upstream : array_like of the shape of ``f(x)``
        Gradient of some loss with respect to the output of ``f``.
    h : float, default=1e-5
        Step of the central difference.

    Returns
    -------
    vjp : ndarray of the shape of ``x``

    Raises
    ------
    ValueError
        If ``upstream`` does not have the shape of ``f(x)`` (no broadcasting:
        a shape mismatch is almost always a bug in the caller).
    """
    upstream = as_float_array(upstream, "upstream")

    def weighted_sum(x_: np.ndarray) -> float:
        y = np.asarray(f(x_))
        if y.shape != upstream.shape:
            raise ValueError(
                f"upstream must have the shape of f(x), {y.shape}, but got "
                f"shape {upstream.shape}."
            )
        return float(np.sum(y * upstream))

    return numerical_gradient(weighted_sum, x, h)


def rel_error(a, b) -> float:
    """Largest elementwise relative error between two arrays (CS231n).

    .. math::

        \\max_i \\frac{|a_i - b_i|}{\\max(10^{-8}, |a_i| + |b_i|)}

    Parameters
    ----------
    a, b : array_like of the same shape

    Returns
    -------
    float
        0 for identical arrays, at most 1; values below ``1e-7`` mean that two
        gradients agree.

    Raises
    ------
    ValueError
        If the shapes differ, or if an input is empty or not finite.
    """
    a = as_float_array(a, "a")
    b = as_float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must have the same shape, but got {a.shape} and {b.shape}."
        )
    if a.size == 0:
        raise ValueError("a and b must not be empty, but got arrays of size 0.")
    # Widen float32 to float64 so that |a| + |b| cannot overflow.
    a = a.astype(np.float64, copy=False)
    b = b.astype(np.float64, copy=False)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def check_gradient(
    f: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x,
    h: float = 1e-5,
) -> float:
    """Relative error between an analytic gradient and a numerical one.

    ``x`` is copied to float64 first, so the caller's array is never touched.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    grad : callable
        ``grad(x) -> ndarray of the shape of x``: the analytic gradient of ``f``.
    x : array_like
        Point at which to compare.
    h : float, default=1e-5
        Step of the central difference.

    Returns
    -------
    float
        ``rel_error(grad(x), numerical_gradient(f, x, h))``; a correct gradient
        gives about ``1e-9`` or less on smooth functions.

    Examples
    --------
    >>> import numpy as np
    >>> from course.gradcheck import check_gradient
    >>> x = np.array([0.5, -1.0, 2.0])
    >>> check_gradient(lambda v: np.sum(v**3), lambda v: 3 * v**2, x) < 1e-7
    True
    """
    x = as_float_array(x, "x", dtype=np.float64).copy()
    # A copy, in case grad returns a view of x (which is perturbed below).
    analytic = as_float_array(grad(x), "grad(x)", dtype=np.float64).copy()
    if analytic.shape != x.shape:
        raise ValueError(
            f"grad(x) must have the shape of x, {x.shape}, but got shape "
            f"{analytic.shape}."
        )
    return rel_error(analytic, numerical_gradient(f, x, h))
