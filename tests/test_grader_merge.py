"""The autograded notebook (grader.merge): the release with the student's answers.

Whatever the student made of the notebook (renamed it, edited or deleted test
cells, duplicated answers, added cells with outputs, or sent no valid notebook at
all), the notebook that nbgrader sees after recording holds every tracked cell once
and canonical, with the student's answers and extra cells. The verdicts are given
directly (no sandbox).
"""

import json

import nbformat
import pytest

from grader.course import step_dir
from grader.merge import merge_submission
from grader.recording import PartVerdict, record_result

pytestmark = pytest.mark.xdist_group("grader_gradebook")

A = "demo0"
V = PartVerdict


@pytest.fixture
def course(gradebook_course):
    """The course of these tests: ``gradebook_course`` (see conftest)."""
    return gradebook_course


def test_autograded_notebook_holds_the_students_work_and_canonical_tests(
    course, submit, answered, wrong_verdicts
):
    nb = answered(course, relu="def relu(z):\n    return abs(z)\n")
    tests = [i for i, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {})
             .get("grade_id") == "softmax_hidden"]  # fmt: skip
    nb["cells"][tests[0] - 2]["source"] = "assert True  # edited import cell"
    del nb["cells"][tests[0]]  # a deleted test cell
    relu_test = next(
        c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id")
        == "relu_hidden"
    )  # fmt: skip
    relu_test["source"] = "pass  # edited test"
    nb["cells"].append(json.loads(json.dumps(nb["cells"][2])))  # duplicated answer
    nb["cells"].append(
        nbformat.v4.new_code_cell(
            "x = 1",
            outputs=[nbformat.v4.new_output("stream", name="stderr", text="fake")],
        )
    )
    submit(course, "dee", nb, name="my_work.ipynb")  # renamed
    record_result(course, A, "dee", wrong_verdicts)

    out = nbformat.read(
        step_dir(course, "autograded", A, "dee") / f"{A}.ipynb", as_version=4
    )
    by_id = {}
    for cell in out.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        assert grade_id not in by_id, f"{grade_id} appears twice"
        if grade_id:
            by_id[grade_id] = cell
    assert by_id["relu"].source == "def relu(z):\n    return abs(z)\n"
    assert "check_part" in by_id["relu_hidden"].source  # canonical, hidden tests
    assert "check_part" in by_id["softmax_hidden"].source  # restored after deletion
    assert by_id["relu_hidden"].outputs == []
    [error] = by_id["softmax_hidden"].outputs
    assert (error.ename, error.evalue) == (
        "WRONG",
        wrong_verdicts["softmax_hidden"].message,
    )
    plain = [c for c in out.cells if "nbgrader" not in c.metadata]
    assert "x = 1" in [c.source for c in plain]
    assert all(c.outputs == [] for c in plain if c.cell_type == "code")


@pytest.mark.parametrize("content", [b"{not json", b"", None])
def test_unreadable_or_missing_notebook_gives_the_release(
    course, content, recorded_grades, full_verdicts, written_part
):
    student = f"bad{len(content) if content is not None else 'none'}"
    folder = step_dir(course, "submitted", A, student)
    folder.mkdir(parents=True)
    if content is not None:
        (folder / f"{A}.ipynb").write_bytes(content)
    verdicts = {
        gid: V(0.0, v.max_score, "BAD_NOTEBOOK", "unreadable")
        for gid, v in full_verdicts.items()
    }
    record_result(course, A, student, verdicts)
    assert {k: v[0] for k, v in recorded_grades(course, student).items()} == {
        "relu_hidden": 0.0,
        "softmax_hidden": 0.0,
        written_part: 0.0,
    }


def test_merge_without_submission_is_the_release_without_outputs(course):
    release = nbformat.read(step_dir(course, "release", A) / f"{A}.ipynb", as_version=4)
    merged = merge_submission(release, None)
    assert [c.source for c in merged.cells] == [c.source for c in release.cells]
