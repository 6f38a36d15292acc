"""Universal approximation: a one-hidden-layer network made of N steps.

In a notebook::

    from course.widgets import ApproximationExplorer
    ApproximationExplorer()              # sin on [0, 2 pi], 8 sigmoid steps

The network is :func:`course.approximation.approximation_network`: ``N``
hidden units, each a step (exact, a steep sigmoid, or a ReLU ramp) placed
between two nodes of the interval, and a linear output that adds up the jumps
of the target. The top panel shows the target and the network, the bottom one
the absolute error, and the title the largest and the mean error
(:func:`course.approximation.approximation_error`). More steps shrink the error
of a continuous target like ``1/N``; at a jump the largest error never goes
below half the jump, whatever ``N``.
"""

from __future__ import annotations

import numpy as np

from course.approximation import (
    KINDS,
    approximation_error,
    approximation_network,
    network_output,
)
from course.examples import TARGETS
from course.widgets._base import Explorer, dropdown, int_slider, log_slider

__all__ = ["ApproximationExplorer"]


class ApproximationExplorer(Explorer):
    """Approximate a target function by a sum of N (smoothed) steps.

    Parameters
    ----------
    target : str, default "sin"
        A name of :data:`course.examples.TARGETS`.
    n_steps : int, default 8
        Number of steps ``N``.
    kind : {"step", "sigmoid", "relu"}, default "sigmoid"
        Hidden units.
    steepness : float, default 10.0
        Slope of each step in units of one over the spacing of the steps.
    n_points : int, default 1001
        Points at which the functions are drawn and the error measured.

    Attributes
    ----------
    error : ApproximationError
        ``(sup, mean)`` for the current settings.
    controls : dict
        ``"target"``, ``"n_steps"``, ``"kind"``, ``"steepness"``.
    """

    def __init__(
        self,
        target: str = "sin",
        n_steps: int = 8,
        kind: str = "sigmoid",
        steepness: float = 10.0,
        n_points: int = 1001,
    ) -> None:
        if target not in TARGETS:
            raise ValueError(
                f"target must be one of {list(TARGETS)}, but got {target!r}."
            )
        self._n_points = n_points
        super().__init__(figsize=(8, 5.2))
        self._ax, self._ax_err = self.fig.subplots(
            2, 1, sharex=True, height_ratios=[3, 1.4]
        )
        (self._target,) = self._ax.plot([], [], color="0.3", lw=2, label="target f")
        (self._net,) = self._ax.plot([], [], color="C1", lw=1.5, label="network g")
        self._ax.legend(loc="best", fontsize="small")
        (self._err,) = self._ax_err.plot([], [], color="C3")
        self._sup = self._ax_err.axhline(0, color="C3", ls="--", lw=1)
        self._ax_err.set_ylabel("|f - g|")
        self._ax_err.set_xlabel("x")
        self._add_control(
            "target", dropdown("target", list(TARGETS), target), self._update
        )
        self._add_control(
            "n_steps", int_slider("steps N", n_steps, 1, 100), self._update
        )
        self._add_control("kind", dropdown("units", list(KINDS), kind), self._update)
        self._add_control(
            "steepness", log_slider("steepness", steepness, 0.5, 1000), self._update
        )
        self._update()

    def _update(self, change=None) -> None:
        c = self.controls
        target = TARGETS[c["target"].value]
        net = approximation_network(
            target.f,
            target.interval,
            c["n_steps"].value,
            kind=c["kind"].value,
            steepness=c["steepness"].value,
        )
        self.error = approximation_error(target.f, net, target.interval, self._n_points)
        x = np.linspace(*target.interval, self._n_points)
        f, g = target.f(x), network_output(net, x)
        self._target.set_data(x, f)
        self._net.set_data(x, g)
        self._err.set_data(x, np.abs(f - g))
        self._sup.set_ydata([self.error.sup, self.error.sup])
        low, high = min(f.min(), g.min()), max(f.max(), g.max())
        pad = 0.08 * max(high - low, 1e-9)
        self._ax.set_xlim(*target.interval)
        self._ax.set_ylim(low - pad, high + pad)
        self._ax_err.set_ylim(0, 1.15 * max(self.error.sup, 1e-9))
        self._ax.set_title(
            f"{c['target'].value}, N = {c['n_steps'].value} steps of {c['kind'].value} "
            "units: "
            f"largest error {self.error.sup:.3g}, mean error {self.error.mean:.3g}",
            fontsize="medium",
        )
        self.request_draw()
