"""Parallel autograding of a class (grader.batch) with the real sandbox and nbgrader.

A class of demo0 submissions (grader.demo.sample_class: correct, partly wrong,
broken and hostile ones) is graded with two workers, then again with one: every
score must be the deserved one, identical for both runs and recorded in the
gradebook, and no hostile submission may change anything outside its sandbox. A
failure of the grader itself (an exception, a dying worker) still gives every
student a row.
"""

import hashlib
import os
from pathlib import Path

import pytest

import grader.batch
from grader.batch import autograde, default_jobs, summary_table
from grader.demo import build_course, demo_limits, sample_class, write_class
from grader.export import grade_rows
from grader.gradebook import (
    UNGRADED,
    GradebookWriter,
    check_integrity,
    read_verdicts,
)
from grader.sandbox import sandbox_problem

pytestmark = [
    pytest.mark.xdist_group("grader_batch"),
    pytest.mark.skipif(
        sandbox_problem() is not None, reason=f"no sandbox: {sandbox_problem()}"
    ),
]

A = "demo0"
# The quick ones: no submission here waits for a time limit.
CHOSEN = {
    "the solutions",
    "warnings and prints on stderr",
    "renamed notebook",
    "test cells deleted, an extra cell",
    "cells reversed, answer cells duplicated",
    "relu: forgot the computation",
    "softmax: calls the course library",
    "softmax left unanswered",
    "syntax error in the cell of relu",
    "not valid JSON",
    "no notebook at all",
    "os._exit",
    "segfault through ctypes",
    "memory bomb",
    "reads the solutions and other students' files",
    "sets its own score in the gradebook",
    "reads the environment, writes outside its folder",
    "patches numpy's comparisons, wrong answers",
    "returns an always-equal object, wrong answers",
}


def _tree(root: Path, skip: set[str]) -> dict[str, str]:
    """Hash of every file under ``root`` outside the folders in ``skip``."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] not in skip
    }


def test_a_class_graded_with_two_workers_then_one(tmp_path):
    """Deserved scores, identical for --jobs 2 and 1, nothing changed outside.

    One test on purpose: the class is graded twice, and splitting the checks
    into tests that share it would grade it again on each test worker.
    """
    root = tmp_path / "course"
    coursedir = build_course(root, A)
    students = [s for s in sample_class(coursedir, A) if s.description in CHOSEN]
    assert len(students) == len(CHOSEN)
    write_class(coursedir, A, students)
    before = _tree(root, {"autograded", "gradebook.db"})
    limits = demo_limits(A)

    two = autograde(coursedir, A, jobs=2, limits=limits, progress=False)
    rows_two = grade_rows(coursedir, A)
    notebooks_two = _tree(root / "autograded", set())
    # every student has a row with the score the submission deserves
    outcomes = {o.student: o for o in two}
    assert sorted(outcomes) == sorted(s.name for s in students)
    for student in students:
        scores = {gid: p.score for gid, p in outcomes[student.name].parts.items()}
        assert scores == student.deserved, student.description
        assert outcomes[student.name].error is None
    # and the gradebook holds exactly these scores
    recorded = {}
    for row in rows_two:
        recorded.setdefault(row.student, {})[row.part] = row.score
    assert recorded == {s.name: s.deserved for s in students}
    # hostile code changed nothing outside its sandbox
    assert _tree(root, {"autograded", "gradebook.db"}) == before
    assert check_integrity(coursedir) == []
    assert not Path("/tmp/owned").exists()
    assert not (Path.home() / "owned").exists()

    one = autograde(coursedir, A, jobs=1, limits=limits, progress=False)
    assert [(o.student, o.parts) for o in one] == [(o.student, o.parts) for o in two]
    assert grade_rows(coursedir, A) == rows_two
    assert _tree(root / "autograded", set()) == notebooks_two
    assert check_integrity(coursedir) == []

    reasons = {
        s.description: {
            gid: v.reason for gid, v in read_verdicts(coursedir, A, s.name).items()
        }
        for s in students
    }
    assert reasons["not valid JSON"] == {
        "relu_hidden": "BAD_NOTEBOOK",
        "softmax_hidden": "BAD_NOTEBOOK",
    }
    assert reasons["no notebook at all"]["relu_hidden"] == "MISSING_NOTEBOOK"
    assert reasons["softmax: calls the course library"] == {
        "relu_hidden": "OK",
        "softmax_hidden": "IMPORTS_REFERENCE",
    }
    assert reasons["syntax error in the cell of relu"]["relu_hidden"] == (
        "MISSING_FUNCTION"
    )
    table = summary_table(two).splitlines()
    assert table[0].split() == ["student", "points", "seconds", "lost", "points", "in"]
    assert len(table) == len(students) + 1


def test_a_grader_failure_still_gives_every_student_a_row(tmp_path, monkeypatch):
    """The workers are forked, so they inherit this patched grading function."""
    coursedir = build_course(tmp_path / "course", A)
    wanted = {"the solutions", "relu: forgot the computation", "not valid JSON"}
    students = [s for s in sample_class(coursedir, A) if s.description in wanted]
    write_class(coursedir, A, students)
    chosen = sorted(s.name for s in students)
    crash, fail, fine = chosen
    real = grader.batch.grade_submission

    def flaky(path, problem_set, *, student, **kwargs):
        if student == crash:
            os._exit(3)  # the worker process dies
        if student == fail:
            raise RuntimeError("a bug in the grader")
        return real(path, problem_set, student=student, **kwargs)

    monkeypatch.setattr(grader.batch, "grade_submission", flaky)
    outcomes = autograde(coursedir, A, jobs=2, progress=False)
    assert [o.student for o in outcomes] == chosen
    by_name = {o.student: o for o in outcomes}
    assert by_name[crash].error == "its worker process died"
    assert by_name[fail].error == "RuntimeError: a bug in the grader"
    rows = grade_rows(coursedir, A)
    for name in (crash, fail):
        assert {p.reason for p in by_name[name].parts.values()} == {UNGRADED}
        mine = [r for r in rows if r.student == name]
        assert {(r.reason, r.score) for r in mine} == {(UNGRADED, 0.0)}
    deserved = {s.name: s.deserved_total for s in students}
    assert by_name[fine].error is None
    assert by_name[fine].score == deserved[fine]
    assert check_integrity(coursedir) == []

    monkeypatch.setattr(grader.batch, "grade_submission", real)
    again = autograde(coursedir, A, jobs=2, students=[crash, fail], progress=False)
    assert {o.student: o.score for o in again} == {
        n: deserved[n] for n in (crash, fail)
    }
    assert check_integrity(coursedir) == []
    assert default_jobs() >= 1

    def full_disk(self, student, parts):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(GradebookWriter, "_record", full_disk)
    [stuck] = autograde(coursedir, A, students=[fine], progress=False)
    assert (
        stuck.error == "recording failed: OSError: [Errno 28] No space left on device"
    )
