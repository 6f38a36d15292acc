"""Autograde a whole class in parallel and record every result in the gradebook.

Each submission is graded by :func:`grader.api.grade_submission` in one of
``jobs`` worker processes (default: the number of cores this process may use);
the parent process alone writes the gradebook, one submission after another, as
results arrive, and shows a progress bar. The verdicts depend only on the
submission, never on ``jobs`` or on the order in which workers finish.

Only new or changed submissions are graded, as with nbgrader: a submission whose
files, problem set and limits are those of its recorded result (the fingerprint
kept in ``grader-result.json``) keeps that result, unless ``force``.

A batch never stops because of one submission. Whatever a student's code does,
it does inside the sandbox, and the core turns it into a reason. Should the
grader itself fail on a submission (an exception, or a worker process that
dies), that student still gets a row: every part scores zero with reason
``UNGRADED`` and is flagged for manual grading in formgrader; should recording a
result fail (a full disk), the outcome says so, nothing of that submission is
recorded, and the batch goes on. A dead worker takes down the pool; the
submissions it was holding are then regraded one at a time, each in a fresh
worker, so only the one that kills its worker is affected.

Faults of the batch itself:

- only one ``autograde`` runs on a course at a time (:func:`course_lock`: a lock
  file holding the pid, released by the kernel when its holder dies, so a stale
  file never blocks);
- SIGINT (Ctrl-C) and SIGTERM stop the batch within a fraction of a second once
  the submission being recorded is committed: the workers are killed, nothing is
  half-recorded, and :class:`Interrupted` says how far it got;
- the workers die with the parent process, even when it is killed with SIGKILL
  (``PR_SET_PDEATHSIG``), and their sandboxes die with them.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import datetime as dt
import errno
import fcntl
import hashlib
import multiprocessing
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
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
from grader.config import Grader
from grader.course import (
    CourseError,
    check_assignment,
    hidden_submissions,
    step_dir,
    submission_link,
    submitted_students,
)
from grader.extract import submission_files
from grader.problemset import ProblemSet, course_problem_sets, load_problem_set
from grader.reasons import Reason
from grader.recording import (
    GradebookWriter,
    PartVerdict,
    check_parts,
    read_fingerprint,
    read_verdicts,
)
from grader.sandbox import Limits, sandbox_problem

LOCK_FILE = ".grader-autograde.lock"
"""The lock file of a running ``autograde``, in the course folder."""


@dataclass(frozen=True)
class Outcome:
    """One student's graded submission.

    ``error`` is None unless the grader itself failed on the submission (then
    every part has reason ``UNGRADED``) or its result could not be recorded (then
    ``recorded`` is False); it says how. ``graded`` is False for a submission that
    was unchanged since it was last graded, whose recorded result this is.
    """

    student: str
    parts: dict[str, PartVerdict]
    duration: float
    error: str | None = None
    graded: bool = True
    recorded: bool = True

    @property
    def score(self) -> float:
        return sum(p.score for p in self.parts.values())

    @property
    def max_score(self) -> float:
        return sum(p.max_score for p in self.parts.values())


@dataclass(frozen=True)
class Batch:
    """What one ``autograde`` did; iterating it gives its outcomes.

    Attributes
    ----------
    outcomes : list of Outcome
        One per student, sorted by student: graded now, or unchanged and kept.
    hidden : list of Path
        Submission folders under a name that starts with a dot: not graded.
    """

    outcomes: list[Outcome]
    hidden: list[Path] = field(default_factory=list)

    def __iter__(self) -> Iterator[Outcome]:
        return iter(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)

    @property
    def recorded(self) -> list[Outcome]:
        """The outcomes graded now and recorded."""
        return [o for o in self.outcomes if o.graded and o.recorded]

    @property
    def unchanged(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.graded]


class Interrupted(Exception):
    """The batch was stopped by SIGINT or SIGTERM; ``recorded`` were recorded."""

    def __init__(self, recorded: int, total: int) -> None:
        super().__init__(f"interrupted after recording {recorded} of {total}")
        self.recorded = recorded
        self.total = total


@dataclass(frozen=True)
class _Task:
    student: str
    path: str
    problem_set: str
    packages: str
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
    force: bool = False,
) -> Batch:
    """Grade the submissions of ``assignment`` and record them in the gradebook.

    Parameters
    ----------
    coursedir : CourseDirectory
        The course.
    assignment : str
        The assignment; its problem set is the module of the same name in the
        course's problem-set package (``c.Grader.problem_sets``).
    jobs : int, optional
        Worker processes (default ``c.Grader.jobs``, else :func:`default_jobs`).
    students : iterable of str, optional
        Grade only these students (default: every ``submitted/<student>/``).
    allow_unsandboxed : bool
        Where no sandbox can be made, run the students' code anyway, with the
        instructor's permissions (after a warning). Without it, grading refuses.
    limits : Limits, optional
        Resource limits of each run (default: the course's ``c.Grader`` limits
        with the problem set's ``LIMITS`` over them).
    progress : bool
        Show a progress bar on stderr.
    force : bool
        Grade every chosen submission, also those unchanged since their recorded
        result.

    Returns
    -------
    Batch

    Raises
    ------
    CourseError
        For a problem with the course, or when another ``autograde`` is running
        on it.
    Interrupted
        On SIGINT or SIGTERM, once every result received so far is recorded.
    """
    check_assignment(coursedir, assignment)
    settings = Grader(config=coursedir.config)
    packages = course_problem_sets(coursedir.root)
    with course_lock(coursedir, assignment), _stop_signals() as stop:
        problem_set = _problem_set(assignment, packages, stop)
        points = {part.grade_id: part.points for part in problem_set.parts}
        check_parts(coursedir, assignment, points)
        chosen = _chosen_students(coursedir, assignment, students)
        if limits is None:
            try:
                limits = problem_set.limits_over(settings.limits())
            except ValueError as exc:
                raise CourseError(
                    f"{exc} Expected positive limits in c.Grader (nbgrader_config.py) "
                    f"and in the LIMITS of {assignment}."
                ) from None
        if jobs is None:
            jobs = settings.jobs or default_jobs()
        if jobs < 1:
            raise CourseError(f"jobs must be at least 1, got {jobs}")
        try:
            ensure_sandbox(True, allow_unsandboxed)
        except SandboxUnavailable:
            raise CourseError(
                f"no sandbox can be made here ({sandbox_problem()}): expected "
                "bubblewrap to work, or --allow-unsandboxed to run the students' "
                "code with your own permissions"
            ) from None
        functions = [part.function for part in problem_set.parts]
        with GradebookWriter(coursedir, assignment, functions) as writer:
            prints = {
                s: fingerprint(coursedir, assignment, s, problem_set, limits)
                for s in chosen
            }
            outcomes = [] if force else _unchanged(coursedir, assignment, prints)
            kept = {o.student for o in outcomes}
            kept &= writer.recorded_students()
            outcomes = [o for o in outcomes if o.student in kept]
            tasks = [
                _Task(
                    student,
                    str(step_dir(coursedir, "submitted", assignment, student)),
                    assignment,
                    str(packages),
                    allow_unsandboxed,
                    limits,
                )
                for student in chosen
                if student not in kept
            ]
            recorded = 0
            results = grade_tasks(tasks, points, jobs=jobs, stop=stop)
            with tqdm(
                total=len(tasks),
                desc=f"grading {assignment}",
                unit="submission",
                disable=not progress or not tasks,
                file=sys.stderr,
            ) as bar:
                for outcome in results:
                    # a grader failure is recorded without one: tried again next time
                    stored = None if outcome.error else prints[outcome.student]
                    try:
                        writer.record(outcome.student, outcome.parts, stored)
                        recorded += 1
                    except Exception as exc:  # the gradebook's or the disk's problem
                        why = f"recording failed: {_describe(exc)}"
                        outcome = dataclasses.replace(
                            outcome, error=why, recorded=False
                        )
                    outcomes.append(outcome)
                    bar.set_postfix_str(outcome.student, refresh=False)
                    bar.update()
                    if stop.is_set():
                        break
            if stop.is_set():
                raise Interrupted(recorded, len(tasks))
    hidden = hidden_submissions(coursedir, assignment)
    return Batch(sorted(outcomes, key=lambda o: o.student), hidden)


def _problem_set(assignment: str, packages: Path, stop: threading.Event) -> ProblemSet:
    """The loaded problem set, its hidden inputs and reference outputs computed.

    They are computed here, once: the forked workers inherit them instead of each
    computing them again.
    """
    try:
        problem_set = load_problem_set(assignment, packages)
        for part in problem_set.parts:
            for case in part.cases:
                if stop.is_set():
                    raise Interrupted(0, 0)
                expected_output(assignment, part, case)
    except (KeyError, ProblemSetError) as exc:
        raise CourseError(
            f"no usable problem set for {assignment!r}: expected a module "
            f"{packages / assignment}.py defining PARTS, with c.Grader.problem_sets "
            f"naming its package in nbgrader_config.py ({exc.args[0]})"
        ) from None
    return problem_set


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return f"the disk is full ({exc.strerror})"
    text = " ".join(str(exc).split())
    if "database or disk is full" in text:
        return "the disk is full (the gradebook could not be written)"
    return f"{type(exc).__name__}: {text[:300]}"


def fingerprint(
    coursedir: CourseDirectory,
    assignment: str,
    student: str,
    problem_set: ProblemSet,
    limits: Limits,
) -> str | None:
    """SHA-256 of what grading a submission depends on, or None when unreadable.

    The student's files (as :func:`grader.extract.submission_files` lists them:
    paths and contents), the problem set's :attr:`~ProblemSet.digest` and the
    limits. A submission behind a link has none (it is always looked at again).
    """
    if submission_link(coursedir, assignment, student) is not None:
        return None
    folder = step_dir(coursedir, "submitted", assignment, student)
    digest = hashlib.sha256(f"{problem_set.digest}\0{limits!r}\0".encode())
    try:
        for relative, path in submission_files(folder):
            digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        return None
    return digest.hexdigest()


def _unchanged(
    coursedir: CourseDirectory, assignment: str, prints: dict[str, str | None]
) -> list[Outcome]:
    """The recorded outcomes of the submissions whose fingerprint is unchanged."""
    kept = []
    for student, current in prints.items():
        if current is None or read_fingerprint(coursedir, assignment, student) != (
            current
        ):
            continue
        verdicts = read_verdicts(coursedir, assignment, student)
        if verdicts and all(v.reason != Reason.UNGRADED for v in verdicts.values()):
            kept.append(Outcome(student, verdicts, 0.0, graded=False))
    return kept


@contextlib.contextmanager
def course_lock(coursedir: CourseDirectory, assignment: str) -> Iterator[None]:
    """Hold the course's autograde lock, or raise CourseError naming its holder.

    An advisory lock (``flock``) on :data:`LOCK_FILE` in the course folder, which
    also holds the holder's pid, assignment and start time. The kernel releases
    the lock when its holder ends, however it ends, so a file left behind by a
    killed run does not block the next one.
    """
    path = Path(coursedir.root, LOCK_FILE)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise CourseError(
            f"cannot open the lock file {path} ({exc.strerror}): expected a course "
            "folder where grader may write"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").split()
            pid, what, started = (holder + ["?", "?", "?"])[:3]
            raise CourseError(
                f"another grader autograde is running on this course (pid {pid}, "
                f"grading {what} since {started}): expected no other run; wait for "
                f"it to finish or stop it (kill {pid})"
            ) from None
        now = dt.datetime.now().isoformat(timespec="seconds")
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {assignment} {now}\n".encode(), 0)
        except OSError:
            pass  # a full disk: the lock holds all the same, without the note
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """SIGINT and SIGTERM set the event instead of raising wherever they land.

    A KeyboardInterrupt raised in the middle of a library's cleanup can be
    swallowed there; an event is checked where stopping is safe.
    """
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {
        sig: signal.signal(sig, lambda signum, frame: stop.set())
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
    tasks: Sequence[_Task],
    points: dict[str, float],
    *,
    jobs: int,
    stop: threading.Event | None = None,
) -> Iterator[Outcome]:
    """Grade ``tasks`` in ``jobs`` workers; an iterator of outcomes as they finish.

    The workers start (fork) before this returns, so call it before starting
    threads such as a progress bar's. ``points`` (grade_id -> points) is what each
    part is worth when the grader fails on a submission. Once ``stop`` is set, the
    workers are killed and the iterator ends.
    """
    stop = stop or threading.Event()
    if not tasks:
        return iter(())
    first = _Pool(tasks, jobs)
    return _drain(first, points, stop)


def _drain(first: _Pool, points: dict[str, float], stop) -> Iterator[Outcome]:
    yield from first.results(points, stop)
    # A worker died: regrade what the pool lost alone, one fresh worker each.
    for task in first.lost:
        if stop.is_set():
            return
        retry = _Pool([task], 1)
        yield from retry.results(points, stop)
        for lost in retry.lost:
            yield _failed(lost, points, "its worker process died")


class _Pool:
    """Worker processes with every task submitted; ``lost`` is filled if one dies."""

    def __init__(self, tasks: Sequence[_Task], jobs: int) -> None:
        self.lost: list[_Task] = []
        self._executor = ProcessPoolExecutor(
            max_workers=max(1, min(jobs, len(tasks))),
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        self._futures: dict[Future, _Task] = {
            self._executor.submit(grade_one, task): task for task in tasks
        }

    def results(self, points: dict[str, float], stop) -> Iterator[Outcome]:
        pending = set(self._futures)
        try:
            while pending and not stop.is_set():
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: self._futures[f].student):
                    task = self._futures[future]
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        self.lost.append(task)
                    except Exception as exc:  # the grader failed, not the student
                        yield _failed(task, points, f"{type(exc).__name__}: {exc}")
                    if stop.is_set():
                        break
        except BaseException:
            self.terminate()
            raise
        if stop.is_set():
            self.terminate()
            return
        self._executor.shutdown(wait=True)
        self.lost.sort(key=lambda t: t.student)

    def terminate(self) -> None:
        """Kill the workers now (their sandboxes die with them)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        workers = multiprocessing.active_children()
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.join(timeout=5)


_PR_SET_PDEATHSIG = 1


def _start_worker(parent: int) -> None:
    """Set up a worker: it ignores Ctrl-C and dies when its parent dies."""
    # Ctrl-C is for the parent, which stops the batch and kills the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def grade_one(task: _Task) -> Outcome:
    """Grade one submission (runs in a worker process)."""
    with warnings.catch_warnings():
        # The parent has warned once already.
        warnings.simplefilter("ignore", UnsandboxedWarning)
        result = grade_submission(
            Path(task.path),
            load_problem_set(task.problem_set, task.packages),
            student=task.student,
            allow_unsandboxed=task.allow_unsandboxed,
            limits=task.limits,
        )
    parts = {grade_id: PartVerdict.of(part) for grade_id, part in result.parts.items()}
    return Outcome(task.student, parts, result.duration)


def _failed(task: _Task, points: dict[str, float], why: str) -> Outcome:
    message = "the grader could not grade this submission: it will be graded by hand"
    parts = {
        grade_id: PartVerdict(0.0, max_score, Reason.UNGRADED, message)
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
