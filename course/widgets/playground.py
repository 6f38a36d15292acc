"""The playground: train the course's MLP live on 2-D data.

In a notebook::

    from course.widgets import PlaygroundExplorer
    PlaygroundExplorer()                 # circles, two hidden layers of 8, tanh

In the spirit of TensorFlow Playground, but the network is
:class:`course.mlp.MLP`, trained one epoch per frame by
:class:`course.playground.Playground` (``partial_fit``). Pick the data set,
its noise, the hidden layers (``"8, 8"``: two layers of 8 units; empty: none),
the activation, the learning rate, the L2 coefficient and the batch size; then
play, pause, step one epoch, or reset to fresh weights. The left panel colours
each pixel by the predicted class probabilities (filled points: training,
black-edged: test), the right one shows the training and test losses per epoch.
Learning rate, L2 and batch size apply from the next epoch on; any other change
starts again from fresh weights.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_rgb

from course.activations import ACTIVATIONS
from course.data import DATASETS
from course.playground import Playground, parse_hidden
from course.widgets._base import (
    CLASS_COLORS,
    Explorer,
    button,
    dropdown,
    float_slider,
    int_slider,
    log_slider,
    text_box,
)

__all__ = ["PlaygroundExplorer"]

#: L2 coefficients offered (as in TensorFlow Playground).
L2_CHOICES = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
#: Background colours of the classes: their colours mixed with white.
_LIGHT = 0.45 * np.array([to_rgb(c) for c in CLASS_COLORS]) + 0.55


class PlaygroundExplorer(Explorer):
    """Train an MLP on a 2-D data set, one epoch per frame, and watch it learn.

    Parameters
    ----------
    dataset : str, default "circles"
        A name of :data:`course.data.DATASETS`.
    **params
        Any other parameter of :class:`course.playground.Playground`
        (``noise``, ``hidden``, ``activation``, ``lr``, ``weight_decay``,
        ``batch_size``, ``n_samples``, ``test_fraction``, ``seed``, ...).

    Attributes
    ----------
    playground : Playground
        The training state.
    controls : dict
        ``"dataset"``, ``"noise"``, ``"hidden"`` (text), ``"activation"``,
        ``"lr"``, ``"weight_decay"``, ``"batch_size"``, ``"play"``, ``"step"``,
        ``"reset"``.
    """

    def __init__(self, dataset: str = "circles", **params) -> None:
        params.setdefault("weight_decay", 0.0)
        if params["weight_decay"] not in L2_CHOICES:
            raise ValueError(
                f"weight_decay must be one of {L2_CHOICES}, but got "
                f"{params['weight_decay']!r}."
            )
        self.playground = pg = Playground(dataset, **params)
        super().__init__(figsize=(9, 4.0))
        ax, ax_loss = self.fig.subplots(1, 2)
        self._heatmap = ax.imshow(
            self._colors(),
            origin="lower",
            extent=pg.grid.extent,
            aspect="auto",
            interpolation="bilinear",
        )
        self._train = ax.scatter([], [], s=14, edgecolors="white", linewidths=0.5)
        self._test = ax.scatter([], [], s=14, edgecolors="black", linewidths=0.8)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        (self._train_line,) = ax_loss.plot([], [], color="C0", label="training loss")
        (self._test_line,) = ax_loss.plot([], [], color="C3", label="test loss")
        ax_loss.set_xlabel("epoch")
        ax_loss.set_ylabel("cross-entropy")
        ax_loss.legend(loc="upper right", fontsize="small")
        self._ax, self._ax_loss = ax, ax_loss

        activations = [name for name in ACTIVATIONS if name != "step"]
        self._add_control(
            "dataset", dropdown("data set", list(DATASETS), pg.dataset), self._on_param
        )
        noise = float_slider("noise", pg.noise, 0.0, 0.5, 0.01)
        noise.continuous_update = False
        self._add_control("noise", noise, self._on_param)
        self._add_control(
            "hidden",
            text_box("hidden layers", ", ".join(str(n) for n in pg.hidden)),
            self._on_param,
        )
        self._add_control(
            "activation",
            dropdown("activation", activations, pg.activation),
            self._on_param,
        )
        self._add_control(
            "lr", log_slider("learning rate", pg.lr, 1e-3, 3.0), self._on_param
        )
        self._add_control(
            "weight_decay",
            dropdown("L2", list(L2_CHOICES), pg.weight_decay),
            self._on_param,
        )
        self._add_control(
            "batch_size",
            int_slider("batch size", pg.batch_size, 1, 100),
            self._on_param,
        )
        self._add_control(
            "play",
            widgets.Play(value=0, min=0, max=10**9, interval=50, show_repeat=False),
            self._on_play,
        )
        self._add_control("step", button("step", "step-forward"), self._on_step)
        self._add_control("reset", button("reset", "undo"), self._on_reset)
        self._show_data()
        self._refresh()

    # ---------------------------------------------------------------- controls
    def _control_rows(self) -> list[widgets.Widget]:
        c = self.controls
        data = widgets.VBox([c["dataset"], c["noise"], c["hidden"], c["activation"]])
        training = widgets.VBox([c["lr"], c["weight_decay"], c["batch_size"]])
        run = widgets.HBox([c["play"], c["step"], c["reset"]])
        return [widgets.HBox([data, widgets.VBox([training, run])])]

    def _on_param(self, change) -> None:
        name = next(n for n, w in self.controls.items() if w is change["owner"])
        value = change["new"]
        try:
            if name == "hidden":
                value = parse_hidden(value)
            self.playground.set_params(**{name: value})
        except (TypeError, ValueError) as exc:
            self.status.value = f"<span style='color:#d62728'>{exc}</span>"
            return
        if name in ("dataset", "noise"):
            self._show_data()
        self._refresh()

    def _on_play(self, change) -> None:
        if change["new"] > change["old"]:
            self.step()

    def _on_step(self, _button) -> None:
        self.step()

    def _on_reset(self, _button) -> None:
        self.playground.reset()
        with self._hold():
            self.controls["play"].value = 0
        self._refresh()

    # ----------------------------------------------------------------- drawing
    def step(self) -> None:
        """Train one epoch and redraw (one frame of play)."""
        try:
            self.playground.step()
        except ValueError as exc:  # training diverged
            self.controls["play"].playing = False
            self.status.value = f"<span style='color:#d62728'>{exc} Press reset.</span>"
            return
        self._refresh()

    def _colors(self) -> np.ndarray:
        """Pixel colours: the class colours weighted by the probabilities."""
        proba = self.playground.probabilities()
        return np.clip(proba @ _LIGHT[: proba.shape[-1]], 0.0, 1.0)

    def _show_data(self) -> None:
        pg = self.playground
        for scatter, X, y in (
            (self._train, pg.X_train, pg.y_train),
            (self._test, pg.X_test, pg.y_test),
        ):
            scatter.set_offsets(X)
            scatter.set_facecolors(np.array(CLASS_COLORS)[y % len(CLASS_COLORS)])
        x0, x1, y0, y1 = pg.grid.extent
        self._heatmap.set_extent(pg.grid.extent)
        self._ax.set_xlim(x0, x1)
        self._ax.set_ylim(y0, y1)

    def _refresh(self) -> None:
        pg = self.playground
        self._heatmap.set_data(self._colors())
        epochs = np.arange(pg.epoch + 1)
        self._train_line.set_data(epochs, pg.train_loss)
        self._test_line.set_data(epochs, pg.test_loss)
        self._ax_loss.set_xlim(0, max(pg.epoch, 10))
        self._ax_loss.set_ylim(0, 1.05 * max(max(pg.train_loss), max(pg.test_loss)))
        self._ax.set_title(f"epoch {pg.epoch}", fontsize="medium")
        self._ax_loss.set_title(
            f"training loss {pg.train_loss[-1]:.3f}, test loss {pg.test_loss[-1]:.3f}",
            fontsize="medium",
        )
        self.status.value = ""
        self.request_draw()
