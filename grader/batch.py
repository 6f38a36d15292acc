"""Autograde a whole class in parallel and record every result in the gradebook.

Each submission is graded by :func:`grader.api.grade_submission` in one of
``jobs`` worker processes (default: the number of cores this process may use);
the parent process alone writes the gradebook, one submission after another, as
results arrive, and shows a progress bar. The verdicts depend only on the
submission, never on ``jobs`` or on the order in which workers finish.

A batch never stops because of one submission. Whatever a student's code does,
it does inside the sandbox, and the core turns it into a reason. Should the
grader itself fail on a submission (an exception, or a worker process that
dies), that student still gets a row: every part scores zero with reason
``UNGRADED`` and is flagged for manual grading in formgrader; should recording a
result fail, the outcome says so and the batch goes on. A dead worker takes
down the pool; the submissions it was holding are then regraded one at a time,
each in a fresh worker, so only the one that kills its worker is affected.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from tqdm import tqdm

from grader.api import (
    SandboxUnavailable,
    UnsandboxedWarning,
    ensure_sandbox,
    grade_submission,
)
from grader.cases import ProblemSetError, expected_output
from grader.gradebook import (
    UNGRADED,
    CourseError,
    GradebookWriter,
    PartVerdict,
    check_assignment,
    check_parts,
    step_dir,
    submitted_students,
)
from grader.problemsets import load_problem_set
from grader.sandbox import Limits, sandbox_problem


@dataclass(frozen=True)
class Outcome:
    """One student's graded submission.

    ``error`` is None unless the grader itself failed on the submission, in which
    case it says how, and every part has reason ``UNGRADED``.
    """

    student: str
    parts: dict[str, PartVerdict]
    duration: float
    error: str | None = None

    @property
    def score(self) -> float:
        return sum(p.score for p in self.parts.values())

    @property
    def max_score(self) -> float:
        return sum(p.max_score for p in self.parts.values())


@dataclass(frozen=True)
class _Task:
    student: str
    path: str
    problem_set: str
    allow_unsandboxed: bool
    limits: Limits | None


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def autograde(
    coursedir: CourseDirectory,
    assignment: str,
    *,
    jobs: int | None = None,
    students: Iterable[str] | None = None,
    allow_unsandboxed: bool = False,
    limits: Limits | None = None,
    progress: bool = True,
) -> list[Outcome]:
    """Grade the submissions of ``assignment`` and record them in the gradebook.

    Parameters
    ----------
    coursedir : CourseDirectory
        The course.
    assignment : str
        The assignment; its problem set is the module of the same name in
        ``grader.problemsets``.
    jobs : int, optional
        Worker processes (default :func:`default_jobs`).
    students : iterable of str, optional
        Grade only these students (default: every ``submitted/<student>/``).
    allow_unsandboxed : bool
        Where no sandbox can be made, run the students' code anyway, with the
        instructor's permissions (after a warning). Without it, grading refuses.
    limits : Limits, optional
        Resource limits of each run (default: the problem set's).
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    list of Outcome
        One per student, sorted by student.
    """
    check_assignment(coursedir, assignment)
    try:
        problem_set = load_problem_set(assignment)
        # Hidden inputs and reference outputs, computed once here: the forked
        # workers inherit them instead of each computing them again.
        for part in problem_set.parts:
            for case in part.cases:
                expected_output(assignment, part, case)
    except (KeyError, ProblemSetError) as exc:
        raise CourseError(
            f"no usable problem set for {assignment!r}: expected a module "
            f"grader/problemsets/{assignment}.py defining PARTS ({exc.args[0]})"
        ) from None
    points = {part.grade_id: part.points for part in problem_set.parts}
    check_parts(coursedir, assignment, points)
    chosen = _chosen_students(coursedir, assignment, students)
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise CourseError(f"jobs must be at least 1, got {jobs}")
    try:
        ensure_sandbox(True, allow_unsandboxed)
    except SandboxUnavailable:
        raise CourseError(
            f"no sandbox can be made here ({sandbox_problem()}): expected bubblewrap "
            "to work, or --allow-unsandboxed to run the students' code with your "
            "own permissions"
        ) from None
    tasks = [
        _Task(
            student,
            str(step_dir(coursedir, "submitted", assignment, student)),
            assignment,
            allow_unsandboxed,
            limits,
        )
        for student in chosen
    ]
    outcomes = []
    functions = [part.function for part in problem_set.parts]
    with GradebookWriter(coursedir, assignment, functions) as writer:
        results = grade_tasks(tasks, points, jobs=jobs)
        with tqdm(
            total=len(tasks),
            desc=f"grading {assignment}",
            unit="submission",
            disable=not progress,
            file=sys.stderr,
        ) as bar:
            for outcome in results:
                try:
                    writer.record(outcome.student, outcome.parts)
                except Exception as exc:  # the gradebook's problem, not the student's
                    why = f"recording failed: {type(exc).__name__}: {exc}"
                    outcome = dataclasses.replace(outcome, error=why)
                outcomes.append(outcome)
                bar.set_postfix_str(outcome.student, refresh=False)
                bar.update()
    return sorted(outcomes, key=lambda o: o.student)


def _chosen_students(
    coursedir: CourseDirectory, assignment: str, students: Iterable[str] | None
) -> list[str]:
    found = submitted_students(coursedir, assignment)
    where = step_dir(coursedir, "submitted", assignment, "<student>")
    if not found:
        raise CourseError(
            f"no submissions of {assignment!r}: expected folders {where} "
            f"(grader collect {assignment} SOURCE puts them there)"
        )
    if students is None:
        return found
    chosen = sorted(set(students))
    unknown = [s for s in chosen if s not in found]
    if unknown:
        raise CourseError(
            f"no submission of {assignment!r} for {', '.join(unknown)}: expected "
            f"one of the folders {where} ({', '.join(found)})"
        )
    return chosen


def grade_tasks(
    tasks: Sequence[_Task], points: dict[str, float], *, jobs: int
) -> Iterator[Outcome]:
    """Grade ``tasks`` in ``jobs`` workers; an iterator of outcomes as they finish.

    The workers start (fork) before this returns, so call it before starting
    threads such as a progress bar's. ``points`` (grade_id -> points) is what each
    part is worth when the grader fails on a submission.
    """
    first = _Pool(tasks, jobs)
    return _drain(first, points)


def _drain(first: _Pool, points: dict[str, float]) -> Iterator[Outcome]:
    yield from first.results(points)
    # A worker died: regrade what the pool lost alone, one fresh worker each.
    for task in first.lost:
        retry = _Pool([task], 1)
        yield from retry.results(points)
        for lost in retry.lost:
            yield _failed(lost, points, "its worker process died")


class _Pool:
    """Worker processes with every task submitted; ``lost`` is filled if one dies."""

    def __init__(self, tasks: Sequence[_Task], jobs: int) -> None:
        self.lost: list[_Task] = []
        self._executor = ProcessPoolExecutor(
            max_workers=max(1, min(jobs, len(tasks))),
            mp_context=multiprocessing.get_context("fork"),
            initializer=_ignore_interrupts,
        )
        self._futures: dict[Future, _Task] = {
            self._executor.submit(grade_one, task): task for task in tasks
        }

    def results(self, points: dict[str, float]) -> Iterator[Outcome]:
        try:
            for future in as_completed(self._futures):
                task = self._futures[future]
                try:
                    yield future.result()
                except BrokenProcessPool:
                    self.lost.append(task)
                except Exception as exc:  # the grader failed, not the student
                    yield _failed(task, points, f"{type(exc).__name__}: {exc}")
        except BaseException:
            self._executor.shutdown(wait=False, cancel_futures=True)
            raise
        self._executor.shutdown(wait=True)
        self.lost.sort(key=lambda t: t.student)


def _ignore_interrupts() -> None:
    # Ctrl-C is for the parent, which stops the batch; workers just end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def grade_one(task: _Task) -> Outcome:
    """Grade one submission (runs in a worker process)."""
    with warnings.catch_warnings():
        # The parent has warned once already.
        warnings.simplefilter("ignore", UnsandboxedWarning)
        result = grade_submission(
            Path(task.path),
            task.problem_set,
            student=task.student,
            allow_unsandboxed=task.allow_unsandboxed,
            limits=task.limits,
        )
    parts = {grade_id: PartVerdict.of(part) for grade_id, part in result.parts.items()}
    return Outcome(task.student, parts, result.duration)


def _failed(task: _Task, points: dict[str, float], why: str) -> Outcome:
    message = "the grader could not grade this submission: it will be graded by hand"
    parts = {
        grade_id: PartVerdict(0.0, max_score, UNGRADED, message)
        for grade_id, max_score in points.items()
    }
    return Outcome(task.student, parts, 0.0, error=why)


def summary_table(outcomes: Sequence[Outcome]) -> str:
    """A plain-text table: each student's points and the parts that lost points."""
    header = ("student", "points", "seconds", "lost points in")
    lines = [
        (
            o.student,
            f"{o.score:g}/{o.max_score:g}",
            f"{o.duration:.2f}",
            ", ".join(
                f"{gid} ({p.reason})"
                for gid, p in o.parts.items()
                if p.score < p.max_score
            )
            or "-",
        )
        for o in outcomes
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(3)]
    return "\n".join(
        "  ".join(
            [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].rjust(widths[2])]
        )
        + "  "
        + row[3]
        for row in [header, *lines]
    )
