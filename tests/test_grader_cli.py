"""The ``grader`` command line (grader.cli), on a real course.

The end-to-end run uses ``python -m grader`` in a subprocess; the other commands
call :func:`grader.cli.main` in-process (``run_grader``), which is the same code
without the start-up time of a new interpreter. The class is collected once, by
the ``collected`` fixture; its tests are in test_grader_collect.py.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from grader.cli import main
from grader.course import load_coursedir, step_dir
from grader.integrity import check_integrity
from grader.sandbox import sandbox_problem

pytestmark = pytest.mark.xdist_group("grader_cli")

A = "demo0"
needs_sandbox = pytest.mark.skipif(
    sandbox_problem() is not None, reason=f"no sandbox: {sandbox_problem()}"
)


@pytest.fixture
def course(cli_course):
    """The course of these tests: ``cli_course`` (see conftest), collected into."""
    return cli_course


def test_release_checks_and_reports_changes(course, run_grader_captured):
    status, out, _ = run_grader_captured(course, "release", A)
    assert status == 0
    assert "the release differs from the source only by its cleared regions" in out
    assert "unchanged since the last release" in out


@needs_sandbox
def test_the_instructors_loop_end_to_end(
    course, collected, tmp_path, capsys, run_grader
):
    """collect (the fixture) -> autograde -> export -> report -> feedback."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "grader", "autograde", A, "--jobs", "2"],
        cwd=course.root,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["student", "points", "seconds"]
    points = {line.split()[0]: line.split()[1] for line in lines[1:7]}
    assert points["alice"] == "3/3" and points["bob"] == "2/3"
    assert points["Carol_Smith"] == "0/3" and points["babbagec"] == "2/3"
    assert "grading demo0" in done.stderr  # the progress bar
    assert check_integrity(load_coursedir(course.root)) == []

    out = tmp_path / "grades.json"
    assert run_grader(course, "export", "-o", str(out)) == 0
    rows = json.loads(out.read_text())
    assert {r["student"] for r in rows} >= {"alice", "bob", "Carol_Smith"}
    bob = {r["part"]: r for r in rows if r["student"] == "bob"}
    assert bob["relu_hidden"]["reason"] == "WRONG" and bob["relu_hidden"]["total"] == 2
    capsys.readouterr()
    assert run_grader(course, "export", "--format", "csv", "--assignment", A) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header == "student,assignment,part,score,max_score,reason,message,total"

    report = tmp_path / "report.html"
    assert run_grader(course, "report", A, "-o", str(report)) == 0
    assert report.read_text().count("data:image/png;base64,") == 3
    assert run_grader(course, "feedback", A, "--student", "bob") == 0
    page = step_dir(course, "feedback", A, "bob") / "grader-feedback.html"
    assert "relu must return z where z &gt; 0" in page.read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["release", "ps9"], "unknown assignment 'ps9': expected one of the folders"),
        (["autograde", "ps9"], "unknown assignment 'ps9'"),
        (["feedback", "ps9"], "unknown assignment 'ps9'"),
        (["report", "ps9"], "unknown assignment 'ps9'"),
        (
            ["export", "--assignment", "ps9"],
            "unknown assignment 'ps9': expected one in",
        ),
        (["collect", A, "nowhere.zip"], "'nowhere.zip' is neither a folder nor a zip"),
        (
            ["autograde", A, "--student", "nobody"],
            "no submission of 'demo0' for nobody",
        ),
        (["autograde", A, "--jobs", "0"], "jobs must be at least 1, got 0"),
    ],
)
def test_errors_exit_non_zero_naming_expected_and_received(
    course, collected, capsys, argv, message, run_grader
):
    assert run_grader(course, *argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("grader: error: ") and message in err


def test_missing_folders_are_named(course, tmp_path, capsys):
    assert main(["autograde", A, "--course-dir", str(tmp_path / "nope")]) == 1
    assert "course directory" in capsys.readouterr().err
    empty = tmp_path / "empty"  # the released course, before any submission
    shutil.copytree(course.root, empty, ignore=shutil.ignore_patterns("submitted"))
    assert main(["autograde", A, "--course-dir", str(empty)]) == 1
    err = capsys.readouterr().err
    assert "no submissions of 'demo0': expected folders" in err
    assert "grader collect demo0 SOURCE" in err
