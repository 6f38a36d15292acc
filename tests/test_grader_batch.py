"""Parallel autograding of a class (grader.batch) with the real sandbox and nbgrader.

A class of demo0 submissions (grader.demo.sample_class: correct, partly wrong,
broken and hostile ones) is graded with two workers, then again with one: every
score must be the deserved one, identical for both runs and recorded in the
gradebook, and no hostile submission may change anything outside its sandbox. A
failure of the grader itself (an exception, a dying worker) still gives every
student a row.
"""

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import grader.batch
from grader.batch import (
    LOCK_FILE,
    autograde,
    course_lock,
    default_jobs,
    summary_table,
)
from grader.cli import main
from grader.demo import build_course, demo_limits, sample_class, write_class
from grader.export import grade_rows
from grader.integrity import check_integrity
from grader.reasons import Reason
from grader.recording import GradebookWriter, read_verdicts
from grader.sandbox import sandbox_problem

sys.path.insert(0, str(Path(__file__).parent))
from fixtures.grading import submissions as S  # noqa: E402

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
        if p.is_file()
        and p.relative_to(root).parts[0] not in skip
        and "__pycache__" not in p.parts
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
    runtime = {"autograded", "gradebook.db", LOCK_FILE}
    before = _tree(root, runtime)
    limits = demo_limits(coursedir, A)

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
    assert _tree(root, runtime) == before
    assert check_integrity(coursedir) == []
    assert not Path("/tmp/owned").exists()
    assert not (Path.home() / "owned").exists()

    one = autograde(coursedir, A, jobs=1, limits=limits, progress=False, force=True)
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
        assert {p.reason for p in by_name[name].parts.values()} == {Reason.UNGRADED}
        mine = [r for r in rows if r.student == name]
        assert {(r.reason, r.score) for r in mine} == {(Reason.UNGRADED, 0.0)}
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

    def full_disk(self, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(GradebookWriter, "_record", full_disk)
    [stuck] = autograde(coursedir, A, students=[fine], progress=False, force=True)
    assert stuck.error == (
        "recording failed: the disk is full (No space left on device)"
    )
    assert not stuck.recorded


# ---------------------------------------------------------------- faults and reruns

SLOW = "import time\ntime.sleep(1.5)\n"  # a submission that takes a while


def _write(coursedir, student: str, nb) -> Path:
    return S.write(Path(coursedir.root), student, nb)


def _start(coursedir, *extra: str) -> subprocess.Popen:
    """``grader autograde`` on the course, in a process group of its own.

    Its scratch folders go to ``<course>.scratch`` (TMPDIR), so every process of
    the run, sandboxes included, can be found by its command line.
    """
    scratch = Path(f"{coursedir.root}.scratch")
    scratch.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "grader", "autograde", A, "--no-progress"]
    return subprocess.Popen(
        [*command, "--course-dir", coursedir.root, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )


def _processes_of(coursedir) -> list[int]:
    """Live processes whose command line names the course or its scratch folder."""
    mark = str(coursedir.root).encode()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path("/proc", pid, "cmdline").read_bytes()
            state = Path("/proc", pid, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if mark in cmdline and state[0] != "Z":
            found.append(int(pid))
    return found


def _wait_for(condition, seconds: float) -> None:
    """Poll ``condition`` until it holds; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def _recorded(coursedir) -> set[str]:
    autograded = Path(coursedir.root, "autograded")
    return {p.parent.parent.name for p in autograded.glob("*/demo0/grader-result.json")}


def test_only_new_or_changed_submissions_are_graded(tmp_path, capsys):
    coursedir = build_course(tmp_path / "course", A)
    for student in ("ann", "bob", "cyd"):
        _write(coursedir, student, S.notebook())
    hidden = _write(coursedir, ".backup", S.notebook())
    first = autograde(coursedir, A, jobs=2, progress=False)
    assert [o.student for o in first.recorded] == ["ann", "bob", "cyd"]
    assert first.hidden == [hidden]

    again = autograde(coursedir, A, jobs=2, progress=False)
    assert again.recorded == [] and len(again.unchanged) == 3
    assert [(o.student, o.parts) for o in again] == [
        (o.student, o.parts) for o in first
    ]

    _write(coursedir, "bob", S.notebook(S.RELU_WRONG))  # resubmitted, now wrong
    _write(coursedir, "dee", S.notebook())  # a late submission
    assert main(["autograde", A, "--course-dir", coursedir.root, "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "recorded 2 submissions" in out and "2 unchanged since graded" in out
    assert (
        f"{hidden} was not graded: a student folder whose name starts with a dot" in err
    )
    rows = grade_rows(coursedir, A)
    assert {(r.student, r.part): r.reason for r in rows}[("bob", "relu_hidden")] == (
        "WRONG"
    )

    forced = autograde(coursedir, A, jobs=2, progress=False, force=True)
    assert len(forced.recorded) == 4
    third = {o.student: o.parts for o in autograde(coursedir, A, progress=False)}
    assert {o.student: o.parts for o in forced} == third
    assert grade_rows(coursedir, A) == rows
    assert check_integrity(coursedir) == []


def _version3(nb: dict) -> dict:
    """The notebook as nbformat 3 wrote it: a worksheet, code in ``input``."""
    cells = []
    for cell in nb["cells"]:
        old = {k: v for k, v in cell.items() if k not in ("id", "execution_count")}
        if cell["cell_type"] == "code":
            old["input"] = old.pop("source")
            old["language"] = "python"
        cells.append(old)
    return {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [{"cells": cells, "metadata": {}}],
    }


def test_a_version_3_notebook_is_graded_and_merged_with_its_answers(tmp_path):
    import nbformat

    coursedir = build_course(tmp_path / "course", A)
    _write(coursedir, "old", _version3(S.notebook(S.RELU_OTHER, S.SOFTMAX_WRONG)))
    (outcome,) = autograde(coursedir, A, jobs=1, progress=False)
    assert {g: p.reason for g, p in outcome.parts.items()} == {
        "relu_hidden": Reason.OK,
        "softmax_hidden": Reason.WRONG,
    }
    merged = nbformat.read(
        Path(coursedir.root, "autograded", "old", A, f"{A}.ipynb"), as_version=4
    )
    answers = {
        c.metadata.nbgrader["grade_id"]: c.source
        for c in merged.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    assert answers == {"relu": S.RELU_OTHER, "softmax": S.SOFTMAX_WRONG}
    rows = {r.part: r.score for r in grade_rows(coursedir, A)}
    assert rows == {"relu_hidden": 1.0, "softmax_hidden": 0.0}


def test_a_second_run_on_the_same_course_is_refused(tmp_path):
    coursedir = build_course(tmp_path / "course", A)
    _write(coursedir, "ann", S.notebook())
    with course_lock(coursedir, A):
        second = _start(coursedir)
        out, err = second.communicate(timeout=60)  # refused, not waiting
    assert second.returncode == 1, err
    assert (
        f"another grader autograde is running on this course (pid {os.getpid()}" in err
    )
    assert "Traceback" not in err and _recorded(coursedir) == set()
    # The lock file stays behind, naming a live process, but nothing holds it.
    assert str(os.getpid()) in Path(coursedir.root, LOCK_FILE).read_text()
    third = _start(coursedir)
    out, err = third.communicate(timeout=120)
    assert third.returncode == 0, err
    assert _recorded(coursedir) == {"ann"}


def test_ctrl_c_stops_the_batch_cleanly(tmp_path):
    coursedir = build_course(tmp_path / "course", A)
    students = [f"s{n:02d}" for n in range(8)]
    for student in students:
        _write(coursedir, student, S.notebook(before=[SLOW]))
    run = _start(coursedir, "--jobs", "2")
    _wait_for(lambda: _recorded(coursedir), 120)
    os.killpg(run.pid, signal.SIGINT)
    _wait_for(lambda: run.poll() is not None, 10)  # (bench_grader_limits times it)
    out, err = run.communicate()
    assert run.returncode == 130, err
    assert "grader: interrupted: recorded" in err and "Traceback" not in err
    _wait_for(lambda: not _processes_of(coursedir), 10)  # workers and sandboxes
    recorded = _recorded(coursedir)
    assert recorded and len(recorded) < len(students)
    assert check_integrity(coursedir) == []
    assert {r.student for r in grade_rows(coursedir, A)} == recorded
    assert not list(Path(coursedir.root, "autograded").glob("*/.demo0.*"))
    rest = autograde(coursedir, A, progress=False)  # goes on where it stopped
    assert {o.student for o in rest.unchanged} == recorded
    assert {o.student for o in rest.recorded} == set(students) - recorded


def test_workers_die_with_a_killed_parent(tmp_path):
    coursedir = build_course(tmp_path / "course", A)
    for n in range(4):
        _write(coursedir, f"s{n}", S.notebook(before=[SLOW * 4]))
    run = _start(coursedir, "--jobs", "2")
    scratch = f"{coursedir.root}.scratch".encode()

    def sandboxes():
        return [
            pid
            for pid in filter(str.isdigit, os.listdir("/proc"))
            if scratch in _cmdline(pid)
        ]

    _wait_for(lambda: len(sandboxes()) >= 2, 60)
    assert len(_processes_of(coursedir)) >= 3  # the parent and two workers
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    _wait_for(lambda: not _processes_of(coursedir) and not sandboxes(), 5)


def _cmdline(pid: str) -> bytes:
    try:
        return Path("/proc", pid, "cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_full_disk_loses_nothing_and_says_so(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", small], check=True
    )
    try:
        coursedir = build_course(small / "course", A)
        for student in ("ann", "bob"):
            _write(coursedir, student, S.notebook())
        assert len(autograde(coursedir, A, progress=False).recorded) == 2
        rows = grade_rows(coursedir, A)
        for student in ("cyd", "dee"):
            _write(coursedir, student, S.notebook(S.RELU_WRONG))
        filler = small / "filler"
        with open(filler, "wb") as handle:  # every free block
            with contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
        run = _start(coursedir)
        out, err = run.communicate(timeout=300)
        filler.unlink()
        assert run.returncode == 1, err
        assert "Traceback" not in err, err
        errors = [line for line in err.splitlines() if line.startswith("grader: error")]
        assert [line.split(":")[2].strip() for line in errors] == ["cyd", "dee"], err
        assert all("the disk is full" in line for line in errors)
        assert "recorded 0 submissions" in out and "2 unchanged" in out
        assert grade_rows(coursedir, A) == rows  # the new ones were not recorded
        assert check_integrity(coursedir) == []
        assert not list(Path(coursedir.root, "autograded").glob("*/.demo0.*"))
    finally:
        subprocess.run(["umount", "-l", small], check=False)
