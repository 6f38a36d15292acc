"""Export (grader.export), class report (grader.report) and feedback pages.

The gradebook is filled with known verdicts (no sandbox needed), plus a score set
by hand in formgrader and a student who submitted nothing.
"""

import base64
import csv
import io
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from jinja2 import StrictUndefined, UndefinedError, nodes
from nbgrader.api import Gradebook

from grader.course import CourseError, step_dir
from grader.demo import build_course
from grader.export import COLUMNS, Row, grade_rows, write_rows
from grader.feedback import summary_html
from grader.reasons import Reason
from grader.recording import PartVerdict, record_result
from grader.report import _distribution, report_html, write_report
from grader.templating import environment, render

pytestmark = pytest.mark.xdist_group("grader_report")

A = "demo0"
V = PartVerdict
VERDICTS = {
    "ada": {"relu_hidden": V(1, 1, "OK", ""), "softmax_hidden": V(2, 2, "OK", "")},
    "bob": {
        "relu_hidden": V(0, 1, "WRONG", "relu must return 0 for negative inputs"),
        "softmax_hidden": V(0, 2, "TIMEOUT", "softmax did not finish <in time>"),
    },
    "cy": {
        "relu_hidden": V(1, 1, "OK", ""),
        "softmax_hidden": V(0, 2, "WRONG", "softmax overflows: subtract the max"),
    },
    "dee": {
        "relu_hidden": V(0, 1, "BAD_NOTEBOOK", "not JSON"),
        "softmax_hidden": V(0, 2, "BAD_NOTEBOOK", "not JSON"),
    },
}


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    coursedir = build_course(tmp_path_factory.mktemp("report") / "course", A)
    for student, verdicts in VERDICTS.items():
        step_dir(coursedir, "submitted", A, student).mkdir(parents=True)
        record_result(coursedir, A, student, verdicts)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        gb.update_or_create_student("eve")  # enrolled, submitted nothing
        grade = gb.find_grade("softmax_hidden", A, A, "cy")
        grade.manual_score = 1.5  # a grader's partial credit in formgrader
        comment = gb.find_comment("softmax", A, A, "cy")
        comment.manual_comment = "nearly: see the max"
        gb.db.commit()
    return coursedir


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


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r"base64,([A-Za-z0-9+/=]+)", page)]


def test_class_report_has_its_plots_and_tables(course, tmp_path):
    path = write_report(course, A, tmp_path / "out" / "ps.html")
    page = path.read_text()
    images = _images(page)
    assert len(images) == 3 and all(i.startswith(b"\x89PNG\r\n\x1a\n") for i in images)
    assert "4 graded submissions from 5 students" in page
    assert "mean 1.38, median 1.25, best 3 out of 3 points" in page
    # the most common failure: the BAD_NOTEBOOK student, twice; escaped messages
    assert "<td class='num'>2</td><td>dee</td>" not in page
    assert "softmax did not finish &lt;in time&gt;" in page
    assert "<in time>" not in page
    assert "<tr><td>eve</td><td class='num'>-</td>" in page


def test_report_without_failures_says_so():
    rows = [Row("ada", "ps", "p", 1.0, 1.0, "OK", "", 1.0)]
    page = report_html("ps", rows)
    assert "No part lost points to a failure." in page
    assert len(_images(page)) == 2


def test_feedback_summary_shows_points_and_messages_only(course):
    rows = [r for r in grade_rows(course, A) if r.student == "bob"]
    page = summary_html(rows)
    assert "Total: <strong>0 / 3</strong>" in page
    assert "relu must return 0 for negative inputs" in page
    assert "softmax did not finish &lt;in time&gt;" in page
    assert Reason.TIMEOUT.label in page
    assert "check_part" not in page and "HIDDEN TESTS" not in page


def test_score_distribution_has_one_bar_per_total_or_twenty_bins():
    fig = _distribution([0, 1, 1, 2, 3, 3, 3], 3.0)
    bars = fig.axes[0].patches
    assert [(b.get_x() + b.get_width() / 2, b.get_height()) for b in bars] == [
        pytest.approx((0, 1)),
        pytest.approx((1, 2)),
        pytest.approx((2, 1)),
        pytest.approx((3, 3)),
    ]
    many = list(np.linspace(0, 100, 40))
    fig = _distribution(many, 100.0)
    assert len(fig.axes[0].patches) == 20
    assert sum(b.get_height() for b in fig.axes[0].patches) == 40


# Text a student controls (exception messages, folder names) that would be markup,
# an attribute break-out or a template expression if it reached the page unescaped.
HOSTILE = (
    "<script>alert(1)</script>"
    '"><img src=x onerror=alert(1)>'
    "' onmouseover='x"
    "</textarea>"
    "{{ 7*7 }}"
    "&amp;"
)
FIELDS = ("student", "assignment", "part", "reason", "message")


class _Page(HTMLParser):
    """The tags, attributes and text of a page, as a browser would parse them."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.texts = [], []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.texts.append(data)


def _hostile_rows() -> list[Row]:
    """Two students whose every student-controlled field carries HOSTILE."""
    h = {field: f"{field}:{HOSTILE}" for field in FIELDS}
    return [
        Row(h["student"], h["assignment"], h["part"], 0.0, 1.0, h["reason"],
            h["message"], 1.0),
        Row(h["student"], h["assignment"], "p2", 1.0, 2.0, "WRONG", h["message"], 1.0),
        Row("ada", h["assignment"], h["part"], 1.0, 1.0, "OK", "", 3.0),
        Row("ada", h["assignment"], "p2", 2.0, 2.0, "OK", "", 3.0),
    ]  # fmt: skip


def _assert_shown_as_text_only(page: str, fields: tuple[str, ...]):
    for raw in ("<script", "<img src=x", "' onmouseover='x", '" onmouseover',
                "</textarea>", "49"):  # fmt: skip
        assert raw not in re.sub(r"base64,[A-Za-z0-9+/=]+", "", page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "{{ 7*7 }}" in page  # not evaluated by the template engine
    assert "&amp;amp;" in page  # the student's literal "&amp;", itself escaped
    parsed = _Page(page)
    for field in fields:  # every field is still shown, verbatim, as text
        assert any(f"{field}:{HOSTILE}" in text for text in parsed.texts), field
    assert {tag for tag, _ in parsed.tags} <= {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "strong",
        "img", "table", "thead", "tbody", "tr", "th", "td",
    }  # fmt: skip
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "img":
            assert set(attrs) == {"alt", "src"}
            assert attrs["src"].startswith("data:image/png;base64,")


@pytest.mark.filterwarnings("ignore:constrained_layout not applied")
def test_report_shows_student_text_escaped():
    rows = _hostile_rows()
    page = report_html(rows[0].assignment, rows)
    assert len(_images(page)) == 3
    _assert_shown_as_text_only(page, FIELDS)


def test_feedback_summary_shows_student_text_escaped():
    page = summary_html([r for r in _hostile_rows() if r.student != "ada"])
    assert "Total: <strong>1 / 3</strong>" in page
    _assert_shown_as_text_only(page, FIELDS)


def test_every_page_template_autoescapes_and_rejects_undefined_names():
    names = environment.list_templates()
    assert {"base.html.j2", "report.html.j2", "feedback.html.j2"} <= set(names)
    for name in names:  # as Jinja2 decides it when compiling the template
        assert nodes.EvalContext(environment, name).autoescape is True, name
    assert environment.undefined is StrictUndefined
    with pytest.raises(UndefinedError, match="'rows' is undefined"):
        render("feedback.html.j2", student="s", assignment="a", total=0,
               max_total=0, labels={})  # fmt: skip
