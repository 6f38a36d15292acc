"""Grades as CSV or JSON, one row per student, assignment and graded part.

Schema (version 1; the same columns, in this order, in both formats):

==========  ======  ==============================================================
column      type    meaning
==========  ======  ==============================================================
student     str     nbgrader student id
assignment  str     assignment name (``ps1``)
part        str     the graded cell's grade_id (``softmax_hidden``)
score       float   points for the part as the gradebook holds them (a score set
                    by hand in formgrader wins over the autograder's; extra credit
                    included; 0 while a part waits for manual grading)
max_score   float   the part's points
reason      str     why (a :class:`grader.reasons.Reason`): the grader's verdict
                    (``OK``, ``WRONG``, ``ERROR``, ``TIMEOUT``, ``MEMORY``,
                    ``DISK``, ``CRASH``, ``MISSING_FUNCTION``,
                    ``IMPORTS_REFERENCE``, ``BAD_NOTEBOOK``, ``MISSING_NOTEBOOK``,
                    ``BAD_SUBMISSION``, ``UNGRADED``), or ``MANUAL`` (scored by
                    hand),
                    ``NEEDS_GRADING`` (waits for a person), ``NO_ANSWER`` (a
                    written answer left as released), ``NBGRADER`` (scored by
                    plain ``nbgrader autograde``, which records no reason),
                    ``NO_SUBMISSION`` (nothing submitted)
message     str     the hint shown to the student (the grader's message, or the
                    grader's comment in formgrader for a part scored by hand)
total       float   the student's total for the assignment after the late
                    penalty, as ``nbgrader export`` computes it (same in every
                    row of that student and assignment)
==========  ======  ==============================================================

Rows are sorted by assignment, student and the order of the cells in the
notebooks. CSV has a header line; JSON is a list of objects with these keys.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, astuple, dataclass, fields
from typing import TextIO

from nbgrader import utils as nbutils
from nbgrader.api import MissingEntry
from nbgrader.coursedir import CourseDirectory

from grader.course import CourseError, step_dir
from grader.nbgrader_internals import open_gradebook
from grader.notebooks import NotebookError, read_nbformat
from grader.reasons import Reason
from grader.recording import PartVerdict, read_verdicts

FORMATS = ("csv", "json")


@dataclass(frozen=True)
class Row:
    """One exported row; the field order is the column order."""

    student: str
    assignment: str
    part: str
    score: float
    max_score: float
    reason: str
    message: str
    total: float


COLUMNS = tuple(f.name for f in fields(Row))


def grade_rows(coursedir: CourseDirectory, assignment: str | None = None) -> list[Row]:
    """Every student's rows for ``assignment`` (or for every assignment).

    Scores come from nbgrader's gradebook, so manual grading in formgrader shows;
    reasons and messages come from the grader's verdicts beside the autograded
    notebooks.
    """
    rows = []
    with open_gradebook(coursedir) as gb:
        if assignment is None:
            records = sorted(gb.assignments, key=lambda a: a.name)
        else:
            try:
                records = [gb.find_assignment(assignment)]
            except MissingEntry:
                known = ", ".join(sorted(a.name for a in gb.assignments)) or "none"
                raise CourseError(
                    f"unknown assignment {assignment!r}: expected one in the "
                    f"gradebook {coursedir.db_url} ({known})"
                ) from None
        students = sorted(s.id for s in gb.students)
        for record in records:
            cells = _cells_in_order(coursedir, record)
            for student in students:
                try:
                    submission = gb.find_submission(record.name, student)
                except MissingEntry:
                    rows += [
                        Row(student, record.name, c.name, 0.0, c.max_score,
                            Reason.NO_SUBMISSION, "nothing was submitted", 0.0)
                        for c in cells
                    ]  # fmt: skip
                    continue
                rows += _submission_rows(coursedir, submission, cells)
    return rows


@dataclass(frozen=True)
class _Cell:
    notebook: str
    name: str
    max_score: float
    written: bool  # an answer a person grades (also a solution cell)


def _cells_in_order(coursedir: CourseDirectory, record) -> list[_Cell]:
    """The assignment's graded cells, in notebook order where the source is known."""
    cells = []
    source = step_dir(coursedir, "source", record.name)
    for notebook in sorted(record.notebooks, key=lambda n: n.name):
        answers = {c.name for c in notebook.solution_cells}
        graded = {c.name: c for c in [*notebook.grade_cells, *notebook.task_cells]}
        order = _grade_ids(source / f"{notebook.name}.ipynb")
        for name in sorted(graded, key=lambda n: (order.get(n, len(order)), n)):
            cells.append(
                _Cell(
                    notebook.name,
                    name,
                    float(graded[name].max_score),
                    name in answers or graded[name] in notebook.task_cells,
                )
            )
    return cells


def _grade_ids(path) -> dict[str, int]:
    try:
        nb = read_nbformat(path)
    except NotebookError:
        return {}
    ids = [c.metadata.nbgrader["grade_id"] for c in nb.cells if nbutils.is_grade(c)]
    ids += [c.metadata.nbgrader["grade_id"] for c in nb.cells if nbutils.is_task(c)]
    return {grade_id: i for i, grade_id in enumerate(ids)}


def _submission_rows(
    coursedir: CourseDirectory, submission, cells: list[_Cell]
) -> list[Row]:
    student, assignment = submission.student.id, submission.assignment.name
    verdicts = read_verdicts(coursedir, assignment, student) or {}
    grades = {(nb.name, g.name): g for nb in submission.notebooks for g in nb.grades}
    comments = {
        (nb.name, c.name): c for nb in submission.notebooks for c in nb.comments
    }
    penalty = sum(nb.late_submission_penalty or 0.0 for nb in submission.notebooks)
    total = max(0.0, float(submission.score) - penalty)
    rows = []
    for cell in cells:
        grade = grades[(cell.notebook, cell.name)]
        comment = comments.get((cell.notebook, cell.name))
        reason, message = _reason(cell, grade, comment, verdicts.get(cell.name))
        rows.append(
            Row(
                student,
                assignment,
                cell.name,
                float(grade.score),
                cell.max_score,
                reason,
                message,
                total,
            )
        )
    return rows


def _reason(
    cell: _Cell, grade, comment, verdict: PartVerdict | None
) -> tuple[str, str]:
    manual_comment = (comment.manual_comment if comment is not None else None) or ""
    if grade.manual_score is not None:
        return Reason.MANUAL, manual_comment or (verdict.message if verdict else "")
    if verdict is not None:
        return verdict.reason, verdict.message
    if grade.needs_manual_grade or grade.auto_score is None:
        return Reason.NEEDS_GRADING, "waiting for a grader"
    if cell.written and grade.auto_score == 0:
        return Reason.NO_ANSWER, "no answer was given"
    return Reason.NBGRADER, ""


def write_rows(rows: list[Row], fh: TextIO, fmt: str = "csv") -> None:
    """Write ``rows`` to ``fh`` in ``fmt`` ("csv" or "json")."""
    if fmt == "csv":
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(astuple(row) for row in rows)
    elif fmt == "json":
        json.dump([asdict(row) for row in rows], fh, indent=1)
        fh.write("\n")
    else:
        raise CourseError(
            f"unknown export format {fmt!r}: expected one of {', '.join(FORMATS)}"
        )
