"""A scalar computational graph with a gate-by-gate backward pass.

Every arithmetic operation on :class:`Value` objects creates a new node that
remembers its inputs (the *gate*) and the local gradient of its output with
respect to each input. :meth:`Value.backward` then walks the graph from the
output back to the leaves in reverse topological order and applies the chain rule
at every gate::

    downstream gradient = local gradient * upstream gradient

where the *upstream* gradient is ``df/d(gate output)`` (already known when the
gate is reached) and the *downstream* gradient ``df/d(gate input)`` is what the
gate passes back to its input. A node used by several gates (fan-out, the *copy*
gate) receives one downstream gradient from each of them, and they add up.

The backward pass returns a trace, one record per gate, so that the four
patterns of gradient flow can be read off directly:

- add gate, gradient distributor: both inputs receive the upstream gradient;
- mul gate, swap multiplier: each input receives the upstream gradient times the
  *other* input;
- copy gate, gradient adder: a node used twice receives the sum of the gradients;
- max gate, gradient router: the larger input receives the whole upstream
  gradient, the smaller one receives zero.

Example (the worked example ``f = (x + y) z``)::

    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> q = (x + y).named("q")
    >>> f = (q * z).named("f")
    >>> trace = f.backward()
    >>> x.grad, y.grad, z.grad
    (-4.0, -4.0, 3.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real
from typing import ClassVar

from course.activations import sigmoid, sigmoid_derivative

__all__ = [
    "Value",
    "maximum",
    "GateRecord",
    "CopyRecord",
    "nodes_and_edges",
    "format_trace",
]

# Automatic labels of intermediate nodes spell out the expression ("x + y") while
# it stays readable; longer expressions are labelled with the gate's name.
_MAX_LABEL_LENGTH = 32
_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def _check_number(x, name: str) -> float:
    """Return ``x`` as a finite float, or raise ``TypeError``/``ValueError``."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(
            f"{name} must be a real number (int or float), but got {type(x).__name__}."
        )
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, but got {x}.")
    return x


def _as_value(other) -> Value:
    """Wrap a plain number as a leaf :class:`Value` (Values pass through)."""
    if isinstance(other, Value):
        return other
    return Value(_check_number(other, "The other operand"))


def _wrap(label: str) -> str:
    """Parenthesise a label with a space outside brackets ("x + y", not "max(x, y)")
    when it becomes an operand."""
    depth = 0
    for char in label:
        depth += (char == "(") - (char == ")")
        if char == " " and depth == 0:
            return f"({label})"
    return label


def _auto_label(op: str, inputs: tuple[Value, ...], exponent: float | None) -> str:
    labels = [node.label for node in inputs]
    if op in _INFIX:
        text = f"{_wrap(labels[0])} {_INFIX[op]} {_wrap(labels[1])}"
    elif op == "neg":
        text = f"-{_wrap(labels[0])}"
    elif op == "pow":
        text = f"{_wrap(labels[0])}**{exponent:g}"
    else:
        text = f"{op}({', '.join(labels)})"
    return text if len(text) <= _MAX_LABEL_LENGTH else op


class Value:
    """A scalar node of a computational graph.

    Parameters
    ----------
    data : int or float
        The (finite) number held by the node.
    label : str, optional
        Name shown in traces and drawings. A leaf without a label is labelled by
        its number; an intermediate node by its expression (``"x + y"``) or, for
        long expressions, by its gate name.

    Attributes
    ----------
    data : float
        Value computed in the forward pass.
    grad : float
        ``df/d(this node)`` after ``f.backward()``; 0.0 before.
    label : str
        Display name; set it with ``node.label = ...`` or ``node.named(...)``.
    op : str
        Name of the gate that produced the node (``""`` for a leaf).
    inputs : tuple of Value
        The gate's inputs (empty for a leaf). A node may appear twice (``x * x``).
    local_grads : tuple of float
        ``d(this node)/d(input)`` for each entry of ``inputs``, computed in the
        forward pass.

    Notes
    -----
    Supported operations: ``+ - * /`` (with Values or plain numbers on either
    side), ``-x``, ``x ** p`` for a plain number ``p``, and the methods
    :meth:`relu`, :meth:`sigmoid`, :meth:`tanh`, :meth:`exp` and
    :meth:`maximum` (also the function :func:`maximum`). Values compare by
    identity, so they can be used in sets and as dictionary keys.
    """

    def __init__(self, data, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, but got {type(label).__name__}.")
        self.data = _check_number(data, "Value data")
        self.grad = 0.0
        self.label = label or f"{self.data:g}"
        self.op = ""
        self.inputs: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()

    @classmethod
    def _from_gate(
        cls,
        op: str,
        inputs: tuple[Value, ...],
        compute: Callable[..., tuple[float, tuple[float, ...]]],
        exponent: float | None = None,
    ) -> Value:
        """Create the output node of a gate.

        ``compute(*input_data)`` returns the output and the local gradients.
        """
        values = tuple(node.data for node in inputs)
        try:
            data, local = compute(*values)
        except OverflowError:
            data, local = math.inf, ()
        if not (math.isfinite(data) and all(map(math.isfinite, local))):
            raise OverflowError(
                f"{op} of {', '.join(f'{v:g}' for v in values)} is not finite in "
                "float64; rescale the inputs."
            )
        out = cls(data)
        out.op = op
        out.inputs = inputs
        out.local_grads = tuple(float(g) for g in local)
        out.label = _auto_label(op, inputs, exponent)
        return out

    def named(self, label: str) -> Value:
        """Set the label and return the node itself, for chaining."""
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, but got {type(label).__name__}.")
        self.label = label
        return self

    def __repr__(self) -> str:
        return f"Value(data={self.data:g}, grad={self.grad:g}, label={self.label!r})"

    # ----------------------------------------------------------- binary gates
    def __add__(self, other) -> Value:
        """``a + b``; local gradients ``(1, 1)``: the add gate distributes."""
        return Value._from_gate(
            "add", (self, _as_value(other)), lambda a, b: (a + b, (1.0, 1.0))
        )

    def __radd__(self, other) -> Value:
        return _as_value(other) + self

    def __sub__(self, other) -> Value:
        """``a - b``; local gradients ``(1, -1)``."""
        return Value._from_gate(
            "sub", (self, _as_value(other)), lambda a, b: (a - b, (1.0, -1.0))
        )

    def __rsub__(self, other) -> Value:
        return _as_value(other) - self

    def __mul__(self, other) -> Value:
        """``a * b``; local gradients ``(b, a)``: the mul gate swaps its inputs."""
        return Value._from_gate(
            "mul", (self, _as_value(other)), lambda a, b: (a * b, (b, a))
        )

    def __rmul__(self, other) -> Value:
        return _as_value(other) * self

    def __truediv__(self, other) -> Value:
        """``a / b``; local gradients ``(1 / b, -a / b**2)``."""
        other = _as_value(other)
        if other.data == 0.0:
            raise ZeroDivisionError(
                f"cannot divide {self.label!r} by {other.label!r}: the denominator "
                "is 0.0."
            )
        return Value._from_gate(
            "div", (self, other), lambda a, b: (a / b, (1.0 / b, -a / (b * b)))
        )

    def __rtruediv__(self, other) -> Value:
        return _as_value(other) / self

    def maximum(self, other) -> Value:
        """``max(a, b)``; the max gate routes the gradient to the larger input.

        Local gradients are ``(1, 0)`` if ``a > b`` and ``(0, 1)`` if ``a < b``;
        on a tie each input gets ``1/2`` (as in ``torch.maximum``).
        """

        def compute(a: float, b: float) -> tuple[float, tuple[float, ...]]:
            if a == b:
                return a, (0.5, 0.5)
            return max(a, b), ((1.0, 0.0) if a > b else (0.0, 1.0))

        return Value._from_gate("max", (self, _as_value(other)), compute)

    # ------------------------------------------------------------ unary gates
    def __neg__(self) -> Value:
        """``-a``; local gradient ``-1``."""
        return Value._from_gate("neg", (self,), lambda a: (-a, (-1.0,)))

    def __pow__(self, exponent) -> Value:
        """``a ** p`` for a plain number ``p``; local gradient ``p a**(p-1)``."""
        if isinstance(exponent, Value):
            raise TypeError(
                "The exponent must be a plain number (int or float), but got a "
                "Value; write exp(p * log(a)) by hand if you need a Value exponent."
            )
        p = _check_number(exponent, "The exponent")
        a = self.data
        if a < 0.0 and not p.is_integer():
            raise ValueError(
                f"{self.label!r} ** {p:g} is not a real number: a negative base "
                f"({a:g}) needs an integer exponent."
            )
        if a == 0.0 and p < 1.0 and p != 0.0:
            raise ValueError(
                f"{self.label!r} ** {p:g} has no finite derivative at 0.0: use an "
                "exponent of at least 1 or a nonzero base."
            )

        def compute(a: float) -> tuple[float, tuple[float, ...]]:
            local = 0.0 if p == 0.0 else p * a ** (p - 1.0)
            return a**p, (local,)

        return Value._from_gate("pow", (self,), compute, exponent=p)

    def relu(self) -> Value:
        """``max(0, a)``; local gradient 1 for ``a > 0`` and 0 otherwise."""
        return Value._from_gate(
            "relu", (self,), lambda a: (max(a, 0.0), (1.0 if a > 0.0 else 0.0,))
        )

    def sigmoid(self) -> Value:
        """``s = 1 / (1 + exp(-a))``; local gradient ``s (1 - s)``.

        Both come from :mod:`course.activations`, which never overflows.
        """

        def compute(a: float) -> tuple[float, tuple[float, ...]]:
            return float(sigmoid(a)), (float(sigmoid_derivative(a)),)

        return Value._from_gate("sigmoid", (self,), compute)

    def tanh(self) -> Value:
        """``tanh(a)``; local gradient ``1 - t**2``."""

        def compute(a: float) -> tuple[float, tuple[float, ...]]:
            t = math.tanh(a)
            return t, (1.0 - t * t,)

        return Value._from_gate("tanh", (self,), compute)

    def exp(self) -> Value:
        """``exp(a)``; the local gradient is the output itself."""

        def compute(a: float) -> tuple[float, tuple[float, ...]]:
            e = math.exp(a)
            return e, (e,)

        return Value._from_gate("exp", (self,), compute)

    # --------------------------------------------------------------- backward
    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on every node of the graph that ends here."""
        for node in _topological_order(self):
            node.grad = 0.0

    def backward(self) -> list[GateRecord | CopyRecord]:
        """Compute ``d(self)/d(node)`` for every node of the graph.

        The gradients of the whole graph are first reset to zero, so calling
        ``backward`` twice gives the same gradients (it does not accumulate
        across calls the way PyTorch does). Within one call, a node used by
        several gates accumulates one contribution per use.

        Returns
        -------
        trace : list of GateRecord and CopyRecord
            In the order the gates are processed (output first). A
            :class:`CopyRecord` precedes the gate record of every node that
            feeds more than one gate input, once all its contributions are in.
        """
        order = _topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        received: dict[Value, list[tuple[str, float]]] = {node: [] for node in order}
        trace: list[GateRecord | CopyRecord] = []
        for node in reversed(order):
            if len(received[node]) > 1:
                consumers, parts = zip(*received[node], strict=True)
                trace.append(
                    CopyRecord(node.label, node.data, consumers, parts, node.grad)
                )
            if not node.inputs:
                continue
            upstream = node.grad
            downstream = tuple(g * upstream for g in node.local_grads)
            for child, d in zip(node.inputs, downstream, strict=True):
                child.grad += d
                received[child].append((node.label, d))
            trace.append(
                GateRecord(
                    op=node.op,
                    output_label=node.label,
                    output=node.data,
                    upstream=upstream,
                    input_labels=tuple(child.label for child in node.inputs),
                    input_values=tuple(child.data for child in node.inputs),
                    local=node.local_grads,
                    downstream=downstream,
                )
            )
        return trace


def maximum(a, b) -> Value:
    """The max gate ``max(a, b)`` for Values or plain numbers (see
    :meth:`Value.maximum`)."""
    return _as_value(a).maximum(b)


@dataclass(frozen=True)
class GateRecord:
    """What one gate did during the backward pass.

    Attributes
    ----------
    op : str
        Gate name: ``"add"``, ``"sub"``, ``"mul"``, ``"div"``, ``"neg"``,
        ``"pow"``, ``"relu"``, ``"sigmoid"``, ``"tanh"``, ``"exp"`` or ``"max"``.
    output_label, output : str, float
        The gate's output node.
    upstream : float
        ``df/d(output)``.
    input_labels, input_values : tuple
        The gate's inputs.
    local : tuple of float
        ``d(output)/d(input)`` per input.
    downstream : tuple of float
        ``local * upstream`` per input: what the gate sends back to each input.
    """

    op: str
    output_label: str
    output: float
    upstream: float
    input_labels: tuple[str, ...]
    input_values: tuple[float, ...]
    local: tuple[float, ...]
    downstream: tuple[float, ...]


@dataclass(frozen=True)
class CopyRecord:
    """The copy gate of a node used more than once: gradients add up.

    Attributes
    ----------
    label, value : str, float
        The node that fans out.
    consumers : tuple of str
        Labels of the gates that use the node (one entry per use).
    upstream : tuple of float
        The gradient received from each use.
    downstream : float
        Their sum, the node's total gradient (each local gradient is 1).
    """

    op: ClassVar[str] = "copy"
    label: str
    value: float
    consumers: tuple[str, ...]
    upstream: tuple[float, ...]
    downstream: float


def _topological_order(root: Value) -> list[Value]:
    """Nodes reachable from ``root``, every node after all of its inputs.

    Iterative depth-first search, so deep graphs do not hit the recursion limit.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.inputs))
    return order


def nodes_and_edges(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """The graph that ends at ``root``, for drawing.

    Parameters
    ----------
    root : Value
        Output node.

    Returns
    -------
    nodes : list of Value
        Every node, each one after its inputs (leaves first, ``root`` last).
    edges : list of (Value, Value)
        ``(input, output)`` pairs, one per gate input (``x * x`` gives two).
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, but got {type(root).__name__}.")
    nodes = _topological_order(root)
    edges = [(child, node) for node in nodes for child in node.inputs]
    return nodes, edges


def _fmt(v: float) -> str:
    return f"{v + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0


def format_trace(trace: list[GateRecord | CopyRecord]) -> str:
    """A text table of a backward trace, one line per gate input.

    Columns: gate, output (``label = value``), upstream gradient, input
    (``label = value``), local gradient, downstream gradient. A copy gate shows
    its upstream gradients joined by ``+`` and their sum as the downstream.
    """
    header = ("gate", "output", "upstream", "input", "local", "downstream")
    rows: list[tuple[str, ...]] = []
    for rec in trace:
        if isinstance(rec, CopyRecord):
            node = f"{rec.label} = {_fmt(rec.value)}"
            ups = " + ".join(_fmt(u) for u in rec.upstream)
            rows.append(("copy", node, ups, node, "1", _fmt(rec.downstream)))
            continue
        if not isinstance(rec, GateRecord):
            raise TypeError(
                "trace must contain GateRecord or CopyRecord entries, but got "
                f"{type(rec).__name__}."
            )
        for i, (lab, val, loc, down) in enumerate(
            zip(
                rec.input_labels,
                rec.input_values,
                rec.local,
                rec.downstream,
                strict=True,
            )
        ):
            first = i == 0
            rows.append(
                (
                    rec.op if first else "",
                    f"{rec.output_label} = {_fmt(rec.output)}" if first else "",
                    _fmt(rec.upstream) if first else "",
                    f"{lab} = {_fmt(val)}",
                    _fmt(loc),
                    _fmt(down),
                )
            )
    widths = [max(len(r[j]) for r in [header, *rows]) for j in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

    head = line(header)
    return "\n".join([head, "-" * len(head), *map(line, rows)])
