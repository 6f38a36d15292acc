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
from grader.sandbox import Limits, sandbox_environment, sandbox_problem

sys.path.insert(0, str(Path(__file__).parent))
from fixtures.grading import submissions as S  # noqa: E402

PROJECT = Path(grader.api.__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bwrap is not installed"
)


def probe(tmp_path, source: str, **kwargs) -> dict:
    """Run ``source`` (which sets ``found``, a dict) in a cell; return ``found``."""
    cell = source + "\nimport json as _j\nprint('PROBE' + _j.dumps(found))\n"
    result = S.grade(tmp_path, S.notebook(before=[cell]), **kwargs)
    assert S.verdicts(result) == S.FULL, result.log
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
    assert found["nproc"] == [S.LIMITS.processes + 1] * 2  # + bwrap's init
    assert found["cpu"] == [2, 3]
    assert found["as"] == [S.LIMITS.memory_bytes // S.LIMITS.processes] * 2
    assert found["fsize"] == [S.LIMITS.file_bytes] * 2
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
        result = S.grade(tmp_path, S.notebook(before=["import time\ntime.sleep(1)\n"]))
    finally:
        stop.set()
        watcher.join()
    assert S.verdicts(result) == S.FULL
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
    assert found["forked"] == S.LIMITS.processes - 1  # the runner is one of them
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


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="Limits.cpu_seconds must be positive"):
        Limits(cpu_seconds=0)


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
