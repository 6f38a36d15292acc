"""Releasing an assignment (grader.release) and checking a release against its source.

A release may differ from its source only by the regions nbgrader clears; a cell
edited by hand in the release, or a stray file, is named, and releasing again
restores it.
"""

import json

import pytest

from grader.course import step_dir
from grader.release import check_release, release_assignment

pytestmark = pytest.mark.xdist_group("grader_gradebook")

A = "demo0"


@pytest.fixture
def course(gradebook_course):
    """The course of these tests: ``gradebook_course`` (see conftest)."""
    return gradebook_course


def test_release_check_finds_changes_beyond_the_regions(course):
    assert check_release(course, A) == []
    path = step_dir(course, "release", A) / f"{A}.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"] = "# edited by hand"
    path.chmod(0o644)
    path.write_text(json.dumps(nb))
    (path.parent / "stray.txt").write_text("x")
    assert check_release(course, A) == [
        "stray.txt is not in the source",
        f"{A}.ipynb cell 1 changed but has no region to clear",
    ]
    assert release_assignment(course, A) == [f"{A}.ipynb", "stray.txt"]
    assert check_release(course, A) == []
