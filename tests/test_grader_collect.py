"""Collecting submissions (grader.collect) with ``grader collect``, on a real course.

The class is collected once (the ``collected`` fixture in conftest): an LMS zip with
a late resubmission, a renamed notebook, a path that escapes the folder and a link;
then a folder of submissions in any layout, twice.
"""

import pytest

from grader.course import step_dir

pytestmark = pytest.mark.xdist_group("grader_cli")

A = "demo0"


@pytest.fixture
def course(cli_course):
    """The course of these tests: ``cli_course`` (see conftest)."""
    return cli_course


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
