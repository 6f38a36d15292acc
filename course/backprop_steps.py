"""Replaying a backward pass gate by gate, and laying out a small graph to draw it.

:meth:`course.graph.Value.backward` returns its trace, one record per gate in
the order the gates are processed (output first). :func:`gradients_after` tells
which gradients are known after the first ``k`` records: the output's
gradient (1) from the start, and every input of a processed gate with the sum of
the downstream gradients it has received so far (a node used twice shows a
partial sum until its second consumer has been processed).

:func:`layered_layout` places the nodes in columns by depth, leaves on the left
and the output on the right, for drawing the graph.

Three small graphs to step through, each built from plain numbers:
:func:`worked_example` (the lectures' :math:`f = (x + y) z`),
:func:`neuron_example` (a sigmoid neuron :math:`\\sigma(w x + b)`) and
:func:`gate_patterns_example` (:math:`\\max(x y, y + z)`, with the four patterns
of gradient flow: add distributes, mul swaps, the copy of ``y`` adds, max
routes).
"""

from __future__ import annotations

from collections import Counter

from course.graph import CopyRecord, GateRecord, Value, maximum, nodes_and_edges

__all__ = [
    "worked_example",
    "neuron_example",
    "gate_patterns_example",
    "node_labels",
    "layered_layout",
    "gradients_after",
]


def worked_example(x: float = -2.0, y: float = 5.0, z: float = -4.0) -> Value:
    """The lectures' graph :math:`f = (x + y) z`, with ``q = x + y``.

    At the default inputs :math:`f = -12` and the gradients are
    :math:`(\\partial f/\\partial x, \\partial f/\\partial y, \\partial f/\\partial z)
    = (-4, -4, 3)`.
    """
    x, y, z = Value(x, "x"), Value(y, "y"), Value(z, "z")
    return ((x + y).named("q") * z).named("f")


def neuron_example(w: float = 2.0, x: float = -1.0, b: float = 0.5) -> Value:
    """A sigmoid neuron :math:`f = \\sigma(w x + b)`, with ``wx`` and ``a = wx + b``.

    The sigmoid gate's local gradient is :math:`f (1 - f)`.
    """
    w, x, b = Value(w, "w"), Value(x, "x"), Value(b, "b")
    return ((w * x).named("wx") + b).named("a").sigmoid().named("f")


def gate_patterns_example(x: float = 2.0, y: float = 3.0, z: float = -1.0) -> Value:
    """:math:`f = \\max(x y, y + z)`: the four patterns of gradient flow.

    The mul gate ``m = x y`` swaps its inputs, the add gate ``s = y + z``
    hands its upstream gradient to both inputs, ``y`` feeds both gates (a copy:
    its gradients add up) and the max gate routes the whole gradient to the
    larger input.
    """
    x, y, z = Value(x, "x"), Value(y, "y"), Value(z, "z")
    return maximum((x * y).named("m"), (y + z).named("s")).named("f")


def node_labels(root: Value) -> list[str]:
    """Labels of the nodes of the graph ending at ``root``, leaves first.

    Raises
    ------
    ValueError
        If two nodes share a label: the records of a trace name nodes by label,
        so every node must have its own (give it one with ``Value.named``).
    """
    nodes, _ = nodes_and_edges(root)
    labels = [node.label for node in nodes]
    repeated = sorted(label for label, n in Counter(labels).items() if n > 1)
    if repeated:
        raise ValueError(
            "every node of the graph needs its own label, but these are used more "
            f"than once: {repeated}. Name the nodes with Value.named(label)."
        )
    return labels


def layered_layout(root: Value) -> dict[str, tuple[float, float]]:
    """Positions of the nodes: column = depth, nodes of a column spread evenly.

    The depth of a leaf is 0 and the depth of a gate's output is one more than
    the largest depth of its inputs. Within a column, nodes keep the order in
    which the graph lists them and are centred around ``y = 0``, one unit apart.

    Parameters
    ----------
    root : Value
        Output of the graph; every node must have a distinct label.

    Returns
    -------
    dict of str to (float, float)
        ``(x, y)`` of each node, by label.

    Examples
    --------
    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> f = ((x + y).named("q") * z).named("f")
    >>> layered_layout(f)["f"], layered_layout(f)["q"]
    ((2.0, 0.0), (1.0, 0.0))
    """
    node_labels(root)
    nodes, _ = nodes_and_edges(root)
    depth: dict[Value, int] = {}
    for node in nodes:  # inputs come before the gates that use them
        depth[node] = 1 + max((depth[c] for c in node.inputs), default=-1)
    columns: dict[int, list[Value]] = {}
    for node in nodes:
        columns.setdefault(depth[node], []).append(node)
    positions = {}
    for d, column in columns.items():
        top = (len(column) - 1) / 2
        for i, node in enumerate(column):
            positions[node.label] = (float(d), top - i)
    return positions


def gradients_after(
    root: Value, trace: list[GateRecord | CopyRecord], n_steps: int
) -> dict[str, float | None]:
    """Gradient of the output with respect to each node after ``n_steps`` records.

    Parameters
    ----------
    root : Value
        Output of the graph whose backward pass gave ``trace``.
    trace : list of GateRecord and CopyRecord
        ``root.backward()``.
    n_steps : int
        Number of records processed, from 0 to ``len(trace)``.

    Returns
    -------
    dict of str to float or None
        By label: the sum of the downstream gradients received so far (1.0
        for the output), or None for a node that has received nothing yet.
        After the whole trace these are the nodes' ``grad``.
    """
    labels = node_labels(root)
    if isinstance(n_steps, bool) or not isinstance(n_steps, int):
        raise TypeError(f"n_steps must be an int, but got {n_steps!r}.")
    if not 0 <= n_steps <= len(trace):
        raise ValueError(
            f"n_steps must be between 0 and the length of the trace ({len(trace)}), "
            f"but got {n_steps}."
        )
    grads: dict[str, float | None] = dict.fromkeys(labels)
    grads[root.label] = 1.0
    for record in trace[:n_steps]:
        if isinstance(record, CopyRecord):
            continue  # its sum is the total of the gate records already added
        for label, downstream in zip(
            record.input_labels, record.downstream, strict=True
        ):
            grads[label] = (grads[label] or 0.0) + downstream
    return grads
