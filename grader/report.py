"""An HTML class report for one assignment, with its plots embedded as PNG.

The report reads the exported rows (:func:`grader.export.grade_rows`), so it shows
what the gradebook holds: the distribution of the students' totals, the pass
rate of every part (the share of submissions with full points on it), the most
common reasons for lost points, the most frequent failure messages, and a table
of every student. It is one self-contained file that any browser opens.
"""

from __future__ import annotations

import base64
import io
import statistics
from collections import Counter
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from nbgrader.coursedir import CourseDirectory

from grader.course import CourseError
from grader.export import Row, grade_rows
from grader.reasons import Reason
from grader.templating import render

# Reasons that are not a failure of the student's code.


def class_report(coursedir: CourseDirectory, assignment: str) -> str:
    """The report for ``assignment`` as an HTML document."""
    rows = grade_rows(coursedir, assignment)
    if not rows:
        raise CourseError(
            f"no student has a row for {assignment!r} in {coursedir.db_url}: "
            f"expected grader autograde {assignment} to have run"
        )
    return report_html(assignment, rows)


def write_report(coursedir: CourseDirectory, assignment: str, path: Path) -> Path:
    """Write :func:`class_report` to ``path`` (parent folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(class_report(coursedir, assignment), encoding="utf-8")
    return path


def report_html(assignment: str, rows: list[Row]) -> str:
    """The report for the rows of one assignment (at least one row)."""
    submitted = [r for r in rows if r.reason != Reason.NO_SUBMISSION]
    students = sorted({r.student for r in rows})
    graded = {r.student for r in submitted}
    parts = list(dict.fromkeys(r.part for r in rows))
    max_total = (
        sum(r.max_score for r in rows if r.student == students[0]) if rows else 0
    )
    totals = list({r.student: r.total for r in submitted}.values())
    failures = [r for r in submitted if _is_failure(r.reason)]
    return render(
        "report.html.j2",
        assignment=assignment,
        n_students=len(students),
        n_graded=len(totals),
        mean=statistics.fmean(totals) if totals else None,
        median=statistics.median(totals) if totals else None,
        best=max(totals) if totals else None,
        max_total=max_total,
        distribution_png=_png(_distribution(totals, max_total)) if submitted else None,
        pass_rates_png=_png(_pass_rates(submitted, parts)) if submitted else None,
        reasons_png=_png(_reasons(failures)) if failures else None,
        top_failures=_top_failures(failures),
        students=_students(rows, graded),
    )


def _distribution(totals: list[float], max_total: float) -> Figure:
    fig = Figure(figsize=(7, 3.2), layout="constrained")
    ax = fig.add_subplot()
    top = max(max_total, max(totals), 1.0)
    values, counts = np.unique(np.round(totals, 6), return_counts=True)
    if len(values) <= 25:  # one bar per total that occurs
        step = np.diff(values).min() if len(values) > 1 else 1.0
        width = 0.8 * min(step, top / 10)
        ax.bar(values, counts, width=width, color="#4878a8")
        ax.set_xlim(-width, top + width)
    else:
        bins = np.linspace(0.0, top, 21)
        ax.hist(totals, bins=bins, color="#4878a8", edgecolor="white")
        ax.set_xlim(0, top)
    ax.set_xlabel("total points")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return fig


def _pass_rates(rows: list[Row], parts: list[str]) -> Figure:
    rates = []
    for part in parts:
        scored = [r for r in rows if r.part == part]
        rates.append(sum(r.score >= r.max_score for r in scored) / len(scored))
    fig = Figure(figsize=(7, 0.45 * len(parts) + 1.0), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(parts))
    ax.barh(y, rates, color="#59a14f")
    ax.set_yticks(y, parts)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter("{x:.0%}")
    for i, rate in enumerate(rates):
        ax.text(min(rate + 0.01, 0.9), i, f"{rate:.0%}", va="center")
    return fig


def _reasons(failures: list[Row]) -> Figure:
    counts = Counter(r.reason for r in failures).most_common()
    labels = [f"{reason} ({Reason.label_of(reason)})" for reason, _ in counts]
    fig = Figure(figsize=(7, 0.45 * len(counts) + 1.0), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(counts))
    ax.barh(y, [n for _, n in counts], color="#e15759")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("parts that lost points")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def _top_failures(failures: list[Row], n: int = 10) -> list[dict]:
    counts = Counter((r.part, r.reason, r.message) for r in failures).most_common(n)
    return [
        {"count": count, "part": part, "reason": reason, "message": message}
        for (part, reason, message), count in counts
    ]


def _students(rows: list[Row], graded: set[str]) -> list[dict]:
    """One entry per student: the total and the parts that lost points."""
    table = []
    for student in sorted({r.student for r in rows}):
        mine = [r for r in rows if r.student == student]
        table.append(
            {
                "student": student,
                "graded": student in graded,
                "total": mine[0].total,
                "lost": [r for r in mine if r.score < r.max_score],
            }
        )
    return table


def _png(fig: Figure) -> str:
    """``fig`` as a base64-encoded PNG, for a ``data:`` URL."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _is_failure(name: str) -> bool:
    """Whether a reason counts as a failure (an unknown one does)."""
    try:
        return Reason(name).failure
    except ValueError:
        return True
