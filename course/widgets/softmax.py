"""Softmax explorer: logits, temperature, probabilities and the cross-entropy.

In a notebook::

    from course.widgets import SoftmaxExplorer
    SoftmaxExplorer()        # the lectures' example: dog, cat, fish, frog

One slider per logit :math:`z_k`, a temperature :math:`T` and the true class.
The bars show :math:`\\hat y = \\mathrm{softmax}(z / T)`
(:func:`course.activations.softmax`), the outline the one-hot target, and the
title the loss :math:`-\\log \\hat y_{true}` (:func:`course.losses.cross_entropy`).
Adding the same number to every logit changes nothing; a low temperature
sharpens the distribution towards the largest logit, a high one flattens it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course._validation import as_float_array
from course.activations import softmax
from course.losses import cross_entropy
from course.widgets._base import (
    CLASS_COLORS,
    Explorer,
    dropdown,
    float_slider,
    log_slider,
)

__all__ = ["SoftmaxExplorer"]


class SoftmaxExplorer(Explorer):
    """Move logits and a temperature; watch the probabilities and the loss.

    Parameters
    ----------
    logits : sequence of float, default (3.2, 5.1, -1.7, -3.7)
        Initial logits, one per class (the lectures' example).
    classes : sequence of str, default ("dog", "cat", "fish", "frog")
        Class names, distinct, as many as logits.
    true_class : str, default "cat"
        The correct class, whose probability the loss rewards.
    temperature : float, default 1.0

    Attributes
    ----------
    probabilities : ndarray of shape (n_classes,)
        :math:`\\mathrm{softmax}(z / T)` for the current sliders.
    loss : float
        Cross-entropy of the true class.
    controls : dict
        ``"z_<class>"`` for each class, ``"temperature"``, ``"true_class"``.
    """

    def __init__(
        self,
        logits: Sequence[float] = (3.2, 5.1, -1.7, -3.7),
        classes: Sequence[str] = ("dog", "cat", "fish", "frog"),
        true_class: str = "cat",
        temperature: float = 1.0,
    ) -> None:
        logits = as_float_array(logits, "logits", ndim=1, dtype=np.float64)
        self.classes = [str(c) for c in classes]
        if len(self.classes) != len(logits) or len(set(self.classes)) != len(logits):
            raise ValueError(
                f"classes must hold {len(logits)} distinct names (one per logit), "
                f"but got {self.classes}."
            )
        if true_class not in self.classes:
            raise ValueError(
                f"true_class must be one of {self.classes}, but got {true_class!r}."
            )
        super().__init__(figsize=(9, 3.8))
        ax_z, ax_p = self.fig.subplots(1, 2)
        positions = np.arange(len(self.classes))
        colors = [CLASS_COLORS[k % len(CLASS_COLORS)] for k in positions]
        self._logit_bars = ax_z.bar(positions, logits, color=colors)
        ax_z.axhline(0, color="0.3", lw=0.8)
        ax_z.set_title("scaled logits z / T", fontsize="medium")
        self._prob_bars = ax_p.bar(positions, np.zeros(len(positions)), color=colors)
        self._target_bars = ax_p.bar(
            positions,
            np.zeros(len(positions)),
            fill=False,
            edgecolor="black",
            linestyle="--",
            label="one-hot target",
        )
        self._prob_texts = [
            ax_p.text(k, 0, "", ha="center", va="bottom", fontsize="small")
            for k in positions
        ]
        ax_p.set_ylim(0, 1.15)
        ax_p.legend(loc="upper right", fontsize="small")
        for ax in (ax_z, ax_p):
            ax.set_xticks(positions, self.classes)
        self._ax_z, self._ax_p = ax_z, ax_p
        for name, z in zip(self.classes, logits, strict=True):
            self._add_control(
                f"z_{name}",
                float_slider(f"z ({name})", float(z), -10, 10, 0.1),
                self._update,
            )
        self._add_control(
            "temperature",
            log_slider("temperature", temperature, 0.05, 20),
            self._update,
        )
        self._add_control(
            "true_class", dropdown("true class", self.classes, true_class), self._update
        )
        self._update()

    def _update(self, change=None) -> None:
        c = self.controls
        z = np.array([c[f"z_{name}"].value for name in self.classes])
        T = c["temperature"].value
        true = self.classes.index(c["true_class"].value)
        scaled = z / T
        self.probabilities = softmax(scaled)
        self.loss = cross_entropy(true, scaled)
        for k, (bar, p, text) in enumerate(
            zip(self._prob_bars, self.probabilities, self._prob_texts, strict=True)
        ):
            bar.set_height(p)
            text.set_text(f"{p:.2f}")
            text.set_y(p + 0.01)
            self._target_bars[k].set_height(1.0 if k == true else 0.0)
            self._logit_bars[k].set_height(scaled[k])
        reach = max(10.5, 1.1 * float(np.abs(scaled).max()))
        self._ax_z.set_ylim(-reach, reach)
        self._ax_p.set_title(
            f"softmax(z / T), T = {T:.3g}: loss -log p({self.classes[true]}) "
            f"= {abs(self.loss):.3f}",  # -0.0 and rounding below 0 read as 0
            fontsize="medium",
        )
        self.request_draw()
