"""The grader's budgets and fault handling, measured with the real sandbox.

- memory: one submission whose graded function forks as many children as it may,
  each (and the parent) taking all the memory it can; the peak resident memory of
  all its processes together, sampled from the host every 5 ms, against
  ``Limits.memory_bytes`` (goal: at most 1.0 of it);
- disk: one submission writing 1 MB files until the working folder is full: what
  it wrote (from inside) against ``Limits.disk_bytes``, and the host disk used
  meanwhile (free blocks of the scratch file system, sampled; goal: nothing);
- Ctrl-C: ``grader autograde`` on a class of slow submissions, SIGINT to its
  process group once the first submission is recorded: seconds until it exits
  (status 130), over 10 tries (goal: a few seconds);
- ``kill -9`` of ``grader autograde``: seconds until its workers and their
  sandboxes are gone, over 3 tries (goal: about 1 s);
- pathological notebooks: the trusted side's work on the most expensive notebooks
  the limits accept (every code cell and the file at their size limits, cells of
  long runs of spaces, nested expressions, dotted names, many helpers): finding,
  reading and analysing the notebook and merging it into the autograded one,
  median of 3, the worst of them (goal: under 1 s), and the time to refuse one
  just over a limit.

The default limits of :class:`grader.sandbox.Limits` apply.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

from benchmarks.timing import measure, median
from grader.api import grade_submission
from grader.course import step_dir
from grader.demo import (
    Student,
    answered_notebook,
    build_course,
    course_problem_set,
    write_class,
)
from grader.extract import (
    MAX_CELL_BYTES,
    MAX_CODE_BYTES,
    defining_cells,
    find_notebook,
    read_notebook,
    reference_uses,
)
from grader.merge import merge_submission, read_release, read_submitted_notebook
from grader.notebooks import MAX_NOTEBOOK_BYTES, NotebookError
from grader.sandbox import Limits

MEMORY_HOG = textwrap.dedent(
    """
    import os

    def hold_all():
        blocks = []
        while True:
            try:
                blocks.append(bytearray(16 * 2**20))
            except MemoryError:
                return blocks

    def relu(z):
        for _ in range(16):
            try:
                if os.fork() == 0:
                    blocks = hold_all()
                    import time
                    time.sleep(2)
                    os._exit(0)
            except OSError:
                break
        blocks = hold_all()
        import time
        time.sleep(2)
        raise MemoryError
    """
)
DISK_FILLER = textwrap.dedent(
    """
    def relu(z):
        written = 0
        try:
            for number in range(10**6):
                with open(f"fill-{number}.bin", "wb") as handle:
                    handle.write(b"0" * 2**20)
                written += 2**20
        finally:
            print("WROTE", written, flush=True)
    """
)
SLOW = "import time\ntime.sleep(1.0)\n"


def _rss_of_runners() -> int:
    """Resident bytes of every sandboxed runner process (and its children)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path("/proc", pid, "cmdline").read_bytes()
            status = Path("/proc", pid, "status").read_text()
            if b"/sandbox/in/runner.py" not in cmdline:
                continue
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def _sampled(function, sample, every: float = 0.005):
    """Run ``function`` while ``sample()`` is called every ``every`` s; both results."""
    samples, stop = [], threading.Event()

    def watch():
        while not stop.is_set():
            samples.append(sample())
            time.sleep(every)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = function()
    finally:
        stop.set()
        watcher.join()
    return result, samples


def _submit(coursedir, student: str, notebook: bytes) -> Path:
    files = {"demo0.ipynb": notebook}
    write_class(coursedir, "demo0", [Student(student, "hostile", student, files)])
    return Path(coursedir.root, "submitted", student, "demo0")


def _budgets(tmp: Path) -> None:
    limits = Limits()
    coursedir = build_course(tmp / "budgets", "demo0")
    hog = _submit(
        coursedir, "hog", answered_notebook(coursedir, "demo0", {"relu": MEMORY_HOG})
    )
    result, rss = _sampled(lambda: grade_submission(hog, "demo0"), _rss_of_runners)
    peak = max(rss)
    print(
        f"  memory: peak {peak / 2**20:7.0f} MB of all the submission's processes, "
        f"budget {limits.memory_bytes / 2**20:.0f} MB: "
        f"{peak / limits.memory_bytes:.2f} of it (goal <= 1.0); relu: "
        f"{result.parts['relu_hidden'].reason}"
    )
    notebook = answered_notebook(coursedir, "demo0", {"relu": DISK_FILLER})
    filler = _submit(coursedir, "filler", notebook)

    def free() -> int:
        info = os.statvfs(tmp)
        return info.f_bavail * info.f_frsize

    before = free()
    result, frees = _sampled(lambda: grade_submission(filler, "demo0"), free)
    line = next(x for x in result.log.splitlines() if x.startswith("WROTE"))
    wrote = int(line.split()[1])
    print(
        f"  disk: wrote {wrote / 2**20:.0f} MB into a working folder of "
        f"{limits.disk_bytes / 2**20:.0f} MB: {wrote / limits.disk_bytes:.2f} of it "
        f"(goal <= 1.0); relu: {result.parts['relu_hidden'].reason}"
    )
    print(
        f"  host disk used meanwhile: {max(0, before - min(frees)) / 2**20:.1f} MB "
        "(free space of the scratch file system, sampled; other programs count too)"
    )


def _slow_class(root: Path, n: int):
    coursedir = build_course(root, "demo0")
    slow = answered_notebook(coursedir, "demo0", before=[SLOW])
    for k in range(n):
        _submit(coursedir, f"s{k:02d}", slow)
    return coursedir


def _start(root: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "grader", "autograde", "demo0", "--force"]
    return subprocess.Popen(
        [*command, "--jobs", "2", "--no-progress", "--course-dir", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait(condition, seconds: float) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise RuntimeError("gave up waiting")
        time.sleep(0.01)
    return time.monotonic() - start


def _alive(pids) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = Path("/proc", str(pid), "stat").read_text().rsplit(")", 1)[1]
        except OSError:
            continue
        if state.split()[0] != "Z":
            alive.append(pid)
    return alive


def _family(pid: int) -> list[int]:
    """The processes below ``pid`` (its workers and their sandboxes)."""
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path("/proc", entry, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _faults(tmp: Path) -> None:
    root = tmp / "course"
    _slow_class(root, 6)
    stops = []
    for _ in range(10):
        for result in root.glob("autograded/*/demo0/grader-result.json"):
            result.unlink()
        run = _start(root)
        _wait(lambda: any(root.glob("autograded/*/demo0/grader-result.json")), 120)
        os.killpg(run.pid, signal.SIGINT)
        start = time.monotonic()
        code = run.wait(timeout=60)
        stops.append(time.monotonic() - start)
        if code != 130:
            raise RuntimeError(f"Ctrl-C gave exit status {code}, not 130")
    print(
        f"  Ctrl-C: stopped in median {median(stops):.2f} s, at most "
        f"{max(stops):.2f} s over {len(stops)} tries (exit status 130 each time)"
    )
    lifetimes = []
    for _ in range(3):
        run = _start(root)
        pid = run.pid
        _wait(lambda pid=pid: len(_family(pid)) >= 4, 60)  # workers and sandboxes
        family = _family(pid)
        start = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        run.wait()
        _wait(lambda family=family: not _alive(family), 30)
        lifetimes.append(time.monotonic() - start)
    print(
        f"  kill -9 of grader autograde: workers and sandboxes gone after median "
        f"{median(lifetimes):.2f} s, at most {max(lifetimes):.2f} s "
        f"(over {len(lifetimes)} tries)"
    )


def _pathological_cells() -> dict[str, str]:
    """Cells of the size limit on which careless code is slow (see grader.extract)."""
    size = MAX_CELL_BYTES - 16
    return {
        "spaces before =": "x" + " " * size + "= 1\n%who",
        "spaces in a magic": "%time " + " " * size,
        "targets of a magic": "y, " * (size // 3) + "= !ls",
        "nested calls": "x = " + "f(" * 90 + ")" * 90 + "\n" + "x = 1\n" * (size // 8),
        "dotted names": ("import " + ".".join(["a"] * 99) + "\n") * (size // 210),
        "attribute chains": "def relu(z):\n"
        + ("    y = np" + ".a" * 99 + "\n") * (size // 215),
        "many helpers": "".join(
            f"def f{i}(z): return g{i}(z)\ndef g{i}(z): return relu(z)\n"
            for i in range(size // 60)
        ),
        "many names": "def softmax(z):\n    return "
        + "+".join(f"a{i}" for i in range(size // 7))
        + "\n",
    }


def _trusted_side(folder: Path, release, problem_set) -> None:
    """What the grader does with a submission outside the sandbox."""
    functions = [part.function for part in problem_set.parts]
    path = find_notebook(folder, problem_set.name, functions)
    try:
        notebook = read_notebook(path)
    except NotebookError:
        return
    for function in functions:
        reference_uses(notebook.cells, function, problem_set.is_reference)
        defining_cells(notebook.cells, function)
    submitted = read_submitted_notebook(folder, problem_set.name, only=True)
    merge_submission(release, submitted)


def _padded(notebook: bytes, size: int) -> bytes:
    """``notebook`` with a markdown cell added that brings it to ``size`` bytes."""
    data = json.loads(notebook)
    pad = {"cell_type": "markdown", "metadata": {}, "source": ""}
    data["cells"].append(pad)
    pad["source"] = "x" * (size - len(json.dumps(data).encode()))
    return json.dumps(data).encode()


def _pathological(tmp: Path) -> None:
    coursedir = build_course(tmp / "pathological", "demo0")
    problem_set = course_problem_set(coursedir, "demo0")
    release = read_release(step_dir(coursedir, "release", "demo0") / "demo0.ipynb")

    def trusted_seconds(student: str, notebook: bytes) -> float:
        folder = _submit(coursedir, student, notebook)
        return median(
            measure(lambda: _trusted_side(folder, release, problem_set), repeats=3)
        )

    cells = MAX_CODE_BYTES // MAX_CELL_BYTES - 1  # and the two answers
    worst = ("", 0.0)
    for index, (name, source) in enumerate(_pathological_cells().items()):
        notebook = answered_notebook(coursedir, "demo0", before=[source] * cells)
        seconds = trusted_seconds(f"p{index}", _padded(notebook, MAX_NOTEBOOK_BYTES))
        print(f"  pathological notebook, {name}: {seconds:.3f} s")
        worst = max(worst, (name, seconds), key=lambda w: w[1])
    print(
        f"  pathological notebooks: the worst ({worst[0]}) takes {worst[1]:.3f} s on "
        "the trusted side (goal: under 1 s)"
    )
    plain = answered_notebook(coursedir, "demo0")
    seconds = trusted_seconds("big", _padded(plain, MAX_NOTEBOOK_BYTES + 1))
    print(f"  a notebook one byte over the size limit is refused in {seconds:.4f} s")
    over = answered_notebook(coursedir, "demo0", before=["x" * (MAX_CELL_BYTES + 1)])
    seconds = trusted_seconds("long", _padded(over, MAX_NOTEBOOK_BYTES))
    print(f"  a cell one byte over its limit is refused in {seconds:.4f} s")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _pathological(Path(tmp))
        _budgets(Path(tmp))
        _faults(Path(tmp))


if __name__ == "__main__":
    main()
