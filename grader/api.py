"""Grading one submission: the entry point shared by the CLI and the tests.

:func:`grade_submission` takes a submission folder (or a notebook) and a problem set
name and returns a :class:`SubmissionResult`: one :class:`PartResult` per graded part
(nbgrader test cell ``grade_id``), each with a score, a machine-readable
:class:`~grader.reasons.Reason` and a message fit to show the student (no test code,
no expected values).

What happens, in order:

1. trusted code checks that no folder of the submission is a symbolic link
   (:mod:`grader.paths`; BAD_SUBMISSION for every part otherwise), then finds and
   reads the notebook as JSON (:mod:`grader.extract`); no notebook gives
   MISSING_NOTEBOOK, an unreadable one BAD_NOTEBOOK, for every part;
2. a static check marks graded functions that rely on the reference library
   (IMPORTS_REFERENCE); those are not run;
3. the student's code cells and the hidden inputs of the remaining parts go into a
   private scratch folder, and :mod:`grader.sandbox_runner` runs them in one
   sandboxed process (:mod:`grader.sandbox`);
4. the outputs come back inside the secret-tagged records as ``.npy`` bytes
   (loaded with ``allow_pickle=False``, bounded in size) and are compared with the
   reference outputs outside the sandbox (:func:`grader.cases.judge`).

When the process dies (a segfault, ``os._exit``, a loop that blocks every signal)
only the part or the cell that was running is charged: the runner is started again
without it, so the other parts are still graded. Problems caused by the student never
raise: every submission gets a result. Only the instructor's side raises: an unknown
problem set (``KeyError``), a malformed one (``ProblemSetError``), no sandbox
(:class:`~grader.sandbox.SandboxUnavailable`), or a runner that could not even start
(:class:`GraderError`).
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import signal
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from grader import sandbox_runner
from grader.cases import (
    Part,
    bad_output_message,
    case_inputs,
    changed_verdict,
    error_message,
    expected_output,
    judge,
    quote,
    reference_message,
)
from grader.extract import (
    Notebook,
    NotebookError,
    defining_cells,
    find_notebook,
    read_notebook,
    reference_uses,
    submission_files,
)
from grader.paths import link_problem
from grader.problemset import ProblemSet, load_problem_set
from grader.reasons import Reason
from grader.sandbox import (
    Limits,
    RunResult,
    SandboxUnavailable,
    Scratch,
    run_runner,
    sandbox_problem,
)

__all__ = [
    "PartResult",
    "SubmissionResult",
    "UnsandboxedWarning",
    "GraderError",
    "SandboxUnavailable",
    "ensure_sandbox",
    "grade_submission",
]


class UnsandboxedWarning(UserWarning):
    """Student code is about to run without a sandbox."""


class GraderError(RuntimeError):
    """The grader itself failed on a submission (not the student's code).

    For example the runner could not start because the limits are too small for
    Python and numpy, or the scratch folder vanished. Record the submission as not
    graded rather than as zero.
    """


@dataclass(frozen=True)
class PartResult:
    """The verdict on one graded part.

    Attributes
    ----------
    score : float
        ``max_score`` when the reason is OK, else 0 (a part is all or nothing).
    max_score : float
    reason : Reason
        One of :class:`~grader.reasons.Reason` (a ``str`` subclass).
    message : str
        For the student: what went wrong and a hint; empty when OK. Parts of it may
        quote the student's own error messages: escape it before putting it in HTML.
    case : str or None
        Name of the first failing case, if any.
    """

    score: float
    max_score: float
    reason: Reason
    message: str = ""
    case: str | None = None


@dataclass(frozen=True)
class SubmissionResult:
    """The verdicts on one submission.

    Attributes
    ----------
    student : str
    problem_set : str
    parts : dict
        ``grade_id -> PartResult``, in the problem set's order.
    duration : float
        Wall-clock seconds spent grading.
    notebook : Path or None
        The notebook that was graded.
    sandboxed : bool
        False only when unsandboxed grading was explicitly allowed.
    runs : int
        Sandboxed processes started (more than one when one crashed or hung).
    log : str
        For the instructor only: how each run ended, cell errors, and bounded tails
        of stdout and stderr. May contain anything the student printed.
    """

    student: str
    problem_set: str
    parts: dict[str, PartResult]
    duration: float
    notebook: Path | None = None
    sandboxed: bool = True
    runs: int = 0
    log: str = ""

    @property
    def score(self) -> float:
        return sum(part.score for part in self.parts.values())

    @property
    def max_score(self) -> float:
        return sum(part.max_score for part in self.parts.values())

    def to_dict(self) -> dict:
        """A JSON-ready dict (reasons as strings, paths as strings)."""
        data = asdict(self)
        data["notebook"] = str(self.notebook) if self.notebook else None
        data["score"], data["max_score"] = self.score, self.max_score
        for part in data["parts"].values():
            part["reason"] = str(part["reason"])
        return data


def ensure_sandbox(sandbox: bool = True, allow_unsandboxed: bool = False) -> bool:
    """Decide whether grading runs sandboxed; refuse when it cannot and may not.

    Returns
    -------
    bool
        True for a sandboxed run. False only with ``allow_unsandboxed=True``, after a
        :class:`UnsandboxedWarning`.

    Raises
    ------
    SandboxUnavailable
        ``sandbox=True``, no sandbox can be made, and unsandboxed grading was not
        allowed.
    ValueError
        ``sandbox=False`` without ``allow_unsandboxed=True``.
    """
    if sandbox:
        problem = sandbox_problem()
        if problem is None:
            return True
        if not allow_unsandboxed:
            raise SandboxUnavailable(
                f"{problem}. Refusing to run students' code without a sandbox; pass "
                f"allow_unsandboxed=True to grade anyway, with your own privileges."
            )
        reason = problem
    elif not allow_unsandboxed:
        raise ValueError(
            "sandbox=False runs students' code with your privileges; pass "
            "allow_unsandboxed=True as well to confirm."
        )
    else:
        reason = "sandbox=False"
    warnings.warn(
        f"grading without a sandbox ({reason}): students' code can read and change "
        f"your files and use the network",
        UnsandboxedWarning,
        stacklevel=3,
    )
    return False


def _student_name(path: Path, problem_set: str) -> str:
    folder = path if path.is_dir() else path.parent
    return folder.parent.name if folder.name == problem_set else folder.name


def _own_components(path: Path, assignment: str) -> int:
    """How many trailing components of ``path`` the student made.

    The notebook file (when ``path`` is not a plain folder), the submission folder,
    and in nbgrader's layout (``<student>/<assignment>``) the student's folder.
    """
    is_folder = path.is_dir() and not path.is_symlink()
    folder = path if is_folder else path.parent
    return (0 if is_folder else 1) + (2 if folder.name == assignment else 1)


def _every_part(problem_set: ProblemSet, reason: Reason, message: str) -> dict:
    return {
        part.grade_id: PartResult(0.0, part.points, reason, message)
        for part in problem_set.parts
    }


def grade_submission(
    submission: str | os.PathLike,
    problem_set: str | ProblemSet,
    *,
    student: str | None = None,
    sandbox: bool = True,
    allow_unsandboxed: bool = False,
    limits: Limits | None = None,
    data_dir: str | os.PathLike | None = None,
    scratch_dir: str | os.PathLike | None = None,
) -> SubmissionResult:
    """Grade one submission of one problem set.

    Parameters
    ----------
    submission : path
        A submission folder (nbgrader's ``submitted/<student>/<assignment>/``; the
        notebook may be renamed or in a subfolder) or a notebook file. The other
        regular files of a submission folder are copied into the working directory
        of the run (as when the notebook ran in that folder); for a notebook file,
        none are. When the folder, its student folder (in nbgrader's layout) or the
        notebook file is a symbolic link, nothing is read: every part gets
        BAD_SUBMISSION.
    problem_set : str or ProblemSet
        A loaded problem set, or a name (``"ps3"``) that
        :func:`grader.problemset.load_problem_set` finds from the working
        directory (the course there, then the demo course).
    student : str, optional
        Defaults to the folder name (the folder above the assignment folder in
        nbgrader's layout).
    sandbox : bool, default=True
        Run the student's code in the bubblewrap sandbox.
    allow_unsandboxed : bool, default=False
        Allow running without a sandbox when none can be made (or when
        ``sandbox=False``), with a :class:`UnsandboxedWarning`. Without it, grading
        refuses (:class:`SandboxUnavailable`).
    limits : Limits, optional
        Defaults to :class:`Limits`' defaults with the problem set's ``LIMITS``
        over them (``grader autograde`` passes the course's configured limits).
    data_dir : path, optional
        Read-only data folder for the student's code (``COURSE_DATA_DIR``, e.g.
        MNIST). Defaults to ``$COURSE_DATA_DIR`` when that names a folder.
    scratch_dir : path, optional
        Where the private scratch folders are made (default: the system temp dir);
        each is deleted when grading ends.

    Returns
    -------
    SubmissionResult
    """
    start = time.perf_counter()
    if not isinstance(problem_set, ProblemSet):
        problem_set = load_problem_set(problem_set)
    sandboxed = ensure_sandbox(sandbox, allow_unsandboxed)
    limits = limits or problem_set.limits_over()
    if data_dir is None and os.path.isdir(os.environ.get("COURSE_DATA_DIR", "")):
        data_dir = os.environ["COURSE_DATA_DIR"]
    path = Path(submission)
    student = student or _student_name(path, problem_set.name)

    def result(parts: dict, notebook=None, runs=0, log="") -> SubmissionResult:
        ordered = {part.grade_id: parts[part.grade_id] for part in problem_set.parts}
        return SubmissionResult(
            student,
            problem_set.name,
            ordered,
            time.perf_counter() - start,
            notebook,
            sandboxed,
            runs,
            log,
        )

    problem = link_problem(path, _own_components(path, problem_set.name))
    if problem is not None:
        return result(_every_part(problem_set, Reason.BAD_SUBMISSION, problem))
    files = []
    if path.is_dir():
        functions = [part.function for part in problem_set.parts]
        notebook_path = find_notebook(path, problem_set.name, functions)
        files = submission_files(path)
    else:
        notebook_path = path if path.exists() or path.is_symlink() else None
    if notebook_path is None:
        message = f"no notebook was found in the submission for {problem_set.name}"
        return result(_every_part(problem_set, Reason.MISSING_NOTEBOOK, message))
    try:
        notebook = read_notebook(notebook_path)
    except NotebookError as exc:
        message = f"{quote(notebook_path.name, 80)} could not be read: {exc}"
        return result(
            _every_part(problem_set, Reason.BAD_NOTEBOOK, message), notebook_path
        )

    parts: dict[str, PartResult] = {}
    for part in problem_set.parts:
        uses = reference_uses(notebook.cells, part.function, problem_set.is_reference)
        if uses:
            message = reference_message(part.function, uses)
            parts[part.grade_id] = PartResult(
                0.0, part.points, Reason.IMPORTS_REFERENCE, message
            )
    pending = [part for part in problem_set.parts if part.grade_id not in parts]
    runs, log = 0, []
    if pending:
        grading = _Grading(problem_set, notebook, limits, sandboxed, data_dir, files)
        parts.update(grading.run(pending, scratch_dir))
        runs, log = grading.runs, grading.log
    return result(parts, notebook_path, runs, "\n".join(log))


# ----------------------------------------------------------------------------------
# Running the sandbox and reading back its results
# ----------------------------------------------------------------------------------

_STATUSES = {"ok", "error", "timeout", "memory", "disk", "bad_output"}


def _exit_description(run: RunResult) -> str:
    if run.timed_out:
        return "it was stopped at the time limit"
    if run.signal is not None:
        try:
            name = signal.Signals(run.signal).name
        except ValueError:
            name = f"signal {run.signal}"
        return f"the process was killed by {name}"
    return f"the process exited with status {run.exit_code}"


def _fate(run: RunResult, limits: Limits) -> Reason:
    """The reason charged to whatever was running when the process died."""
    if run.timed_out or run.signal == signal.SIGXCPU:
        return Reason.TIMEOUT
    if run.signal == signal.SIGKILL and run.duration >= limits.cpu_seconds:
        return Reason.TIMEOUT  # the hard CPU limit
    return Reason.CRASH


class _Unreadable(Exception):
    pass


def _decode_output(text: object, max_bytes: int) -> np.ndarray:
    """Load one output array sent by the runner, trusting nothing about it."""
    if not isinstance(text, str) or len(text) > (max_bytes + 4096) * 4 // 3 + 4:
        raise _Unreadable("its result is not an array of sensible size")
    try:
        data = base64.b64decode(text, validate=True)
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception:  # whatever numpy makes of bytes the student chose
        raise _Unreadable("its result is not a valid array") from None
    if (
        not isinstance(array, np.ndarray)
        or array.dtype.fields is not None
        or array.dtype.kind not in sandbox_runner.NUMERIC_KINDS
    ):
        raise _Unreadable("its result is not a numeric array")
    return array


def _matplotlib_font_lists() -> list[Path]:
    """The grader's own matplotlib font cache, if any (same font paths as inside)."""
    configured = os.environ.get("MPLCONFIGDIR")
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    folder = Path(configured) if configured else Path(cache, "matplotlib")
    try:
        return sorted(folder.glob("fontlist-v*.json"))
    except OSError:
        return []


class _Grading:
    """The sandboxed part of grading one notebook, with restarts after a crash."""

    def __init__(
        self, problem_set, notebook: Notebook, limits, sandboxed, data_dir, files
    ):
        self.problem_set = problem_set
        self.files = files
        self.notebook = notebook
        self.limits = limits
        self.sandboxed = sandboxed
        self.data_dir = data_dir
        self.runs = 0
        self.log: list[str] = []
        self.skipped: dict[int, tuple[Reason, str]] = {}  # cell index -> fate
        self.cell_errors: dict[int, str] = {}
        self.cell_status: dict[int, object] = {}  # cell index -> runner status

    # -- preparing a run ---------------------------------------------------------

    def _write_static(self, scratch: Scratch) -> None:
        shutil.copyfile(sandbox_runner.__file__, scratch.in_dir / "runner.py")
        package = scratch.in_dir / "lib" / "course"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(
            '"""The course modules handed out with this assignment."""\n'
        )
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for source in self.problem_set.handout_sources():
            if source.is_dir():
                shutil.copytree(source, package / source.name, ignore=ignore)
            else:
                shutil.copyfile(source, package / source.name)
        if any("matplotlib" in cell.source for cell in self.notebook.cells):
            fonts = _matplotlib_font_lists()
            if fonts:
                (scratch.in_dir / "matplotlib").mkdir()
                for font_list in fonts:
                    shutil.copyfile(
                        font_list, scratch.in_dir / "matplotlib" / font_list.name
                    )
        for path in [scratch.in_dir, *scratch.in_dir.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)

    def _write_job(self, scratch: Scratch, parts: list[Part]) -> None:
        arrays: dict = {}
        job_parts = []
        for part in parts:
            cases = []
            for case in part.cases:
                args = case_inputs(self.problem_set.name, part, case)
                spec, _ = expected_output(self.problem_set.name, part, case)
                encoded = sandbox_runner.encode_args(args, arrays)
                cases.append({"name": case.name, "args": encoded, "spec": spec})
            job_parts.append(
                {"grade_id": part.grade_id, "function": part.function, "cases": cases}
            )
        cells = [
            {"index": cell.index, "source": cell.source}
            for cell in self.notebook.cells
            if cell.index not in self.skipped
        ]
        job = {"cells": cells, "parts": job_parts, "limits": self.limits.for_runner()}
        for name in ("job.json", "inputs.npz"):
            (scratch.in_dir / name).unlink(missing_ok=True)
        (scratch.in_dir / "job.json").write_text(json.dumps(job), encoding="utf-8")
        np.savez(scratch.in_dir / "inputs.npz", **arrays)
        for name in ("job.json", "inputs.npz"):
            (scratch.in_dir / name).chmod(0o644)

    # -- the restart loop --------------------------------------------------------

    def run(self, parts: list[Part], scratch_dir) -> dict[str, PartResult]:
        decided: dict[str, PartResult] = {}
        pending = list(parts)
        with Scratch(scratch_dir) as scratch:
            self._write_static(scratch)
            max_runs = len(parts) + 3
            deadline = time.monotonic() + 3 * self.limits.wall_seconds
            while pending:
                self._write_job(scratch, pending)
                run = run_runner(
                    scratch,
                    limits=self.limits,
                    sandboxed=self.sandboxed,
                    data_dir=self.data_dir,
                    files=self.files,
                )
                self.runs += 1
                started, finished, running = self._read_run(run, pending, decided)
                pending = [p for p in pending if p.grade_id not in decided]
                if not pending:
                    break
                fate = _fate(run, self.limits)
                how = _exit_description(run)
                if not started:  # before any student code: the grader's problem
                    raise GraderError(
                        f"the runner did not start ({how}): {quote(run.stderr, 800)}"
                    )
                if finished:
                    for part in pending:  # records lost or forged by student code
                        decided[part.grade_id] = PartResult(
                            0.0,
                            part.points,
                            Reason.CRASH,
                            f"the results of {part.function} were lost",
                        )
                    break
                if running is not None and running[0] == "cell":
                    self.skipped[running[1]] = (fate, how)
                    self.log.append(f"  cell {running[1] + 1} is skipped from now on")
                else:
                    part = self._part(pending, running)
                    case = running[2] if running else None
                    decided[part.grade_id] = self._fate_result(part, fate, how, case)
                if self.runs >= max_runs or time.monotonic() > deadline:
                    for part in pending:
                        if part.grade_id not in decided:
                            decided[part.grade_id] = self._fate_result(
                                part, fate, how, None
                            )
                    break
                pending = [p for p in pending if p.grade_id not in decided]
        return self._explain_missing(decided)

    def _memory_message(self, what: str) -> str:
        megabytes = self.limits.process_memory_bytes // 2**20
        return (
            f"{what} ran out of memory (each process may use {megabytes} MB, and "
            f"{self.limits.processes} processes at most)"
        )

    def _disk_message(self, what: str) -> str:
        return (
            f"{what} ran out of disk space (the working folder holds "
            f"{self.limits.disk_bytes // 2**20} MB, /tmp "
            f"{self.limits.tmp_bytes // 2**20} MB, and one file at most "
            f"{self.limits.file_bytes // 2**20} MB)"
        )

    @staticmethod
    def _part(pending: list[Part], running) -> Part:
        if running is not None:
            for part in pending:
                if part.grade_id == running[1]:
                    return part
        return pending[0]  # died between two cases: charge the next part

    @staticmethod
    def _fate_result(part: Part, fate: Reason, how: str, case) -> PartResult:
        where = f" (case '{case}')" if case else ""
        if fate is Reason.TIMEOUT:
            text = (
                f"{part.function} did not finish in time{where}: {how}. Look for an "
                f"endless loop or a very slow computation."
            )
        else:
            text = f"{part.function} crashed the process{where}: {how}."
        return PartResult(0.0, part.points, fate, text, case)

    def _read_run(self, run: RunResult, pending, decided):
        """Turn one run's records into verdicts; say where the run stopped."""
        self.log.append(
            f"run {self.runs}: {run.duration:.2f} s, {_exit_description(run)}, "
            f"{len(run.records)} records, {run.ignored_lines} unauthenticated lines"
        )
        started = finished = False
        running = None
        ends: dict[tuple[str, str], dict] = {}
        missing: dict[str, str] = {}
        for record in run.records:
            event = record.get("event")
            if event == "start":
                started = True
            elif event == "done":
                finished = True
            elif event == "cell_start" and isinstance(record.get("cell"), int):
                running = ("cell", record["cell"])
            elif event == "cell_end" and isinstance(record.get("cell"), int):
                running = None
                if record.get("status") != "ok":
                    detail = quote(record.get("detail") or record.get("status"))
                    if record.get("where"):
                        detail += f" ({quote(record['where'], 40)})"
                    self.cell_errors[record["cell"]] = detail
                    self.cell_status[record["cell"]] = record.get("status")
                    self.log.append(f"  cell {record['cell'] + 1}: {detail}")
            elif event == "case_start":
                running = ("case", str(record.get("part")), str(record.get("case")))
            elif event == "case_end":
                running = None
                key = (str(record.get("part")), str(record.get("case")))
                ends.setdefault(key, record)
            elif event == "part_missing":
                missing.setdefault(str(record.get("part")), str(record.get("status")))
        for stream in ("stdout", "stderr"):
            text = getattr(run, stream).strip()
            if text:
                self.log.append(f"  {stream}:\n{text}")

        for part in pending:
            if part.grade_id in missing:
                what = (
                    "is not a function"
                    if missing[part.grade_id] != "missing"
                    else ("is not defined in the notebook")
                )
                decided[part.grade_id] = PartResult(
                    0.0,
                    part.points,
                    Reason.MISSING_FUNCTION,
                    f"{part.function} {what}.",
                )
                continue
            verdict = self._judge_part(part, ends)
            if verdict is not None:
                decided[part.grade_id] = verdict
        return started, finished, running

    def _judge_part(self, part: Part, ends: dict):
        """The part's result, or None when its cases did not all come back."""
        for case in part.cases:
            record = ends.get((part.grade_id, case.name))
            if record is None:
                return None
            status = record.get("status")
            detail = quote(record.get("detail") or "")
            where = f" (case '{case.name}')."
            fail = None
            if status not in _STATUSES:
                fail = (Reason.CRASH, f"{part.function} gave no usable result{where}")
            elif status == "timeout":
                fail = (
                    Reason.TIMEOUT,
                    f"{part.function} did not finish within "
                    f"{self.limits.case_seconds:g} s{where} Look for an endless loop "
                    f"or a very slow computation.",
                )
            elif status == "memory":
                fail = (Reason.MEMORY, self._memory_message(part.function) + where)
            elif status == "disk":
                fail = (Reason.DISK, self._disk_message(part.function) + where)
            elif status == "error":
                where = quote(record.get("where") or "")
                message = error_message(part.function, detail, case.name, where)
                fail = (Reason.ERROR, message)
            elif status == "bad_output":
                message = bad_output_message(part.function, detail, case.name)
                fail = (Reason.WRONG, message)
            else:
                _, expected = expected_output(self.problem_set.name, part, case)
                try:
                    actual = self._outputs(record, len(expected))
                except _Unreadable as exc:
                    text = f"the result of {part.function} is unusable: {exc}{where}"
                    fail = (Reason.ERROR, text)
                else:
                    verdict = changed_verdict(case, record.get("changed")) or judge(
                        case, actual, list(expected)
                    )
                    if verdict is not None:
                        fail = (verdict.reason, verdict.message)
            if fail is not None:
                return PartResult(0.0, part.points, fail[0], fail[1], case.name)
        return PartResult(part.points, part.points, Reason.OK, "")

    def _outputs(self, record: dict, count: int) -> list[np.ndarray]:
        listed = record.get("outputs")
        if not isinstance(listed, list) or len(listed) != count:
            raise _Unreadable("the number of results does not match")
        return [_decode_output(e, self.limits.max_output_bytes) for e in listed]

    def _explain_missing(self, decided: dict[str, PartResult]) -> dict[str, PartResult]:
        """A missing function whose cell crashed or failed says so."""
        for grade_id, result in list(decided.items()):
            if result.reason is not Reason.MISSING_FUNCTION:
                continue
            part = self.problem_set.part(grade_id)
            for index in defining_cells(self.notebook.cells, part.function):
                if index in self.skipped:
                    fate, how = self.skipped[index]
                    text = (
                        f"{part.function} is not defined: the cell that defines it "
                        f"(cell {index + 1}) did not finish ({how})."
                    )
                    decided[grade_id] = PartResult(0.0, part.points, fate, text)
                    break
                if index in self.cell_errors:
                    reason = Reason.MISSING_FUNCTION
                    text = (
                        f"{part.function} is not defined: the cell that defines it "
                        f"(cell {index + 1}) raised {self.cell_errors[index]}."
                    )
                    status = self.cell_status.get(index)
                    if status == "memory":
                        reason = Reason.MEMORY
                        text += " " + self._memory_message(f"Cell {index + 1}") + "."
                    elif status == "disk":
                        reason = Reason.DISK
                        text += " " + self._disk_message(f"Cell {index + 1}") + "."
                    decided[grade_id] = PartResult(0.0, part.points, reason, text)
                    break
        return decided
