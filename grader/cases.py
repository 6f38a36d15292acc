"""Declarative grading cases: which function, on which hidden inputs, compared how.

A problem set module (``psN.py`` in the course's problem-set package) lists its
graded parts as :class:`Part` objects, each holding :class:`Case` objects. A case
says which student function to call, how to draw its hidden inputs from a seeded
generator, which ``course`` function gives the expected output, how to compare
(:func:`allclose`, :func:`array_equal`, :func:`scalar_close`) and which hint to
show on failure.

The same cases run in two places:

- in the grading kernel of plain ``nbgrader autograde``, through
  :func:`grader.checks.check_part`;
- in ``grader autograde``, where the student's function runs inside the sandbox on
  the inputs built here, and :func:`judge` decides outside it.

Both paths compute the inputs with :func:`case_inputs` (seeded by problem set, part
and case name, so grading twice gives the same score), convert outputs with
:func:`grader.sandbox_runner.to_numeric` and decide with :func:`judge`, so they
agree on every verdict.

Every case also checks that the call leaves its arguments as they were given: both
paths fingerprint the arguments before and after the call
(:func:`grader.sandbox_runner.changed_arguments`), and a function that changes one
in place fails with reason WRONG and a message naming it (:func:`changed_verdict`),
before its outputs are compared. No graded function may update its inputs.
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from grader.reasons import Reason
from grader.sandbox_runner import BadOutput, output_spec, to_numeric

__all__ = [
    "Comparison",
    "AllClose",
    "ArrayEqual",
    "ScalarClose",
    "allclose",
    "array_equal",
    "scalar_close",
    "Case",
    "Part",
    "Verdict",
    "ProblemSetError",
    "case_seed",
    "case_inputs",
    "expected_output",
    "judge",
    "changed_verdict",
    "quote",
    "error_message",
    "bad_output_message",
    "most_specific",
    "reference_message",
]


class ProblemSetError(ValueError):
    """A problem set module is malformed (an instructor's mistake, not a student's)."""


# ----------------------------------------------------------------------------------
# Comparisons
# ----------------------------------------------------------------------------------


class Comparison:
    """Decides whether one output array matches the reference array.

    Subclasses implement :meth:`mismatch`, which receives real numeric arrays (never
    student objects) and returns ``None`` on a match or a short description of the
    difference that reveals no expected value.
    """

    def mismatch(self, actual: np.ndarray, expected: np.ndarray) -> str | None:
        raise NotImplementedError


WRONG_VALUES = "returned wrong values"

_KIND_NAMES = {
    "b": "booleans",
    "i": "integers",
    "u": "integers",
    "f": "floating-point numbers",
}


def _shape_mismatch(actual: np.ndarray, expected: np.ndarray) -> str | None:
    if actual.shape != expected.shape:
        return (
            f"returned shape {actual.shape} where shape {expected.shape} was expected"
        )
    return None


def _kind_mismatch(actual: np.ndarray, expected: np.ndarray) -> str | None:
    """Booleans, integers (signed or not) and floats are three different kinds."""
    wanted = _KIND_NAMES.get(expected.dtype.kind)
    given = _KIND_NAMES.get(actual.dtype.kind, f"dtype {actual.dtype}")
    if wanted is None or given == wanted:
        return None
    return f"returned {given} (dtype {actual.dtype}) where {wanted} were expected"


@dataclass(frozen=True)
class AllClose(Comparison):
    """Same shape, and ``|actual - expected| <= atol + rtol * |expected|`` everywhere.

    Unlike :func:`numpy.allclose` the shapes must be equal (no broadcasting), and a
    NaN or infinity only matches the same value in the reference. With
    ``same_kind``, close values must also be numbers of the reference's kind
    (booleans, integers or floats), e.g. the flag ``converged`` a bool and not 0 or 1.
    """

    rtol: float = 1e-6
    atol: float = 1e-9
    same_kind: bool = False

    def mismatch(self, actual: np.ndarray, expected: np.ndarray) -> str | None:
        wrong_shape = _shape_mismatch(actual, expected)
        if wrong_shape:
            return wrong_shape
        a = actual.astype(np.float64)
        e = expected.astype(np.float64)
        if np.any(np.isnan(a) & ~np.isnan(e)):
            return "returned NaN where a number was expected"
        if np.any(np.isinf(a) & ~np.isinf(e)):
            return "returned an infinite value where a finite one was expected"
        if not np.all(np.isclose(a, e, rtol=self.rtol, atol=self.atol, equal_nan=True)):
            return WRONG_VALUES
        return _kind_mismatch(actual, expected) if self.same_kind else None


@dataclass(frozen=True)
class ArrayEqual(Comparison):
    """Same shape and exactly the same values (labels, counts, booleans).

    ``True`` equals 1 and ``2.0`` equals 2, unless ``same_kind`` asks for numbers of
    the reference's kind too (integer labels, not booleans or floats).
    """

    same_kind: bool = False

    def mismatch(self, actual: np.ndarray, expected: np.ndarray) -> str | None:
        wrong_shape = _shape_mismatch(actual, expected)
        if wrong_shape:
            return wrong_shape
        if not np.array_equal(actual, expected, equal_nan=expected.dtype.kind == "f"):
            return WRONG_VALUES
        return _kind_mismatch(actual, expected) if self.same_kind else None


@dataclass(frozen=True)
class ScalarClose(Comparison):
    """One number (any shape holding a single element), close to the reference."""

    rtol: float = 1e-6
    atol: float = 1e-9
    same_kind: bool = False

    def mismatch(self, actual: np.ndarray, expected: np.ndarray) -> str | None:
        if actual.size != 1:
            return f"returned {actual.size} values where a single number was expected"
        return AllClose(self.rtol, self.atol, self.same_kind).mismatch(
            actual.reshape(()), expected.reshape(())
        )


def allclose(
    rtol: float = 1e-6, atol: float = 1e-9, *, same_kind: bool = False
) -> AllClose:
    """Compare arrays of the same shape with tolerances (see :class:`AllClose`)."""
    return AllClose(rtol, atol, same_kind)


def array_equal(*, same_kind: bool = False) -> ArrayEqual:
    """Compare arrays of the same shape exactly (see :class:`ArrayEqual`)."""
    return ArrayEqual(same_kind)


def scalar_close(
    rtol: float = 1e-6, atol: float = 1e-9, *, same_kind: bool = False
) -> ScalarClose:
    """Compare a single number with tolerances (see :class:`ScalarClose`)."""
    return ScalarClose(rtol, atol, same_kind)


# ----------------------------------------------------------------------------------
# Cases and parts
# ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hidden check of one student function.

    Parameters
    ----------
    name : str
        Short description shown with failures, e.g. ``"large logits"``; unique
        within its part (it also seeds the inputs).
    function : str
        Name of the student's function, e.g. ``"softmax"``.
    make_args : callable
        ``make_args(rng) -> tuple`` of positional arguments, drawn from the seeded
        ``np.random.Generator``. Arguments may be numpy arrays (numeric), numpy or
        Python numbers, strings, ``None``, and lists, tuples or string-keyed dicts
        of these.
    reference : callable
        The course implementation; ``reference(*args)`` gives the expected output:
        a number or numeric array, or a tuple or list of such (one entry per
        output; the student must return a sequence of the same length).
    compare : Comparison
        Applied to every output array, e.g. ``allclose(rtol=1e-6)``.
    message : str
        Hint shown when the output is wrong, e.g. ``"softmax overflows for large
        inputs: subtract the maximum first"``. Never include expected numbers.
    """

    name: str
    function: str
    make_args: Callable[[np.random.Generator], tuple]
    reference: Callable
    compare: Comparison
    message: str


@dataclass(frozen=True)
class Part:
    """One graded part: an nbgrader test cell (``grade_id``) and its cases.

    A part is all or nothing, as an nbgrader test cell is: ``points`` when every
    case passes, 0 otherwise, with the first failing case's reason and message.
    """

    grade_id: str
    function: str
    points: float
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class Verdict:
    """Why a case failed: a reason and a message fit to show the student."""

    reason: Reason
    message: str


_UNPRINTABLE = re.compile(r"[^\x20-\x7e\u00a0-\uffff]+")


def quote(text, limit: int = 300) -> str:
    """Untrusted text made safe to quote: one line, printable, bounded."""
    text = " ".join(_UNPRINTABLE.sub(" ", str(text)[: 4 * limit + 16]).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def error_message(function: str, detail: str, case: str, where: str = "") -> str:
    """The message for a function that raised.

    ``detail`` is ``"ValueError: ..."``; ``where`` is ``"cell 4, line 2"`` when the
    place in the notebook is known.
    """
    place = f"{quote(where, 40)}; " if where else ""
    return f"{function} raised {quote(detail)} ({place}case '{case}')."


def bad_output_message(function: str, detail: str, case: str) -> str:
    """The message for a value that is not numbers (``detail`` from BadOutput)."""
    return (
        f"{function} {quote(detail)}: return a number or a numpy array of numbers "
        f"(case '{case}')."
    )


def most_specific(names) -> list[str]:
    """Sorted names, without those that merely prefix another one.

    ``["course.activations", "course.activations.relu"]`` gives
    ``["course.activations.relu"]``.
    """
    unique = set(names)
    return sorted(
        name for name in unique if not any(o.startswith(name + ".") for o in unique)
    )


def reference_message(function: str, uses: list[str]) -> str:
    """The message for a graded function that relies on the reference library."""
    names = ", ".join(sorted(set(uses)))
    return (
        f"{function} uses {names} from the course library, which holds the reference "
        f"solution: a graded function must be your own code, so this part gets no "
        f"points."
    )


# ----------------------------------------------------------------------------------
# Seeded inputs and reference outputs
# ----------------------------------------------------------------------------------


def case_seed(problem_set: str, grade_id: str, case_name: str) -> int:
    """A fixed 64-bit seed derived from the problem set, part and case names."""
    key = "\0".join((problem_set, grade_id, case_name)).encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "little")


def _freeze(value):
    """Make every array inside ``value`` read-only (cached inputs stay pristine)."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, (list, tuple)):
        for item in value:
            _freeze(item)
    elif isinstance(value, dict):
        for item in value.values():
            _freeze(item)
    return value


_CACHE: dict[tuple[str, str, str], tuple[tuple, object, list[np.ndarray]]] = {}
_CACHE_LOCK = threading.Lock()


def _computed(problem_set: str, part: Part, case: Case):
    key = (problem_set, part.grade_id, case.name)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    rng = np.random.default_rng(case_seed(problem_set, part.grade_id, case.name))
    args = case.make_args(rng)
    if not isinstance(args, tuple):
        raise ProblemSetError(
            f"make_args of case {case.name!r} in part {part.grade_id!r} must return a "
            f"tuple of arguments, but returned {type(args).__name__}."
        )
    args = _freeze(copy.deepcopy(args))
    output = case.reference(*copy.deepcopy(args))
    spec = output_spec(output)
    try:
        expected = to_numeric(output, spec)
    except BadOutput as exc:
        raise ProblemSetError(
            f"the reference of case {case.name!r} in part {part.grade_id!r} must "
            f"return numbers or numeric arrays (or a tuple of them): {exc}"
        ) from None
    hit = (args, spec, _freeze(expected))
    with _CACHE_LOCK:
        _CACHE[key] = hit
    return hit


def case_inputs(problem_set: str, part: Part, case: Case) -> tuple:
    """A fresh copy of the case's hidden arguments (same values on every call)."""
    return copy.deepcopy(_computed(problem_set, part, case)[0])


def expected_output(problem_set: str, part: Part, case: Case):
    """``(spec, leaves)``: the reference output's structure and its numeric arrays.

    ``spec`` is the structure passed to :func:`grader.sandbox_runner.to_numeric`;
    ``leaves`` are read-only arrays, in order. Computed once per process.
    """
    _, spec, leaves = _computed(problem_set, part, case)
    return spec, leaves


def judge(
    case: Case, actual: list[np.ndarray], expected: list[np.ndarray]
) -> Verdict | None:
    """Compare a case's output arrays with the reference ones.

    Parameters
    ----------
    case : Case
    actual, expected : list of ndarray
        Numeric arrays in the order given by the output structure (as returned by
        :func:`grader.sandbox_runner.to_numeric`).

    Returns
    -------
    Verdict or None
        ``None`` when every array matches; otherwise reason WRONG with the case's
        message (and the shape, when that is what differs).
    """
    if len(actual) != len(expected):
        return Verdict(
            Reason.WRONG,
            f"{case.function} returned {len(actual)} values where {len(expected)} "
            f"were expected (case '{case.name}').",
        )
    for position, (a, e) in enumerate(zip(actual, expected, strict=True)):
        problem = case.compare.mismatch(a, e)
        if problem is None:
            continue
        where = f" (output {position + 1})" if len(expected) > 1 else ""
        hint = case.message.rstrip(". ")
        if problem == WRONG_VALUES:
            text = f"{hint} (case '{case.name}'{where})."
        else:
            text = f"{case.function}{where} {problem} (case '{case.name}'). {hint}."
        return Verdict(Reason.WRONG, text)
    return None


def _argument_name(position, name) -> str:
    if isinstance(name, str) and name.isidentifier() and len(name) <= 40:
        return name
    return f"number {position + 1}"


def changed_verdict(case: Case, changed) -> Verdict | None:
    """The verdict for a call that changed some of its arguments in place.

    Parameters
    ----------
    case : Case
    changed : list
        ``[[position, name], ...]`` as given by
        :func:`grader.sandbox_runner.changed_arguments` (from the sandbox, so
        entries of another form are ignored).

    Returns
    -------
    Verdict or None
        ``None`` when no argument changed; otherwise reason WRONG with a message
        naming the arguments, e.g. "relu changes its argument z in place".
    """
    if not isinstance(changed, list):
        return None
    names = list(
        dict.fromkeys(
            _argument_name(entry[0], entry[1])
            for entry in changed
            if isinstance(entry, list)
            and len(entry) == 2
            and isinstance(entry[0], int)
            and 0 <= entry[0] < 1000
        )
    )
    if not names:
        return None
    w = next((name for name in names if not name.startswith("number ")), "w")
    noun, listed = "argument", names[-1]
    if len(names) > 1:
        noun, listed = "arguments", ", ".join(names[:-1]) + f" and {listed}"
    return Verdict(
        Reason.WRONG,
        f"{case.function} changes its {noun} {listed} in place (case '{case.name}'): "
        f"the caller's values must stay as they were given. Build new values "
        f"instead ({w} = {w} - step leaves the caller's {w} alone; {w} -= step and "
        f"{w}[i] = v change it), or work on a copy.",
    )
