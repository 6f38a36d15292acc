"""Shared pytest configuration and the fixtures that several test files use.

When ``COURSE_REQUIRE_ALL`` is set (CI sets it), a skipped test is reported as a
failure: every real component (PyTorch, MNIST, Chromium, bubblewrap) must be present.

The grader's test files share three demo courses, built once per session
(``cli_course``, ``gradebook_course``, ``report_course``), and the helpers that
write and read them; see the table below ``mnist``.
"""

import contextlib
import io
import json
import os
import re
import stat
import zipfile
from html.parser import HTMLParser

import numpy as np
import pytest

REQUIRE_ALL = bool(os.environ.get("COURSE_REQUIRE_ALL"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else ""
        report.outcome = "failed"
        report.longrepr = f"skipped under COURSE_REQUIRE_ALL=1: {reason}"


@pytest.fixture
def agg_backend():
    """Draw on matplotlib's non-interactive Agg backend, as headless execution does.

    The explorers' test modules use it with
    ``pytestmark = pytest.mark.usefixtures("agg_backend")``. It is set before each
    test, not once, because the backend is global to the process.
    """
    import matplotlib

    matplotlib.use("Agg")


@pytest.fixture
def rng():
    """A seeded generator so that every test is reproducible."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def mnist():
    """The MNIST files named by ``COURSE_DATA_DIR``, loaded once per session."""
    data_dir = os.environ.get("COURSE_DATA_DIR")
    if not data_dir:
        pytest.skip("COURSE_DATA_DIR is not set: no MNIST files to test on")
    from course.data import load_mnist

    return load_mnist(data_dir, download=False)


# -- grader: courses and helpers that several grader test files share -------------
#
# Each course is built once per session (per worker under xdist). The test files
# that use one mark their tests with the same ``xdist_group``, so that
# ``--dist loadgroup`` builds it on one worker only:
#
# ====================  ================  ============================================
# fixture               xdist_group       used by test_grader_*
# ====================  ================  ============================================
# ``cli_course``        grader_cli        cli, collect
# ``gradebook_course``  grader_gradebook  recording, merge, integrity, release, feedback
# ``report_course``     grader_report     report, export, feedback
# ====================  ================  ============================================
#
# The test files name the course they use ``course`` (a module fixture).

A = "demo0"  # the demo course's problem set
WRITTEN = "explain"  # a manually graded answer added to the demo0 source
_TIME = (2030, 1, 2, 3, 4)


# The demo course of the command line tests, into which ``collected`` collects.


def _run(course, *argv):
    from grader.cli import main

    return main([*argv, "--course-dir", course.root])


def _captured(course, *argv):
    """Run ``main`` and return (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = _run(course, *argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def run_grader():
    """``run_grader(course, *argv)``: the ``grader`` command in-process, its status.

    :func:`grader.cli.main` with ``--course-dir`` set to the course: the same code as
    ``python -m grader`` without the start-up time of a new interpreter.
    """
    return _run


@pytest.fixture(scope="session")
def run_grader_captured():
    """``run_grader_captured(course, *argv)``: as ``run_grader``, (status, out, err)."""
    return _captured


@pytest.fixture(scope="session")
def cli_course(tmp_path_factory):
    """A demo0 course as released, for the command line; ``collected`` fills it."""
    from grader.demo import build_course

    return build_course(tmp_path_factory.mktemp("cli") / "course", A)


@pytest.fixture(scope="session")
def notebooks(cli_course):
    """Notebook bytes of three kinds of student, from the demo class."""
    from grader.demo import sample_class

    students = {s.description: s for s in sample_class(cli_course, A)}
    return {
        "right": students["the solutions"].files[f"{A}.ipynb"],
        "wrong": students["relu: forgot the computation"].files[f"{A}.ipynb"],
        "broken": students["not valid JSON"].files[f"{A}.ipynb"],
    }


@pytest.fixture(scope="session")
def collected(cli_course, notebooks, tmp_path_factory):
    """Collect an LMS zip, then a folder of submissions; the command outputs."""
    course = cli_course
    tmp = tmp_path_factory.mktemp("downloads")
    archive = tmp / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("lovelaceada_1001_5001_demo0.ipynb", notebooks["right"])
        late = zipfile.ZipInfo("babbagec_LATE_1002_5002_demo0-1.ipynb", _TIME + (6,))
        zf.writestr(late, notebooks["wrong"])
        earlier = zipfile.ZipInfo("babbagec_1002_5003_demo0.ipynb", _TIME + (5,))
        zf.writestr(earlier, notebooks["broken"])
        zf.writestr("hopperg_1003_5004_my work.ipynb", notebooks["right"])
        zf.writestr("../escape.ipynb", notebooks["right"])
        zf.writestr("__MACOSX/._lovelaceada_1001_5001_demo0.ipynb", b"junk")
        link = zipfile.ZipInfo("smith_1004_5005_link.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    folder = tmp / "folder"
    (folder / "alice").mkdir(parents=True)
    (folder / "alice" / f"{A}.ipynb").write_bytes(notebooks["right"])
    (folder / "bob" / A).mkdir(parents=True)
    (folder / "bob" / A / f"{A}.ipynb").write_bytes(notebooks["wrong"])
    (folder / "bob" / A / "data.csv").write_text("1,2\n")
    (folder / "Carol Smith.ipynb").write_bytes(notebooks["broken"])
    (folder / "alice" / ".ipynb_checkpoints").mkdir()
    (folder / "alice" / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    os.utime(folder / "alice" / f"{A}.ipynb", (0, 1_000_000_000))
    return {
        "zip": _captured(course, "collect", A, str(archive)),
        "folder": _captured(course, "collect", A, str(folder)),
        "again": _captured(course, "collect", A, str(folder)),
    }


# The course into which verdicts are recorded directly (no sandbox), and its helpers.


def _add_written_answer(coursedir):
    """Add a written answer (graded by hand, 1 point) to the source; re-release."""
    import nbformat

    from grader.course import step_dir
    from grader.release import release_assignment

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
def gradebook_course(tmp_path_factory):
    """A demo0 course whose source has a written answer too (``written_part``).

    Its parts: ``relu_hidden`` (1 point), ``softmax_hidden`` (2 points), both
    autograded, and the written answer (1 point), graded by hand. The tests record
    verdicts for students of their own (one name per test) into its gradebook.
    """
    from grader.demo import build_course

    coursedir = build_course(tmp_path_factory.mktemp("gb") / "course", A)
    changed = _add_written_answer(coursedir)
    assert changed == [f"{A}.ipynb"]
    return coursedir


@pytest.fixture(scope="session")
def written_part():
    """The grade_id of the written answer that ``gradebook_course`` adds."""
    return WRITTEN


@pytest.fixture
def full_verdicts():
    """Full marks on both autograded parts of demo0."""
    from grader.recording import PartVerdict as V

    return {
        "relu_hidden": V(1.0, 1.0, "OK", ""),
        "softmax_hidden": V(2.0, 2.0, "OK", ""),
    }


@pytest.fixture
def wrong_verdicts():
    """relu right, softmax wrong (0 of 2 points, with the grader's message)."""
    from grader.recording import PartVerdict as V

    return {
        "relu_hidden": V(1.0, 1.0, "OK", ""),
        "softmax_hidden": V(0.0, 2.0, "WRONG", "softmax overflows: subtract the max"),
    }


def _release_json(coursedir):
    from grader.course import step_dir

    path = step_dir(coursedir, "release", A) / f"{A}.ipynb"
    return json.loads(path.read_text())


def _submit(coursedir, student, nb, name=f"{A}.ipynb", timestamp=None):
    from grader.course import step_dir

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


def _grades(coursedir, student):
    from nbgrader.api import Gradebook

    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        submission = gb.find_submission(A, student)
        return {
            g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
            for nb in submission.notebooks
            for g in nb.grades
        }


@pytest.fixture(scope="session")
def submit():
    """``submit(course, student, nb, name=..., timestamp=None)``: a demo0 submission.

    Writes ``nb`` (a notebook dict, or raw bytes) as ``submitted/<student>/demo0/
    <name>`` and, when given, nbgrader's ``timestamp.txt``; returns the folder.
    """
    return _submit


@pytest.fixture(scope="session")
def answered():
    """``answered(course, **sources)``: the demo0 release with these cells' sources.

    Keyword names are grade_ids (``relu=..., softmax=..., explain=...``).
    """
    return _answered


@pytest.fixture(scope="session")
def recorded_grades():
    """``recorded_grades(course, student)``: the gradebook's demo0 grades.

    A dict of grade_id to (auto_score, manual_score, needs_manual_grade).
    """
    return _grades


# The course whose gradebook holds known verdicts, for export, report and feedback.

_REPORT_VERDICTS = {
    "ada": {"relu_hidden": (1, 1, "OK", ""), "softmax_hidden": (2, 2, "OK", "")},
    "bob": {
        "relu_hidden": (0, 1, "WRONG", "relu must return 0 for negative inputs"),
        "softmax_hidden": (0, 2, "TIMEOUT", "softmax did not finish <in time>"),
    },
    "cy": {
        "relu_hidden": (1, 1, "OK", ""),
        "softmax_hidden": (0, 2, "WRONG", "softmax overflows: subtract the max"),
    },
    "dee": {
        "relu_hidden": (0, 1, "BAD_NOTEBOOK", "not JSON"),
        "softmax_hidden": (0, 2, "BAD_NOTEBOOK", "not JSON"),
    },
}


@pytest.fixture(scope="session")
def report_course(tmp_path_factory):
    """A demo0 course whose gradebook holds known verdicts of four students.

    ada has full marks; bob a WRONG and a TIMEOUT (whose message is markup);
    cy a WRONG softmax with 1.5 points and a comment set by hand in formgrader;
    dee a BAD_NOTEBOOK; eve is enrolled and submitted nothing.
    """
    from nbgrader.api import Gradebook

    from grader.course import step_dir
    from grader.demo import build_course
    from grader.recording import PartVerdict, record_result

    coursedir = build_course(tmp_path_factory.mktemp("report") / "course", A)
    for student, verdicts in _REPORT_VERDICTS.items():
        step_dir(coursedir, "submitted", A, student).mkdir(parents=True)
        parts = {gid: PartVerdict(*v) for gid, v in verdicts.items()}
        record_result(coursedir, A, student, parts)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        gb.update_or_create_student("eve")  # enrolled, submitted nothing
        grade = gb.find_grade("softmax_hidden", A, A, "cy")
        grade.manual_score = 1.5  # a grader's partial credit in formgrader
        comment = gb.find_comment("softmax", A, A, "cy")
        comment.manual_comment = "nearly: see the max"
        gb.db.commit()
    return coursedir


# Student-controlled text on the HTML pages (class report, feedback summary).

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


def _hostile_rows():
    """Two students whose every student-controlled field carries HOSTILE."""
    from grader.export import Row

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


@pytest.fixture
def hostile_rows():
    """Export rows of two students whose every student-controlled field is hostile.

    Each such field holds ``"<field>:"`` and then markup, an attribute break-out, a
    template expression and an entity (see ``hostile_fields``).
    """
    return _hostile_rows()


@pytest.fixture(scope="session")
def hostile_fields():
    """The fields of ``hostile_rows`` that a student controls."""
    return FIELDS


@pytest.fixture(scope="session")
def assert_shown_as_text_only():
    """``assert_shown_as_text_only(page, fields)``: no hostile text is markup.

    Asserts that the hostile text of every field in ``fields`` is on ``page``
    escaped, shown verbatim as text, and that the page has no tag, attribute or
    image other than its own.
    """
    return _assert_shown_as_text_only
