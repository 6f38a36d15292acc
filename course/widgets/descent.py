"""Gradient descent explorers in one and two dimensions.

In a notebook::

    from course.widgets import GradientDescent1DExplorer, GradientDescent2DExplorer
    GradientDescent1DExplorer()            # f(x) = x^2; try lr > 1
    GradientDescent2DExplorer()            # f = x^2 - 4x + y^2 + 2y

Both run :func:`course.optim.gradient_descent` on an objective of
:data:`course.examples.OBJECTIVES` with the chosen learning rate, start and
number of steps, and draw the trajectory over the function (its curve in 1-D,
its contour bands in 2-D). The right panel shows :math:`f(x_t) - f_{min}` on a log
scale: a straight descending line is the geometric convergence of a good
learning rate, a rising one is divergence (the title then says so).
"""

from __future__ import annotations

import matplotlib
import numpy as np

from course.examples import OBJECTIVES, Objective
from course.optim import gradient_descent
from course.plane import pixel_grid
from course.widgets._base import (
    Explorer,
    dropdown,
    float_slider,
    int_slider,
    log_slider,
)

__all__ = ["GradientDescent1DExplorer", "GradientDescent2DExplorer"]

#: A colour map of 16 flat bands: their edges are the contour lines of f.
_BANDS = matplotlib.colormaps["viridis"].resampled(16)
#: Gaps below this are drawn at this level on the log axis (the minimum itself).
_FLOOR = 1e-16


def _objectives(n_dims: int) -> list[str]:
    return [name for name, obj in OBJECTIVES.items() if obj.n_dims == n_dims]


def _check_objective(name: str, n_dims: int) -> Objective:
    names = _objectives(n_dims)
    if name not in names:
        raise ValueError(
            f"objective must be one of {names} (functions of {n_dims} variable(s)), "
            f"but got {name!r}."
        )
    return OBJECTIVES[name]


class _DescentExplorer(Explorer):
    """Shared part: controls, the gap panel and the status in the title."""

    n_dims: int

    def __init__(self, objective: str, lr: float, x0, n_steps: int) -> None:
        self.objective = _check_objective(objective, self.n_dims)
        super().__init__(figsize=(9.5, 4))
        self._ax, self._ax_gap = self.fig.subplots(1, 2, width_ratios=[3, 2])
        (self._gap,) = self._ax_gap.semilogy([], [], "o-", ms=3, color="C3")
        self._ax_gap.set_xlabel("step t")
        self._ax_gap.set_ylabel("$f(x_t) - f_{min}$")
        self._draw_objective()
        self._add_control(
            "objective",
            dropdown("objective", _objectives(self.n_dims), objective),
            self._on_objective,
        )
        self._add_control("lr", log_slider("learning rate", lr, 1e-3, 3.0), self._run)
        self._add_control("n_steps", int_slider("steps", n_steps, 1, 100), self._run)
        start = self.objective.x0 if x0 is None else np.atleast_1d(x0)
        for k, name in enumerate(self._start_names()):
            (lo, hi), value = self.objective.box[k], float(start[k])
            self._add_control(
                name, float_slider(f"start {name[-1]}", value, lo, hi, 0.05), self._run
            )
        self._run()

    def _start_names(self) -> list[str]:
        return ["x0", "y0"][: self.n_dims]

    def _argument(self, point: np.ndarray):
        """A point as the objective takes it: a scalar in 1-D, a (2,) array in 2-D."""
        return point[0] if self.n_dims == 1 else point

    def _on_objective(self, change) -> None:
        self.objective = OBJECTIVES[change["new"]]
        with self._hold():
            for k, name in enumerate(self._start_names()):
                slider = self.controls[name]
                lo, hi = self.objective.box[k]
                slider.min, slider.max = min(lo, slider.min), max(hi, slider.max)
                slider.value = self.objective.x0[k]
                slider.min, slider.max = lo, hi
        self._draw_objective()
        self._run()

    def _run(self, change=None) -> None:
        obj = self.objective
        x0 = np.array([self.controls[name].value for name in self._start_names()])
        lr = self.controls["lr"].value
        self.result = gradient_descent(
            obj.f,
            obj.grad,
            self._argument(x0),
            lr,
            max_steps=self.controls["n_steps"].value,
        )
        res = self.result
        f_min = float(obj.f(self._argument(np.array(obj.minima[0]))))
        gap = np.maximum(res.values - f_min, _FLOOR)  # NaN stays NaN: not drawn
        self._gap.set_data(np.arange(len(gap)), gap)
        shown = gap[np.isfinite(gap)]
        self._ax_gap.set_xlim(-0.5, max(res.n_steps, 1) + 0.5)
        self._ax_gap.set_ylim(shown.min() / 10, shown.max() * 10)
        self._draw_trajectory(res.trajectory.reshape(-1, self.n_dims), res.values)
        growing = res.values[-1] > res.values[0]
        if res.diverged:
            status = f"diverged after {res.n_steps} steps"
        elif res.converged:
            status = f"converged after {res.n_steps} steps"
        elif growing:
            status = f"diverging: f grew in {res.n_steps} steps"
        else:
            status = f"{res.n_steps} steps, not converged yet"
        where = ", ".join(f"{v:.4g}" for v in np.atleast_1d(res.x))
        self._ax.set_title(
            f"lr = {lr:.3g}: {status}\nx = ({where}), f = {res.values[-1]:.4g}",
            fontsize="medium",
            color="C3" if res.diverged or growing else "black",
        )
        self.request_draw()

    def _draw_objective(self) -> None:
        raise NotImplementedError

    def _draw_trajectory(self, points: np.ndarray, values: np.ndarray) -> None:
        raise NotImplementedError


class GradientDescent1DExplorer(_DescentExplorer):
    """Gradient descent on a function of one variable, drawn over its curve.

    Parameters
    ----------
    objective : str, default "x^2"
        A one-variable name of :data:`course.examples.OBJECTIVES`.
    lr : float, default 0.1
        Learning rate.
    x0 : float, optional
        Start; the objective's own by default.
    n_steps : int, default 20
        Largest number of steps.

    Attributes
    ----------
    result : GradientDescentResult
        The last run.
    controls : dict
        ``"objective"``, ``"lr"``, ``"n_steps"``, ``"x0"``.
    """

    n_dims = 1

    def __init__(
        self,
        objective: str = "x^2",
        lr: float = 0.1,
        x0: float | None = None,
        n_steps: int = 20,
    ) -> None:
        super().__init__(objective, lr, x0, n_steps)

    def _draw_objective(self) -> None:
        obj = self.objective
        (lo, hi) = obj.box[0]
        x = np.linspace(lo, hi, 400)
        y = obj.f(x)
        if not hasattr(self, "_curve"):
            (self._curve,) = self._ax.plot(x, y, color="0.4", label="f(x)")
            (self._path,) = self._ax.plot([], [], "o-", color="C3", ms=4, lw=1)
            (self._start,) = self._ax.plot([], [], "s", color="C2", ms=8)
            self._ax.set_xlabel("x")
        self._curve.set_data(x, y)
        margin = 0.1 * (y.max() - y.min())
        self._ax.set_xlim(lo, hi)
        self._ax.set_ylim(y.min() - margin, y.max() + margin)

    def _draw_trajectory(self, points: np.ndarray, values: np.ndarray) -> None:
        self._path.set_data(points[:, 0], values)
        self._start.set_data(points[:1, 0], values[:1])


class GradientDescent2DExplorer(_DescentExplorer):
    """Gradient descent on a function of two variables, over its heat map.

    Parameters
    ----------
    objective : str, default "x^2 - 4x + y^2 + 2y"
        A two-variable name of :data:`course.examples.OBJECTIVES`.
    lr : float, default 0.1
        Learning rate.
    x0 : (float, float), optional
        Start; the objective's own by default.
    n_steps : int, default 30
        Largest number of steps.
    resolution : int, default 200
        Pixels along each side of the heat map.

    Attributes
    ----------
    result : GradientDescentResult
        The last run.
    controls : dict
        ``"objective"``, ``"lr"``, ``"n_steps"``, ``"x0"``, ``"y0"``.
    """

    n_dims = 2

    def __init__(
        self,
        objective: str = "x^2 - 4x + y^2 + 2y",
        lr: float = 0.1,
        x0=None,
        n_steps: int = 30,
        *,
        resolution: int = 200,
    ) -> None:
        self._resolution = resolution
        super().__init__(objective, lr, x0, n_steps)

    def _draw_objective(self) -> None:
        obj = self.objective
        grid = pixel_grid(obj.box[0], obj.box[1], self._resolution)
        values = obj.f(grid.points).reshape(grid.shape)
        # log(1 + f - f_min) keeps the bowl's rings visible far from the minimum.
        shade = np.log1p(values - values.min())
        minima = np.array(obj.minima)
        if not hasattr(self, "_surface"):
            self._surface = self._ax.imshow(
                shade, origin="lower", cmap=_BANDS, aspect="auto"
            )
            (self._minima,) = self._ax.plot([], [], "w*", ms=12, label="minima")
            (self._path,) = self._ax.plot([], [], "o-", color="C3", ms=4, lw=1)
            (self._start,) = self._ax.plot([], [], "s", color="white", ms=8)
            self._ax.set_xlabel("x")
            self._ax.set_ylabel("y")
        self._surface.set_data(shade)
        self._surface.set_extent(grid.extent)
        self._surface.set_clim(shade.min(), shade.max())
        self._minima.set_data(minima[:, 0], minima[:, 1])
        self._ax.set_xlim(obj.box[0])
        self._ax.set_ylim(obj.box[1])

    def _draw_trajectory(self, points: np.ndarray, values: np.ndarray) -> None:
        self._path.set_data(points[:, 0], points[:, 1])
        self._start.set_data(points[:1, 0], points[:1, 1])
