"""``grader``: the instructor's loop over nbgrader, from release to class report.

::

    grader release ps1                   # nbgrader generate_assignment, then check it
    grader collect ps1 downloads.zip     # LMS zip or folder -> submitted/
    grader autograde ps1 --jobs 4        # sandboxed, parallel; scores -> gradebook
    grader feedback ps1                  # feedback/<student>/ps1/*.html
    grader export --format json -o grades.json
    grader report ps1 -o ps1-report.html

Every command works on the course in the current folder (``--course-dir`` to
choose another): the folder with ``nbgrader_config.py``. Errors name what was
expected and what was found, and exit with status 1, without a traceback unless
``grader --debug`` asks for one (it also shows nbgrader's own log).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

from grader.course import CourseError, load_coursedir

_COURSE = argparse.ArgumentParser(add_help=False)
_COURSE.add_argument(
    "--course-dir",
    default=".",
    metavar="DIR",
    help="the course folder, holding nbgrader_config.py (default: .)",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader",
        description="Sandboxed, parallel autograding on top of nbgrader.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'grader COMMAND --help' for the options of a command.",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show tracebacks and nbgrader's log (grader --debug COMMAND ...)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    cmd = commands.add_parser(
        "release",
        parents=[_COURSE],
        help="build the student version of an assignment and check it",
        description="Run nbgrader generate_assignment (source -> release folder, "
        "cells recorded in the gradebook) and check that the release differs from "
        "the source only by its cleared solution and hidden-test regions.",
    )
    cmd.add_argument("assignment")
    cmd.set_defaults(run=_release)

    cmd = commands.add_parser(
        "collect",
        parents=[_COURSE],
        help="copy submissions from a folder or an LMS zip into submitted/",
        description="Copy every student's files into submitted/<student>/"
        "<assignment>/ with nbgrader's timestamp.txt. SOURCE is a folder or a zip "
        "with one folder per student, LMS file names such as "
        "smithjane_12345_67890_ps1.ipynb, or one <student>.ipynb per student.",
    )
    cmd.add_argument("assignment")
    cmd.add_argument("source", help="a folder or a .zip file")
    cmd.set_defaults(run=_collect)

    cmd = commands.add_parser(
        "autograde",
        parents=[_COURSE],
        help="grade the submissions in the sandbox and record the scores",
        description="Grade the new and changed submissions of ASSIGNMENT in the "
        "sandbox, in parallel, and record the scores in nbgrader's gradebook and "
        "autograded/ folder. A submission unchanged since it was graded (same "
        "files, problem set and limits) keeps its result unless --force. One run "
        "at a time per course; Ctrl-C stops it cleanly (exit status 130).",
    )
    cmd.add_argument("assignment")
    cmd.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: the number of cores)",
    )
    cmd.add_argument(
        "--student",
        action="append",
        metavar="S",
        help="grade only this student (repeat for several)",
    )
    cmd.add_argument(
        "--allow-unsandboxed",
        action="store_true",
        help="grade without a sandbox when bubblewrap is missing: student code "
        "then runs with your permissions (only for code you trust)",
    )
    cmd.add_argument(
        "--force",
        action="store_true",
        help="grade every submission again, also the unchanged ones",
    )
    cmd.add_argument("--no-progress", action="store_true", help="no progress bar")
    cmd.set_defaults(run=_autograde)

    cmd = commands.add_parser(
        "feedback",
        parents=[_COURSE],
        help="write feedback pages for the graded students",
        description="Run nbgrader generate_feedback and write "
        "feedback/<student>/<assignment>/grader-feedback.html: each part's points "
        "and message.",
    )
    cmd.add_argument("assignment")
    cmd.add_argument(
        "--student", action="append", metavar="S", help="only this student"
    )
    cmd.set_defaults(run=_feedback)

    cmd = commands.add_parser(
        "export",
        parents=[_COURSE],
        help="grades as CSV or JSON (one row per student and part)",
        description="Columns: student, assignment, part, score, max_score, reason, "
        "message, total (see grader.export for their meaning).",
    )
    cmd.add_argument(
        "--format",
        choices=("csv", "json"),
        default=None,
        help="default: from the -o suffix, else csv",
    )
    cmd.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    cmd.add_argument("--assignment", help="only this assignment")
    cmd.set_defaults(run=_export)

    cmd = commands.add_parser(
        "report",
        parents=[_COURSE],
        help="an HTML class report with plots",
        description="Score distribution, pass rate per part, most common failure "
        "reasons and a table of students, as one HTML file.",
    )
    cmd.add_argument("assignment")
    cmd.add_argument(
        "-o", "--output", metavar="FILE", help="default: ASSIGNMENT-report.html"
    )
    cmd.set_defaults(run=_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.debug)
    try:
        return args.run(args)
    except CourseError as exc:
        if args.debug:
            raise
        print(f"grader: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130


class _OneLine(logging.Formatter):
    """A log record as one line, without the traceback it may carry."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().strip().splitlines() or [""]
        return f"grader: {record.levelname.lower()}: {message[0]}"


def _configure_logging(debug: bool) -> None:
    """Warnings of the libraries as one line each; everything with ``--debug``.

    nbgrader's gradebook logs each failed query with its traceback (on tornado's
    ``tornado.application`` logger) before raising; the grader reports the
    failure itself, so that log is shown only with ``--debug``.
    """
    handler = logging.StreamHandler(sys.stderr)
    if not debug:
        handler.setFormatter(_OneLine())
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, handlers=[handler]
    )
    if not debug:
        logging.getLogger("tornado.application").setLevel(logging.CRITICAL)


def _release(args: argparse.Namespace) -> int:
    from grader.course import step_dir
    from grader.release import release_assignment

    coursedir = load_coursedir(args.course_dir)
    changed = release_assignment(coursedir, args.assignment)
    where = step_dir(coursedir, "release", args.assignment)
    print(f"released {args.assignment} into {where}")
    print("the release differs from the source only by its cleared regions")
    if changed:
        print("new or changed by this release: " + ", ".join(changed))
    else:
        print("unchanged since the last release")
    return 0


def _collect(args: argparse.Namespace) -> int:
    from grader.collect import collect

    coursedir = load_coursedir(args.course_dir)
    summary = collect(coursedir, args.assignment, args.source)
    for student, files in sorted(summary.students.items()):
        note = (
            " (replaced the earlier submission)" if student in summary.replaced else ""
        )
        print(f"{student}: {', '.join(files)}{note}")
    for name, why in summary.skipped:
        print(f"skipped {name}: {why}", file=sys.stderr)
    print(f"collected {len(summary.students)} submissions of {args.assignment}")
    if not summary.students:
        raise CourseError(
            f"no submission found in {args.source}: expected one folder per "
            "student, LMS file names or one <student>.ipynb per student"
        )
    return 0


def _autograde(args: argparse.Namespace) -> int:
    from grader.batch import Interrupted, autograde, summary_table

    coursedir = load_coursedir(args.course_dir)
    try:
        batch = autograde(
            coursedir,
            args.assignment,
            jobs=args.jobs,
            students=args.student,
            allow_unsandboxed=args.allow_unsandboxed,
            progress=not args.no_progress,
            force=args.force,
        )
    except Interrupted as stop:
        print(
            f"grader: interrupted: recorded {stop.recorded} of {stop.total} "
            f"submissions, each completely; run grader autograde {args.assignment} "
            "again to grade the rest",
            file=sys.stderr,
        )
        return 130
    for folder in batch.hidden:
        print(
            f"grader: warning: {folder} was not graded: a student folder whose name "
            "starts with a dot is not a student",
            file=sys.stderr,
        )
    print(summary_table(batch.outcomes))
    reasons = Counter(p.reason for o in batch for p in o.parts.values())
    print(
        "parts by reason: " + ", ".join(f"{r} {n}" for r, n in sorted(reasons.items()))
    )
    unchanged = len(batch.unchanged)
    kept = f"; {unchanged} unchanged since graded (--force grades them again)"
    print(
        f"recorded {len(batch.recorded)} submissions in {coursedir.db_url}"
        + (kept if unchanged else "")
    )
    failed = [o for o in batch if o.error is not None]
    for outcome in failed:
        if outcome.recorded:
            advice = "grade this submission by hand, or run"
        else:
            advice = "nothing of it was recorded; fix the cause, then run"
        print(
            f"grader: error: {outcome.student}: {outcome.error}; {advice} grader "
            f"autograde {args.assignment} --student {outcome.student} again",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _feedback(args: argparse.Namespace) -> int:
    from grader.feedback import write_feedback

    coursedir = load_coursedir(args.course_dir)
    written = write_feedback(coursedir, args.assignment, args.student)
    for path in written:
        print(path)
    print(f"wrote feedback for {len(written)} students")
    return 0


def _export(args: argparse.Namespace) -> int:
    from grader.export import grade_rows, write_rows

    fmt = args.format
    if fmt is None:
        fmt = "json" if args.output and args.output.endswith(".json") else "csv"
    coursedir = load_coursedir(args.course_dir)
    rows = grade_rows(coursedir, args.assignment)
    if args.output is None:
        write_rows(rows, sys.stdout, fmt)
    else:
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            write_rows(rows, fh, fmt)
        print(f"wrote {len(rows)} rows to {args.output}", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    from grader.course import check_assignment
    from grader.report import write_report

    coursedir = load_coursedir(args.course_dir)
    check_assignment(coursedir, args.assignment)
    path = Path(args.output or f"{args.assignment}-report.html")
    print(write_report(coursedir, args.assignment, path))
    return 0
