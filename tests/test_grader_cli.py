"""The ``grader`` command line (grader.cli, grader.collect), on a real course.

The end-to-end run uses ``python -m grader`` in a subprocess; the other commands
call :func:`grader.cli.main` in-process, which is the same code without the start-up
time of a new interpreter.
"""

import contextlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from grader.cli import main
from grader.course import load_coursedir, step_dir
from grader.demo import build_course, sample_class
from grader.integrity import check_integrity
from grader.sandbox import sandbox_problem

pytestmark = pytest.mark.xdist_group("grader_cli")

A = "demo0"
needs_sandbox = pytest.mark.skipif(
    sandbox_problem() is not None, reason=f"no sandbox: {sandbox_problem()}"
)


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    return build_course(tmp_path_factory.mktemp("cli") / "course", A)


@pytest.fixture(scope="session")
def notebooks(course):
    """Notebook bytes of three kinds of student, from the demo class."""
    students = {s.description: s for s in sample_class(course, A)}
    return {
        "right": students["the solutions"].files[f"{A}.ipynb"],
        "wrong": students["relu: forgot the computation"].files[f"{A}.ipynb"],
        "broken": students["not valid JSON"].files[f"{A}.ipynb"],
    }


def _run(course, *argv):
    return main([*argv, "--course-dir", course.root])


def _captured(course, *argv):
    """Run ``main`` and return (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = _run(course, *argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def collected(course, notebooks, tmp_path_factory):
    """Collect an LMS zip, then a folder of submissions; the command outputs."""
    tmp = tmp_path_factory.mktemp("downloads")
    archive = tmp / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("lovelaceada_1001_5001_demo0.ipynb", notebooks["right"])
        late = zipfile.ZipInfo("babbagec_LATE_1002_5002_demo0-1.ipynb", _TIME + (6,))
        zf.writestr(late, notebooks["wrong"])
        earlier = zipfile.ZipInfo("babbagec_1002_5003_demo0.ipynb", _TIME + (5,))
        zf.writestr(earlier, notebooks["broken"])
        zf.writestr("hopperg_1003_5004_my work.ipynb", notebooks["right"])
        zf.writestr("../escape.ipynb", notebooks["right"])
        zf.writestr("__MACOSX/._lovelaceada_1001_5001_demo0.ipynb", b"junk")
        link = zipfile.ZipInfo("smith_1004_5005_link.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    folder = tmp / "folder"
    (folder / "alice").mkdir(parents=True)
    (folder / "alice" / f"{A}.ipynb").write_bytes(notebooks["right"])
    (folder / "bob" / A).mkdir(parents=True)
    (folder / "bob" / A / f"{A}.ipynb").write_bytes(notebooks["wrong"])
    (folder / "bob" / A / "data.csv").write_text("1,2\n")
    (folder / "Carol Smith.ipynb").write_bytes(notebooks["broken"])
    (folder / "alice" / ".ipynb_checkpoints").mkdir()
    (folder / "alice" / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    os.utime(folder / "alice" / f"{A}.ipynb", (0, 1_000_000_000))
    return {
        "zip": _captured(course, "collect", A, str(archive)),
        "folder": _captured(course, "collect", A, str(folder)),
        "again": _captured(course, "collect", A, str(folder)),
    }


_TIME = (2030, 1, 2, 3, 4)


def test_collect_an_lms_zip(course, notebooks, collected):
    status, out, err = collected["zip"]
    assert status == 0
    assert "collected 3 submissions of demo0" in out
    assert "skipped ../escape.ipynb: a path outside the submission folder" in err
    assert "skipped smith_1004_5005_link.ipynb: a link" in err
    submitted = step_dir(course, "submitted", A, "babbagec")
    assert (submitted / f"{A}.ipynb").read_bytes() == notebooks["wrong"]  # newest
    stamp = (submitted / "timestamp.txt").read_text()
    assert stamp == "2030-01-02 03:04:06.000000 UTC\n"
    hopper = step_dir(course, "submitted", A, "hopperg")
    assert sorted(p.name for p in hopper.iterdir()) == [
        "my work.ipynb",
        "timestamp.txt",
    ]
    assert sorted(p.name for p in hopper.parent.parent.iterdir()) == [
        "Carol_Smith",
        "alice",
        "babbagec",
        "bob",
        "hopperg",
        "lovelaceada",
    ]


def test_collect_a_folder_in_any_layout(course, notebooks, collected):
    status, out, _ = collected["folder"]
    assert status == 0
    assert "alice: demo0.ipynb\n" in out and "bob: data.csv, demo0.ipynb\n" in out
    carol = step_dir(course, "submitted", A, "Carol_Smith")
    assert (carol / f"{A}.ipynb").read_bytes() == notebooks["broken"]
    stamp = step_dir(course, "submitted", A, "alice") / "timestamp.txt"
    assert stamp.read_text() == "2001-09-09 01:46:40.000000 UTC\n"
    assert "(replaced the earlier submission)" in collected["again"][1]


def test_release_checks_and_reports_changes(course):
    status, out, _ = _captured(course, "release", A)
    assert status == 0
    assert "the release differs from the source only by its cleared regions" in out
    assert "unchanged since the last release" in out


@needs_sandbox
def test_the_instructors_loop_end_to_end(course, collected, tmp_path, capsys):
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
    assert _run(course, "export", "-o", str(out)) == 0
    rows = json.loads(out.read_text())
    assert {r["student"] for r in rows} >= {"alice", "bob", "Carol_Smith"}
    bob = {r["part"]: r for r in rows if r["student"] == "bob"}
    assert bob["relu_hidden"]["reason"] == "WRONG" and bob["relu_hidden"]["total"] == 2
    capsys.readouterr()
    assert _run(course, "export", "--format", "csv", "--assignment", A) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header == "student,assignment,part,score,max_score,reason,message,total"

    report = tmp_path / "report.html"
    assert _run(course, "report", A, "-o", str(report)) == 0
    assert report.read_text().count("data:image/png;base64,") == 3
    assert _run(course, "feedback", A, "--student", "bob") == 0
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
    course, collected, capsys, argv, message
):
    assert _run(course, *argv) == 1
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
