"""Recording the grader's verdicts in nbgrader's gradebook and ``autograded/``.

Scores reach nbgrader the way nbgrader's own ``autograde`` puts them there, so that
formgrader, ``nbgrader generate_feedback`` and ``nbgrader export`` keep working:

1. the *autograded notebook* is the released notebook with the student's answers
   (:func:`grader.merge.merge_submission`), and each graded test cell gets an
   output that encodes the grader's verdict (nothing for full marks, an error with
   the part's message for zero, the partial score as a result otherwise);
2. nbgrader's own preprocessors do the bookkeeping: ``OverwriteCells`` restores the
   test cells from the gradebook, ``SaveAutoGrades`` records the scores and
   ``AssignLatePenalties`` applies the course's late policy;
3. the grader's verdict per part (score, reason, message) is kept beside the
   autograded notebook in ``grader-result.json``, for export, feedback and reports,
   with a fingerprint of what was graded (to skip it next time when unchanged).

All writes happen in one process (the caller's), one submission at a time and each
in one transaction, so the SQLite gradebook never sees concurrent writers and never
holds half a submission. The new ``autograded/<student>/<assignment>/`` folder is
built beside the old one and takes its place only once the transaction is
committed: a failure (a full disk, an interrupt) leaves the previous result in both
places. A submission whose student or assignment folder is a symbolic link is
recorded from the released notebook alone: nothing is read through the link.
What this relies on inside nbgrader is in :mod:`grader.nbgrader_internals`.
"""

from __future__ import annotations

import json
import math
import shutil
import warnings
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbgrader import utils as nbutils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    AssignLatePenalties,
    OverwriteCells,
    SaveAutoGrades,
)
from sqlalchemy.exc import SAWarning

from grader.course import (
    TIMESTAMP_FILE,
    CourseError,
    step_dir,
    submission_link,
)
from grader.merge import merge_submission, read_release, read_submitted_notebook
from grader.nbgrader_internals import (
    NBGRADER_LOG,
    LoadedSubmission,
    is_solution_cell,
    one_transaction,
    open_gradebook,
    run_cell_preprocessor,
    verdict_outputs,
)
from grader.reasons import Reason

RESULT_FILE = "grader-result.json"
RESULT_FORMAT = 1


@dataclass(frozen=True)
class PartVerdict:
    """The grader's verdict on one graded part, as stored beside the gradebook."""

    score: float
    max_score: float
    reason: str
    message: str

    @classmethod
    def of(cls, part: Any) -> PartVerdict:
        """The verdict of any object with ``score``, ``max_score``, ``reason``
        (a string or an enum member) and ``message``, such as a PartResult."""
        reason = getattr(part.reason, "value", part.reason)
        return cls(
            float(part.score), float(part.max_score), str(reason), str(part.message)
        )


def gradebook_parts(coursedir: CourseDirectory, assignment: str) -> dict[str, float]:
    """Autograded test cells of ``assignment`` in the gradebook: grade_id -> points.

    Raises CourseError when the assignment was never released (``grader release``
    records its cells in the gradebook).
    """
    with open_gradebook(coursedir) as gb:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            raise _not_released(coursedir, assignment) from None
        return {
            cell.name: float(cell.max_score)
            for notebook in record.notebooks
            for cell in notebook.grade_cells
            if cell.cell_type == "code" and not is_solution_cell(gb, cell)
        }


def check_parts(
    coursedir: CourseDirectory, assignment: str, parts: Mapping[str, float]
) -> None:
    """Raise CourseError unless the problem set's parts match the gradebook.

    ``parts`` maps each part's grade_id to its points, as the problem set declares
    them; the released notebooks must have a test cell with that grade_id worth the
    same points, and every autograded test cell must belong to a part.
    """
    cells = gradebook_parts(coursedir, assignment)
    problems = []
    for grade_id, points in parts.items():
        if grade_id not in cells:
            problems.append(f"part {grade_id!r} has no test cell in the notebooks")
        elif not math.isclose(cells[grade_id], points):
            problems.append(
                f"part {grade_id!r} is worth {points:g} points in the problem set "
                f"but {cells[grade_id]:g} in the notebook"
            )
    problems += [
        f"test cell {grade_id!r} belongs to no part of the problem set"
        for grade_id in cells
        if grade_id not in parts
    ]
    if problems:
        raise CourseError(
            f"the problem set and the notebooks of {assignment!r} disagree: "
            + "; ".join(problems)
        )


class GradebookWriter:
    """Records verdicts in the gradebook, one submission after another.

    One gradebook connection serves the whole batch (SQLAlchemy caches compiled
    queries per connection engine, which makes each further submission cheap).
    nbgrader's own per-cell logic does the work: ``OverwriteCells`` restores the
    canonical cells of the released notebook once per batch (they are the same for
    every student), and ``SaveAutoGrades`` turns each test cell's output into a
    score and each answer cell into a comment; when the assignment has a due date,
    nbgrader's ``AssignLatePenalties`` applies the course's late policy.

    ``functions`` (the graded function names) help find a renamed notebook the
    way the grader does. Use as a context manager::

        with GradebookWriter(coursedir, "ps1") as writer:
            writer.record("alice", verdicts)
    """

    def __init__(
        self,
        coursedir: CourseDirectory,
        assignment: str,
        functions: Iterable[str] = (),
    ) -> None:
        self.coursedir = coursedir
        self.assignment = assignment
        self.functions = tuple(functions)
        self._stack = ExitStack()
        self._gb: Gradebook | None = None

    def __enter__(self) -> GradebookWriter:
        self._gb = self._stack.enter_context(open_gradebook(self.coursedir))
        try:
            record = self._gb.find_assignment(self.assignment)
        except MissingEntry:
            self._stack.close()
            raise _not_released(self.coursedir, self.assignment) from None
        self._notebooks = sorted(nb.name for nb in record.notebooks)
        self._has_duedate = record.duedate is not None
        release = step_dir(self.coursedir, "release", self.assignment)
        self._templates = {}
        for name in self._notebooks:
            # The canonical cells do not depend on the student: restore them once.
            template = read_release(release / f"{name}.ipynb")
            resources = self._resources("", name)
            run_cell_preprocessor(OverwriteCells, template, resources, self._gb)
            self._templates[name] = template
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def recorded_students(self) -> set[str]:
        """The students with a submission of the assignment in the gradebook."""
        record = self._gb.find_assignment(self.assignment)
        return {submission.student_id for submission in record.submissions}

    def record(
        self,
        student: str,
        parts: Mapping[str, Any],
        fingerprint: str | None = None,
    ) -> None:
        """Write one student's verdicts into the gradebook and ``autograded/``.

        Parameters
        ----------
        student : str
            Whose submission, from ``submitted/<student>/<assignment>/``.
        parts : mapping of str to PartVerdict
            The grader's verdict for each autograded test cell, keyed by grade_id
            (any objects with ``score``, ``max_score``, ``reason`` and ``message``).
            A test cell without a verdict, or with reason ``UNGRADED``, gets zero
            points and is flagged for manual grading in formgrader.
        fingerprint : str, optional
            What was graded (see :func:`grader.batch.fingerprint`), stored with the
            verdicts.

        Raises
        ------
        OSError, sqlalchemy.exc.SQLAlchemyError
            When the submission could not be recorded (a full disk, say); then
            nothing of it was, and the previous record stands.
        """
        dest = step_dir(self.coursedir, "autograded", self.assignment, student)
        staging = dest.with_name(f".{dest.name}.recording")
        try:
            with one_transaction(self._gb):  # nothing of it is kept on failure
                if staging.exists():
                    shutil.rmtree(staging)
                staging.mkdir(parents=True)
                late = self._record(student, parts, fingerprint, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _replace_folder(dest, staging)
        for nb, resources in late:  # opens a connection of its own
            AssignLatePenalties(log=NBGRADER_LOG).preprocess(nb, resources)

    def _record(
        self,
        student: str,
        parts: Mapping[str, Any],
        fingerprint: str | None,
        dest: Path,
    ) -> list:
        """Record in the open transaction, writing the autograded files into
        ``dest``; the notebooks due a late penalty."""
        gb, assignment, coursedir = self._gb, self.assignment, self.coursedir
        functions = self.functions
        submitted = step_dir(coursedir, "submitted", assignment, student)
        verdicts = {gid: PartVerdict.of(p) for gid, p in parts.items()}
        readable = submission_link(coursedir, assignment, student) is None
        timestamp = (
            coursedir.get_existing_timestamp(str(submitted)) if readable else None
        )
        with warnings.catch_warnings():
            # nbgrader builds a new submission in a way SQLAlchemy 2 warns about.
            warnings.simplefilter("ignore", SAWarning)
            gb.update_or_create_student(student)
            if timestamp is None:
                gb.update_or_create_submission(assignment, student)
            else:
                gb.update_or_create_submission(assignment, student, timestamp=timestamp)

        if timestamp is not None and (submitted / TIMESTAMP_FILE).is_file():
            shutil.copyfile(submitted / TIMESTAMP_FILE, dest / TIMESTAMP_FILE)
        late = []
        for name in self._notebooks:
            student_nb = None
            if readable:
                student_nb = read_submitted_notebook(
                    submitted, name, only=len(self._notebooks) == 1, functions=functions
                )
            nb = merge_submission(self._templates[name], student_nb)
            resources = self._resources(student, name)
            manual = _set_test_outputs(nb, verdicts)
            notebook = gb.find_submission_notebook(name, assignment, student)
            loaded = LoadedSubmission(gb, notebook)
            run_cell_preprocessor(SaveAutoGrades, nb, resources, loaded)
            for grade_id in manual:
                grade = loaded.find_grade(grade_id, name, assignment, student)
                grade.needs_manual_grade = True
            if not self._has_duedate:
                notebook.late_submission_penalty = None
            else:
                late.append((nb, resources))
            nbformat.write(nb, dest / f"{name}.ipynb")
        payload = {
            "format": RESULT_FORMAT,
            "student": student,
            "assignment": assignment,
            "fingerprint": fingerprint,
            "parts": {gid: asdict(v) for gid, v in sorted(verdicts.items())},
        }
        (dest / RESULT_FILE).write_text(json.dumps(payload, indent=1), encoding="utf-8")
        return late

    def _resources(self, student: str, notebook: str) -> dict:
        return {
            "nbgrader": {
                "student": student,
                "assignment": self.assignment,
                "notebook": notebook,
                "db_url": self.coursedir.db_url,
            }
        }


def record_result(
    coursedir: CourseDirectory,
    assignment: str,
    student: str,
    parts: Mapping[str, Any],
) -> None:
    """Record one submission: :meth:`GradebookWriter.record` in a writer of its own."""
    with GradebookWriter(coursedir, assignment) as writer:
        writer.record(student, parts)


def _replace_folder(dest: Path, new: Path) -> None:
    """Put the folder ``new`` in the place of ``dest`` (which may not exist)."""
    old = dest.with_name(f".{dest.name}.replaced")
    if old.exists():
        shutil.rmtree(old)
    if dest.exists():
        dest.rename(old)
    new.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def _not_released(coursedir: CourseDirectory, assignment: str) -> CourseError:
    return CourseError(
        f"assignment {assignment!r} is not in the gradebook {coursedir.db_url}: "
        f"expected it to be released first (grader release {assignment})"
    )


def read_verdicts(
    coursedir: CourseDirectory, assignment: str, student: str
) -> dict[str, PartVerdict] | None:
    """The verdicts :class:`GradebookWriter` stored, or None when there are none.

    A file that cannot be read counts as none (and :func:`check_integrity` reports
    it).
    """
    payload = _result_payload(coursedir, assignment, student)
    try:
        return {gid: PartVerdict(**v) for gid, v in payload["parts"].items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def read_fingerprint(
    coursedir: CourseDirectory, assignment: str, student: str
) -> str | None:
    """The fingerprint stored with the verdicts (see :meth:`GradebookWriter.record`)."""
    payload = _result_payload(coursedir, assignment, student)
    found = payload.get("fingerprint") if isinstance(payload, dict) else None
    return found if isinstance(found, str) else None


def _result_payload(coursedir: CourseDirectory, assignment: str, student: str):
    path = step_dir(coursedir, "autograded", assignment, student) / RESULT_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("format") != RESULT_FORMAT:
        return None
    return payload


def _set_test_outputs(nb, verdicts: Mapping[str, PartVerdict]) -> list[str]:
    """Encode each verdict as its test cell's output.

    Returns the grade_ids that need a person: cells without a verdict (they get
    zero points) and verdicts with reason ``UNGRADED``.
    """
    manual = []
    for cell in nb.cells:
        if cell.cell_type != "code" or not nbutils.is_grade(cell):
            continue
        if nbutils.is_solution(cell):
            continue
        grade_id = cell.metadata.nbgrader["grade_id"]
        verdict = verdicts.get(grade_id) or PartVerdict(
            0.0,
            float(cell.metadata.nbgrader["points"]),
            Reason.UNGRADED,
            "the problem set has no cases for this test cell: grade it by hand",
        )
        if verdict.reason == Reason.UNGRADED:
            manual.append(grade_id)
        cell.outputs = verdict_outputs(verdict)
        cell.execution_count = None
    return manual
