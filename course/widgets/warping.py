"""A ReLU layer warping the plane: a grid and a data set before and after.

In a notebook::

    from course.widgets import WarpingExplorer
    WarpingExplorer()                    # circles through h = relu(W x + b)

Six sliders set the weights ``W`` (2 x 2) and the bias ``b`` of one layer
:math:`h = g(W x + b)`; the left panel shows the input plane with a grid and
the data, the right panel where :func:`course.warping.warp` sends them. With
ReLU the plane is folded onto a quadrant; with ``linear`` the grid stays a
grid, which is why layers without an activation collapse into one.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from course.activations import ACTIVATIONS
from course.data import DATASETS, make_dataset
from course.plane import data_box
from course.warping import grid_lines, warp
from course.widgets._base import CLASS_COLORS, Explorer, dropdown, float_slider

__all__ = ["WarpingExplorer"]

_N_LINES = 13
#: Vertical grid lines in one colour, horizontal ones in another.
_LINE_COLORS = ["#9ecae1"] * _N_LINES + ["#fdae6b"] * _N_LINES


class WarpingExplorer(Explorer):
    """Move the weights and bias of one 2 -> 2 layer; watch the plane fold.

    Parameters
    ----------
    W : 2 x 2 array_like, default ((1.0, -0.6), (0.6, 1.0))
        Initial weights, ``W[i][j]`` from input ``j`` to unit ``i``.
    b : (float, float), default (0.0, 0.0)
        Initial bias.
    activation : str, default "relu"
    dataset : str, default "circles"
        A name of :data:`course.data.DATASETS`.
    n_samples : int, default 200
    seed : int, default 0

    Attributes
    ----------
    H : ndarray of shape (n_samples, 2)
        The data set after the layer.
    controls : dict
        ``"w11"``, ``"w12"``, ``"w21"``, ``"w22"``, ``"b1"``, ``"b2"``,
        ``"activation"``, ``"dataset"``.
    """

    def __init__(
        self,
        W=((1.0, -0.6), (0.6, 1.0)),
        b=(0.0, 0.0),
        activation: str = "relu",
        dataset: str = "circles",
        *,
        n_samples: int = 200,
        seed: int = 0,
    ) -> None:
        W = np.asarray(W, dtype=float)
        if W.shape != (2, 2) or np.shape(b) != (2,):
            raise ValueError(
                f"W must be 2 x 2 and b must have 2 entries, but got shapes {W.shape} "
                f"and {np.shape(b)}."
            )
        self._n_samples, self._seed = n_samples, seed
        super().__init__(figsize=(9.5, 4.5))
        self._ax_in, self._ax_out = self.fig.subplots(1, 2)
        self._lines_in = LineCollection([], colors=_LINE_COLORS, linewidths=1)
        self._lines_out = LineCollection([], colors=_LINE_COLORS, linewidths=1)
        self._ax_in.add_collection(self._lines_in)
        self._ax_out.add_collection(self._lines_out)
        self._points_in = self._ax_in.scatter([], [], s=12, zorder=2)
        self._points_out = self._ax_out.scatter([], [], s=12, zorder=2)
        self._ax_in.set_title("input x", fontsize="medium")
        for ax, name in ((self._ax_in, "x"), (self._ax_out, "h")):
            ax.set_xlabel(f"${name}_1$")
            ax.set_ylabel(f"${name}_2$")
        for name, value in zip(("w11", "w12", "w21", "w22"), W.ravel(), strict=True):
            self._add_control(
                name, float_slider(name, float(value), -2, 2, 0.05), self._update
            )
        for name, value in zip(("b1", "b2"), b, strict=True):
            self._add_control(
                name, float_slider(name, float(value), -2, 2, 0.05), self._update
            )
        self._add_control(
            "activation",
            dropdown("activation", list(ACTIVATIONS), activation),
            self._update,
        )
        self._add_control(
            "dataset", dropdown("data set", list(DATASETS), dataset), self._on_dataset
        )
        self._on_dataset()

    def _on_dataset(self, change=None) -> None:
        X, y = make_dataset(
            self.controls["dataset"].value, n_samples=self._n_samples, seed=self._seed
        )
        self.X = X - X.mean(axis=0)  # centred, so that b = 0 cuts through the data
        colors = np.array(CLASS_COLORS)[y % len(CLASS_COLORS)]
        xlim, ylim = data_box(self.X, margin=0.3)
        self._grid = grid_lines(xlim, ylim, n_lines=_N_LINES, n_points=60)
        self._lines_in.set_segments(self._grid)
        self._points_in.set_offsets(self.X)
        self._points_in.set_facecolors(colors)
        self._points_out.set_facecolors(colors)
        self._ax_in.set_xlim(xlim)
        self._ax_in.set_ylim(ylim)
        self._update()

    def _update(self, change=None) -> None:
        c = self.controls
        W = np.array(
            [[c["w11"].value, c["w12"].value], [c["w21"].value, c["w22"].value]]
        )
        b = np.array([c["b1"].value, c["b2"].value])
        act = c["activation"].value
        self.H = warp(self.X, W, b, act)
        self._lines_out.set_segments(warp(self._grid, W, b, act))
        self._points_out.set_offsets(self.H)
        xlim, ylim = data_box(self.H, margin=0.2)
        self._ax_out.set_xlim(xlim)
        self._ax_out.set_ylim(ylim)
        self._ax_out.set_title(f"h = {act}(W x + b)", fontsize="medium")
        self.request_draw()
