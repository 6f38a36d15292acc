"""Checking that the gradebook is sound and agrees with the grader's own records."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

from nbgrader.api import Base
from nbgrader.coursedir import CourseDirectory

from grader.course import step_dir
from grader.nbgrader_internals import open_gradebook
from grader.recording import RESULT_FILE, read_verdicts


def check_integrity(coursedir: CourseDirectory) -> list[str]:
    """Problems found in the gradebook; an empty list means it is sound.

    Checks that SQLite finds the file intact, that it holds only nbgrader's tables
    (no triggers or views anyone added), that every score lies between zero and the
    cell's points, and that every score the grader recorded in ``autograded/``
    is the score the gradebook holds.
    """
    problems = []
    prefix = "sqlite:///"
    if coursedir.db_url.startswith(prefix):
        path = coursedir.db_url[len(prefix) :]
        if not Path(path).is_file():
            return [f"gradebook {path} does not exist"]
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            status = con.execute("PRAGMA integrity_check").fetchone()[0]
            objects = con.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN "
                "('table', 'view', 'trigger')"
            ).fetchall()
        finally:
            con.close()
        if status != "ok":
            problems.append(f"SQLite integrity check failed: {status}")
        expected = set(Base.metadata.tables) | {"alembic_version"}
        problems += [
            f"unexpected {kind} {name!r} in the gradebook"
            for kind, name in sorted(objects)
            if kind != "table" or name not in expected
        ]
    with open_gradebook(coursedir) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                student = submission.student.id
                grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
                for grade in grades.values():
                    for kind in ("auto_score", "manual_score"):
                        value = getattr(grade, kind)
                        if value is not None and not 0 <= value <= grade.max_score:
                            problems.append(
                                f"{student}/{assignment.name}/{grade.name}: {kind} "
                                f"{value} outside [0, {grade.max_score}]"
                            )
                verdicts = read_verdicts(coursedir, assignment.name, student)
                result_file = (
                    step_dir(coursedir, "autograded", assignment.name, student)
                    / RESULT_FILE
                )
                if verdicts is None and result_file.exists():
                    problems.append(f"{result_file} cannot be read")
                for grade_id, verdict in (verdicts or {}).items():
                    grade = grades.get(grade_id)
                    if grade is None:
                        problems.append(
                            f"{student}/{assignment.name}/{grade_id}: graded but "
                            "not in the gradebook"
                        )
                    elif grade.auto_score is None or not math.isclose(
                        grade.auto_score, verdict.score, abs_tol=1e-9
                    ):
                        problems.append(
                            f"{student}/{assignment.name}/{grade_id}: the grader "
                            f"gave {verdict.score}, the gradebook holds "
                            f"{grade.auto_score}"
                        )
    return problems
