"""Everything the grader relies on inside nbgrader 0.9.6, in one place.

nbgrader's public workflow (its commands, its ``Gradebook`` queries, its
preprocessors' ``preprocess``) is used wherever it is needed. What is not its
documented interface lives here, each with a test of its own in
``tests/test_grader_nbgrader_internals.py``, so that an nbgrader upgrade that
changes one of these fails there, by name, instead of showing up as wrong scores:

1. ``Gradebook(db_url)`` runs the ``alembic`` script by name when it creates a
   database (:func:`open_gradebook` puts the running Python's scripts on PATH);
2. the gradebook's methods commit through ``Gradebook.db.commit()``, so a session
   whose commit only flushes makes a whole submission one transaction
   (:func:`one_transaction`);
3. the gradebook preprocessors (``OverwriteCells``, ``SaveAutoGrades``) do their
   work in ``preprocess_cell`` with the attributes ``gradebook``, ``notebook_id``,
   ``assignment_id``, ``student_id`` and ``db_url`` that ``preprocess`` would set
   (:func:`run_cell_preprocessor`, which reuses one open gradebook);
4. ``SaveAutoGrades`` looks up grades and comments only through
   ``find_grade`` and ``find_comment`` (:class:`LoadedSubmission` answers those
   from memory);
5. ``nbgrader.utils.determine_grade`` gives full points to a test cell without
   output, zero to one with an error output, and the number of an
   ``execute_result`` as partial credit (:func:`verdict_outputs`);
6. a solution cell that is also graded has a ``SolutionCell`` entry besides its
   ``GradeCell`` (:func:`is_solution_cell`).
"""

from __future__ import annotations

import logging
import os
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory

__all__ = [
    "NBGRADER_LOG",
    "LoadedSubmission",
    "is_solution_cell",
    "one_transaction",
    "open_gradebook",
    "run_cell_preprocessor",
    "verdict_outputs",
]

NBGRADER_LOG = logging.getLogger("grader.nbgrader")
"""The log given to nbgrader's objects; errors only (it reports every restored
test cell as a warning, and the grader restores them on purpose)."""
NBGRADER_LOG.setLevel(logging.ERROR)


@contextmanager
def open_gradebook(coursedir: CourseDirectory) -> Iterator[Gradebook]:
    """nbgrader's Gradebook for the course, closed on exit (assumption 1)."""
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


class _FlushOnCommit:
    """A gradebook session whose ``commit`` only flushes."""

    def __init__(self, session) -> None:
        self._session = session

    def commit(self) -> None:
        self._session.flush()

    def __getattr__(self, name: str):
        return getattr(self._session, name)


@contextmanager
def one_transaction(gb: Gradebook) -> Iterator[None]:
    """Everything done through ``gb`` inside is committed at the end, or nothing.

    nbgrader's gradebook methods and preprocessors commit after every cell
    (assumption 2); inside this block their commits only flush, and the block
    commits once when it ends normally, or rolls back when it raises.
    """
    session = gb.db
    gb.db = _FlushOnCommit(session)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        gb.db = session


def run_cell_preprocessor(
    preprocessor: type, nb, resources: dict, gradebook: Any
) -> None:
    """Apply one of nbgrader's gradebook preprocessors with an open gradebook.

    nbgrader's ``preprocess`` opens a gradebook of its own and then calls
    ``preprocess_cell`` on each cell (assumption 3); this does the same with
    ``gradebook``. ``resources["nbgrader"]`` names the student, assignment,
    notebook and database, as nbgrader's converters set it.
    """
    pp = preprocessor(log=NBGRADER_LOG)
    pp.gradebook = gradebook
    pp.notebook_id = resources["nbgrader"]["notebook"]
    pp.assignment_id = resources["nbgrader"]["assignment"]
    pp.student_id = resources["nbgrader"]["student"]
    pp.db_url = resources["nbgrader"]["db_url"]
    for index, cell in enumerate(nb.cells):
        nb.cells[index], resources = pp.preprocess_cell(cell, resources, index)


class LoadedSubmission:
    """The gradebook, with one submitted notebook's grades and comments at hand.

    ``SaveAutoGrades`` looks up each cell's grade and comment with a query of its
    own (assumption 4); this answers those lookups from the notebook's two
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


def verdict_outputs(verdict: Any) -> list:
    """Outputs that make nbgrader's ``determine_grade`` give ``verdict.score``.

    ``verdict`` has ``score``, ``max_score``, ``reason`` and ``message``. Full marks:
    no output. Zero: an error output whose name is the reason and whose
    value is the message. In between: the message on stdout and the score as the
    cell's result, which nbgrader reads as partial credit (assumption 5).
    """
    score, max_score = verdict.score, verdict.max_score
    reason, message = verdict.reason, verdict.message
    if score >= max_score:
        return []
    if score <= 0:
        return [
            nbformat.v4.new_output(
                "error",
                ename=reason,
                evalue=message,
                traceback=[f"{reason}: {message}"],
            )
        ]
    return [
        nbformat.v4.new_output("stream", name="stdout", text=message + "\n"),
        nbformat.v4.new_output(
            "execute_result",
            data={"text/plain": repr(float(score))},
            execution_count=None,
        ),
    ]


def is_solution_cell(gb: Gradebook, cell) -> bool:
    """Whether a gradebook ``GradeCell`` is also a solution cell (assumption 6)."""
    try:
        gb.find_solution_cell(cell.name, cell.notebook.name, cell.assignment.name)
    except MissingEntry:
        return False
    return True
