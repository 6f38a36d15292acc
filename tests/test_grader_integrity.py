"""The gradebook's integrity check (grader.integrity) catches tampering.

A score changed in the SQLite file behind the grader's back, or a trigger added to
it, is reported; recording the verdicts again (and dropping the trigger) restores a
clean check. The verdicts are given directly (no sandbox).
"""

import sqlite3

import pytest

from grader.integrity import check_integrity
from grader.recording import record_result

pytestmark = pytest.mark.xdist_group("grader_gradebook")

A = "demo0"


@pytest.fixture
def course(gradebook_course):
    """The course of these tests: ``gradebook_course`` (see conftest)."""
    return gradebook_course


def test_integrity_check_catches_tampering(course, submit, answered, full_verdicts):
    submit(course, "fay", answered(course))
    record_result(course, A, "fay", full_verdicts)
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
    record_result(course, A, "fay", full_verdicts)
    con = sqlite3.connect(path)
    with con:
        con.execute("DROP TRIGGER sneaky")
    con.close()
    assert check_integrity(course) == []
