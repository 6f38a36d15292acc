"""Feedback for students: nbgrader's annotated notebooks and a one-page summary.

``write_feedback`` runs nbgrader's own ``generate_feedback`` (each student's
autograded notebook as HTML, with the score of every cell; the course's
``nbgrader_config.py`` strips hidden tests from it with
:class:`ClearHiddenTests`) and adds ``grader-feedback.html`` beside it: every graded
part with its points, its result and the grader's message. The summary is built
from the exported rows, so it shows what the gradebook holds (manual grades
included) and never the hidden tests' code or expected values, which the rows do
not contain.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from itertools import groupby
from pathlib import Path

from nbgrader.converters import GenerateFeedback, NbGraderException
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import ClearHiddenTests as _NbgraderClearHiddenTests
from traitlets import List

from grader.course import CourseError, check_assignment, step_dir
from grader.export import Row, grade_rows
from grader.reasons import Reason
from grader.templating import render

FEEDBACK_FILE = "grader-feedback.html"

_LOG = logging.getLogger("grader.nbgrader")


class ClearHiddenTests(_NbgraderClearHiddenTests):
    """nbgrader's ``ClearHiddenTests`` for ``generate_feedback``.

    nbconvert's HTML exporter hands ``display_data_priority`` to every
    preprocessor; nbgrader's own class does not declare it as configurable and
    warns on every run. This one accepts it.
    """

    display_data_priority = List().tag(config=True)


def write_feedback(
    coursedir: CourseDirectory,
    assignment: str,
    students: Iterable[str] | None = None,
    *,
    notebooks: bool = True,
) -> list[Path]:
    """Write feedback for every graded student of ``assignment``.

    Parameters
    ----------
    coursedir : CourseDirectory
        The course.
    assignment : str
        The assignment.
    students : iterable of str, optional
        Only these students (default: everyone with a submission).
    notebooks : bool
        Also run nbgrader's ``generate_feedback`` for the annotated notebooks.

    Returns
    -------
    list of Path
        The summary pages written, one per student.
    """
    check_assignment(coursedir, assignment)
    rows = [
        r for r in grade_rows(coursedir, assignment) if r.reason != Reason.NO_SUBMISSION
    ]
    wanted = None if students is None else set(students)
    by_student = {
        student: list(group)
        for student, group in groupby(rows, key=lambda r: r.student)
        if wanted is None or student in wanted
    }
    if wanted is not None and wanted - set(by_student):
        missing = ", ".join(sorted(wanted - set(by_student)))
        raise CourseError(
            f"no graded submission of {assignment!r} for {missing}: expected "
            f"students that grader autograde {assignment} has graded"
        )
    if not by_student:
        raise CourseError(
            f"no graded submission of {assignment!r}: expected "
            f"grader autograde {assignment} to have run"
        )
    if notebooks:
        for student in sorted(by_student):
            _nbgrader_feedback(coursedir, assignment, student)
    written = []
    for student, student_rows in sorted(by_student.items()):
        dest = step_dir(coursedir, "feedback", assignment, student)
        dest.mkdir(parents=True, exist_ok=True)
        path = dest / FEEDBACK_FILE
        path.write_text(summary_html(student_rows), encoding="utf-8")
        written.append(path)
    return written


def _nbgrader_feedback(coursedir: CourseDirectory, assignment: str, student: str):
    course = CourseDirectory(
        config=coursedir.config,
        log=_LOG,
        assignment_id=assignment,
        student_id=student,
    )
    converter = GenerateFeedback(coursedir=course, config=coursedir.config, log=_LOG)
    converter.force = True
    try:
        converter.start()
    except NbGraderException as exc:
        raise CourseError(
            f"nbgrader generate_feedback failed for {student}/{assignment} ({exc}): "
            "expected an autograded notebook in "
            f"{step_dir(coursedir, 'autograded', assignment, student)}"
        ) from None


def summary_html(rows: list[Row]) -> str:
    """The one-page summary of one student's rows for one assignment."""
    return render(
        "feedback.html.j2",
        student=rows[0].student,
        assignment=rows[0].assignment,
        total=rows[0].total,
        max_total=sum(r.max_score for r in rows),
        rows=rows,
        label=Reason.label_of,
    )
