"""Vanishing and exploding gradients: gradient norm per layer of a deep network.

In a notebook::

    from course.widgets import GradientFlowExplorer
    GradientFlowExplorer()               # 10 sigmoid layers, Xavier init

For the chosen depth, activation and initialisation (with ``init="normal"``
the scale is the standard deviation of the weights) the explorer runs
:func:`course.vanishing.gradient_report` on a fresh network and one random
batch, and plots on a log axis the norm of :math:`\\partial L / \\partial W^l`
for every layer ``l`` (input side on the left) and the bound
:math:`\\prod_{i > l} \\lVert J^i \\rVert_2`. A line falling to the left is a
vanishing gradient (sigmoid: each layer multiplies by at most 1/4), a rising
one an exploding gradient (weights too large).
"""

from __future__ import annotations

import numpy as np

from course.activations import ACTIVATIONS
from course.layers import INITS
from course.vanishing import gradient_report
from course.widgets._base import Explorer, dropdown, int_slider, log_slider

__all__ = ["GradientFlowExplorer"]


def _positive_or_nan(values: np.ndarray) -> np.ndarray:
    """Zeros (a dead layer) cannot be drawn on a log axis: leave a gap."""
    return np.where(values > 0, values, np.nan)


class GradientFlowExplorer(Explorer):
    """Gradient norm of every layer for a depth, an activation and an init.

    Parameters
    ----------
    depth : int, default 10
        Hidden layers.
    activation : str, default "sigmoid"
    init : {"normal", "xavier", "glorot", "he"}, default "xavier"
    scale : float, default 1.0
        Standard deviation of the weights with ``init="normal"``.
    width : int, default 16
        Units per hidden layer.
    n_samples : int, default 8
        Size of the random batch.
    seed : int, default 0

    Attributes
    ----------
    report : GradientReport
        The last :func:`course.vanishing.gradient_report`.
    controls : dict
        ``"depth"``, ``"activation"``, ``"init"``, ``"scale"``.
    """

    def __init__(
        self,
        depth: int = 10,
        activation: str = "sigmoid",
        init: str = "xavier",
        scale: float = 1.0,
        *,
        width: int = 16,
        n_samples: int = 8,
        seed: int = 0,
    ) -> None:
        self._width, self._n_samples, self._seed = width, n_samples, seed
        super().__init__(figsize=(7.5, 4.2))
        ax = self.fig.subplots()
        (self._grads,) = ax.semilogy([], [], "o-", color="C0", label="gradient norm")
        (self._bound,) = ax.semilogy(
            [], [], "--", color="C1", label="product of the Jacobian norms above"
        )
        ax.set_xlabel("layer (input side first)")
        ax.set_ylabel("norm")
        ax.legend(loc="best", fontsize="small")
        self._ax = ax
        self._add_control(
            "depth", int_slider("hidden layers", depth, 1, 20), self._update
        )
        self._add_control(
            "activation",
            dropdown("activation", list(ACTIVATIONS), activation),
            self._update,
        )
        self._add_control("init", dropdown("init", list(INITS), init), self._update)
        self._add_control(
            "scale", log_slider("normal std", scale, 0.01, 10), self._update
        )
        self._update()

    def _update(self, change=None) -> None:
        c = self.controls
        init = c["init"].value
        c["scale"].disabled = init != "normal"
        self.report = gradient_report(
            c["depth"].value,
            self._width,
            c["activation"].value,
            init,
            c["scale"].value,
            n_samples=self._n_samples,
            seed=self._seed,
        )
        r = self.report
        grads = _positive_or_nan(r.grad_norms)
        bound = _positive_or_nan(r.jacobian_products)
        self._grads.set_data(r.layer, grads)
        self._bound.set_data(r.layer, bound)
        shown = np.concatenate([grads, bound])
        shown = shown[np.isfinite(shown)]
        self._ax.set_xlim(0.5, r.layer[-1] + 0.5)
        if shown.size:
            self._ax.set_ylim(shown.min() / 3, shown.max() * 3)
        first, last = r.grad_norms[0], r.grad_norms[-1]
        ratio = f"{first / last:.2e}" if last > 0 else "undefined (last is 0)"
        self._ax.set_title(
            f"{c['activation'].value}, {init}: first / last layer gradient = {ratio}",
            fontsize="medium",
        )
        self.request_draw()
