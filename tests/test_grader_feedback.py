"""Feedback for students (grader.feedback): nbgrader's pages and the grader's summary.

nbgrader's ``generate_feedback`` page and the grader's one-page summary show the
grader's messages, never the hidden tests; the summary shows a student's points
and escapes the text a student controls. Verdicts are recorded directly (no
sandbox), in ``gradebook_course`` and ``report_course``; each test carries the
``xdist_group`` of the course it uses.
"""

import pytest

from grader.course import CourseError
from grader.export import grade_rows
from grader.feedback import summary_html, write_feedback
from grader.reasons import Reason
from grader.recording import record_result

A = "demo0"


@pytest.mark.xdist_group("grader_gradebook")
def test_generate_feedback_shows_messages_but_no_hidden_tests(
    gradebook_course, submit, answered, wrong_verdicts
):
    course = gradebook_course
    submit(course, "eve", answered(course))
    record_result(course, A, "eve", wrong_verdicts)
    [summary] = write_feedback(course, A, ["eve"])
    page = (summary.parent / f"{A}.html").read_text()  # nbgrader's own feedback
    assert "subtract the max" in page
    assert "check_part" not in page and "HIDDEN" not in page
    text = summary.read_text()
    assert "subtract the max" in text and "check_part" not in text
    with pytest.raises(CourseError, match="no graded submission of 'demo0' for zed"):
        write_feedback(course, A, ["zed"], notebooks=False)


@pytest.mark.xdist_group("grader_report")
def test_feedback_summary_shows_points_and_messages_only(report_course):
    course = report_course
    rows = [r for r in grade_rows(course, A) if r.student == "bob"]
    page = summary_html(rows)
    assert "Total: <strong>0 / 3</strong>" in page
    assert "relu must return 0 for negative inputs" in page
    assert "softmax did not finish &lt;in time&gt;" in page
    assert Reason.TIMEOUT.label in page
    assert "check_part" not in page and "HIDDEN TESTS" not in page


def test_feedback_summary_shows_student_text_escaped(
    hostile_rows, hostile_fields, assert_shown_as_text_only
):
    page = summary_html([r for r in hostile_rows if r.student != "ada"])
    assert "Total: <strong>1 / 3</strong>" in page
    assert_shown_as_text_only(page, hostile_fields)
