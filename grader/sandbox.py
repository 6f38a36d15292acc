"""Running untrusted student code: a bubblewrap sandbox with resource limits.

:func:`run_runner` starts :mod:`grader.sandbox_runner` on a prepared
:class:`Scratch` directory and returns what came back: the records tagged with the
run's secret, bounded captures of stdout and stderr, and how the process ended.

Inside the sandbox (``bwrap``):

- an unprivileged uid (1000) in a new user namespace, every namespace unshared
  (``--unshare-all``: no network, private pids, ipc and hostname), no further user
  namespaces, ``--die-with-parent``, ``--new-session``;
- read-only: ``/usr`` and its companion directories, a few loader and font files
  from ``/etc``, the Python installation and its site-packages (and nothing else of
  the project; installed copies of ``course`` and ``grader`` are hidden), the run's
  inputs, the student's own files (copies) and the ``course`` modules the problem
  set hands out; the root and ``/dev`` are read-only;
- writable: only size-limited tmpfs mounts, never a host folder: the working
  directory ``/sandbox/work`` (``Limits.disk_bytes``, where the runner copies the
  student's files), ``/tmp`` and ``/dev/shm`` (``Limits.tmp_bytes`` each). Results
  leave through the authenticated pipe, so one submission takes nothing of the
  host's disk, and its files together take at most
  ``disk_bytes + 2 * tmp_bytes`` (of memory);
- a cleared environment (:func:`sandbox_environment`);
- rlimits set by the runner before any student code: CPU time, processes
  (effective because the process is unprivileged in its own user namespace, with
  a fresh host uid per run when the grader is root), address space per process
  (``memory_bytes // processes``, so that all processes of the submission
  together stay within ``memory_bytes``), file size, open files, no core dumps;
- a wall-clock limit enforced from outside by killing the process group (the pid
  namespace dies with it), and stdout/stderr kept to a bounded head and tail.

When the grader runs as root, bwrap would map the sandbox uid to root, which
RLIMIT_NPROC exempts, and it could not bind a Python installed under a private home
directory if it dropped privileges first. So as root the sandbox is built in two
steps: a first bwrap (root, mount namespace only) stages the bind sources under
``/stage``; ``setpriv`` drops to a fresh unprivileged uid with no capabilities and
``no_new_privs``; a second, unprivileged bwrap builds the sandbox proper.

Where no sandbox can be made (:func:`sandbox_problem` says why), the caller may run the
runner unsandboxed (``sandboxed=False``): a plain subprocess with the same rlimits,
cleared environment and wall-clock kill, but no isolation of the file system or the
network.
"""

from __future__ import annotations

import functools
import hmac
import json
import os
import secrets
import selectors
import shutil
import signal
import site
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = [
    "Limits",
    "RunResult",
    "Scratch",
    "SandboxUnavailable",
    "sandbox_problem",
    "sandbox_environment",
    "run_runner",
    "site_dirs",
    "INSIDE",
]

INSIDE = Path("/sandbox")
"""Where the run's directories appear inside the sandbox: in/, files/, work/, data/."""

SANDBOX_UID = 1000
_STAGED_UID_BASE = 0x70000000  # host uids used when the grader runs as root
_SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
_ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "fonts")
_HIDDEN_PACKAGES = ("course", "grader")  # never visible from site-packages


class SandboxUnavailable(RuntimeError):
    """No sandbox can be made here, and unsandboxed grading was not allowed."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's run.

    Attributes
    ----------
    cpu_seconds : float
        RLIMIT_CPU of the runner and of each process it starts (SIGXCPU, then
        SIGKILL one second later).
    wall_seconds : float
        Wall-clock limit of one run; the whole process group is killed after it.
    memory_bytes : int
        Memory of the whole submission, all its processes together: each process
        gets ``memory_bytes // processes`` of address space (RLIMIT_AS), and at
        most ``processes`` of them can exist at once.
    processes : int
        Processes and threads the student's code may have at once, the runner
        included (RLIMIT_NPROC of the sandbox user).
    disk_bytes : int
        Size of the working directory (a tmpfs): the student's files and
        everything the code writes there.
    file_bytes : int
        RLIMIT_FSIZE: largest file a process may write.
    open_files : int
        RLIMIT_NOFILE.
    tmp_bytes : int
        Size of the private ``/tmp`` and ``/dev/shm`` (each).
    output_bytes : int
        How much of stdout and of stderr is kept (head and tail, each).
    case_seconds : float
        Wall-clock alarm for one call of a graded function on one case.
    cell_seconds : float
        Wall-clock alarm for one code cell.
    max_output_bytes : int
        Largest array a graded function may return.
    results_bytes : int
        Most the trusted side reads from the results pipe of one run (the records,
        output arrays included); what comes after is lost.
    """

    cpu_seconds: float = 60.0
    wall_seconds: float = 120.0
    memory_bytes: int = 2 * 1024**3
    processes: int = 4
    disk_bytes: int = 256 * 1024**2
    file_bytes: int = 64 * 1024**2
    open_files: int = 256
    tmp_bytes: int = 64 * 1024**2
    output_bytes: int = 64 * 1024
    case_seconds: float = 10.0
    cell_seconds: float = 60.0
    max_output_bytes: int = 16 * 1024**2
    results_bytes: int = 64 * 1024**2

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not value > 0:
                raise ValueError(f"Limits.{name} must be positive, but got {value!r}.")

    @property
    def process_memory_bytes(self) -> int:
        """Address space of each process: the submission's budget shared out."""
        return self.memory_bytes // self.processes

    def for_runner(self) -> dict:
        """The limits the runner applies to itself (written into job.json)."""
        keys = (
            "cpu_seconds",
            "processes",
            "file_bytes",
            "open_files",
            "case_seconds",
            "cell_seconds",
            "max_output_bytes",
        )
        limits = {key: getattr(self, key) for key in keys}
        # bwrap's init process inside the pid namespace counts for RLIMIT_NPROC too
        limits["processes"] += 1
        limits["process_memory_bytes"] = self.process_memory_bytes
        return limits


@dataclass(frozen=True)
class RunResult:
    """What one run of the runner gave back.

    Attributes
    ----------
    records : list of dict
        The runner's records whose secret matched, in order (secret removed). Their
        fields are still untrusted data: validate types before use.
    ignored_lines : int
        Lines on the results pipe without the secret (forged or garbled).
    exit_code : int or None
        Exit status of the runner, or None when it was killed by a signal.
    signal : int or None
        The signal that ended the runner, if any.
    timed_out : bool
        True when the wall-clock limit expired and the run was killed.
    stdout, stderr : str
        Bounded captures (head and tail).
    duration : float
        Wall-clock seconds.
    """

    records: list
    ignored_lines: int
    exit_code: int | None
    signal: int | None
    timed_out: bool
    stdout: str
    stderr: str
    duration: float


class Scratch:
    """A private directory for one submission: ``in/``, ``files/`` and ``work/``.

    ``in`` holds the job and ``files`` copies of the student's own files (both
    read-only inside the sandbox, where the runner copies ``files`` into its
    working directory, a tmpfs). ``work`` is that working directory on the host,
    used only by unsandboxed runs. Use as a context manager; the directory is
    deleted on exit.
    """

    def __init__(self, parent: str | os.PathLike | None = None):
        self.root = Path(tempfile.mkdtemp(prefix="grader-", dir=parent))
        self.in_dir = self.root / "in"
        self.files_dir = self.root / "files"
        self.work_dir = self.root / "work"
        self.in_dir.mkdir(mode=0o755)
        self.files_dir.mkdir(mode=0o755)
        self._copied = False
        self.reset()

    def reset(self, files=()) -> None:
        """Empty ``work`` (between runs); copy ``files`` into ``files`` once.

        ``files`` are ``(relative path, source)`` pairs: the student's own files, as
        collected by :func:`grader.extract.submission_files`. They are made readable
        by anyone, since the sandbox user is not their owner.
        """
        if self.work_dir.exists() or self.work_dir.is_symlink():
            _remove_tree(self.work_dir)
        self.work_dir.mkdir(mode=0o700)
        if self._copied:
            return
        for relative, source in files:
            target = self.files_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            shutil.copyfile(source, target, follow_symlinks=False)
            target.chmod(0o644)
        for path in self.files_dir.rglob("*"):
            if path.is_dir():
                path.chmod(0o755)
        self._copied = bool(files)

    def cleanup(self) -> None:
        _remove_tree(self.root)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc_info) -> None:
        self.cleanup()


def _remove_tree(path: Path) -> None:
    """Delete a tree written by student code (odd permissions, symlinks)."""

    def unlock(function, name, exc_info):
        parent = os.path.dirname(name)
        try:
            os.chmod(parent, stat.S_IRWXU)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, stat.S_IRWXU)
                shutil.rmtree(name, ignore_errors=True)
            else:
                os.unlink(name)
        except OSError:
            pass

    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, onerror=unlock)


def sandbox_environment(
    home: str | os.PathLike = INSIDE / "work",
    tmp: str | os.PathLike = "/tmp",
    data_dir: str | os.PathLike | None = None,
) -> dict:
    """The whole environment of the runner: nothing of the grader's leaks in.

    The defaults are the paths inside the sandbox; ``data_dir`` sets
    ``COURSE_DATA_DIR`` (where ``course.data.load_mnist`` looks).
    """
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(Path(tmp) / "matplotlib"),
    }
    if data_dir is not None:
        env["COURSE_DATA_DIR"] = str(data_dir)
    return env


def _python_roots() -> list[Path]:
    """Directories that make up the running Python: base installation and venv."""
    prefixes = {sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots: list[Path] = []
    for path in sorted((Path(p) for p in prefixes), key=lambda p: len(p.parts)):
        if not any(r == path or r in path.parents for r in roots):
            roots.append(path)
    return [r for r in roots if not _under_system(r)]


def _under_system(path: Path) -> bool:
    return any(Path("/", name) in (path, *path.parents) for name in _SYSTEM_DIRS)


def site_dirs() -> list[str]:
    """site-packages directories the runner adds to ``sys.path`` (it runs with -S)."""
    found = []
    for entry in site.getsitepackages():
        if os.path.isdir(entry) and entry not in found:
            found.append(entry)
    return found


def _extra_site_roots() -> list[Path]:
    roots = _python_roots()
    extra = []
    for entry in site_dirs():
        path = Path(entry)
        if not _under_system(path) and not any(r in path.parents for r in roots):
            extra.append(path)
    return extra


def _hiding_args() -> list[str]:
    """Empty, read-only mounts over installed copies of the reference and grader.

    With an editable install (the project's setup) site-packages holds no such
    folders; a regular install would put the reference modules there.
    """
    args = []
    for entry in site_dirs():
        for name in _HIDDEN_PACKAGES:
            path = os.path.join(entry, name)
            if os.path.isdir(path) and not os.path.islink(path):
                args += ["--size", "4096", "--tmpfs", path, "--remount-ro", path]
    return args


def _system_args() -> list[str]:
    args = []
    for name in _SYSTEM_DIRS:
        host = Path("/", name)
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    for name in _ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _private_binds(scratch: Scratch, data_dir: Path | None) -> list[tuple[str, str]]:
    """``(source, destination)`` read-only binds for everything that is not system."""
    binds = [(str(p), str(p)) for p in _python_roots() + _extra_site_roots()]
    binds += [
        (str(scratch.in_dir), str(INSIDE / "in")),
        (str(scratch.files_dir), str(INSIDE / "files")),
    ]
    if data_dir is not None:
        binds.append((str(data_dir), str(INSIDE / "data")))
    return binds


def _bwrap_argv(
    scratch: Scratch,
    limits: Limits,
    data_dir: Path | None,
    command: list[str],
    uid: int,
) -> list[str]:
    bwrap = shutil.which("bwrap")
    staged = os.geteuid() == 0
    binds = _private_binds(scratch, data_dir)
    inner = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "sandbox",
        *_system_args(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(limits.tmp_bytes),
        "--tmpfs",
        "/dev/shm",
        "--remount-ro",
        "/dev",
        "--size",
        str(limits.tmp_bytes),
        "--tmpfs",
        "/tmp",
    ]
    outer = []
    for number, (source, destination) in enumerate(binds):
        if staged:
            stage = f"/stage/{number}"
            outer += ["--ro-bind", source, stage]
            source = stage
        inner += ["--ro-bind", source, destination]
    inner += ["--size", str(limits.disk_bytes), "--tmpfs", str(INSIDE / "work")]
    inner += _hiding_args()
    inner += ["--remount-ro", "/", "--chdir", str(INSIDE / "work"), "--clearenv"]
    data = INSIDE / "data" if data_dir is not None else None
    for key, value in sandbox_environment(data_dir=data).items():
        inner += ["--setenv", key, value]
    inner += ["--", *command]
    if not staged:
        return inner
    return [
        bwrap,
        "--die-with-parent",
        "--perms",
        "0755",
        "--dir",
        "/etc",
        *_system_args(),
        "--dev-bind",
        "/proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--perms",
        "0755",
        "--dir",
        "/stage",
        *outer,
        "--cap-add",
        "CAP_SETUID",
        "--cap-add",
        "CAP_SETGID",
        "--",
        shutil.which("setpriv"),
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--no-new-privs",
        "--inh-caps=-all",
        "--",
        *inner,
    ]


def _host_uid() -> int | None:
    """A fresh unprivileged host uid for a staged sandbox (root only), else None."""
    if os.geteuid() != 0:
        return None
    return _STAGED_UID_BASE + secrets.randbelow(1 << 24)


@functools.lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """Why no sandbox can be made here, or None when it can.

    Tries the real configuration once per process (about 50 ms).
    """
    if not sys.platform.startswith("linux"):
        return "the bubblewrap sandbox needs Linux"
    if shutil.which("bwrap") is None:
        return "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv (util-linux) is needed to drop root privileges in the sandbox"
    with Scratch() as scratch:
        uid = _host_uid()
        command = [sys.executable, "-I", "-S", "-c", "import os; os.getcwd()"]
        argv = _bwrap_argv(scratch, Limits(), None, command, uid)
        try:
            done = subprocess.run(
                argv, capture_output=True, timeout=30, env={"PATH": "/usr/bin:/bin"}
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bwrap could not start a sandbox: {exc}"
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()[-500:]
        return f"bwrap could not start a sandbox: {message or done.returncode}"
    return None


class _Capture:
    """Keeps the head and the tail of a stream, dropping the middle."""

    def __init__(self, limit: int):
        self.half = max(limit // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > self.half:
            excess = len(self.tail) - self.half
            self.dropped += excess
            del self.tail[:excess]

    def text(self) -> str:
        middle = f"\n[... {self.dropped} bytes omitted ...]\n" if self.dropped else ""
        return (bytes(self.head).decode(errors="replace") + middle) + bytes(
            self.tail
        ).decode(errors="replace")


class _Head:
    """Keeps the first ``limit`` bytes of a stream."""

    def __init__(self, limit: int):
        self.limit = limit
        self.data = bytearray()

    def add(self, chunk: bytes) -> None:
        self.data += chunk[: max(self.limit - len(self.data), 0)]


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _supervise(argv, env, cwd, secret, results_r, results_w, limits: Limits):
    """Run ``argv``, feed the secret, collect bounded output until exit or timeout."""
    start = time.monotonic()
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(results_w,),
            start_new_session=True,
            cwd=cwd,
            env=env,
        )
    except BaseException:
        os.close(results_r)
        raise
    finally:
        os.close(results_w)
    try:
        process.stdin.write(secret.encode() + b"\n")
        process.stdin.close()
    except OSError:
        pass
    out, err = _Capture(limits.output_bytes), _Capture(limits.output_bytes)
    results = _Head(limits.results_bytes)
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ, out)
    selector.register(process.stderr, selectors.EVENT_READ, err)
    selector.register(results_r, selectors.EVENT_READ, results)
    deadline = start + limits.wall_seconds
    timed_out = False
    exited_at = None
    try:
        while selector.get_map():
            now = time.monotonic()
            if exited_at is None and process.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > 0.5:
                break  # something the student started still holds a pipe open
            if not timed_out and now > deadline:
                _kill_group(process.pid)
                timed_out = True
                deadline = now + 2.0  # time to drain what is left
            elif timed_out and now > deadline:
                break
            for key, _ in selector.select(timeout=0.05):
                try:
                    chunk = os.read(key.fd, 65536)
                except OSError:
                    chunk = b""
                if chunk:
                    key.data.add(chunk)
                else:
                    selector.unregister(key.fileobj)
    finally:
        selector.close()
        _kill_group(process.pid)
        process.wait()
        process.stdout.close()
        process.stderr.close()
        os.close(results_r)
    return process.returncode, timed_out, out, err, bytes(results.data), start


def _authenticated(data: bytes, secret: str) -> tuple[list, int]:
    records, ignored = [], 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            ignored += 1
            continue
        tag = record.pop("secret", None) if isinstance(record, dict) else None
        if isinstance(tag, str) and hmac.compare_digest(tag, secret):
            records.append(record)
        else:
            ignored += 1
    return records, ignored


def run_runner(
    scratch: Scratch,
    *,
    limits: Limits,
    sandboxed: bool = True,
    data_dir: str | os.PathLike | None = None,
    files=(),
) -> RunResult:
    """Run :mod:`grader.sandbox_runner` on a prepared scratch directory.

    The caller has written ``in/job.json``, ``in/inputs.npz``, ``in/runner.py`` and
    ``in/lib/`` (the ``course`` modules handed out). ``files`` are copied into
    ``files/`` the first time (see :meth:`Scratch.reset`); the runner copies them
    into its fresh working directory.

    Parameters
    ----------
    scratch : Scratch
    limits : Limits
    sandboxed : bool, default=True
        False runs the runner as a plain subprocess (only with the caller's explicit
        consent: see :func:`grader.api.grade_submission`).
    data_dir : path, optional
        A read-only data directory (MNIST) mounted at ``/sandbox/data``.

    Returns
    -------
    RunResult
    """
    uid = _host_uid() if sandboxed else None
    scratch.reset(files=files)
    data = Path(data_dir) if data_dir is not None else None
    secret = secrets.token_hex(32)
    results_r, results_w = os.pipe()
    os.set_inheritable(results_w, True)
    if sandboxed:
        inside_in = INSIDE / "in"
        command = [
            sys.executable,
            "-I",
            "-S",
            "-B",
            str(inside_in / "runner.py"),
            str(inside_in),
            str(INSIDE / "files"),
            str(results_w),
            str(inside_in / "lib"),
            *site_dirs(),
        ]
        argv = _bwrap_argv(scratch, limits, data, command, uid)
        env, cwd = {"PATH": "/usr/bin:/bin"}, scratch.root
    else:
        argv = [
            sys.executable,
            "-I",
            "-S",
            "-B",
            str(scratch.in_dir / "runner.py"),
            str(scratch.in_dir),
            str(scratch.files_dir),
            str(results_w),
            str(scratch.in_dir / "lib"),
            *site_dirs(),
        ]
        env = sandbox_environment(scratch.work_dir, scratch.work_dir, data)
        cwd = scratch.work_dir
    code, timed_out, out, err, raw, start = _supervise(
        argv, env, cwd, secret, results_r, results_w, limits
    )
    records, ignored = _authenticated(raw, secret)
    # bwrap reports a child killed by signal N as exit status 128 + N
    if code is not None and code < 0:
        code, sig = None, -code
    elif code is not None and code > 128 and sandboxed:
        code, sig = None, code - 128
    else:
        sig = None
    return RunResult(
        records=records,
        ignored_lines=ignored,
        exit_code=code,
        signal=sig,
        timed_out=timed_out,
        stdout=out.text(),
        stderr=err.text(),
        duration=time.monotonic() - start,
    )
