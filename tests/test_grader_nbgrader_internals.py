"""What the grader relies on inside nbgrader 0.9.6, one test per assumption.

:mod:`grader.nbgrader_internals` lists six things the grader takes for granted about
nbgrader's internals (not its documented interface). Each test here is named after
one of them and checks nbgrader's *own* behaviour directly, not only that the
grader's wrapper works, so that an nbgrader upgrade that changes one of them fails
here, by name, with a message saying what changed, instead of showing up later as
wrong scores in the gradebook.

The tests share one course built from the demo0 problem set, with two graded
answers added to it (a code cell and a written one, both graded by hand), so that
the released notebook has every kind of nbgrader cell the grader meets: answer
cells (``relu``, ``softmax``), autograded test cells (``relu_hidden``,
``softmax_hidden``) and graded solution cells (``by_hand_code``, ``by_hand_text``).
"""

import copy
import os
import sqlite3
import warnings

import nbformat
import pytest
from alembic.script import ScriptDirectory
from nbgrader import dbutil
from nbgrader import utils as nbutils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import OverwriteCells, SaveAutoGrades
from nbgrader.preprocessors import saveautogrades as saveautogrades_module
from sqlalchemy.exc import SAWarning

from grader.course import load_coursedir, step_dir
from grader.demo import build_course
from grader.nbgrader_internals import (
    NBGRADER_LOG,
    LoadedSubmission,
    is_solution_cell,
    one_transaction,
    open_gradebook,
    run_cell_preprocessor,
    verdict_outputs,
)
from grader.recording import PartVerdict
from grader.release import release_assignment

pytestmark = pytest.mark.xdist_group("grader_nbgrader_internals")

A = "demo0"
ANSWERS = ["relu", "softmax"]  # solution cells, not graded
TESTS = ["relu_hidden", "softmax_hidden"]  # autograded test cells
BY_HAND = ["by_hand_code", "by_hand_text"]  # graded solution cells (added here)

# What run_cell_preprocessor sets on a preprocessor before calling preprocess_cell.
SET_BY_RUN_CELL_PREPROCESSOR = {
    "gradebook",
    "notebook_id",
    "assignment_id",
    "student_id",
    "db_url",
}


def _graded_answer(cell, grade_id, points):
    cell.metadata.nbgrader = {
        "grade": True,
        "solution": True,
        "locked": False,
        "task": False,
        "points": points,
        "grade_id": grade_id,
        "schema_version": 3,
    }
    return cell


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """demo0 released with nbgrader, plus two answers graded by hand."""
    coursedir = build_course(tmp_path_factory.mktemp("internals") / "course", A)
    path = step_dir(coursedir, "source", A) / f"{A}.ipynb"
    nb = nbformat.read(path, as_version=4)
    code = nbformat.v4.new_code_cell(
        "# Which activation is cheaper to compute? Name it in `cheaper`.\n"
        "### BEGIN SOLUTION\ncheaper = 'relu'\n### END SOLUTION"
    )
    text = nbformat.v4.new_markdown_cell(
        "Why subtract the maximum in softmax?\n\n### BEGIN SOLUTION\n"
        "To avoid overflow.\n### END SOLUTION"
    )
    nb.cells += [
        _graded_answer(code, BY_HAND[0], 1),
        _graded_answer(text, BY_HAND[1], 1),
    ]
    nbformat.write(nb, path)
    assert release_assignment(coursedir, A) == [f"{A}.ipynb"]
    return coursedir


def _release(coursedir):
    path = step_dir(coursedir, "release", A) / f"{A}.ipynb"
    return nbformat.read(path, as_version=4)


def _resources(coursedir, student):
    return {
        "nbgrader": {
            "student": student,
            "assignment": A,
            "notebook": A,
            "db_url": coursedir.db_url,
        }
    }


def _cell(nb, grade_id):
    return next(
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


def _new_submission(gb, student):
    """Create ``student``'s submission of demo0 (a grade and comment per cell)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_student(student)
        gb.update_or_create_submission(A, student)


def _submitted_notebook(coursedir):
    """The release, answered in part, with test cell outputs as the grader sets them.

    ``relu`` and ``by_hand_code`` are answered, ``softmax`` and ``by_hand_text``
    left as released; ``relu_hidden`` gets half its point, ``softmax_hidden`` none.
    """
    nb = _release(coursedir)
    _cell(nb, "relu").source = "def relu(z):\n    return np.maximum(z, 0)\n"
    _cell(nb, "by_hand_code").source += "\ncheaper = 'relu'\n"
    _cell(nb, "relu_hidden").outputs = verdict_outputs(
        PartVerdict(0.5, 1.0, "wrong_value", "half right")
    )
    _cell(nb, "softmax_hidden").outputs = verdict_outputs(
        PartVerdict(0.0, 2.0, "wrong_value", "not normalised")
    )
    return nb


def _recorded(coursedir, student):
    """The student's grades (auto_score, needs_manual_grade) and auto comments."""
    with open_gradebook(coursedir) as gb:
        notebook = gb.find_submission_notebook(A, A, student)
        grades = {g.name: (g.auto_score, g.needs_manual_grade) for g in notebook.grades}
        comments = {c.name: c.auto_comment for c in notebook.comments}
    return grades, comments


# ------------------------------------------------------------------ assumption 1


def _alembic_version(db_path):
    with sqlite3.connect(db_path) as db:
        return [row[0] for row in db.execute("SELECT version_num FROM alembic_version")]


def test_assumption_1_new_gradebook_runs_alembic_by_name_from_path(
    tmp_path, monkeypatch
):
    calls = tmp_path / "alembic-calls.txt"
    fake_bin = tmp_path / "fake-bin"
    fake_bin.mkdir()
    fake = fake_bin / "alembic"
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\necho "fake0head (head)"\n')
    fake.chmod(0o755)
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()

    # A new database: nbgrader runs whatever `alembic` PATH finds, and records the
    # first word it prints as the schema version.
    monkeypatch.setenv("PATH", str(fake_bin))
    new_db = tmp_path / "new.db"
    Gradebook(f"sqlite:///{new_db}").close()
    assert calls.is_file(), (
        "Gradebook(db_url) no longer runs the `alembic` found on PATH when it "
        "creates a database: open_gradebook's PATH handling may be unneeded, or "
        "nbgrader now finds alembic another way"
    )
    args = calls.read_text().split()
    assert len(args) == 3 and args[0] == "-c" and args[2] == "heads", (
        f"Gradebook(db_url) now calls `alembic {' '.join(args)}`, "
        "not `alembic -c <ini> heads`"
    )
    assert _alembic_version(new_db) == ["fake0head"], (
        "Gradebook(db_url) no longer stores the head alembic prints as the new "
        f"database's version: alembic_version holds {_alembic_version(new_db)}"
    )

    # An existing database: alembic is not run again.
    Gradebook(f"sqlite:///{new_db}").close()
    assert len(calls.read_text().splitlines()) == 1, (
        "Gradebook(db_url) now runs alembic when it opens an existing database"
    )

    # Without alembic on PATH, creating a database fails.
    monkeypatch.setenv("PATH", str(empty_bin))
    with pytest.raises(FileNotFoundError, match="alembic"):
        Gradebook(f"sqlite:///{tmp_path / 'other.db'}")

    # open_gradebook puts the running Python's scripts on PATH (and restores it):
    # it creates the gradebook with the real alembic and nbgrader's real head.
    root = tmp_path / "course"
    root.mkdir()
    coursedir = load_coursedir(root)
    assert coursedir.db_url == f"sqlite:///{root}/gradebook.db"
    with open_gradebook(coursedir) as gb:
        assert isinstance(gb, Gradebook)
    assert os.environ["PATH"] == str(empty_bin)
    head = ScriptDirectory(dbutil.ALEMBIC_DIR).get_current_head()
    assert _alembic_version(root / "gradebook.db") == [head], (
        "a gradebook created through open_gradebook does not carry nbgrader's "
        f"alembic head {head!r}"
    )


# ------------------------------------------------------------------ assumption 2


class _CountingSession:
    """A gradebook session that counts ``commit`` calls (and does commit)."""

    def __init__(self, session):
        self._session = session
        self.commits = 0

    def commit(self):
        self.commits += 1
        self._session.commit()

    def __getattr__(self, name):
        return getattr(self._session, name)


class _NeverCommits(_CountingSession):
    """A gradebook session whose ``commit`` is counted but only flushes."""

    def commit(self):
        self.commits += 1
        self._session.flush()


def _student_exists(coursedir, student):
    """Whether ``student`` is in the gradebook, seen from a connection of its own."""
    with open_gradebook(coursedir) as gb:
        try:
            gb.find_student(student)
        except MissingEntry:
            return False
        return True


def test_assumption_2_gradebook_methods_commit_through_gb_db_commit(course):
    with open_gradebook(course) as gb:
        session = gb.db
        # A gradebook method commits by calling gb.db.commit(), looked up when
        # it runs (not a session kept aside).
        counting = _CountingSession(session)
        gb.db = counting
        try:
            gb.update_or_create_student("committed")
        finally:
            gb.db = session
        assert counting.commits >= 1, (
            "Gradebook.update_or_create_student no longer commits through "
            "gb.db.commit(): one_transaction cannot hold its commits back"
        )
        assert _student_exists(course, "committed")

        # ... and only that way: when gb.db.commit() only flushes, nothing is
        # committed, and a rollback leaves no trace.
        flushing = _NeverCommits(session)
        gb.db = flushing
        try:
            _new_submission(gb, "held_back")
        finally:
            gb.db = session
        assert flushing.commits >= 1
        session.rollback()
        assert not _student_exists(course, "held_back"), (
            "the gradebook committed a new student and submission although "
            "gb.db.commit() only flushed: nbgrader commits some other way now, so "
            "one_transaction no longer makes a submission all or nothing"
        )

        # one_transaction: an exception inside rolls everything back ...
        with pytest.raises(RuntimeError, match="interrupted"):
            with one_transaction(gb):
                _new_submission(gb, "interrupted")
                assert gb.find_student("interrupted").id == "interrupted"
                raise RuntimeError("interrupted")
        assert not _student_exists(course, "interrupted"), (
            "a student created inside one_transaction survived its rollback"
        )

        # ... and a normal exit commits once, however many commits nbgrader made.
        counting = _CountingSession(session)
        gb.db = counting
        try:
            with one_transaction(gb):
                _new_submission(gb, "whole")
        finally:
            gb.db = session
        assert counting.commits == 1, (
            f"one_transaction committed {counting.commits} times, expected once"
        )
    assert _student_exists(course, "whole")
    with open_gradebook(course) as gb:
        assert gb.find_submission_notebook(A, A, "whole").grades


# ------------------------------------------------------------------ assumption 3


def _recording(preprocessor):
    """``preprocessor`` with a ``preprocess_cell`` that records each call."""

    class Recording(preprocessor):
        def preprocess_cell(self, cell, resources, cell_index):
            self.seen.append(
                {
                    "index": cell_index,
                    "cell": cell,
                    "resources": resources,
                    **{
                        name: getattr(self, name, None)
                        for name in SET_BY_RUN_CELL_PREPROCESSOR
                    },
                    "gradebook_open": self.gradebook is not None
                    and self.gradebook.db.is_active,
                }
            )
            return super().preprocess_cell(cell, resources, cell_index)

    Recording.__name__ = preprocessor.__name__
    return Recording


@pytest.mark.parametrize(
    ("preprocessor", "sets"),
    [
        (OverwriteCells, {"gradebook", "notebook_id", "assignment_id", "db_url"}),
        (SaveAutoGrades, SET_BY_RUN_CELL_PREPROCESSOR),
    ],
    ids=["OverwriteCells", "SaveAutoGrades"],
)
def test_assumption_3_preprocess_sets_attributes_then_calls_preprocess_cell(
    course, preprocessor, sets
):
    student = f"attrs_{preprocessor.__name__}"
    with open_gradebook(course) as gb:
        _new_submission(gb, student)
    nb = _submitted_notebook(course)
    resources = _resources(course, student)
    pp = _recording(preprocessor)(log=NBGRADER_LOG)
    pp.seen = []
    before = set(vars(pp))
    pp.preprocess(nb, resources)

    name = preprocessor.__name__
    added = set(vars(pp)) - before
    assert added == sets, (
        f"{name}.preprocess now sets the attributes {sorted(added)} before "
        f"its cells, not {sorted(sets)}"
    )
    assert added <= SET_BY_RUN_CELL_PREPROCESSOR, (
        f"{name}.preprocess sets {sorted(added - SET_BY_RUN_CELL_PREPROCESSOR)}, "
        "which run_cell_preprocessor does not"
    )
    assert [call["index"] for call in pp.seen] == list(range(len(nb.cells))), (
        f"{name}.preprocess no longer calls preprocess_cell(cell, resources, index) "
        "once per cell, in order"
    )
    expected = {
        "notebook_id": A,
        "assignment_id": A,
        "student_id": student if "student_id" in sets else None,
        "db_url": course.db_url,
    }
    for call, cell in zip(pp.seen, nb.cells, strict=True):
        assert call["cell"] is cell
        assert call["resources"] is resources
        assert isinstance(call["gradebook"], Gradebook) and call["gradebook_open"], (
            f"{name}.preprocess_cell no longer runs with an open Gradebook "
            "in self.gradebook"
        )
        got = {k: call[k] for k in expected}
        assert got == expected, (
            f"{name}.preprocess_cell sees {got}, expected the values of "
            "resources['nbgrader']"
        )
        assert str(call["gradebook"].engine.url) == course.db_url
    # Nothing beyond the per-cell loop runs by default (add_missing_cells would
    # add cells after it, which run_cell_preprocessor does not do).
    assert OverwriteCells().add_missing_cells is False


def test_assumption_3_run_cell_preprocessor_matches_nbgraders_preprocess(course):
    # SaveAutoGrades: nbgrader's own preprocess and run_cell_preprocessor record
    # the same grades and comments.
    with open_gradebook(course) as gb:
        _new_submission(gb, "by_nbgrader")
        _new_submission(gb, "by_grader")
    own = _submitted_notebook(course)
    SaveAutoGrades(log=NBGRADER_LOG).preprocess(own, _resources(course, "by_nbgrader"))
    ours = _submitted_notebook(course)
    with open_gradebook(course) as gb:
        run_cell_preprocessor(SaveAutoGrades, ours, _resources(course, "by_grader"), gb)
    assert own == ours
    expected_grades = {
        "relu_hidden": (0.5, False),
        "softmax_hidden": (0.0, False),
        "by_hand_code": (None, True),  # answered: a person grades it
        "by_hand_text": (0.0, False),  # unanswered: zero
    }
    expected_comments = {
        "relu": None,
        "softmax": "No response.",
        "by_hand_code": None,
        "by_hand_text": "No response.",
    }
    assert _recorded(course, "by_nbgrader") == (expected_grades, expected_comments), (
        "nbgrader's SaveAutoGrades.preprocess records other grades or comments "
        "than before for the same notebook"
    )
    assert _recorded(course, "by_grader") == _recorded(course, "by_nbgrader"), (
        "run_cell_preprocessor(SaveAutoGrades, ...) records other grades or "
        "comments than nbgrader's SaveAutoGrades.preprocess"
    )

    # OverwriteCells: both restore the same tampered notebook the same way.
    tampered = _release(course)
    _cell(tampered, "relu_hidden").source = "pass  # always passes"
    _cell(tampered, "softmax_hidden").metadata.nbgrader["points"] = 100
    _cell(tampered, "relu").metadata.nbgrader["checksum"] = "0" * 32
    own, ours = copy.deepcopy(tampered), copy.deepcopy(tampered)
    OverwriteCells(log=NBGRADER_LOG).preprocess(own, _resources(course, ""))
    with open_gradebook(course) as gb:
        run_cell_preprocessor(OverwriteCells, ours, _resources(course, ""), gb)
    with open_gradebook(course) as gb:
        canonical = gb.find_source_cell("relu_hidden", A, A).source
    # The gradebook holds the instructor's cell: the hidden tests come back too.
    assert "BEGIN HIDDEN TESTS" in canonical
    assert _cell(own, "relu_hidden").source == canonical
    assert _cell(own, "softmax_hidden").metadata.nbgrader["points"] == 2
    assert own == ours, (
        "run_cell_preprocessor(OverwriteCells, ...) restores a notebook "
        "differently from nbgrader's OverwriteCells.preprocess"
    )


# ------------------------------------------------------------------ assumption 4


class _Spy:
    """Delegates to ``target``; logs every attribute read and every call."""

    def __init__(self, target, log, prefix=""):
        self._target, self._log, self._prefix = target, log, prefix

    def __getattr__(self, name):
        value = getattr(self._target, name)
        qualified = self._prefix + name
        self._log.append(qualified)
        if name == "db":
            return _Spy(value, self._log, "db.")
        if callable(value):

            def call(*args, **kwargs):
                self._log.append((qualified, args))
                return value(*args, **kwargs)

            return call
        return value

    def __enter__(self):
        self._log.append("__enter__")
        return self

    def __exit__(self, *exc_info):
        self._log.append("__exit__")
        return self._target.__exit__(*exc_info)


def _lookups_expected(student):
    """find_grade for each graded cell, find_comment for each answer, in order."""
    where = (A, A, student)
    return [
        ("find_comment", ("relu", *where)),
        ("find_grade", ("relu_hidden", *where)),
        ("find_comment", ("softmax", *where)),
        ("find_grade", ("softmax_hidden", *where)),
        ("find_grade", ("by_hand_code", *where)),
        ("find_comment", ("by_hand_code", *where)),
        ("find_grade", ("by_hand_text", *where)),
        ("find_comment", ("by_hand_text", *where)),
    ]


def test_assumption_4_save_auto_grades_looks_up_only_find_grade_and_find_comment(
    course, monkeypatch
):
    used = {"find_grade", "find_comment", "db", "db.commit"}

    # The way the grader runs it: preprocess_cell with our gradebook.
    with open_gradebook(course) as gb:
        _new_submission(gb, "spied")
        log = []
        run_cell_preprocessor(
            SaveAutoGrades,
            _submitted_notebook(course),
            _resources(course, "spied"),
            _Spy(gb, log),
        )
    names = {entry for entry in log if isinstance(entry, str)}
    assert names == used, (
        "SaveAutoGrades.preprocess_cell now uses the gradebook attributes "
        f"{sorted(names)}, not {sorted(used)}: LoadedSubmission may no longer "
        "answer all its lookups"
    )
    lookups = [e for e in log if isinstance(e, tuple) and e[0].startswith("find_")]
    assert lookups == _lookups_expected("spied"), (
        "SaveAutoGrades no longer looks up one grade per graded cell and one "
        "comment per answer cell by (grade_id, notebook, assignment, student): "
        f"{lookups}"
    )

    # nbgrader's own preprocess: the gradebook it opens sees the same and only
    # opening and closing besides.
    with open_gradebook(course) as gb:
        _new_submission(gb, "spied_own")
    log, opened = [], []

    def spied_gradebook(*args, **kwargs):
        opened.append((args, kwargs))
        return _Spy(Gradebook(*args, **kwargs), log)

    monkeypatch.setattr(saveautogrades_module, "Gradebook", spied_gradebook)
    SaveAutoGrades(log=NBGRADER_LOG).preprocess(
        _submitted_notebook(course), _resources(course, "spied_own")
    )
    assert opened == [((course.db_url,), {})], (
        f"SaveAutoGrades.preprocess opened its gradebook as Gradebook{opened}, "
        f"not Gradebook({course.db_url!r})"
    )
    names = {entry for entry in log if isinstance(entry, str)}
    assert names == used | {"__enter__", "__exit__"}, (
        f"SaveAutoGrades.preprocess now uses the gradebook attributes {sorted(names)}"
    )
    lookups = [e for e in log if isinstance(e, tuple) and e[0].startswith("find_")]
    assert lookups == _lookups_expected("spied_own")
    assert _recorded(course, "spied") == _recorded(course, "spied_own")

    # So LoadedSubmission, which answers those two from memory, suffices.
    with open_gradebook(course) as gb:
        _new_submission(gb, "loaded")
        notebook = gb.find_submission_notebook(A, A, "loaded")
        log = []
        loaded = LoadedSubmission(_Spy(gb, log), notebook)
        run_cell_preprocessor(
            SaveAutoGrades,
            _submitted_notebook(course),
            _resources(course, "loaded"),
            loaded,
        )
    assert not [e for e in log if isinstance(e, tuple) and e[0].startswith("find_")]
    assert _recorded(course, "loaded") == _recorded(course, "spied")


# ------------------------------------------------------------------ assumption 5


def _test_cell(points, outputs):
    cell = nbformat.v4.new_code_cell("assert check()")
    cell.metadata.nbgrader = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": points,
        "grade_id": "part",
        "schema_version": 3,
    }
    cell.outputs = outputs
    return cell


@pytest.mark.parametrize(
    ("score", "max_score"),
    [(2.0, 2.0), (0.0, 2.0), (0.5, 2.0), (1.5, 2.0), (1 / 3, 1.0), (0.001, 3.0)],
)
def test_assumption_5_determine_grade_reads_verdict_outputs(score, max_score):
    verdict = PartVerdict(score, max_score, "wrong_value", "the values differ")
    outputs = verdict_outputs(verdict)
    kinds = [o.output_type for o in outputs]
    if score >= max_score:
        assert kinds == [], "full marks are meant to be a cell without output"
        what = "full points to a test cell without output"
    elif score <= 0:
        assert kinds == ["error"]
        what = "zero to a test cell with an error output"
    else:
        assert kinds == ["stream", "execute_result"]
        what = (
            "the float of an execute_result's text/plain (after a stdout stream) "
            "as partial credit"
        )
    got = nbutils.determine_grade(_test_cell(max_score, outputs), NBGRADER_LOG)
    assert got == (score, max_score), (
        f"nbgrader.utils.determine_grade no longer gives {what}: got {got} for "
        f"{score:g} of {max_score:g}"
    )


# ------------------------------------------------------------------ assumption 6


def test_assumption_6_graded_solution_cell_has_a_solution_cell_entry(course):
    with open_gradebook(course) as gb:
        notebook = gb.find_notebook(A, A)
        grade_cells = {c.name: c for c in notebook.grade_cells}
        solution_cells = {c.name for c in notebook.solution_cells}
        assert set(grade_cells) == set(TESTS + BY_HAND), (
            f"the gradebook's GradeCells are now {sorted(grade_cells)}"
        )
        assert solution_cells == set(ANSWERS + BY_HAND), (
            "a graded solution cell no longer has a SolutionCell entry beside its "
            f"GradeCell (SolutionCells: {sorted(solution_cells)})"
        )
        # The GradeCell alone cannot tell a graded code answer from a test cell.
        assert grade_cells["by_hand_code"].cell_type == "code"
        assert grade_cells["relu_hidden"].cell_type == "code"
        for name in BY_HAND:
            solution = gb.find_solution_cell(name, A, A)
            assert solution.name == name
            assert is_solution_cell(gb, grade_cells[name])
        for name in TESTS:
            with pytest.raises(MissingEntry):
                gb.find_solution_cell(name, A, A)
            assert not is_solution_cell(gb, grade_cells[name])
        for name in ANSWERS:
            with pytest.raises(MissingEntry):
                gb.find_grade_cell(name, A, A)
