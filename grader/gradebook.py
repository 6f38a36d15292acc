"""The course directory and nbgrader's gradebook, as the grader uses them.

Scores reach nbgrader the way nbgrader's own ``autograde`` puts them there, so that
formgrader, ``nbgrader generate_feedback`` and ``nbgrader export`` keep working:

1. the *autograded notebook* is built from the released notebook: every cell nbgrader
   tracks (answer cells, test cells, locked cells) is the canonical one, each answer
   cell holds the student's answer, the student's own extra cells stay where the
   student put them (outputs cleared), and each graded test cell gets an output that
   encodes the grader's verdict (nothing for full marks, an error with the part's
   message for zero, the partial score as a result otherwise);
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
"""

from __future__ import annotations

import fnmatch
import glob
import json
import logging
import math
import os
import re
import shutil
import sqlite3
import sysconfig
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbgrader import utils as nbutils
from nbgrader.api import Base, Gradebook, MissingEntry
from nbgrader.converters import GenerateAssignment, NbGraderException
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    AssignLatePenalties,
    ClearHiddenTests,
    ClearSolutions,
    OverwriteCells,
    SaveAutoGrades,
)
from sqlalchemy.exc import SAWarning
from traitlets.config import Config, PyFileConfigLoader

from grader.extract import MAX_NOTEBOOK_BYTES, find_notebook
from grader.paths import link_problem

RESULT_FILE = "grader-result.json"
TIMESTAMP_FILE = "timestamp.txt"
RESULT_FORMAT = 1
UNGRADED = "UNGRADED"  # the reason of a part the grader could not score

# nbgrader's preprocessors report every restored test cell as a warning; the grader
# restores them on purpose, so only errors are worth showing.
_NBGRADER_LOG = logging.getLogger("grader.nbgrader")
_NBGRADER_LOG.setLevel(logging.ERROR)


class CourseError(Exception):
    """A problem with the course folders or the gradebook that the instructor can fix.

    The message names what was expected and what was found; the command-line
    interface prints it and exits with a non-zero status.
    """


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


# --------------------------------------------------------------------------- course


def load_coursedir(root: str | os.PathLike = ".") -> CourseDirectory:
    """The nbgrader course directory rooted at ``root``.

    Reads ``root/nbgrader_config.py`` when it exists (folder names, course id,
    database URL) exactly as nbgrader would, with ``root`` as the course root.
    """
    path = Path(root).resolve()
    if not path.is_dir():
        raise CourseError(
            f"course directory {str(root)!r} does not exist: expected a folder "
            "holding nbgrader_config.py and the solutions/ folder"
        )
    config = Config()
    if (path / "nbgrader_config.py").is_file():
        loader = PyFileConfigLoader("nbgrader_config.py", path=str(path))
        config = loader.load_config()
    config.CourseDirectory.root = str(path)
    return CourseDirectory(config=config, log=_NBGRADER_LOG)


def step_dir(
    coursedir: CourseDirectory, step: str, assignment: str, student: str = "."
) -> Path:
    """The folder of ``assignment`` in an nbgrader step (``submitted``, ...).

    ``step`` is the name of the CourseDirectory attribute without ``_directory``:
    ``"source"``, ``"release"``, ``"submitted"``, ``"autograded"``, ``"feedback"``.
    """
    folder = getattr(coursedir, f"{step}_directory")
    return Path(os.path.normpath(coursedir.format_path(folder, student, assignment)))


def source_assignments(coursedir: CourseDirectory) -> list[str]:
    """Names of the assignments that have a folder in the source directory."""
    return _folder_ids(
        coursedir, coursedir.source_directory, ".", "(?P<id>[^/]+)", ".", "*"
    )


def check_assignment(coursedir: CourseDirectory, assignment: str) -> None:
    """Raise CourseError unless ``assignment`` has a folder with notebooks in source."""
    known = source_assignments(coursedir)
    source = step_dir(coursedir, "source", assignment)
    if assignment not in known:
        expected = ", ".join(known) if known else "none: the folder is empty or missing"
        raise CourseError(
            f"unknown assignment {assignment!r}: expected one of the folders in "
            f"{source.parent} ({expected})"
        )
    if not any(source.glob("*.ipynb")):
        raise CourseError(
            f"assignment {assignment!r} has no notebook: expected at least one "
            f".ipynb file in {source}"
        )


def submitted_students(coursedir: CourseDirectory, assignment: str) -> list[str]:
    """Students who have a ``submitted/<student>/<assignment>/`` folder, sorted.

    Folders whose name starts with a dot are not students
    (:func:`hidden_submissions` lists them).
    """
    return [s for s in _submitted_ids(coursedir, assignment) if not s.startswith(".")]


def hidden_submissions(coursedir: CourseDirectory, assignment: str) -> list[Path]:
    """``submitted/<name>/<assignment>/`` folders whose ``<name>`` starts with a dot."""
    return [
        step_dir(coursedir, "submitted", assignment, name)
        for name in _submitted_ids(coursedir, assignment)
        if name.startswith(".")
    ]


def _submitted_ids(coursedir: CourseDirectory, assignment: str) -> list[str]:
    """Every ``<name>`` with a ``submitted/<name>/<assignment>/``, hidden ones too."""
    found = []
    for student_glob in ("*", ".*"):  # glob's * never matches a leading dot
        found += _folder_ids(
            coursedir,
            coursedir.submitted_directory,
            "(?P<id>[^/]+)",
            re.escape(assignment),
            student_glob,
            glob.escape(assignment),
        )
    return sorted(set(found) - {".", ".."})


def submission_link(
    coursedir: CourseDirectory, assignment: str, student: str
) -> str | None:
    """Why the submission folder cannot be read (a link among its folders), or None.

    Every folder from ``submitted/<student>`` down is checked (see
    :mod:`grader.paths`); the folders above it are the instructor's.
    """
    folder = step_dir(coursedir, "submitted", assignment, student)
    top = step_dir(coursedir, "submitted", assignment, "\0").parent
    try:
        levels = len(folder.relative_to(top).parts)
    except ValueError:  # a layout without the student above the assignment
        levels = 2
    return link_problem(folder, levels)


def _folder_ids(
    coursedir: CourseDirectory,
    folder: str,
    student_re: str,
    assignment_re: str,
    student_glob: str,
    assignment_glob: str,
) -> list[str]:
    """The ``id`` group of the existing folders matching nbgrader's path layout."""
    regexp = re.compile(
        coursedir.format_path(folder, student_re, assignment_re, escape=True)
    )
    found = set()
    for path in glob.glob(coursedir.format_path(folder, student_glob, assignment_glob)):
        match = regexp.fullmatch(path)
        if match and os.path.isdir(path):
            found.add(match["id"])
    return sorted(found)


# ------------------------------------------------------------------------ gradebook


@contextmanager
def open_gradebook(coursedir: CourseDirectory) -> Iterator[Gradebook]:
    """nbgrader's Gradebook for the course, closed on exit.

    nbgrader runs the ``alembic`` script by name when it creates a new database, so
    the scripts folder of the running Python is on ``PATH`` while it opens.
    """
    previous = os.environ.get("PATH")
    scripts = sysconfig.get_path("scripts")
    os.environ["PATH"] = os.pathsep.join(p for p in (scripts, previous) if p)
    try:
        gb = Gradebook(coursedir.db_url, coursedir.course_id)
    finally:
        if previous is None:
            del os.environ["PATH"]
        else:
            os.environ["PATH"] = previous
    try:
        yield gb
    finally:
        gb.close()


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
            if cell.cell_type == "code" and not _is_solution_cell(gb, cell)
        }


def _is_solution_cell(gb: Gradebook, cell) -> bool:
    try:
        gb.find_solution_cell(cell.name, cell.notebook.name, cell.assignment.name)
    except MissingEntry:
        return False
    return True


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


# ------------------------------------------------------------------ recording


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
            template = _read_release(release / f"{name}.ipynb")
            self._run_cells(OverwriteCells, template, self._resources("", name))
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
        session = self._gb.db
        self._gb.db = _OneTransaction(session)
        try:
            if staging.exists():
                shutil.rmtree(staging)
            staging.mkdir(parents=True)
            late = self._record(student, parts, fingerprint, staging)
            session.commit()
        except BaseException:
            session.rollback()  # nothing of this submission is kept
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            self._gb.db = session
        _replace_folder(dest, staging)
        for nb, resources in late:  # opens a connection of its own
            AssignLatePenalties(log=_NBGRADER_LOG).preprocess(nb, resources)

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
            loaded = _LoadedSubmission(gb, notebook)
            self._run_cells(SaveAutoGrades, nb, resources, loaded)
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

    def _run_cells(
        self, preprocessor: type, nb, resources: dict, gradebook=None
    ) -> None:
        """Apply one of nbgrader's gradebook preprocessors with the open gradebook.

        nbgrader's ``preprocess`` opens a gradebook of its own and then calls
        ``preprocess_cell`` on each cell; this does the same with ours.
        """
        pp = preprocessor(log=_NBGRADER_LOG)
        pp.gradebook = self._gb if gradebook is None else gradebook
        pp.notebook_id = resources["nbgrader"]["notebook"]
        pp.assignment_id = resources["nbgrader"]["assignment"]
        pp.student_id = resources["nbgrader"]["student"]
        pp.db_url = resources["nbgrader"]["db_url"]
        for index, cell in enumerate(nb.cells):
            nb.cells[index], resources = pp.preprocess_cell(cell, resources, index)


class _LoadedSubmission:
    """The gradebook, with one submitted notebook's grades and comments at hand.

    nbgrader's ``SaveAutoGrades`` looks up each cell's grade and comment with a
    query of its own; this answers those lookups from the notebook's two
    collections, loaded once. Anything else goes to the gradebook.
    """

    def __init__(self, gb: Gradebook, notebook) -> None:
        self._gb = gb
        self._grades = {grade.name: grade for grade in notebook.grades}
        self._comments = {comment.name: comment for comment in notebook.comments}

    def find_grade(self, grade_id: str, *where: str):
        found = self._grades.get(grade_id)
        return self._gb.find_grade(grade_id, *where) if found is None else found

    def find_comment(self, grade_id: str, *where: str):
        found = self._comments.get(grade_id)
        return self._gb.find_comment(grade_id, *where) if found is None else found

    def __getattr__(self, name: str):
        return getattr(self._gb, name)


class _OneTransaction:
    """A gradebook session whose ``commit`` only flushes.

    nbgrader's gradebook methods and preprocessors commit after every cell; with
    this in place of ``Gradebook.db`` a submission is recorded in one transaction,
    committed (or rolled back) as a whole.
    """

    def __init__(self, session) -> None:
        self._session = session

    def commit(self) -> None:
        self._session.flush()

    def __getattr__(self, name: str):
        return getattr(self._session, name)


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
            UNGRADED,
            "the problem set has no cases for this test cell: grade it by hand",
        )
        if verdict.reason == UNGRADED:
            manual.append(grade_id)
        cell.outputs = verdict_outputs(verdict)
        cell.execution_count = None
    return manual


def verdict_outputs(verdict: PartVerdict) -> list:
    """Outputs that make nbgrader's ``determine_grade`` give ``verdict.score``.

    Full marks: no output. Zero: an error output whose name is the reason and whose
    value is the message. In between: the message on stdout and the score as the
    cell's result, which nbgrader reads as partial credit.
    """
    if verdict.score >= verdict.max_score:
        return []
    if verdict.score <= 0:
        return [
            nbformat.v4.new_output(
                "error",
                ename=verdict.reason,
                evalue=verdict.message,
                traceback=[f"{verdict.reason}: {verdict.message}"],
            )
        ]
    return [
        nbformat.v4.new_output("stream", name="stdout", text=verdict.message + "\n"),
        nbformat.v4.new_output(
            "execute_result",
            data={"text/plain": repr(verdict.score)},
            execution_count=None,
        ),
    ]


# ------------------------------------------------------------------- notebooks


def read_submitted_notebook(
    submission: Path, name: str, *, only: bool, functions: Iterable[str] = ()
) -> nbformat.NotebookNode | None:
    """The student's notebook ``name`` in ``submission``, or None.

    When the assignment has only one notebook (``only``) and the student renamed or
    moved it, :func:`grader.extract.find_notebook` picks the file the grader graded
    (the one defining the most graded ``functions``). A notebook that is too large,
    not valid JSON or without a list of cells counts as missing.
    """
    path = submission / f"{name}.ipynb"
    if only:
        path = find_notebook(submission, name, functions) or path
    return _read_notebook(path)


def _read_release(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError) as exc:
        raise CourseError(
            f"released notebook {path} cannot be read ({exc}): expected the output "
            f"of grader release {path.parent.name}"
        ) from None


def _read_notebook(path: Path) -> nbformat.NotebookNode | None:
    try:
        if path.is_symlink() or path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None
    cells = [c for c in data["cells"] if _is_cell(c)]
    return nbformat.from_dict({**data, "cells": cells})


def _is_cell(cell: Any) -> bool:
    return (
        isinstance(cell, dict)
        and cell.get("cell_type") in ("code", "markdown", "raw")
        and isinstance(cell.get("source", ""), (str, list))
    )


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata", {})
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    if isinstance(nbgrader, dict) and isinstance(nbgrader.get("grade_id"), str):
        return nbgrader["grade_id"]
    return None


def merge_submission(
    template: nbformat.NotebookNode, submitted: nbformat.NotebookNode | None
) -> nbformat.NotebookNode:
    """The released notebook with the student's answers and extra cells.

    Every cell of ``template`` that nbgrader tracks (it has a grade_id) appears
    once, with the template's metadata; an answer cell takes the source of the
    student's first cell with that grade_id. Cells of the student that the template
    does not track (or repeat a tracked grade_id) are kept in the student's order,
    as plain cells without nbgrader metadata and without outputs. Tracked cells
    the student deleted come back after the tracked cell that precedes them.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(template)))
    if submitted is None:
        for cell in nb.cells:
            _clear_outputs(cell)
        return nb
    tracked = {}
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if grade_id is not None:
            tracked[grade_id] = cell
    order = list(tracked)
    cells = []
    placed: dict[str, int] = {}
    for cell in submitted.cells:
        grade_id = _grade_id(cell)
        if grade_id in tracked and grade_id not in placed:
            canonical = tracked[grade_id]
            if nbutils.is_solution(canonical):
                canonical.source = _source_text(cell.get("source", ""))
            placed[grade_id] = len(cells)
            cells.append(canonical)
        else:
            cells.append(_plain_cell(cell))
    for i, grade_id in enumerate(order):
        if grade_id in placed:
            continue
        previous = [placed[g] for g in order[:i] if g in placed]
        at = max(previous) + 1 if previous else 0
        cells.insert(at, tracked[grade_id])
        placed = {g: (p + 1 if p >= at else p) for g, p in placed.items()}
        placed[grade_id] = at
    for cell in cells:
        _clear_outputs(cell)
    nb.cells = cells
    _unique_ids(nb)
    return nb


_CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _unique_ids(nb: nbformat.NotebookNode) -> None:
    """Give every cell a valid id, unique in the notebook and the same every time."""
    seen = set()
    for index, cell in enumerate(nb.cells):
        cell_id = cell.get("id")
        if (
            not isinstance(cell_id, str)
            or not _CELL_ID.match(cell_id)
            or cell_id in seen
        ):
            cell_id = f"cell-{index}"
            while cell_id in seen:
                cell_id += "x"
        cell["id"] = cell_id
        seen.add(cell_id)


def _source_text(source: str | list) -> str:
    return source if isinstance(source, str) else "".join(map(str, source))


def _plain_cell(cell) -> nbformat.NotebookNode:
    source = _source_text(cell.get("source", ""))
    if cell["cell_type"] == "code":
        plain = nbformat.v4.new_code_cell(source)
    elif cell["cell_type"] == "markdown":
        plain = nbformat.v4.new_markdown_cell(source)
    else:
        plain = nbformat.v4.new_raw_cell(source)
    plain["id"] = cell.get("id")  # the student's, when it is valid (_unique_ids)
    return plain


def _clear_outputs(cell) -> None:
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None


# --------------------------------------------------------------------- release


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
        config=coursedir.config, log=_NBGRADER_LOG, assignment_id=assignment
    )
    converter = GenerateAssignment(
        coursedir=course, config=coursedir.config, log=_NBGRADER_LOG
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
            nbformat.read(source / name, as_version=4),
            nbformat.read(release / name, as_version=4),
            delimiters,
            ends,
        )
    return problems


def _ignored(name: str, patterns: set[str]) -> bool:
    return any(fnmatch.fnmatch(part, p) for part in name.split("/") for p in patterns)


def _notebook_problems(name, src, rel, delimiters, ends) -> list[str]:
    if len(src.cells) != len(rel.cells):
        return [f"{name} has {len(rel.cells)} cells, the source {len(src.cells)}"]
    problems = []
    for i, (s, r) in enumerate(zip(src.cells, rel.cells, strict=True), start=1):
        where = f"{name} cell {i}"
        if s.cell_type != r.cell_type or _grade_id(s) != _grade_id(r):
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


# ------------------------------------------------------------------- integrity


def check_integrity(coursedir: CourseDirectory) -> list[str]:
    """Problems found in the gradebook; an empty list means it is sound.

    Checks that SQLite finds the file intact, that it holds only nbgrader's tables
    (no triggers or views anyone added), that every score lies between zero and the
    cell's points, and that every score the grader recorded in ``autograded/``
    is the score the gradebook holds.
    """
    problems = []
    prefix = "sqlite:///"
    if coursedir.db_url.startswith(prefix):
        path = coursedir.db_url[len(prefix) :]
        if not Path(path).is_file():
            return [f"gradebook {path} does not exist"]
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            status = con.execute("PRAGMA integrity_check").fetchone()[0]
            objects = con.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN "
                "('table', 'view', 'trigger')"
            ).fetchall()
        finally:
            con.close()
        if status != "ok":
            problems.append(f"SQLite integrity check failed: {status}")
        expected = set(Base.metadata.tables) | {"alembic_version"}
        problems += [
            f"unexpected {kind} {name!r} in the gradebook"
            for kind, name in sorted(objects)
            if kind != "table" or name not in expected
        ]
    with open_gradebook(coursedir) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                student = submission.student.id
                grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
                for grade in grades.values():
                    for kind in ("auto_score", "manual_score"):
                        value = getattr(grade, kind)
                        if value is not None and not 0 <= value <= grade.max_score:
                            problems.append(
                                f"{student}/{assignment.name}/{grade.name}: {kind} "
                                f"{value} outside [0, {grade.max_score}]"
                            )
                verdicts = read_verdicts(coursedir, assignment.name, student)
                result_file = (
                    step_dir(coursedir, "autograded", assignment.name, student)
                    / RESULT_FILE
                )
                if verdicts is None and result_file.exists():
                    problems.append(f"{result_file} cannot be read")
                for grade_id, verdict in (verdicts or {}).items():
                    grade = grades.get(grade_id)
                    if grade is None:
                        problems.append(
                            f"{student}/{assignment.name}/{grade_id}: graded but "
                            "not in the gradebook"
                        )
                    elif grade.auto_score is None or not math.isclose(
                        grade.auto_score, verdict.score, abs_tol=1e-9
                    ):
                        problems.append(
                            f"{student}/{assignment.name}/{grade_id}: the grader "
                            f"gave {verdict.score}, the gradebook holds "
                            f"{grade.auto_score}"
                        )
    return problems
