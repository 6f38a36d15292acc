"""Activation functions and their derivatives, side by side.

In a notebook::

    from course.widgets import ActivationExplorer
    ActivationExplorer()                 # or ActivationExplorer("sigmoid")

A drop-down picks any activation of :data:`course.activations.ACTIVATIONS`;
the left panel draws :math:`g(z)` with the tangent at a chosen point
:math:`z_0`, the right one :math:`g'(z)` with the slope at :math:`z_0`. Where
the derivative is close to zero (a saturated sigmoid or tanh, a ReLU for
negative inputs) no gradient flows back through the unit.
"""

from __future__ import annotations

import numpy as np

from course.activations import ACTIVATIONS, get_activation
from course.widgets._base import Explorer, dropdown, float_slider

__all__ = ["ActivationExplorer"]


class ActivationExplorer(Explorer):
    """Pick an activation; see it and its derivative, and the slope at a point.

    Parameters
    ----------
    activation : str, default "relu"
        A name of :data:`course.activations.ACTIVATIONS`.
    z_max : float, default 5.0
        Half-width of the plotted range of ``z``.
    n_points : int, default 801

    Attributes
    ----------
    z : ndarray of shape (n_points,)
        The plotted pre-activations.
    controls : dict
        ``"activation"``, ``"z0"`` (the point of the tangent), ``"z_max"``.
    """

    def __init__(
        self, activation: str = "relu", z_max: float = 5.0, n_points: int = 801
    ) -> None:
        get_activation(activation)
        super().__init__(figsize=(9, 3.6))
        self._n_points = n_points
        self._ax_g, self._ax_d = self.fig.subplots(1, 2, sharex=True)
        (self._g,) = self._ax_g.plot([], [], color="C0", lw=2)
        (self._tangent,) = self._ax_g.plot([], [], "--", color="C3", lw=1)
        (self._g_point,) = self._ax_g.plot([], [], "o", color="C3")
        (self._d,) = self._ax_d.plot([], [], color="C1", lw=2)
        (self._d_point,) = self._ax_d.plot([], [], "o", color="C3")
        for ax in (self._ax_g, self._ax_d):
            ax.axhline(0, color="0.6", lw=0.8)
            ax.axvline(0, color="0.6", lw=0.8)
            ax.set_xlabel("z")
        self._add_control(
            "activation",
            dropdown("activation", list(ACTIVATIONS), activation),
            self._update,
        )
        self._add_control(
            "z0", float_slider("point z0", 1.0, -z_max, z_max, 0.05), self._update
        )
        self._add_control(
            "z_max", float_slider("range", z_max, 1.0, 20.0, 0.5), self._on_range
        )
        self._update()

    def _on_range(self, change) -> None:
        z_max = change["new"]
        with self._hold():
            z0 = self.controls["z0"]
            z0.min, z0.max = -max(z_max, abs(z0.value)), max(z_max, abs(z0.value))
            z0.value = float(np.clip(z0.value, -z_max, z_max))
            z0.min, z0.max = -z_max, z_max
        self._update()

    def _update(self, change=None) -> None:
        act = ACTIVATIONS[self.controls["activation"].value]
        z_max = self.controls["z_max"].value
        z0 = self.controls["z0"].value
        self.z = np.linspace(-z_max, z_max, self._n_points)
        g, d = act.fn(self.z), act.derivative(self.z)
        g0, d0 = float(act.fn(z0)), float(act.derivative(z0))
        self._g.set_data(self.z, g)
        self._d.set_data(self.z, d)
        self._tangent.set_data(self.z, g0 + d0 * (self.z - z0))
        self._g_point.set_data([z0], [g0])
        self._d_point.set_data([z0], [d0])
        for ax, values in ((self._ax_g, g), (self._ax_d, d)):
            lo, hi = float(values.min()), float(values.max())
            pad = 0.1 * max(hi - lo, 1.0)
            ax.set_ylim(lo - pad, hi + pad)
        self._ax_g.set_xlim(-z_max, z_max)
        self._ax_g.set_title(
            f"{act.name}(z); at z0 = {z0:.2f}: {g0:.3f}", fontsize="medium"
        )
        self._ax_d.set_title(
            f"{act.name}'(z); slope at z0: {d0:.3f}", fontsize="medium"
        )
        self.request_draw()
