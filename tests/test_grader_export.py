"""Exported grades (grader.export): the rows' schema, CSV and JSON, every assignment.

The gradebook is filled with known verdicts (no sandbox needed), plus a score set
by hand in formgrader and a student who submitted nothing (``report_course``).
"""

import csv
import io
import json

import pytest

from grader.course import CourseError
from grader.export import COLUMNS, Row, grade_rows, write_rows
from grader.reasons import Reason

pytestmark = pytest.mark.xdist_group("grader_report")

A = "demo0"


@pytest.fixture
def course(report_course):
    """The course of these tests: ``report_course`` (see conftest)."""
    return report_course


def test_rows_follow_the_schema(course):
    rows = grade_rows(course, A)
    assert COLUMNS == (
        "student",
        "assignment",
        "part",
        "score",
        "max_score",
        "reason",
        "message",
        "total",
    )
    got = {(r.student, r.part): (r.score, r.reason, r.message, r.total) for r in rows}
    assert got[("ada", "softmax_hidden")] == (2.0, "OK", "", 3.0)
    assert got[("bob", "relu_hidden")] == (
        0.0,
        "WRONG",
        "relu must return 0 for negative inputs",
        0.0,
    )
    assert got[("cy", "softmax_hidden")] == (1.5, "MANUAL", "softmax overflows: "
                                             "subtract the max", 2.5)  # fmt: skip
    assert got[("eve", "relu_hidden")] == (
        0.0,
        "NO_SUBMISSION",
        "nothing was submitted",
        0.0,
    )
    assert [r.student for r in rows] == sorted(r.student for r in rows)
    assert [r.part for r in rows if r.student == "ada"] == [
        "relu_hidden",
        "softmax_hidden",
    ]
    assert {reason.value for reason in Reason} >= {r.reason for r in rows}


def test_csv_and_json_carry_the_same_rows(course):
    rows = grade_rows(course, A)
    text = io.StringIO()
    write_rows(rows, text, "csv")
    parsed = list(csv.DictReader(io.StringIO(text.getvalue())))
    assert tuple(parsed[0]) == COLUMNS
    as_json = io.StringIO()
    write_rows(rows, as_json, "json")
    objects = json.loads(as_json.getvalue())
    assert [Row(**o) for o in objects] == rows
    assert [
        Row(**{**p, "score": float(p["score"]), "max_score": float(p["max_score"]),
               "total": float(p["total"])})
        for p in parsed
    ] == rows  # fmt: skip
    with pytest.raises(CourseError, match="unknown export format 'xml': expected"):
        write_rows(rows, io.StringIO(), "xml")


def test_export_of_every_assignment_and_unknown_assignment(course):
    assert grade_rows(course) == grade_rows(course, A)
    with pytest.raises(CourseError, match=r"unknown assignment 'ps9': expected one in"):
        grade_rows(course, "ps9")
