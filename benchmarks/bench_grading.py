"""Autograding throughput: plain ``nbgrader autograde`` against ``grader autograde``.

One course, one class of 40 submissions of the demo0 problem set (correct, partly
wrong and unanswered ones from :func:`grader.demo.sample_class`; nothing hostile
or broken, which plain nbgrader cannot survive), graded in the same run by

- ``nbgrader autograde demo0 --force``: one kernel per submission, one after
  another, the hidden tests in the kernel;
- ``python -m grader autograde demo0 --jobs 2 --force``: the sandbox on, two
  workers (and once more without ``--force``: every submission is unchanged).

Both are timed as whole commands (interpreter start-up included) and the
throughput ratio is printed (goal: at least 3x on a 2-core machine), with the
number of students both give the same total. Then the
grading itself (``grader.batch.autograde`` in this process) is timed with one
and with two workers (goal: at least 1.8x), alternating, beside the speed-up the
machine itself gives to two processes of pure CPU work. Medians of repeated runs.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from itertools import cycle, islice
from pathlib import Path

from benchmarks.timing import measure, median
from grader.batch import autograde, default_jobs
from grader.demo import build_course, sample_class, write_class
from grader.export import grade_rows

PROBLEM_SET = "demo0"
N_SUBMISSIONS = 40
# Submissions plain nbgrader grades in its normal way (a broken or rearranged
# notebook stops its whole batch; an endless loop waits for its cell timeout).
DESCRIPTIONS = {
    "the solutions",
    "warnings and prints on stderr",
    "relu: forgot the computation",
    "relu: calls the course library",
    "softmax: forgot the computation",
    "softmax: calls the course library",
    "softmax left unanswered",
    "the release, unanswered",
    "syntax error in the cell of relu",
}


def _class(root: Path):
    """A released course with N_SUBMISSIONS submissions in submitted/."""
    coursedir = build_course(root, PROBLEM_SET)
    kinds = [
        s for s in sample_class(coursedir, PROBLEM_SET) if s.description in DESCRIPTIONS
    ]
    students = [
        s.__class__(f"s{i:02d}", s.kind, s.description, s.files, s.deserved)
        for i, s in enumerate(islice(cycle(kinds), N_SUBMISSIONS))
    ]
    write_class(coursedir, PROBLEM_SET, students)
    return coursedir, students


def _command(argv: list[str], cwd: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    path = env.get("PATH", os.defpath)
    env["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), path])
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0 and "nbgrader" not in argv[0]:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")


def _totals(coursedir) -> dict[str, float]:
    return {r.student: r.total for r in grade_rows(coursedir, PROBLEM_SET)}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        coursedir, students = _class(Path(tmp) / "course")
        root = coursedir.root
        nbgrader = str(Path(sysconfig.get_path("scripts")) / "nbgrader")
        print(
            f"grading {len(students)} submissions of {PROBLEM_SET} "
            f"({default_jobs()} cores, sandbox on)"
        )

        plain = measure(
            lambda: _command([nbgrader, "autograde", PROBLEM_SET, "--force"], root),
            repeats=3,
            warmup=0,
        )
        plain_totals = _totals(coursedir)
        command = [sys.executable, "-m", "grader", "autograde", PROBLEM_SET]
        command += ["--jobs", "2", "--no-progress"]
        ours = measure(lambda: _command([*command, "--force"], root), repeats=3)
        our_totals = _totals(coursedir)
        rerun = measure(lambda: _command(command, root), repeats=3)
        agree = sum(plain_totals[s] == our_totals[s] for s in our_totals)
        t_plain, t_ours = median(plain), median(ours)
        n = len(students)
        print(f"  nbgrader autograde          {t_plain:7.1f} s  {n / t_plain:5.2f} /s")
        print(f"  grader autograde --jobs 2   {t_ours:7.1f} s  {n / t_ours:5.2f} /s")
        print(f"  throughput ratio: {t_plain / t_ours:.1f}x (goal >= 3x)")
        print(f"  again, nothing changed      {median(rerun):7.1f} s (all kept)")
        print(f"  same total for {agree} of {n} students")

        grading, ceiling = _scaling(coursedir, n)
        for jobs in (1, 2):
            print(
                f"  grading, --jobs {jobs}           {grading[jobs]:7.2f} s  "
                f"{n / grading[jobs]:5.2f} /s"
            )
        ratio = grading[1] / grading[2]
        print(f"  --jobs 2 / --jobs 1: {ratio:.2f}x (goal >= 1.8x)")
        print(
            f"  the machine's own 2-process speed-up on pure CPU work: {ceiling:.2f}x "
            f"(grading reaches {ratio / ceiling:.0%} of it)"
        )


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def _scaling(coursedir, n: int, repeats: int = 5) -> tuple[dict[int, float], float]:
    """Median seconds of the grading for 1 and 2 workers, and the machine's ceiling.

    The runs alternate (1, 2, 1, 2, ...) so that a change in the machine's load
    hits both alike. The ceiling is the same worker pool running ``n`` pure-Python
    CPU-bound tasks of about one submission's length, with 1 and then 2 workers:
    no program can scale better than that on this machine at this moment.
    """
    autograde(coursedir, PROBLEM_SET, jobs=2, progress=False, force=True)  # warm-up
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    _spin(2_000_000)
    size = int(2_000_000 * 0.15 / (time.perf_counter() - start))
    grading: dict[int, list[float]] = {1: [], 2: []}
    spinning: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeats):
        for jobs in (1, 2):
            start = time.perf_counter()
            autograde(coursedir, PROBLEM_SET, jobs=jobs, progress=False, force=True)
            grading[jobs].append(time.perf_counter() - start)
            start = time.perf_counter()
            with ProcessPoolExecutor(jobs, mp_context=context) as pool:
                list(pool.map(_spin, [size] * n))
            spinning[jobs].append(time.perf_counter() - start)
    ceiling = median(spinning[1]) / median(spinning[2])
    return {jobs: median(t) for jobs, t in grading.items()}, ceiling


if __name__ == "__main__":
    main()
