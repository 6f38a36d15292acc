"""Recording verdicts in nbgrader's gradebook (grader.recording), read back by nbgrader.

These tests write verdicts directly (no sandbox): they check that what the grader
records is what nbgrader's gradebook API, ``nbgrader export``'s plugin and
formgrader's API see, that regrading keeps a grader's manual scores, that a part
without a verdict is left to a person, and that a failed recording keeps nothing.
"""

import csv

import pytest
from nbgrader.api import Gradebook
from nbgrader.apps.api import NbGraderAPI
from nbgrader.plugins import CsvExportPlugin

from grader.course import CourseError, check_assignment, load_coursedir
from grader.integrity import check_integrity
from grader.recording import (
    GradebookWriter,
    PartVerdict,
    check_parts,
    read_verdicts,
    record_result,
)

pytestmark = pytest.mark.xdist_group("grader_gradebook")

A = "demo0"
V = PartVerdict


@pytest.fixture
def course(gradebook_course):
    """The course of these tests: ``gradebook_course`` (see conftest)."""
    return gradebook_course


def test_scores_reach_the_gradebook_export_and_formgrader(
    course,
    tmp_path,
    submit,
    answered,
    recorded_grades,
    full_verdicts,
    wrong_verdicts,
    written_part,
):
    answer = "def softmax(z):\n    return z\n"
    submit(course, "ada", answered(course, softmax=answer, explain="Overflow."))
    submit(course, "bob", answered(course), timestamp="2030-01-02 03:04:05 UTC")
    with GradebookWriter(course, A) as writer:
        writer.record("ada", wrong_verdicts)
        writer.record("bob", full_verdicts)

    grades = recorded_grades(course, "ada")
    assert grades["relu_hidden"] == (1.0, None, False)
    assert grades["softmax_hidden"] == (0.0, None, False)
    assert grades[written_part] == (None, None, True)  # answered: a person grades it
    # not answered: "No response."
    assert recorded_grades(course, "bob")[written_part] == (0.0, None, False)

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


def test_partial_scores_ungraded_parts_and_manual_scores(
    course, submit, answered, recorded_grades, full_verdicts
):
    submit(course, "cy", answered(course))
    partial = {
        "relu_hidden": V(0.0, 1.0, "UNGRADED", "grade by hand"),
        "softmax_hidden": V(0.5, 2.0, "WRONG", "half"),
    }
    record_result(course, A, "cy", partial)
    grades = recorded_grades(course, "cy")
    assert grades["relu_hidden"] == (0.0, None, True)
    assert grades["softmax_hidden"] == (0.5, None, False)

    with Gradebook(course.db_url, course.course_id) as gb:
        gb.find_grade("softmax_hidden", A, A, "cy").manual_score = 1.5
        gb.db.commit()
    record_result(course, A, "cy", full_verdicts)  # regrading keeps the manual score
    assert recorded_grades(course, "cy")["softmax_hidden"] == (2.0, 1.5, True)
    assert read_verdicts(course, A, "cy") == full_verdicts
    assert check_integrity(course) == []

    record_result(course, A, "cy", {"relu_hidden": full_verdicts["relu_hidden"]})
    # no verdict: by hand
    assert recorded_grades(course, "cy")["softmax_hidden"][2] is True


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


def test_a_recording_that_fails_keeps_nothing_of_it(
    course,
    monkeypatch,
    submit,
    answered,
    recorded_grades,
    full_verdicts,
    wrong_verdicts,
):
    import nbgrader.preprocessors.saveautogrades as save

    submit(course, "kim", answered(course))
    record_result(course, A, "kim", full_verdicts)
    before = recorded_grades(course, "kim")

    def fail_on_the_second_cell(self, cell, resources):
        if cell.metadata["nbgrader"]["grade_id"] == "softmax_hidden":
            raise RuntimeError("disk full")
        return original(self, cell, resources)

    original = save.SaveAutoGrades._add_score
    monkeypatch.setattr(save.SaveAutoGrades, "_add_score", fail_on_the_second_cell)
    with pytest.raises(RuntimeError, match="disk full"):
        record_result(
            course,
            A,
            "kim",
            wrong_verdicts | {"relu_hidden": V(0.0, 1.0, "WRONG", "x")},
        )
    monkeypatch.undo()
    # the relu score recorded before the failure was rolled back with the rest
    assert recorded_grades(course, "kim") == before
    record_result(course, A, "kim", wrong_verdicts)
    assert recorded_grades(course, "kim")["softmax_hidden"][0] == 0.0
