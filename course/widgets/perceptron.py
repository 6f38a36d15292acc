"""Perceptron explorers: training one update at a time, and weights against XOR.

In a notebook::

    from course.widgets import PerceptronTrainingExplorer, PerceptronXorExplorer
    PerceptronTrainingExplorer()          # or PerceptronTrainingExplorer(X, y)
    PerceptronXorExplorer()

:class:`PerceptronTrainingExplorer` replays
:func:`course.perceptron.perceptron_trace`: the slider (or the play and step
buttons) moves through the updates, the plot shows the boundary after the
update (the previous one dashed), the points it misclassifies (crosses) and,
circled, the point that causes the next update; on the right, the number of
misclassified points after each update.

:class:`PerceptronXorExplorer` has sliders for ``w1``, ``w2`` and ``b`` of one
perceptron over the four XOR points and counts the points it gets wrong: never
fewer than one, because no line separates XOR.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap, to_rgba

from course._validation import check_X_y
from course.activations import step
from course.data import make_blobs
from course.perceptron import perceptron_trace
from course.plane import data_box, line_in_box, pixel_grid
from course.widgets._base import (
    CLASS_COLORS,
    Explorer,
    button,
    float_slider,
    int_slider,
    log_slider,
)

__all__ = ["PerceptronTrainingExplorer", "PerceptronXorExplorer"]

_REGION_CMAP = ListedColormap([to_rgba(c, 0.18) for c in CLASS_COLORS[:2]])
_NO_POINTS = np.empty((0, 2))


class _PlanePerceptron(Explorer):
    """A plane with two classes of points, a perceptron's regions and boundary."""

    def _draw_plane(
        self, ax, X: np.ndarray, positive: np.ndarray, resolution: int, size: float
    ) -> None:
        self._X, self._positive = X, positive
        self._xlim, self._ylim = data_box(X)
        self._grid = pixel_grid(self._xlim, self._ylim, resolution)
        self._region = ax.imshow(
            np.zeros(self._grid.shape),
            origin="lower",
            extent=self._grid.extent,
            cmap=_REGION_CMAP,
            vmin=0,
            vmax=1,
            aspect="auto",
            interpolation="nearest",
        )
        for label, mask in ((0, ~positive), (1, positive)):
            ax.scatter(
                X[mask, 0],
                X[mask, 1],
                c=CLASS_COLORS[label],
                edgecolors="white",
                s=size,
                label=f"y = {label}",
                zorder=2,
            )
        (self._boundary,) = ax.plot([], [], "k-", lw=2, label="boundary")
        self._wrong = ax.scatter(
            [], [], marker="x", c="black", s=40, label="misclassified", zorder=3
        )
        ax.set_xlim(self._xlim)
        ax.set_ylim(self._ylim)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")

    def _show_perceptron(self, w: np.ndarray, b: float) -> int:
        """Draw regions, boundary and mistakes of ``step(w x + b)``; count them."""
        self._region.set_data(step(self._grid.points @ w + b).reshape(self._grid.shape))
        self._boundary.set_data(*line_in_box(w, b, self._xlim, self._ylim).T)
        wrong = (step(self._X @ w + b) == 1) != self._positive
        self._wrong.set_offsets(self._X[wrong] if wrong.any() else _NO_POINTS)
        return int(np.count_nonzero(wrong))


class PerceptronTrainingExplorer(_PlanePerceptron):
    """Watch the perceptron rule update the boundary, one mistake at a time.

    Parameters
    ----------
    X : array_like of shape (n_samples, 2), optional
        Points; by default 40 points of two blobs that need a few epochs.
    y : array_like of shape (n_samples,), optional
        Labels {0, 1} or {-1, 1}.
    lr : float, default 1.0
        Learning rate (from zero weights it only rescales them: try it).
    n_epochs : int, default 10
        Largest number of epochs.
    resolution : int, default 80
        Pixels along each side of the region picture.

    Attributes
    ----------
    trace : PerceptronTrace
        The recorded training run for the current ``lr`` and ``n_epochs``.
    controls : dict
        ``"update"`` (slider over the updates), ``"play"``, ``"step"``
        (button: next update), ``"lr"``, ``"n_epochs"``.
    """

    def __init__(
        self,
        X=None,
        y=None,
        *,
        lr: float = 1.0,
        n_epochs: int = 10,
        resolution: int = 80,
    ) -> None:
        if X is None:
            X, y = make_blobs(40, centers=[[1, 1], [3, 3]], cluster_std=0.5, seed=3)
        X, y = check_X_y(X, y)
        if X.shape[1] != 2:
            raise ValueError(
                f"X must have 2 features to be drawn in the plane, but got "
                f"{X.shape[1]}."
            )
        super().__init__(figsize=(9.5, 4.2))
        ax, ax_errors = self.fig.subplots(1, 2, width_ratios=[3, 2])
        self._y = y
        self._draw_plane(ax, X, y == 1, resolution, size=45)
        (self._previous,) = ax.plot([], [], "k--", lw=1, alpha=0.6)
        self._next = ax.scatter(
            [],
            [],
            s=260,
            facecolors="none",
            edgecolors="red",
            linewidths=2,
            label="next update",
            zorder=4,
        )
        ax.legend(loc="upper left", fontsize="small", framealpha=0.8)
        self._ax = ax
        (self._errors,) = ax_errors.plot([], [], "-o", ms=3, color="0.3")
        self._now = ax_errors.axvline(0, color="red")
        ax_errors.set_xlabel("update")
        ax_errors.set_ylabel("misclassified points")
        self._ax_errors = ax_errors

        self._add_control("update", int_slider("update", 0, 0, 1), self._on_update)
        play = widgets.Play(value=0, min=0, max=1, interval=400, description="play")
        self._add_control("play", play)
        widgets.link((play, "value"), (self.controls["update"], "value"))
        self._add_control("step", button("step", "step-forward"), self._on_step)
        self._add_control(
            "lr", log_slider("learning rate", lr, 1e-3, 10), self._retrain
        )
        self._add_control(
            "n_epochs", int_slider("epochs", n_epochs, 1, 50), self._retrain
        )
        self._retrain()

    def _retrain(self, change=None) -> None:
        self.trace = perceptron_trace(
            self._X,
            self._y,
            lr=self.controls["lr"].value,
            n_epochs=self.controls["n_epochs"].value,
        )
        n_updates = len(self.trace.index)
        self._errors.set_data(np.arange(n_updates + 1), self.trace.n_errors)
        self._ax_errors.set_xlim(-0.5, max(n_updates, 1) + 0.5)
        self._ax_errors.set_ylim(-0.5, self.trace.n_errors.max() + 0.5)
        slider = self.controls["update"]
        with self._hold():
            self.controls["play"].max = max(n_updates, 1)
            slider.max = max(n_updates, 1)
            slider.value = min(slider.value, n_updates)
        self._show(slider.value)

    def _on_update(self, change) -> None:
        self._show(change["new"])

    def _on_step(self, _button) -> None:
        slider = self.controls["update"]
        slider.value = min(slider.value + 1, len(self.trace.index))

    def _show(self, k: int) -> None:
        trace = self.trace
        k = min(k, len(trace.index))
        theta = trace.theta[k]
        n_wrong = self._show_perceptron(theta[:-1], theta[-1])
        if k > 0:
            before = trace.theta[k - 1]
            segment = line_in_box(before[:-1], before[-1], self._xlim, self._ylim)
        else:
            segment = np.full((2, 2), np.nan)
        self._previous.set_data(*segment.T)
        self._now.set_xdata([k, k])
        epochs = len(trace.mistakes_per_epoch)
        if k < len(trace.index):
            i = trace.index[k]
            self._next.set_offsets(self._X[i : i + 1])
            title = (
                f"update {k} of {len(trace.index)} (epoch {trace.epoch[k]}): "
                f"{n_wrong} misclassified; next: point {i}"
            )
        else:
            self._next.set_offsets(_NO_POINTS)
            if trace.converged:
                title = f"converged: no mistake in epoch {epochs}"
            else:
                title = f"stopped after {epochs} epochs: {n_wrong} misclassified"
        self._ax.set_title(title, fontsize="medium")
        self.request_draw()


class PerceptronXorExplorer(_PlanePerceptron):
    """Move one perceptron's weights and bias over XOR: some point stays wrong.

    Parameters
    ----------
    w : (float, float), default (1.0, 1.0)
        Initial weights.
    b : float, default -0.5
        Initial bias.
    resolution : int, default 100

    Attributes
    ----------
    n_wrong : int
        Points of XOR misclassified by the current perceptron.
    fewest_wrong : int
        The fewest misclassified points seen so far (at least 1).
    controls : dict
        ``"w1"``, ``"w2"``, ``"b"``.
    """

    #: The XOR truth table: inputs and labels.
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])

    def __init__(self, w=(1.0, 1.0), b: float = -0.5, *, resolution: int = 100) -> None:
        super().__init__(figsize=(5, 4.6))
        ax = self.fig.subplots()
        self._draw_plane(ax, self.X, self.y == 1, resolution, size=150)
        for (x1, x2), label in zip(self.X, self.y, strict=True):
            ax.annotate(
                f"({x1:g}, {x2:g}) -> {label}",
                (x1, x2),
                xytext=(0, 12),
                textcoords="offset points",
                ha="center",
                fontsize="small",
            )
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize="small", ncol=4
        )
        self._ax = ax
        self.fewest_wrong = len(self.X)
        for name, value in (("w1", w[0]), ("w2", w[1]), ("b", b)):
            self._add_control(
                name, float_slider(name, value, -3.0, 3.0, 0.05), self._update
            )
        self._update()

    def _update(self, change=None) -> None:
        c = self.controls
        w = np.array([c["w1"].value, c["w2"].value])
        b = c["b"].value
        self.n_wrong = self._show_perceptron(w, b)
        self.fewest_wrong = min(self.fewest_wrong, self.n_wrong)
        self._ax.set_title(
            f"{self.n_wrong} of 4 misclassified (fewest so far: "
            f"{self.fewest_wrong})\nstep({w[0]:.2f} x1 {w[1]:+.2f} x2 {b:+.2f})",
            fontsize="medium",
        )
        self.request_draw()
