"""Example functions of the lectures: objectives to descend and targets to approximate.

Objectives (:data:`OBJECTIVES`) come with their gradient, a box in which to
draw them, a starting point and their minima, ready for
:func:`course.optim.gradient_descent`:

- ``"x^2"``: the simplest bowl, :math:`f(x) = x^2`, :math:`f'(x) = 2x`. A step
  maps :math:`x` to :math:`(1 - 2\\eta) x`, so gradient descent converges for
  :math:`0 < \\eta < 1` and diverges for :math:`\\eta > 1`;
- ``"double well"``: :math:`f(x) = x^4 - 3x^2 + x`, with a global minimum near
  :math:`x = -1.30` and a local one near :math:`x = 1.13` where descent from
  the right gets stuck;
- ``"x^2 - 4x + y^2 + 2y"``: the lectures' bowl, gradient
  :math:`(2x - 4, 2y + 2)`, minimum at :math:`(2, -1)`; like ``x^2`` it
  diverges for :math:`\\eta > 1`;
- ``"x^2 + 10y^2"``: a narrow valley, where a learning rate small enough for
  the steep direction (:math:`\\eta < 0.1`) crawls along the flat one;
- ``"(x^2 - 1)^2 + y^2"``: two minima, :math:`(\\pm 1, 0)`; the start decides
  which one is found.

Functions of one variable take ``x`` of any shape; functions of two take
``x`` with a last axis of length 2 (one point ``(2,)`` or a grid
``(..., 2)``) and return the values over the other axes.

Targets (:data:`TARGETS`) are functions on an interval for
:mod:`course.approximation`: smooth, with a kink, and with a jump (which no sum
of continuous steps approximates uniformly).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = ["Objective", "OBJECTIVES", "Target", "TARGETS"]


class Objective(NamedTuple):
    """A function to minimise, with what is needed to draw and descend it.

    Attributes
    ----------
    name : str
    f : callable
        ``f(x) -> ndarray``; see the module docstring for the shapes.
    grad : callable
        ``grad(x) -> ndarray`` shaped like ``x``.
    n_dims : int
        1 or 2.
    box : tuple of (float, float)
        Range of each variable to draw, one pair per dimension.
    x0 : tuple of float
        A starting point that shows the function's lesson.
    minima : tuple of tuple of float
        Local minima (global first).
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    n_dims: int
    box: tuple[tuple[float, float], ...]
    x0: tuple[float, ...]
    minima: tuple[tuple[float, ...], ...]


def _square(x):
    return np.square(x)


def _square_grad(x):
    return 2.0 * np.asarray(x)


def _double_well(x):
    x = np.asarray(x)
    return x**4 - 3.0 * x**2 + x


def _double_well_grad(x):
    x = np.asarray(x)
    return 4.0 * x**3 - 6.0 * x + 1.0


def _bowl(x):
    x = np.asarray(x)
    return x[..., 0] ** 2 - 4.0 * x[..., 0] + x[..., 1] ** 2 + 2.0 * x[..., 1]


def _bowl_grad(x):
    x = np.asarray(x)
    return np.stack([2.0 * x[..., 0] - 4.0, 2.0 * x[..., 1] + 2.0], axis=-1)


def _valley(x):
    x = np.asarray(x)
    return x[..., 0] ** 2 + 10.0 * x[..., 1] ** 2


def _valley_grad(x):
    x = np.asarray(x)
    return np.stack([2.0 * x[..., 0], 20.0 * x[..., 1]], axis=-1)


def _two_minima(x):
    x = np.asarray(x)
    return (x[..., 0] ** 2 - 1.0) ** 2 + x[..., 1] ** 2


def _two_minima_grad(x):
    x = np.asarray(x)
    return np.stack(
        [4.0 * x[..., 0] * (x[..., 0] ** 2 - 1.0), 2.0 * x[..., 1]], axis=-1
    )


def _double_well_minima() -> tuple[tuple[float], ...]:
    roots = np.roots([4.0, 0.0, -6.0, 1.0])  # f'(x) = 0
    real = np.sort(roots.real[np.abs(roots.imag) < 1e-12])
    return ((float(real[0]),), (float(real[2]),))  # the middle root is a maximum


#: The objectives by name (see the module docstring).
OBJECTIVES: dict[str, Objective] = {
    obj.name: obj
    for obj in (
        Objective("x^2", _square, _square_grad, 1, ((-3.0, 3.0),), (2.5,), ((0.0,),)),
        Objective(
            "double well",
            _double_well,
            _double_well_grad,
            1,
            ((-2.2, 2.2),),
            (2.0,),
            _double_well_minima(),
        ),
        Objective(
            "x^2 - 4x + y^2 + 2y",
            _bowl,
            _bowl_grad,
            2,
            ((-2.0, 6.0), (-5.0, 3.0)),
            (-1.0, 2.0),
            ((2.0, -1.0),),
        ),
        Objective(
            "x^2 + 10y^2",
            _valley,
            _valley_grad,
            2,
            ((-4.0, 4.0), (-2.0, 2.0)),
            (-3.5, 1.5),
            ((0.0, 0.0),),
        ),
        Objective(
            "(x^2 - 1)^2 + y^2",
            _two_minima,
            _two_minima_grad,
            2,
            ((-2.0, 2.0), (-2.0, 2.0)),
            (0.1, 1.5),
            ((1.0, 0.0), (-1.0, 0.0)),
        ),
    )
}


class Target(NamedTuple):
    """A function of one variable to approximate on an interval.

    Attributes
    ----------
    name : str
    f : callable
        Vectorised ``f(x) -> ndarray`` of the shape of ``x``.
    interval : (float, float)
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    interval: tuple[float, float]


def _gaussian_bump(x):
    return np.exp(-np.square(x))


def _jump(x):
    return np.where(np.asarray(x) >= 0.0, 1.0, 0.0)


def _wiggle(x):
    x = np.asarray(x)
    return x * np.sin(5.0 * x)


#: The targets by name: smooth (``sin``, ``bump``, ``x sin 5x``), with a kink
#: (``|x|``) and with a jump (``jump``).
TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("sin", np.sin, (0.0, 2.0 * np.pi)),
        Target("bump", _gaussian_bump, (-3.0, 3.0)),
        Target("x sin 5x", _wiggle, (0.0, np.pi)),
        Target("|x|", np.abs, (-1.0, 1.0)),
        Target("jump", _jump, (-1.0, 1.0)),
    )
}
