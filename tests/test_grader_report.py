"""The class report (grader.report): its plots and tables, with student text escaped.

The gradebook is filled with known verdicts (no sandbox needed), plus a score set
by hand in formgrader and a student who submitted nothing (``report_course``).
"""

import base64
import re

import numpy as np
import pytest

from grader.export import Row
from grader.report import _distribution, report_html, write_report

pytestmark = pytest.mark.xdist_group("grader_report")

A = "demo0"


@pytest.fixture
def course(report_course):
    """The course of these tests: ``report_course`` (see conftest)."""
    return report_course


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


@pytest.mark.filterwarnings("ignore:constrained_layout not applied")
def test_report_shows_student_text_escaped(
    hostile_rows, hostile_fields, assert_shown_as_text_only
):
    rows = hostile_rows
    page = report_html(rows[0].assignment, rows)
    assert len(_images(page)) == 3
    assert_shown_as_text_only(page, hostile_fields)
