"""Recording verdicts in nbgrader's gradebook (grader.gradebook), read back by nbgrader.

These tests write verdicts directly (no sandbox): they check that what the grader
records is what nbgrader's gradebook API, ``nbgrader export``'s plugin, formgrader's
API and ``generate_feedback`` see, and that the integrity check catches tampering.
"""

import csv
import json
import sqlite3

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps.api import NbGraderAPI
from nbgrader.plugins import CsvExportPlugin

from grader.course import CourseError, check_assignment, load_coursedir, step_dir
from grader.demo import build_course
from grader.feedback import write_feedback
from grader.integrity import check_integrity
from grader.merge import merge_submission
from grader.recording import (
    GradebookWriter,
    PartVerdict,
    check_parts,
    read_verdicts,
    record_result,
)
from grader.release import check_release, release_assignment

pytestmark = pytest.mark.xdist_group("grader_gradebook")

A = "demo0"
WRITTEN = "explain"  # a manually graded answer added to the demo0 source


def _add_written_answer(coursedir):
    """Add a written answer (graded by hand, 1 point) to the source; re-release."""
    path = step_dir(coursedir, "source", A) / f"{A}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_markdown_cell(
        "Why subtract the maximum?\n\n### BEGIN SOLUTION\nTo avoid overflow.\n"
        "### END SOLUTION"
    )
    cell.metadata.nbgrader = {
        "grade": True,
        "solution": True,
        "locked": False,
        "task": False,
        "points": 1,
        "grade_id": WRITTEN,
        "schema_version": 3,
    }
    nb.cells.append(cell)
    nbformat.write(nb, path)
    return release_assignment(coursedir, A)


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    coursedir = build_course(tmp_path_factory.mktemp("gb") / "course", A)
    changed = _add_written_answer(coursedir)
    assert changed == [f"{A}.ipynb"]
    return coursedir


def _release_json(coursedir):
    path = step_dir(coursedir, "release", A) / f"{A}.ipynb"
    return json.loads(path.read_text())


def _submit(coursedir, student, nb, name=f"{A}.ipynb", timestamp=None):
    folder = step_dir(coursedir, "submitted", A, student)
    folder.mkdir(parents=True, exist_ok=True)
    data = nb if isinstance(nb, bytes) else json.dumps(nb).encode()
    (folder / name).write_bytes(data)
    if timestamp:
        (folder / "timestamp.txt").write_text(timestamp)
    return folder


def _answered(coursedir, **sources):
    nb = _release_json(coursedir)
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell["source"] = sources[grade_id]
    return nb


V = PartVerdict
FULL = {
    "relu_hidden": V(1.0, 1.0, "OK", ""),
    "softmax_hidden": V(2.0, 2.0, "OK", ""),
}
WRONG = {
    "relu_hidden": V(1.0, 1.0, "OK", ""),
    "softmax_hidden": V(0.0, 2.0, "WRONG", "softmax overflows: subtract the max"),
}


def _grades(coursedir, student):
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        submission = gb.find_submission(A, student)
        return {
            g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
            for nb in submission.notebooks
            for g in nb.grades
        }


def test_scores_reach_the_gradebook_export_and_formgrader(course, tmp_path):
    answer = "def softmax(z):\n    return z\n"
    _submit(course, "ada", _answered(course, softmax=answer, explain="Overflow."))
    _submit(course, "bob", _answered(course), timestamp="2030-01-02 03:04:05 UTC")
    with GradebookWriter(course, A) as writer:
        writer.record("ada", WRONG)
        writer.record("bob", FULL)

    grades = _grades(course, "ada")
    assert grades["relu_hidden"] == (1.0, None, False)
    assert grades["softmax_hidden"] == (0.0, None, False)
    assert grades[WRITTEN] == (None, None, True)  # answered: a person grades it
    assert _grades(course, "bob")[WRITTEN] == (0.0, None, False)  # "No response."

    out = tmp_path / "grades.csv"
    with Gradebook(course.db_url, course.course_id) as gb:
        CsvExportPlugin(to=str(out)).export(gb)
    exported = {row["student_id"]: row for row in csv.DictReader(out.open())}
    assert exported["ada"]["raw_score"] == "1.0"
    assert exported["bob"]["raw_score"] == "3.0"
    assert exported["bob"]["timestamp"] == "2030-01-02 03:04:05"

    formgrader = NbGraderAPI(coursedir=course, config=course.config)
    seen = {s["student"]: s for s in formgrader.get_submissions(A)}
    assert seen["ada"]["autograded"] and seen["ada"]["needs_manual_grade"]
    assert (seen["ada"]["score"], seen["bob"]["score"]) == (1.0, 3.0)
    failed = {
        s["student"]: s["failed_tests"]
        for s in formgrader.get_notebook_submissions(A, A)
    }
    assert failed["ada"] and not failed["bob"]
    assert check_integrity(course) == []


def test_partial_scores_ungraded_parts_and_manual_scores(course):
    _submit(course, "cy", _answered(course))
    partial = {
        "relu_hidden": V(0.0, 1.0, "UNGRADED", "grade by hand"),
        "softmax_hidden": V(0.5, 2.0, "WRONG", "half"),
    }
    record_result(course, A, "cy", partial)
    grades = _grades(course, "cy")
    assert grades["relu_hidden"] == (0.0, None, True)
    assert grades["softmax_hidden"] == (0.5, None, False)

    with Gradebook(course.db_url, course.course_id) as gb:
        gb.find_grade("softmax_hidden", A, A, "cy").manual_score = 1.5
        gb.db.commit()
    record_result(course, A, "cy", FULL)  # regrading keeps the manual score
    assert _grades(course, "cy")["softmax_hidden"] == (2.0, 1.5, True)
    assert read_verdicts(course, A, "cy") == FULL
    assert check_integrity(course) == []

    record_result(course, A, "cy", {"relu_hidden": FULL["relu_hidden"]})
    assert _grades(course, "cy")["softmax_hidden"][2] is True  # no verdict: by hand


def test_autograded_notebook_holds_the_students_work_and_canonical_tests(course):
    nb = _answered(course, relu="def relu(z):\n    return abs(z)\n")
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
    _submit(course, "dee", nb, name="my_work.ipynb")  # renamed
    record_result(course, A, "dee", WRONG)

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
    assert (error.ename, error.evalue) == ("WRONG", WRONG["softmax_hidden"].message)
    plain = [c for c in out.cells if "nbgrader" not in c.metadata]
    assert "x = 1" in [c.source for c in plain]
    assert all(c.outputs == [] for c in plain if c.cell_type == "code")


@pytest.mark.parametrize("content", [b"{not json", b"", None])
def test_unreadable_or_missing_notebook_gives_the_release(course, content):
    student = f"bad{len(content) if content is not None else 'none'}"
    folder = step_dir(course, "submitted", A, student)
    folder.mkdir(parents=True)
    if content is not None:
        (folder / f"{A}.ipynb").write_bytes(content)
    verdicts = {
        gid: V(0.0, v.max_score, "BAD_NOTEBOOK", "unreadable")
        for gid, v in FULL.items()
    }
    record_result(course, A, student, verdicts)
    assert {k: v[0] for k, v in _grades(course, student).items()} == {
        "relu_hidden": 0.0,
        "softmax_hidden": 0.0,
        WRITTEN: 0.0,
    }


def test_merge_without_submission_is_the_release_without_outputs(course):
    release = nbformat.read(step_dir(course, "release", A) / f"{A}.ipynb", as_version=4)
    merged = merge_submission(release, None)
    assert [c.source for c in merged.cells] == [c.source for c in release.cells]


def test_generate_feedback_shows_messages_but_no_hidden_tests(course):
    _submit(course, "eve", _answered(course))
    record_result(course, A, "eve", WRONG)
    [summary] = write_feedback(course, A, ["eve"])
    page = (summary.parent / f"{A}.html").read_text()  # nbgrader's own feedback
    assert "subtract the max" in page
    assert "check_part" not in page and "HIDDEN" not in page
    text = summary.read_text()
    assert "subtract the max" in text and "check_part" not in text
    with pytest.raises(CourseError, match="no graded submission of 'demo0' for zed"):
        write_feedback(course, A, ["zed"], notebooks=False)


def test_integrity_check_catches_tampering(course):
    _submit(course, "fay", _answered(course))
    record_result(course, A, "fay", FULL)
    assert check_integrity(course) == []
    path = course.db_url[len("sqlite:///") :]
    con = sqlite3.connect(path)
    with con:
        con.execute(
            "UPDATE grade SET auto_score = 0 WHERE id IN (SELECT grade.id FROM grade "
            "JOIN submitted_notebook sn ON grade.notebook_id = sn.id JOIN "
            "submitted_assignment sa ON sn.assignment_id = sa.id "
            "WHERE sa.student_id = 'fay')"
        )
        con.execute("CREATE TRIGGER sneaky AFTER INSERT ON grade BEGIN SELECT 1; END")
    con.close()
    problems = check_integrity(course)
    assert "unexpected trigger 'sneaky' in the gradebook" in problems
    assert any("fay/demo0/softmax_hidden: the grader gave 2.0" in p for p in problems)
    record_result(course, A, "fay", FULL)
    con = sqlite3.connect(path)
    with con:
        con.execute("DROP TRIGGER sneaky")
    con.close()
    assert check_integrity(course) == []


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


def test_errors_name_what_was_expected(course, tmp_path):
    with pytest.raises(CourseError, match=r"unknown assignment 'ps9': expected one"):
        check_assignment(course, "ps9")
    with pytest.raises(CourseError, match=r"course directory .* does not exist"):
        load_coursedir(tmp_path / "nowhere")
    with pytest.raises(CourseError, match=r"part 'relu_hidden' is worth 3 points"):
        check_parts(course, A, {"relu_hidden": 3.0, "softmax_hidden": 2.0})
    with pytest.raises(CourseError, match=r"test cell 'softmax_hidden' belongs to no"):
        check_parts(course, A, {"relu_hidden": 1.0})
    with pytest.raises(CourseError, match=r"'ps9' is not in the gradebook"):
        GradebookWriter(course, "ps9").__enter__()


def test_a_recording_that_fails_keeps_nothing_of_it(course, monkeypatch):
    import nbgrader.preprocessors.saveautogrades as save

    _submit(course, "kim", _answered(course))
    record_result(course, A, "kim", FULL)
    before = _grades(course, "kim")

    def fail_on_the_second_cell(self, cell, resources):
        if cell.metadata["nbgrader"]["grade_id"] == "softmax_hidden":
            raise RuntimeError("disk full")
        return original(self, cell, resources)

    original = save.SaveAutoGrades._add_score
    monkeypatch.setattr(save.SaveAutoGrades, "_add_score", fail_on_the_second_cell)
    with pytest.raises(RuntimeError, match="disk full"):
        record_result(
            course, A, "kim", WRONG | {"relu_hidden": V(0.0, 1.0, "WRONG", "x")}
        )
    monkeypatch.undo()
    # the relu score recorded before the failure was rolled back with the rest
    assert _grades(course, "kim") == before
    record_result(course, A, "kim", WRONG)
    assert _grades(course, "kim")["softmax_hidden"][0] == 0.0
