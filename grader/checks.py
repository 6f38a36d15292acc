"""Hidden tests for plain ``nbgrader autograde``: one call per graded test cell.

The hidden part of a test cell in a source notebook is::

    ### BEGIN HIDDEN TESTS
    from grader.checks import check_part
    check_part("ps3", "softmax_hidden", softmax)
    ### END HIDDEN TESTS

:func:`check_part` runs the part's declarative cases (:mod:`grader.problemset`) in the
grading kernel: same seeded inputs, same reference outputs, same conversion and
comparison as ``grader autograde``, so both give the same verdicts on honest code. On
the first failing case it raises ``AssertionError`` with the case's message, never the
expected numbers. It also refuses a function that uses the reference library, found by
inspecting the function's code and globals (:func:`reference_uses_live`);
:func:`check_own_code` does only that, for the public tests of a release notebook.

Under plain nbgrader the student's code shares the kernel with these checks, so a
hostile student can defeat them; ``grader autograde`` is the trusted path.

The two paths differ by design in one respect. ``grader autograde`` scores a part on
its own function alone; under plain nbgrader the test cell's public asserts run
before this check, and they may call other graded functions (ps3's gradient test
compares with central differences of the student's ``cross_entropy``), so there a
broken function can also cost the points of parts whose public tests use it. On the
part's own function the grader is never more lenient: its hidden cases catch every
mistake the public asserts catch (shown by mutation testing, ``make mutants``).
"""

from __future__ import annotations

import contextlib
import dis
import io
import types
import warnings
from collections.abc import Callable

from grader.cases import (
    bad_output_message,
    case_inputs,
    changed_verdict,
    error_message,
    expected_output,
    judge,
    most_specific,
    reference_message,
)
from grader.problemset import load_problem_set
from grader.sandbox_runner import (
    BadOutput,
    changed_arguments,
    fingerprint,
    to_numeric,
)

__all__ = ["check_part", "check_own_code", "reference_uses_live"]


def _code_objects(code: types.CodeType):
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_objects(constant)


def reference_uses_live(function, is_reference: Callable[[str], bool]) -> list[str]:
    """Reference modules or objects a live function relies on (dotted names).

    Looks at the names its code reads in its globals (modules, and functions or
    classes by their ``__module__``), attributes of imported packages, imports inside
    its body, closures and defaults, and recurses into the student's own functions and
    classes defined in the same namespace.
    """
    found: set[str] = set()
    seen: set[int] = set()

    def check(value, attributes: tuple[str, ...]) -> None:
        if isinstance(value, types.ModuleType):
            name = value.__name__
            if is_reference(name):
                found.add(name)
            for attribute in attributes:  # submodules reached as attributes
                submodule = getattr(value, attribute, None)
                if isinstance(submodule, types.ModuleType) and is_reference(
                    submodule.__name__
                ):
                    found.add(submodule.__name__)
            return
        module = getattr(value, "__module__", None)
        qualified = f"{module}.{getattr(value, '__qualname__', '')}".rstrip(".")
        if isinstance(module, str) and (
            is_reference(module) or is_reference(qualified)
        ):
            found.add(qualified)
        elif isinstance(value, types.FunctionType):
            visit(value)
        elif isinstance(value, type):
            for member in vars(value).values():
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if isinstance(member, types.FunctionType):
                    visit(member)

    def visit(func: types.FunctionType) -> None:
        if id(func) in seen:
            return
        seen.add(id(func))
        namespace = func.__globals__
        for code in _code_objects(func.__code__):
            attributes = tuple(code.co_names)
            imported = None
            for instruction in dis.get_instructions(code):
                if instruction.opname == "IMPORT_NAME":
                    imported = str(instruction.argval)
                    if is_reference(imported):
                        found.add(imported)
                elif instruction.opname == "IMPORT_FROM" and imported:
                    dotted = f"{imported}.{instruction.argval}"
                    if is_reference(dotted):
                        found.add(dotted)
            for name in code.co_names:
                if name in namespace:
                    check(namespace[name], attributes)
        for cell in func.__closure__ or ():
            try:
                check(cell.cell_contents, ())
            except ValueError:  # an empty cell
                pass
        for default in (func.__defaults__ or ()) + tuple(
            (func.__kwdefaults__ or {}).values()
        ):
            check(default, ())

    check(function, ())
    return most_specific(found)


def check_own_code(problem_set: str, function) -> None:
    """Fail when ``function`` relies on the reference library.

    For the public tests of a release notebook, so that students learn before they
    submit that such a function gets no points::

        from grader.checks import check_own_code
        check_own_code("ps3", softmax)

    Raises
    ------
    AssertionError
        With the message the grader gives (reason IMPORTS_REFERENCE).
    """
    problems = load_problem_set(problem_set)
    uses = reference_uses_live(function, problems.is_reference)
    if uses:
        name = getattr(function, "__name__", "this function")
        raise AssertionError(reference_message(name, uses))


def check_part(problem_set: str, grade_id: str, function) -> None:
    """Run one graded part's hidden cases on the student's function.

    Parameters
    ----------
    problem_set : str
        Problem set name, e.g. ``"ps3"``.
    grade_id : str
        The test cell's ``grade_id``, e.g. ``"softmax_hidden"``.
    function : callable
        The student's function.

    Raises
    ------
    AssertionError
        On the first failing case, with its message; or when the function uses the
        reference library.
    """
    part = load_problem_set(problem_set).part(grade_id)
    if not callable(function):
        raise AssertionError(f"{part.function} must be a function.")
    check_own_code(problem_set, function)
    for case in part.cases:
        args = case_inputs(problem_set, part, case)
        before = [fingerprint(arg) for arg in args]
        spec, expected = expected_output(problem_set, part, case)
        try:
            # The student's warnings and stderr prints must not reach the test
            # cell: nbgrader scores a cell with stderr output as failed.
            with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                value = function(*args)
        except Exception as exc:
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise AssertionError(
                error_message(part.function, detail, case.name)
            ) from None
        try:
            actual = to_numeric(value, spec)
        except BadOutput as exc:
            message = bad_output_message(part.function, str(exc), case.name)
            raise AssertionError(message) from None
        changed = changed_arguments(function, args, before)
        verdict = changed_verdict(case, changed) or judge(case, actual, list(expected))
        if verdict is not None:
            raise AssertionError(verdict.message)
