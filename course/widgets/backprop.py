"""Backpropagation through a small computational graph, one gate at a time.

In a notebook::

    from course.widgets import BackpropExplorer
    BackpropExplorer()                   # the lectures' f = (x + y) z

or another graph, given by a function that builds it from numbers (the inputs
start at the function's defaults, or at the values passed)::

    from course.backprop_steps import gate_patterns_example, neuron_example
    BackpropExplorer(neuron_example)               # sigmoid(w x + b)
    BackpropExplorer(gate_patterns_example, y=1.0)  # max(x y, y + z)

Sliders set the inputs; every node shows its value (forward pass). Each press
of *step* processes the next gate of the backward pass
(:meth:`course.graph.Value.backward`): its edges light up, the title says
upstream x local = downstream, the gradients its inputs have received so far
appear under them (:func:`course.backprop_steps.gradients_after`), and the
table below grows by the gate's row (:func:`course.graph.format_trace`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from course.backprop_steps import (
    gradients_after,
    layered_layout,
    node_labels,
    worked_example,
)
from course.graph import CopyRecord, Value, format_trace, nodes_and_edges
from course.widgets._base import Explorer, button, float_slider

__all__ = ["BackpropExplorer"]

_EDGE = {"color": "0.55", "linewidth": 1.2}
_ACTIVE_EDGE = {"color": "C3", "linewidth": 2.5}


def _fmt(v: float) -> str:
    return f"{v + 0.0:.3g}"  # + 0.0 turns -0.0 into 0.0


class BackpropExplorer(Explorer):
    """Step through the backward pass of a small graph, gate by gate.

    Parameters
    ----------
    build : callable, optional
        ``build(**inputs) -> Value``: makes the graph from plain numbers; every
        node must have a distinct label (``Value(v, "x")``, ``.named("q")``).
        Default: :func:`course.backprop_steps.worked_example`.
    **inputs : float
        Initial value of each input of ``build``; by default the defaults of
        its parameters (``x=-2``, ``y=5``, ``z=-4`` for the worked example).

    Attributes
    ----------
    root : Value
        Output of the graph for the current inputs.
    trace : list of GateRecord and CopyRecord
        ``root.backward()``.
    n_revealed : int
        Gates processed so far (0 to ``len(trace)``).
    gradients : dict of str to float or None
        Gradient received by each node so far (None: nothing yet).
    controls : dict
        One slider per input (by its name), ``"step"``, ``"back"``, ``"reset"``.
    """

    def __init__(self, build: Callable[..., Value] | None = None, **inputs) -> None:
        if build is None:
            build = worked_example
        if not callable(build):
            raise TypeError(
                f"build must be a function returning a Value, but got "
                f"{type(build).__name__}."
            )
        inputs = {**self._defaults(build), **inputs}
        self._build = build
        self._inputs = list(inputs)
        root = self._evaluate(inputs)
        positions = layered_layout(root)
        super().__init__(figsize=(8, 6.2))
        ax, ax_table = self.fig.subplots(2, 1, height_ratios=[3, 2])
        self._ax = ax
        nodes, edges = nodes_and_edges(root)
        self._edges: dict[tuple[str, str], list] = {}
        for child, node in edges:
            arrow = ax.annotate(
                "",
                xy=positions[node.label],
                xytext=positions[child.label],
                arrowprops={"arrowstyle": "-|>", "shrinkA": 18, "shrinkB": 18, **_EDGE},
            )
            self._edges.setdefault((child.label, node.label), []).append(arrow)
        self._values, self._grads = {}, {}
        for label, (x, y) in positions.items():
            ax.scatter([x], [y], s=1400, c="white", edgecolors="black", zorder=2)
            ax.text(x, y, label, ha="center", va="center", fontsize="large", zorder=3)
            self._values[label] = ax.text(
                x, y + 0.28, "", ha="center", va="bottom", color="C2", fontsize="small"
            )
            self._grads[label] = ax.text(
                x, y - 0.28, "", ha="center", va="top", color="C3", fontsize="small"
            )
        xs = [p[0] for p in positions.values()]
        ys = [p[1] for p in positions.values()]
        ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
        ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
        ax.set_axis_off()
        ax_table.set_axis_off()
        self._table = ax_table.text(
            0, 1, "", family="monospace", fontsize="small", va="top", ha="left"
        )
        self.n_revealed = 0
        for name, value in inputs.items():
            self._add_control(
                name, float_slider(name, float(value), -10.0, 10.0, 0.5), self._update
            )
        self._add_control("step", button("step", "step-forward"), self._on_step)
        self._add_control("back", button("back", "step-backward"), self._on_back)
        self._add_control("reset", button("reset", "undo"), self._on_reset)
        self._update()

    @staticmethod
    def _defaults(build: Callable[..., Value]) -> dict[str, float]:
        """The default values of the parameters of ``build``."""
        return {
            name: param.default
            for name, param in inspect.signature(build).parameters.items()
            if param.default is not inspect.Parameter.empty
        }

    def _evaluate(self, inputs: dict) -> Value:
        root = self._build(**inputs)
        if not isinstance(root, Value):
            raise TypeError(
                f"build must return a Value, but it returned {type(root).__name__}."
            )
        node_labels(root)
        return root

    def _on_step(self, _button) -> None:
        self.n_revealed = min(self.n_revealed + 1, len(self.trace))
        self._update()

    def _on_back(self, _button) -> None:
        self.n_revealed = max(self.n_revealed - 1, 0)
        self._update()

    def _on_reset(self, _button) -> None:
        self.n_revealed = 0
        self._update()

    def _update(self, change=None) -> None:
        self.root = self._evaluate({n: self.controls[n].value for n in self._inputs})
        self.trace = self.root.backward()
        k = self.n_revealed
        self.gradients = gradients_after(self.root, self.trace, k)
        nodes, _ = nodes_and_edges(self.root)
        for node in nodes:
            self._values[node.label].set_text(f"= {_fmt(node.data)}")
            grad = self.gradients[node.label]
            self._grads[node.label].set_text(
                "grad ?" if grad is None else f"grad {_fmt(grad)}"
            )
        active = set()
        if k:
            record = self.trace[k - 1]
            if isinstance(record, CopyRecord):
                active = {(record.label, c) for c in record.consumers}
                title = (
                    f"copy gate at {record.label}: the gradients add up, "
                    + " + ".join(_fmt(u) for u in record.upstream)
                    + f" = {_fmt(record.downstream)}"
                )
            else:
                active = {(lab, record.output_label) for lab in record.input_labels}
                parts = [
                    f"to {lab}: {_fmt(record.upstream)} x {_fmt(loc)} = {_fmt(down)}"
                    for lab, loc, down in zip(
                        record.input_labels,
                        record.local,
                        record.downstream,
                        strict=True,
                    )
                ]
                title = (
                    f"{record.op} gate at {record.output_label}, upstream x local = "
                    f"downstream:\n" + ";  ".join(parts)
                )
        else:
            title = "forward pass done: press step to send gradients back"
        for key, arrows in self._edges.items():
            style = _ACTIVE_EDGE if key in active else _EDGE
            for arrow in arrows:
                arrow.arrow_patch.set_color(style["color"])
                arrow.arrow_patch.set_linewidth(style["linewidth"])
        self._ax.set_title(f"gate {k} of {len(self.trace)}: {title}", fontsize="medium")
        self._table.set_text(format_trace(self.trace[:k]))
        self.request_draw()
