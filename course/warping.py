"""A layer seen as a map of the plane: how it bends a grid and moves a data set.

A dense layer with two inputs and two units sends every point :math:`x` of the
plane to

.. math:: h = g(W x + b),

first by an affine map (rotate, stretch, shear, shift) and then by the
activation :math:`g` applied to each coordinate. With ``g = relu`` every point
with a negative coordinate is pushed onto an axis, so the plane is folded onto
a quadrant; a data set that no line separates (circles, XOR) can become one that
a line separates in the new coordinates. With ``g = linear`` the grid stays a
grid of parallel lines: stacking such layers never bends anything.

:func:`grid_lines` samples the lines of a grid; :func:`warp` sends any array of
points through a :class:`course.layers.Dense` layer.
"""

from __future__ import annotations

import numpy as np

from course._validation import as_float_array, check_positive
from course.activations import Activation
from course.layers import Dense
from course.plane import check_limits

__all__ = ["grid_lines", "warp"]


def grid_lines(xlim, ylim, n_lines: int = 11, n_points: int = 50) -> np.ndarray:
    """Points along the vertical and the horizontal lines of a grid over a box.

    Parameters
    ----------
    xlim, ylim : (float, float)
        The box, ``low < high``.
    n_lines : int, default 11
        Lines in each direction (ends included), >= 2.
    n_points : int, default 50
        Points along each line, >= 2.

    Returns
    -------
    ndarray of shape (2 * n_lines, n_points, 2)
        The ``n_lines`` vertical lines (constant first coordinate) from left to
        right, then the horizontal ones from bottom to top.

    Examples
    --------
    >>> grid_lines((0, 1), (0, 1), n_lines=2, n_points=2)[:, :, 0].tolist()
    [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    """
    for value, name in ((n_lines, "n_lines"), (n_points, "n_points")):
        check_positive(value, name, integer=True)
        if value < 2:
            raise ValueError(f"{name} must be >= 2, but got {value}.")
    x0, x1 = check_limits(xlim, "xlim")
    y0, y1 = check_limits(ylim, "ylim")
    across_x = np.linspace(x0, x1, n_lines)
    across_y = np.linspace(y0, y1, n_lines)
    along_x = np.linspace(x0, x1, n_points)
    along_y = np.linspace(y0, y1, n_points)
    vertical = np.stack(np.broadcast_arrays(across_x[:, None], along_y), axis=-1)
    horizontal = np.stack(np.broadcast_arrays(along_x, across_y[:, None]), axis=-1)
    return np.concatenate([vertical, horizontal])


def warp(points, W, b, activation: str | Activation = "relu") -> np.ndarray:
    """Send points through the layer :math:`h = g(W x + b)`.

    Parameters
    ----------
    points : array_like of shape (..., n_in)
        Points along the last axis, e.g. a data set ``(n_samples, 2)`` or the
        lines of :func:`grid_lines`.
    W : array_like of shape (n_out, n_in)
    b : array_like of shape (n_out,)
    activation : str or Activation, default "relu"

    Returns
    -------
    ndarray of shape (..., n_out)

    Examples
    --------
    >>> warp([[1.0, -2.0]], np.eye(2), [0.0, 0.0]).tolist()
    [[1.0, 0.0]]
    """
    layer = Dense.from_weights(W, b, activation)
    points = as_float_array(points, "points", dtype=np.float64)
    if points.ndim == 0 or points.shape[-1] != layer.n_in:
        raise ValueError(
            f"points must have {layer.n_in} coordinates along the last axis (the "
            f"columns of W), but got an array of shape {points.shape}."
        )
    flat = points.reshape(-1, layer.n_in)
    return layer.forward(flat).reshape(*points.shape[:-1], layer.n_out)
