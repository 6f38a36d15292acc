"""Hostile submissions, graded as one batch through the real bubblewrap sandbox.

The course is a real nbgrader course (released, with its gradebook). Every case
states the reason and score it deserves for each part (relu: 1 point, softmax: 2
points), and the gradebook must hold that score once the verdicts are recorded.
Besides its own verdict, every case asserts that the honest students, recorded
before the batch and graded again in it (concurrently, two at a time), keep their
scores, that the gradebook passes its integrity check, that nothing outside the
scratch folders changed while the batch ran (course folder, gradebook, other
students' files, the Python installation, the project, the host's /tmp), that no
network connection reached the host, and that the batch finished.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import sys
import textwrap
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest

import grader
from grader.api import grade_submission
from grader.demo import build_course
from grader.export import grade_rows
from grader.extract import MAX_CELL_BYTES
from grader.integrity import check_integrity
from grader.problemset import DEMO_COURSE
from grader.reasons import Reason
from grader.recording import GradebookWriter
from grader.sandbox import Limits, sandbox_environment

sys.path.insert(0, str(Path(__file__).parent))
from fixtures.grading import submissions as S  # noqa: E402

pytestmark = [
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="bwrap is not installed"),
    pytest.mark.xdist_group("grader_hostile"),
]

LIMITS = Limits(
    cpu_seconds=2,
    wall_seconds=8,
    memory_bytes=1024 * 2**20,
    processes=4,
    disk_bytes=16 * 2**20,
    file_bytes=8 * 2**20,
    tmp_bytes=16 * 2**20,
    output_bytes=16 * 1024,
    case_seconds=1,
    cell_seconds=2,
    max_output_bytes=2**20,
)
OK, WRONG, ERROR = Reason.OK, Reason.WRONG, Reason.ERROR
TIMEOUT, MEMORY, CRASH = Reason.TIMEOUT, Reason.MEMORY, Reason.CRASH
FULL = {"relu_hidden": (OK, 1.0), "softmax_hidden": (OK, 2.0)}
CLEAN = ("clean_a", "clean_b", "clean_c")
PROJECT = Path(grader.__file__).resolve().parents[1]


def code(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


@dataclass
class Course:
    """The course folder and the host-side traps of the batch."""

    root: Path
    solutions: Path
    gradebook: Path
    other: Path
    marker: Path
    port: int
    connections: list = field(default_factory=list)


@dataclass(frozen=True)
class Hostile:
    name: str
    build: Callable[[Course], object]  # a notebook dict, raw bytes, or a writer
    expected: dict
    check: Callable | None = None
    limits: Limits = LIMITS


def relu_only(reason, score=0.0):
    return {"relu_hidden": (reason, score), "softmax_hidden": (OK, 2.0)}


def softmax_only(reason, score=0.0):
    return {"relu_hidden": (OK, 1.0), "softmax_hidden": (reason, score)}


def every_part(reason):
    return {"relu_hidden": (reason, 0.0), "softmax_hidden": (reason, 0.0)}


def wrong_relu_with(course_code: str):
    """A wrong relu (|z|) that first tries ``course_code`` to cheat."""
    return (
        "def relu(z):\n"
        "    try:\n"
        + textwrap.indent(code(course_code), " " * 8)
        + "    except BaseException as exc:\n"
        + "        print('BLOCKED', type(exc).__name__)\n"
        + "    return np.abs(z)\n"
    )


def _symlinked_solutions(course: Course):
    folder = course.root / "submitted" / "symlinker" / "demo0"
    folder.mkdir(parents=True)
    (folder / "demo0.ipynb").symlink_to(course.solutions)
    return folder


def _linked_assignment_folder(course: Course):
    """``submitted/<student>/demo0 -> solutions/demo0``, as ``unzip`` keeps it."""
    student = course.root / "submitted" / "folderlinker"
    student.mkdir(parents=True)
    (student / "demo0").symlink_to(course.solutions.parent)
    return student / "demo0"


def _linked_student_folder(course: Course):
    """``submitted/<student> -> solutions``: the solutions' demo0 looks submitted."""
    (course.root / "submitted").mkdir(exist_ok=True)
    student = course.root / "submitted" / "studentlinker"
    student.symlink_to(course.solutions.parent.parent)
    return student / "demo0"


def _check_link_named(result, course):
    for part in result.parts.values():
        assert "is a symbolic link" in part.message
        assert "nothing in it was read" in part.message
    assert result.notebook is None and result.runs == 0


def _check_nothing_of_the_solutions_recorded(result, course):
    _check_link_named(result, course)
    autograded = course.root / "autograded" / result.student / "demo0"
    text = (autograded / "demo0.ipynb").read_text()
    solution = json.loads(course.solutions.read_text())
    for cell in solution["cells"]:
        source = "".join(cell["source"])
        if "BEGIN SOLUTION" in source:
            body = source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            assert body.strip() and json.dumps(body.strip())[1:-1] not in text
    assert not (autograded / "timestamp.txt").exists()


def _budget_used(result, label: str) -> int:
    line = next(x for x in result.log.splitlines() if x.startswith(label))
    return int(line.split()[1])


def _check_disk_budget(result, course):
    written = _budget_used(result, "WROTE")
    assert 0.5 * LIMITS.disk_bytes < written <= LIMITS.disk_bytes


def _check_cell_refused(result, course):
    message = result.parts["relu_hidden"].message
    assert f"more than the {MAX_CELL_BYTES} accepted" in message, message


def _check_memory_budget(result, course):
    held = _budget_used(result, "HELD")
    assert LIMITS.memory_bytes // 4 < held <= LIMITS.memory_bytes
    assert "processes at most" in result.parts["relu_hidden"].message


FILL_DISK = code(
    """
    import os
    written = 0
    try:
        for number in range(10**6):  # many files, each well under file_bytes
            with open(f"fill-{number}.bin", "wb") as handle:
                handle.write(b"0" * 2**20)
            written += 2**20
    finally:
        print("WROTE", written, flush=True)
    """
)

FORKED_MEMORY = code(
    """
    import os

    def hold_all():
        held, blocks = 0, []
        while True:
            try:
                blocks.append(bytearray(8 * 2**20))  # touched: zero-filled
            except MemoryError:
                return held, blocks
            held += 8 * 2**20

    def relu(z):
        readers = []
        for _ in range(8):  # more children than the budget allows
            r, w = os.pipe()
            try:
                pid = os.fork()
            except OSError:
                os.close(r)
                os.close(w)
                break
            if pid == 0:
                held, blocks = hold_all()
                os.write(w, str(held).encode())
                os.close(w)
                os.read(r, 1)  # hold until the parent is done
                os._exit(0)
            os.close(w)
            readers.append(r)
        total = 0
        for r in readers:
            total += int(os.read(r, 32) or 0)
        held, blocks = hold_all()
        print("HELD", total + held, flush=True)
        raise MemoryError
    """
)


def _no_notebook(course: Course):
    folder = course.root / "submitted" / "nothing" / "demo0"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("I could not finish, sorry")
    return folder


def _renamed(course: Course):
    folder = course.root / "submitted" / "renamer" / "demo0" / "final"
    folder.mkdir(parents=True)
    (folder / "Copy of demo0 (2).ipynb").write_text(json.dumps(S.notebook()))
    return folder.parent


def _edited_test_cell():
    nb = S.notebook(S.RELU_WRONG)
    index = S.cell_index(nb, "relu_hidden")
    nb["cells"][index]["source"] = (
        "relu = lambda z: np.maximum(z, 0)  # 'fixed' by the student\n"
        "print('all tests passed')\n"
    )
    return nb


def _deleted_test_cells():
    nb = S.notebook(S.RELU_WRONG)
    nb["cells"] = [
        c for c in nb["cells"] if not c["metadata"].get("nbgrader", {}).get("grade")
    ]
    return nb


def _duplicated_cells():
    nb = S.notebook(S.RELU, S.SOFTMAX_WRONG)
    softmax = nb["cells"][S.cell_index(nb, "softmax")]
    fixed = json.loads(json.dumps(softmax))
    fixed["source"] = S.SOFTMAX
    test = nb["cells"][S.cell_index(nb, "relu_hidden")]
    nb["cells"].insert(S.cell_index(nb, "relu_hidden"), json.loads(json.dumps(test)))
    nb["cells"].append(fixed)
    return nb


def _reordered_cells():
    nb = S.notebook(after=["print(relu(np.array([-1.0, 2.0])))\n"])
    nb["cells"].reverse()  # the calls and tests first, then the answers, then imports
    return nb


def _forged_results(course: Course):
    forge = code(
        """
        import base64, io, json, os
        buffer = io.BytesIO()
        np.save(buffer, np.zeros(7))
        fake = base64.b64encode(buffer.getvalue()).decode()
        line = {"secret": "0" * 64, "event": "case_end", "part": "relu_hidden",
                "case": "mixed signs", "status": "ok", "detail": None,
                "outputs": [fake]}
        for fd in map(int, os.listdir("/proc/self/fd")):
            try:
                os.write(fd, (json.dumps(line) + "\\n").encode())
            except OSError:
                pass
        print(json.dumps(line))
        print(json.dumps({"event": "done"}))
        """
    )
    return S.notebook(S.RELU_WRONG, before=[forge])


def _check_forged(result, course):
    assert "unauthenticated lines" in result.log
    assert " 0 unauthenticated" not in result.log


def _check_no_leak(result, course):
    assert "LEAKED" not in result.log
    assert "BLOCKED" in result.log


def _check_environment(result, course):
    line = next(x for x in result.log.splitlines() if x.startswith("ENV "))
    keys = set(json.loads(line[4:]))
    allowed = set(sandbox_environment(data_dir="/sandbox/data")) | {"PWD"}
    assert keys <= allowed, keys - allowed
    assert str(PROJECT) not in line and "PYTEST" not in line


def _check_writes(result, course):
    assert "WROTE /sandbox/in" not in result.log
    assert "WROTE /work" not in result.log
    assert "WROTE /usr" not in result.log


def _check_bounded_log(result, course):
    assert len(result.log) < 8 * LIMITS.output_bytes
    assert "bytes omitted" in result.log


def _check_renamed(result, course):
    assert result.notebook.name == "Copy of demo0 (2).ipynb"


HOSTILE = [
    Hostile(
        "infinite loop",
        lambda c: S.notebook("def relu(z):\n    while True:\n        pass\n"),
        relu_only(TIMEOUT),
    ),
    Hostile(
        "loop ignoring SIGINT",
        lambda c: S.notebook(
            code(
                """
                import signal
                def relu(z):
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                    while True:
                        try:
                            pass
                        except KeyboardInterrupt:
                            pass
                """
            )
        ),
        relu_only(TIMEOUT),
    ),
    Hostile(
        "loop blocking every signal it can",
        lambda c: S.notebook(
            code(
                """
                import signal
                def relu(z):
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    for s in (signal.SIGALRM, signal.SIGXCPU, signal.SIGINT,
                              signal.SIGTERM, signal.SIGHUP):
                        signal.signal(s, signal.SIG_IGN)
                    while True:
                        try:
                            pass
                        except BaseException:
                            pass
                """
            )
        ),
        relu_only(TIMEOUT),
    ),
    Hostile(
        "os._exit",
        lambda c: S.notebook("import os\ndef relu(z):\n    os._exit(0)\n"),
        relu_only(CRASH),
    ),
    Hostile(
        "sys.exit in the graded function",
        lambda c: S.notebook("import sys\ndef relu(z):\n    sys.exit('bye')\n"),
        relu_only(ERROR),
    ),
    Hostile(
        "sys.exit in a cell",
        lambda c: S.notebook(before=["import sys\nsys.exit(0)\n", "exit()\n"]),
        FULL,
    ),
    Hostile(
        "segfault through ctypes",
        lambda c: S.notebook("import ctypes\ndef relu(z):\n    ctypes.string_at(0)\n"),
        relu_only(CRASH),
    ),
    Hostile(
        "memory bomb",
        lambda c: S.notebook(
            code(
                """
                def relu(z):
                    blocks = []
                    while True:
                        blocks.append(bytearray(8 * 2**20))
                """
            )
        ),
        relu_only(MEMORY),
    ),
    Hostile(
        "numpy memory bomb",
        lambda c: S.notebook(
            softmax="def softmax(z):\n    return np.ones((10**6, 10**6))\n"
        ),
        softmax_only(MEMORY),
    ),
    Hostile(
        "fork bomb",
        lambda c: S.notebook(
            code(
                """
                import os
                def relu(z):
                    while True:
                        try:
                            os.fork()
                        except OSError:
                            pass
                """
            )
        ),
        relu_only(TIMEOUT),
    ),
    Hostile(
        "a million lines of output",
        lambda c: S.notebook(before=["for i in range(10**6):\n    print(i)\n"]),
        FULL,
        _check_bounded_log,
    ),
    Hostile(
        "IPython input transformer",
        lambda c: S.notebook(
            S.RELU_WRONG,
            before=[
                "ip = get_ipython()\n"
                "ip.input_transformers_cleanup.append(lambda lines: [])\n"
            ],
        ),
        relu_only(WRONG),
    ),
    Hostile(
        "numpy comparisons monkeypatched",
        lambda c: S.notebook(
            S.RELU_WRONG,
            before=[
                code(
                    """
                    always = lambda *a, **k: True
                    silent = lambda *a, **k: None
                    np.allclose = np.isclose = np.array_equal = always
                    np.array_equiv = always
                    np.testing.assert_allclose = silent
                    np.testing.assert_array_equal = silent
                    np.testing.assert_array_almost_equal = silent
                    """
                )
            ],
        ),
        relu_only(WRONG),
    ),
    Hostile(
        "assert-related builtins monkeypatched",
        lambda c: S.notebook(
            softmax=S.SOFTMAX_WRONG,
            before=[
                code(
                    """
                    import builtins
                    class AssertionError(Exception):
                        pass
                    builtins.AssertionError = AssertionError
                    builtins.all = builtins.any = lambda *a, **k: True
                    """
                )
            ],
        ),
        softmax_only(WRONG),
    ),
    Hostile(
        "always-equal object",
        lambda c: S.notebook(
            code(
                """
                class Anything:
                    def __eq__(self, other):
                        return True
                    __ne__ = __lt__ = __gt__ = lambda self, other: False
                    def __float__(self):
                        return 0.0
                def relu(z):
                    return Anything()
                """
            )
        ),
        relu_only(WRONG),
    ),
    Hostile(
        "always-equal ndarray subclass",
        lambda c: S.notebook(
            softmax=code(
                """
                class Equal(np.ndarray):
                    def __eq__(self, other):
                        return np.ones(np.shape(other), dtype=bool)
                    def __array_ufunc__(self, *args, **kwargs):
                        return True
                def softmax(z):
                    return np.zeros(np.shape(z)).view(Equal)
                """
            )
        ),
        softmax_only(WRONG),
    ),
    Hostile(
        "reading the solutions from disk",
        lambda c: S.notebook(
            wrong_relu_with(
                f"""
                for path in [{str(c.solutions)!r},
                             {str(DEMO_COURSE / "problemsets/demo0.py")!r},
                             {str(c.root / "problemsets/demo0.py")!r},
                             {str(PROJECT / "course/activations.py")!r}]:
                    open(path).read()
                    print("LEAKED", path)
                """
            )
        ),
        relu_only(WRONG),
        _check_no_leak,
    ),
    Hostile(
        "reading another student's submission",
        lambda c: S.notebook(
            wrong_relu_with(f"open({str(c.other)!r}).read()\nprint('LEAKED')")
        ),
        relu_only(WRONG),
        _check_no_leak,
    ),
    Hostile(
        "opening the gradebook with sqlite3",
        lambda c: S.notebook(
            wrong_relu_with(
                f"""
                import sqlite3
                db = sqlite3.connect({str(c.gradebook)!r})
                db.execute("UPDATE grade SET score = 100")
                db.commit()
                print("LEAKED")
                """
            )
        ),
        relu_only(WRONG),
        _check_no_leak,
    ),
    Hostile(
        "writing outside the scratch directory",
        lambda c: S.notebook(
            before=[
                code(
                    f"""
                    import os, sys
                    targets = [{str(PROJECT / "HACKED")!r}, {str(c.marker)!r},
                               np.__file__, os.__file__, "/etc/hosts",
                               {str(c.other)!r}, {str(c.gradebook)!r},
                               "/sandbox/in/job.json", "/sandbox/in/runner.py",
                               "/usr/lib/hacked", "/hacked", "/dev/hacked",
                               sys.path[-1] + "/sitecustomize.py"]
                    for target in targets:
                        try:
                            with open(target, "a") as handle:
                                handle.write("hacked")
                            print("WROTE", target)
                        except OSError as exc:
                            print("BLOCKED", target, exc.errno)
                    """
                )
            ]
        ),
        FULL,
        _check_writes,
    ),
    Hostile(
        "opening a network connection",
        lambda c: S.notebook(
            wrong_relu_with(
                f"""
                import socket
                for address in [("127.0.0.1", {c.port}), ("1.1.1.1", 53)]:
                    try:
                        socket.create_connection(address, timeout=0.5)
                        print("LEAKED", address)
                    except OSError as exc:
                        print("BLOCKED", address, exc)
                socket.getaddrinfo("example.com", 80)
                print("LEAKED dns")
                """
            )
        ),
        relu_only(WRONG),
        _check_no_leak,
    ),
    Hostile(
        "reading environment variables",
        lambda c: S.notebook(
            before=["import os, json\nprint('ENV', json.dumps(dict(os.environ)))\n"]
        ),
        FULL,
        _check_environment,
    ),
    Hostile(
        "forging the results",
        lambda c: _forged_results(c),
        relu_only(WRONG),
        _check_forged,
    ),
    Hostile("editing a test cell", lambda c: _edited_test_cell(), relu_only(WRONG)),
    Hostile(
        "deleting the test cells", lambda c: _deleted_test_cells(), relu_only(WRONG)
    ),
    Hostile("duplicating cells", lambda c: _duplicated_cells(), FULL),
    Hostile("cells out of order", lambda c: _reordered_cells(), FULL),
    Hostile("renamed notebook", _renamed, FULL, _check_renamed),
    Hostile(
        "notebook that is not valid JSON",
        lambda c: json.dumps(S.notebook())[:-40].encode(),
        every_part(Reason.BAD_NOTEBOOK),
    ),
    Hostile("empty notebook", lambda c: b"", every_part(Reason.BAD_NOTEBOOK)),
    Hostile(
        "notebook without code cells",
        lambda c: {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
        every_part(Reason.BAD_NOTEBOOK),
    ),
    Hostile(
        "a cell over the size accepted",
        lambda c: S.notebook(after=["x = 1\n" * (MAX_CELL_BYTES // 6 + 1)]),
        every_part(Reason.BAD_NOTEBOOK),
        _check_cell_refused,
    ),
    Hostile(
        "long runs of spaces in magics, at the size accepted",
        lambda c: S.notebook(
            before=[
                "x" + " " * (MAX_CELL_BYTES - 30) + "= 1\n%who",
                "y, " * ((MAX_CELL_BYTES - 30) // 3) + "= !ls",
                "%time " + " " * (MAX_CELL_BYTES - 16),
            ]
        ),
        FULL,
    ),
    Hostile("no notebook at all", _no_notebook, every_part(Reason.MISSING_NOTEBOOK)),
    Hostile(
        "symlink to the solution notebook",
        _symlinked_solutions,
        every_part(Reason.MISSING_NOTEBOOK),
    ),
    Hostile(
        "importing course for a graded function",
        lambda c: S.notebook(
            "from course.activations import relu as reference\n\n"
            "def relu(z):\n    return reference(z)\n"
        ),
        relu_only(Reason.IMPORTS_REFERENCE),
    ),
    Hostile(
        "reference reached through an attribute chain",
        lambda c: S.notebook(
            softmax="import course.losses\n\n"
            "def softmax(z):\n    return course.losses.softmax(z)\n"
        ),
        softmax_only(Reason.IMPORTS_REFERENCE),
    ),
    Hostile(
        "reference imported dynamically",
        lambda c: S.notebook(
            "import importlib\n\n"
            "def relu(z):\n"
            "    module = importlib.import_module('course.' + 'activations')\n"
            "    return module.relu(z)\n"
        ),
        relu_only(ERROR),
    ),
    Hostile(
        "killing every process it can see",
        lambda c: S.notebook(
            code(
                """
                import os, signal
                def relu(z):
                    for pid in os.listdir("/proc"):
                        if pid.isdigit() and int(pid) != os.getpid():
                            os.kill(int(pid), signal.SIGKILL)
                    os.kill(os.getpid(), signal.SIGKILL)
                """
            )
        ),
        relu_only(CRASH),
    ),
    Hostile(
        "filling the disk",
        lambda c: S.notebook(
            before=[
                code(
                    """
                    for path in ["big.bin", "/tmp/big.bin", "/dev/shm/big.bin"]:
                        try:
                            with open(path, "wb") as handle:
                                for _ in range(64):
                                    handle.write(b"0" * 2**20)
                        except OSError as exc:
                            print("BLOCKED", path, exc.errno)
                    """
                )
            ]
        ),
        FULL,
    ),
    Hostile(
        "assignment folder that is a link to the solutions",
        _linked_assignment_folder,
        every_part(Reason.BAD_SUBMISSION),
        _check_nothing_of_the_solutions_recorded,
    ),
    Hostile(
        "student folder that is a link",
        _linked_student_folder,
        every_part(Reason.BAD_SUBMISSION),
        _check_nothing_of_the_solutions_recorded,
    ),
    Hostile(
        "filling the disk with many small files",
        lambda c: S.notebook(
            "def relu(z):\n" + textwrap.indent(FILL_DISK, "    ") + "    return z\n"
        ),
        relu_only(Reason.DISK),
        _check_disk_budget,
    ),
    Hostile(
        "a cell that fills the disk before defining softmax",
        lambda c: S.notebook(softmax=FILL_DISK + S.SOFTMAX),
        softmax_only(Reason.DISK),
    ),
    Hostile(
        "children that each take all the memory they may",
        lambda c: S.notebook(FORKED_MEMORY),
        relu_only(MEMORY),
        _check_memory_budget,
        # page-faulting a GiB takes seconds on a loaded machine: only memory may stop it
        replace(LIMITS, case_seconds=6),
    ),
    Hostile(
        "returning a huge array",
        lambda c: S.notebook("def relu(z):\n    return np.zeros(10**6)\n"),
        relu_only(WRONG),
    ),
]


def _fingerprint(paths) -> dict:
    """Content hash and mode of every file under ``paths`` (directories listed)."""
    prints = {}
    for top in paths:
        top = Path(top)
        walk = [(str(top.parent), [], [top.name])] if top.is_file() else os.walk(top)
        for folder, dirs, files in walk:
            prints[folder] = sorted(dirs)
            for name in files:
                path = Path(folder, name)
                info = path.lstat()
                digest = (
                    hashlib.sha256(path.read_bytes()).hexdigest()
                    if (path.is_file() and not path.is_symlink())
                    else os.readlink(path)
                )
                prints[str(path)] = (digest, info.st_mode, info.st_size)
    return prints


def _watched(course: Course) -> list:
    return [
        course.root,
        np.__file__,
        os.__file__,
        "/etc/hosts",
        DEMO_COURSE / "problemsets" / "demo0.py",
    ]


def _listen(course: Course) -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    course.port = server.getsockname()[1]

    def accept():
        while server.fileno() != -1:
            try:
                connection, address = server.accept()
            except OSError:
                continue
            course.connections.append(address)
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    return server


def _gradebook_scores(coursedir) -> dict:
    """student -> {part: score}, as nbgrader's gradebook holds them."""
    scores: dict = {}
    for row in grade_rows(coursedir, "demo0"):
        scores.setdefault(row.student, {})[row.part] = row.score
    return scores


def _record(coursedir, results: dict) -> None:
    """Record verdicts the way ``grader autograde`` does (trusted, after grading)."""
    with GradebookWriter(coursedir, "demo0", ["relu", "softmax"]) as writer:
        for student, result in results.items():
            writer.record(student, result.parts)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    coursedir = build_course(tmp_path_factory.mktemp("hostile") / "course", "demo0")
    root = Path(coursedir.root)
    course = Course(
        root,
        root / "solutions" / "demo0" / "demo0.ipynb",
        root / "gradebook.db",
        other=root / "submitted" / CLEAN[0] / "demo0" / "demo0.ipynb",
        marker=Path("/tmp") / f"grader-hostile-{uuid.uuid4().hex}",
        port=0,
    )
    server = _listen(course)
    folders = {}
    for student in CLEAN:
        folders[student] = S.write(root, student, S.notebook())
    for number, hostile in enumerate(HOSTILE):
        built = hostile.build(course)
        if isinstance(built, Path):
            folders[hostile.name] = built
        else:
            folders[hostile.name] = S.write(root, f"hostile{number:02d}", built)
    student_of = {name: folder.parent.name for name, folder in folders.items()}
    assert len(set(student_of.values())) == len(student_of)
    # The honest students are graded and in the gradebook before the batch.
    _record(
        coursedir,
        {s: grade_submission(folders[s], "demo0", limits=LIMITS) for s in CLEAN},
    )
    honest_before = _gradebook_scores(coursedir)
    scratch = root.parent / "scratch"
    scratch.mkdir()
    before = _fingerprint(_watched(course))

    order = list(HOSTILE)
    queue = []
    for index, hostile in enumerate(order):  # honest students spread over the batch
        queue.append(hostile.name)
        if index % 12 == 0:
            queue.append(CLEAN[index // 12 % len(CLEAN)])
    queue += [s for s in CLEAN if s not in queue]

    limits = {h.name: h.limits for h in HOSTILE}

    def grade(name):
        return name, grade_submission(
            folders[name], "demo0", limits=limits.get(name, LIMITS), scratch_dir=scratch
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(pool.map(grade, queue))
    server.close()
    after = _fingerprint(_watched(course))
    leftovers = [
        pid
        for pid in os.listdir("/proc")
        if pid.isdigit() and str(scratch) in _cmdline(pid)
    ]
    _record(coursedir, {student_of[name]: results[name] for name in queue})
    return {
        "results": results,
        "queue": queue,
        "changed": sorted(
            k for k in set(before) | set(after) if before.get(k) != after.get(k)
        ),
        "course": course,
        "scratch_left": sorted(os.listdir(scratch)),
        "leftover_processes": leftovers,
        "student_of": student_of,
        "honest_before": honest_before,
        "gradebook": _gradebook_scores(coursedir),
        "integrity": check_integrity(coursedir),
    }


def _cmdline(pid: str) -> str:
    try:
        return Path("/proc", pid, "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _assert_batch_healthy(batch):
    results, course = batch["results"], batch["course"]
    assert set(results) == set(batch["queue"])  # the batch finished, one row each
    for student in CLEAN:
        parts = results[student].parts
        assert {g: (p.reason, p.score) for g, p in parts.items()} == FULL, student
    assert batch["changed"] == []
    assert batch["integrity"] == []
    for student in CLEAN:  # graded again in the batch, their scores unchanged
        assert batch["gradebook"][student] == batch["honest_before"][student]
    assert not course.marker.exists()
    assert not (PROJECT / "HACKED").exists()
    assert course.connections == []
    assert batch["scratch_left"] == []
    assert batch["leftover_processes"] == []


def test_the_suite_is_large_enough():
    assert len(HOSTILE) >= 25
    assert len({h.name for h in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.name for h in HOSTILE])
def test_hostile_submission_gets_its_deserved_score(batch, hostile):
    result = batch["results"][hostile.name]
    got = {g: (p.reason, p.score) for g, p in result.parts.items()}
    assert got == hostile.expected, result.log
    recorded = batch["gradebook"][batch["student_of"][hostile.name]]
    assert recorded == {g: score for g, (_, score) in hostile.expected.items()}
    for part in result.parts.values():
        assert (part.message == "") == (part.reason is OK)
    if hostile.check is not None:
        hostile.check(result, batch["course"])
    _assert_batch_healthy(batch)


def test_messages_reveal_no_expected_values(batch):
    from grader.cases import expected_output
    from grader.problemset import load_problem_set

    problems = load_problem_set("demo0")
    numbers = set()
    for part in problems.parts:
        for case in part.cases:
            for leaf in expected_output("demo0", part, case)[1]:
                numbers.update(f"{x:.4f}" for x in leaf.ravel()[:5] if abs(x) > 1e-3)
    for result in batch["results"].values():
        for part in result.parts.values():
            assert not any(n in part.message for n in numbers), part.message
