"""The grading sandbox, tested through the real bubblewrap: isolation, limits, speed.

Most tests grade a demo0 submission whose extra cell probes the sandbox and prints
what it sees; the probe's output comes back in the result's log.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

import grader.api
from grader.api import (
    GraderError,
    SandboxUnavailable,
    UnsandboxedWarning,
    grade_submission,
)
from grader.reasons import Reason
from grader.sandbox import Limits, sandbox_environment, sandbox_problem

sys.path.insert(0, str(Path(__file__).parent))
from fixtures.grading import submissions as S  # noqa: E402

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bwrap is not installed"
)

LIMITS = Limits(
    cpu_seconds=2,
    wall_seconds=8,
    memory_bytes=1024 * 2**20,
    processes=4,
    disk_bytes=16 * 2**20,
    file_bytes=4 * 2**20,
    tmp_bytes=8 * 2**20,
    case_seconds=1,
    cell_seconds=2,
)
FULL = {"relu_hidden": (Reason.OK, 1.0), "softmax_hidden": (Reason.OK, 2.0)}
PROJECT = Path(grader.api.__file__).resolve().parents[1]


def verdicts(result):
    return {g: (p.reason, p.score) for g, p in result.parts.items()}


def grade(tmp_path, nb, *, student="student", limits=LIMITS, **kwargs):
    folder = S.write(tmp_path, student, nb)
    return grade_submission(folder, "demo0", limits=limits, **kwargs)


def probe(tmp_path, source: str, **kwargs) -> dict:
    """Run ``source`` (which sets ``found``, a dict) in a cell; return ``found``."""
    cell = source + "\nimport json as _j\nprint('PROBE' + _j.dumps(found))\n"
    result = grade(tmp_path, S.notebook(before=[cell]), **kwargs)
    assert verdicts(result) == FULL, result.log
    line = next(x for x in result.log.splitlines() if x.startswith("PROBE"))
    return json.loads(line[5:])


def test_a_sandbox_can_be_made_here():
    assert sandbox_problem() is None


def test_inside_the_sandbox(tmp_path):
    found = probe(
        tmp_path,
        f"PROJECT = {str(PROJECT)!r}\n"
        """
import os, resource, socket
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
found = {
    "uid": os.getuid(), "gid": os.getgid(), "euid": os.geteuid(),
    "caps": status["CapEff"].strip(), "no_new_privs": status["NoNewPrivs"].strip(),
    "hostname": socket.gethostname(), "cwd": os.getcwd(),
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "root": sorted(os.listdir("/")),
    "project": sorted(os.listdir(PROJECT)) if os.path.isdir(PROJECT) else [],
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC),
    "cpu": resource.getrlimit(resource.RLIMIT_CPU),
    "as": resource.getrlimit(resource.RLIMIT_AS),
    "fsize": resource.getrlimit(resource.RLIMIT_FSIZE),
    "core": resource.getrlimit(resource.RLIMIT_CORE),
    "interfaces": [name for _, name in socket.if_nameindex()],
    "env": sorted(os.environ),
}
import ctypes
found["nested_userns"] = ctypes.CDLL(None).unshare(0x10000000) == 0  # CLONE_NEWUSER
""",
    )
    assert (found["uid"], found["gid"], found["euid"]) == (1000, 1000, 1000)
    assert int(found["caps"], 16) == 0
    assert found["no_new_privs"] == "1"
    assert found["hostname"] == "sandbox"
    assert found["cwd"] == "/sandbox/work"
    assert len(found["pids"]) <= 3  # bwrap's init and the runner: a private pid space
    assert "home" not in found["root"] and "sandbox" in found["root"]
    assert found["project"] in ([], [".venv"])  # nothing of the project but its venv
    assert found["nproc"] == [LIMITS.processes + 1] * 2  # + bwrap's init
    assert found["cpu"] == [2, 3]
    assert found["as"] == [LIMITS.memory_bytes // LIMITS.processes] * 2
    assert found["fsize"] == [LIMITS.file_bytes] * 2
    assert found["core"] == [0, 0]
    assert found["interfaces"] == ["lo"]  # a network namespace of its own
    assert set(found["env"]) <= set(sandbox_environment(data_dir="/d")) | {"PWD"}
    assert found["nested_userns"] is False


def test_the_student_process_is_unprivileged_on_the_host(tmp_path):
    """Seen from the host, the sandboxed runner runs under a non-root uid."""
    seen = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            for pid in os.listdir("/proc"):
                try:
                    cmdline = Path("/proc", pid, "cmdline").read_bytes()
                    if b"/sandbox/in/runner.py" in cmdline and b"bwrap" not in cmdline:
                        status = Path("/proc", pid, "status").read_text()
                        uid = next(
                            x for x in status.splitlines() if x.startswith("Uid")
                        )
                        seen.append([int(v) for v in uid.split()[1:]])
                except (OSError, StopIteration, ValueError):
                    pass
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = grade(tmp_path, S.notebook(before=["import time\ntime.sleep(1)\n"]))
    finally:
        stop.set()
        watcher.join()
    assert verdicts(result) == FULL
    assert seen, "the runner process was not found"
    assert all(uid != 0 for uids in seen for uid in uids)


def test_processes_are_limited(tmp_path):
    found = probe(
        tmp_path,
        """
import os, time
children, failed = [], None
for _ in range(50):
    try:
        pid = os.fork()
    except OSError as exc:
        failed = exc.errno
        break
    if pid == 0:
        time.sleep(5)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
found = {"forked": len(children), "errno": failed}
""",
    )
    assert found["forked"] == LIMITS.processes - 1  # the runner is one of them
    assert found["errno"] == 11  # EAGAIN


def test_the_file_system_is_read_only_outside_the_scratch(tmp_path):
    found = probe(
        tmp_path,
        """
import os
found = {}
for path in ["/sandbox/work/x", "/tmp/x", "/dev/shm/x", "/sandbox/in/x", "/x",
             "/usr/x", "/dev/x", os.__file__]:
    try:
        with open(path, "a") as handle:
            handle.write("x")
        found[path] = "written"
    except OSError as exc:
        found[path] = exc.errno
""",
    )
    writable = {p for p, v in found.items() if v == "written"}
    assert writable == {"/sandbox/work/x", "/tmp/x", "/dev/shm/x"}


def test_data_folder_is_mounted_read_only_and_handouts_import(tmp_path):
    data = tmp_path / "mnist"
    data.mkdir()
    (data / "readme.txt").write_text("digits")
    found = probe(
        tmp_path,
        """
import os
found = {"data": open(os.path.join(os.environ["COURSE_DATA_DIR"], "readme.txt")).read()}
try:
    open(os.path.join(os.environ["COURSE_DATA_DIR"], "new"), "w")
    found["write"] = True
except OSError:
    found["write"] = False
from course.data import make_xor
found["xor"] = len(make_xor(n_samples=8, seed=0)[0])
try:
    import course.activations
    found["reference"] = True
except ImportError:
    found["reference"] = False
""",
        data_dir=data,
    )
    assert found == {"data": "digits", "write": False, "xor": 8, "reference": False}


def test_a_hang_outside_any_function_is_skipped_by_the_wall_clock(tmp_path):
    """A cell that blocks the alarm and sleeps is killed; the functions still count."""
    hang = (
        "import signal, time\n"
        "signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "time.sleep(60)\n"
    )
    limits = Limits(**{**LIMITS.__dict__, "wall_seconds": 2.5})
    result = grade(tmp_path, S.notebook(before=[hang]), limits=limits)
    assert verdicts(result) == FULL
    assert result.runs == 2
    assert "run 1: " in result.log and "stopped at the time limit" in result.log


def test_a_cell_that_crashes_costs_only_what_it_defines(tmp_path):
    crash = (
        "def relu(z):\n    return np.maximum(z, 0)\n\n"
        "import ctypes\nctypes.string_at(0)\n"
    )
    nb = S.notebook(before=[crash])
    nb["cells"] = [
        c
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") != "relu"
    ]
    result = grade(tmp_path, nb)
    assert verdicts(result) == {
        "relu_hidden": (Reason.CRASH, 0.0),
        "softmax_hidden": (Reason.OK, 2.0),
    }
    assert "cell 3" in result.parts["relu_hidden"].message
    assert "SIGSEGV" in result.parts["relu_hidden"].message


def test_missing_function(tmp_path):
    result = grade(tmp_path, S.notebook(relu="def rectifier(z):\n    return z\n"))
    assert verdicts(result)["relu_hidden"] == (Reason.MISSING_FUNCTION, 0.0)
    assert result.parts["relu_hidden"].message == "relu is not defined in the notebook."


def test_no_false_failures_from_warnings_prints_and_extra_cells(tmp_path):
    noisy_relu = (
        "import sys, warnings\n"
        "def relu(z):\n"
        "    print('computing relu of', np.shape(z))\n"
        "    print('a harmless note', file=sys.stderr)\n"
        "    warnings.warn('this is only a warning')\n"
        "    return np.maximum(z, 0)\n"
    )
    before = [
        "import warnings, sys\nwarnings.warn('deprecated thing')\n"
        "print('x' * 1000, file=sys.stderr)\n",
        "%matplotlib inline\nmy_variable = 42\n!ls -l\n",
        "np.seterr(all='warn')\nnp.log(np.array([0.0]))\n",
        "undefined_name_in_a_scratch_cell\n",
    ]
    result = grade(tmp_path, S.notebook(noisy_relu, before=before, after=["relu?\n"]))
    assert verdicts(result) == FULL, result.log
    assert "this is only a warning" in result.log


def test_a_correct_but_differently_written_solution_gets_full_marks(tmp_path):
    result = grade(tmp_path, S.notebook(S.RELU_OTHER, S.SOFTMAX_OTHER))
    assert verdicts(result) == FULL, result.log


def test_grading_twice_gives_the_same_result(tmp_path):
    nb = S.notebook(S.RELU_WRONG, S.SOFTMAX)
    first = grade(tmp_path, nb, student="a")
    second = grade(tmp_path, nb, student="b")
    assert first.parts == second.parts


def test_all_cases_run_in_one_sandboxed_process(tmp_path):
    """(How fast that is, benchmarks/bench_grading.py measures.)"""
    folder = S.write(tmp_path, "fast", S.notebook())
    result = grade_submission(folder, "demo0", limits=LIMITS)
    assert verdicts(result) == FULL and result.runs == 1 and result.sandboxed


def test_refuses_to_grade_without_a_sandbox(tmp_path, monkeypatch):
    folder = S.write(tmp_path, "student", S.notebook())
    monkeypatch.setattr(grader.api, "sandbox_problem", lambda: "bwrap is not installed")
    with pytest.raises(SandboxUnavailable, match="allow_unsandboxed=True"):
        grade_submission(folder, "demo0", limits=LIMITS)
    with pytest.raises(ValueError, match="allow_unsandboxed=True as well"):
        grade_submission(folder, "demo0", sandbox=False, limits=LIMITS)
    with pytest.warns(UnsandboxedWarning, match="without a sandbox"):
        result = grade_submission(
            folder, "demo0", limits=LIMITS, allow_unsandboxed=True
        )
    assert verdicts(result) == FULL and not result.sandboxed


def test_a_runner_that_cannot_start_is_the_graders_error(tmp_path):
    tiny = Limits(**{**LIMITS.__dict__, "memory_bytes": 8 * 2**20})
    with pytest.raises(GraderError, match="did not start"):
        grade(tmp_path, S.notebook(), limits=tiny)


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="Limits.cpu_seconds must be positive"):
        Limits(cpu_seconds=0)


def test_the_students_other_files_sit_beside_the_notebook(tmp_path):
    reader = (
        "with open('data/weights.txt') as handle:\n    scale = float(handle.read())\n"
    )
    relu = "def relu(z):\n    return np.maximum(z, 0) * scale\n"
    probe = "import os\nprint('FILES', sorted(os.listdir('.')))\n"
    folder = S.write(tmp_path, "student", S.notebook(relu, before=[reader, probe]))
    (folder / "data").mkdir()
    (folder / "data" / "weights.txt").write_text("1.0")
    (folder / "secret.txt").symlink_to(S.SOURCE)  # a link is never followed
    result = grade_submission(folder, "demo0", limits=LIMITS)
    assert verdicts(result) == FULL, result.log
    assert "FILES ['data', 'demo0.ipynb']" in result.log


def test_installed_copies_of_the_reference_are_hidden(tmp_path, monkeypatch):
    """Were ``course`` installed into site-packages, the sandbox would not show it."""
    import grader.sandbox

    fake = tmp_path / "site"
    (fake / "course").mkdir(parents=True)
    (fake / "course" / "activations.py").write_text("def relu(z): ...\n")
    (fake / "other.py").write_text("VISIBLE = 1\n")
    real = grader.sandbox.site_dirs()
    monkeypatch.setattr(grader.sandbox, "site_dirs", lambda: [*real, str(fake)])
    found = probe(
        tmp_path,
        f"import os\nfound = {{'listing': sorted(os.listdir({str(fake)!r})),\n"
        f"    'course': os.listdir({str(fake / 'course')!r})}}\n",
    )
    assert found == {"listing": ["course", "other.py"], "course": []}
