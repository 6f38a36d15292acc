"""Building the student release of an assignment and checking it against its source.

:func:`release_assignment` runs nbgrader's ``generate_assignment`` (which also
records the assignment's cells in the gradebook); :func:`check_release` makes sure
the release differs from the source only by the regions nbgrader clears.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import nbformat
from nbgrader.converters import GenerateAssignment, NbGraderException
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    ClearHiddenTests,
    ClearSolutions,
)

from grader.course import CourseError, check_assignment, step_dir
from grader.merge import cell_grade_id
from grader.nbgrader_internals import NBGRADER_LOG, open_gradebook
from grader.notebooks import NotebookError, read_nbformat


def release_assignment(coursedir: CourseDirectory, assignment: str) -> list[str]:
    """Build the student version of ``assignment`` and check it.

    Runs nbgrader's ``generate_assignment`` (which also records the assignment's
    cells in the gradebook), then :func:`check_release`. Raises CourseError when
    nbgrader fails or the check finds a problem.

    Returns
    -------
    list of str
        The release files (relative to the release folder) that this build
        added, changed or removed; empty when the release was already up to date.
    """
    check_assignment(coursedir, assignment)
    release = step_dir(coursedir, "release", assignment)
    before = _snapshot(release)
    course = CourseDirectory(
        config=coursedir.config, log=NBGRADER_LOG, assignment_id=assignment
    )
    converter = GenerateAssignment(
        coursedir=course, config=coursedir.config, log=NBGRADER_LOG
    )
    converter.force = True
    with open_gradebook(coursedir):
        pass  # creates gradebook.db with the alembic script reachable
    try:
        converter.start()
    except NbGraderException as exc:
        raise CourseError(
            f"nbgrader generate_assignment failed for {assignment!r} ({exc}): "
            "expected source notebooks that nbgrader validate accepts"
        ) from None
    problems = check_release(coursedir, assignment)
    if problems:
        raise CourseError(
            f"the release of {assignment!r} differs from its source in more than "
            "the solution and hidden-test regions: " + "; ".join(problems)
        )
    after = _snapshot(release)
    return sorted(
        name
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
    )


def _snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def check_release(coursedir: CourseDirectory, assignment: str) -> list[str]:
    """Ways in which the release differs from the source beyond what it should.

    The release must hold the same files as the source; each released notebook
    the same cells, of the same types and grade_ids, without outputs; a cell
    without solution or hidden-test regions must be unchanged, and a cell with
    them must keep its text before the first and after the last region and
    contain no region delimiter.
    """
    source = step_dir(coursedir, "source", assignment)
    release = step_dir(coursedir, "release", assignment)
    ignore = set(coursedir.ignore)
    src_files = {n for n in _snapshot(source) if not _ignored(n, ignore)}
    rel_files = set(_snapshot(release))
    problems = [
        f"{n} is missing from the release" for n in sorted(src_files - rel_files)
    ]
    problems += [f"{n} is not in the source" for n in sorted(rel_files - src_files)]
    solution = ClearSolutions(config=coursedir.config)
    hidden = ClearHiddenTests(config=coursedir.config)
    delimiters = (
        solution.begin_solution_delimeter,
        solution.end_solution_delimeter,
        hidden.begin_test_delimeter,
        hidden.end_test_delimeter,
    )
    ends = delimiters[1], delimiters[3]
    for name in sorted(n for n in src_files & rel_files if n.endswith(".ipynb")):
        problems += _notebook_problems(
            name,
            _read(source / name),
            _read(release / name),
            delimiters,
            ends,
        )
    return problems


def _read(path: Path) -> nbformat.NotebookNode:
    try:
        return read_nbformat(path)
    except NotebookError as exc:
        raise CourseError(f"notebook {path} cannot be read: {exc}") from None


def _ignored(name: str, patterns: set[str]) -> bool:
    return any(fnmatch.fnmatch(part, p) for part in name.split("/") for p in patterns)


def _notebook_problems(name, src, rel, delimiters, ends) -> list[str]:
    if len(src.cells) != len(rel.cells):
        return [f"{name} has {len(rel.cells)} cells, the source {len(src.cells)}"]
    problems = []
    for i, (s, r) in enumerate(zip(src.cells, rel.cells, strict=True), start=1):
        where = f"{name} cell {i}"
        if s.cell_type != r.cell_type or cell_grade_id(s) != cell_grade_id(r):
            problems.append(f"{where} differs in type or grade_id")
        if r.cell_type == "code" and r.outputs:
            problems.append(f"{where} has outputs")
        lines = s.source.splitlines()
        marked = [
            j for j, line in enumerate(lines) if any(d in line for d in delimiters)
        ]
        if not marked:
            if s.source != r.source:
                problems.append(f"{where} changed but has no region to clear")
            continue
        if any(d in r.source for d in delimiters):
            problems.append(f"{where} still holds a region delimiter")
        last_end = max(j for j in marked if any(e in lines[j] for e in ends))
        head, tail = lines[: marked[0]], lines[last_end + 1 :]
        released = r.source.splitlines()
        if (
            released[: len(head)] != head
            or released[len(released) - len(tail) :] != tail
        ):
            problems.append(f"{where} changed outside its regions")
    return problems
