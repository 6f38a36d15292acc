"""Runs one student's code inside the grading sandbox (plain Python, no IPython).

This file is copied into each sandbox and started as

    python -I -S -B runner.py IN_DIR FILES_DIR RESULTS_FD LIB_DIR [SITE_DIR ...]

with the per-run secret as the only line on standard input, in its working
directory (inside the sandbox a size-limited tmpfs). It needs nothing but the
standard library and numpy, and it holds no expected answers: it only produces the
student's outputs. Steps:

1. read the secret, copy the student's files (``FILES_DIR``) into the working
   directory, lower the resource limits (CPU time, address space, processes, file
   size, core dumps, open files) for itself and everything it starts;
2. execute the student's code cells (``IN_DIR/job.json``) one by one in one
   namespace, each in try/except under a wall-clock alarm, as a kernel would;
3. call each graded function on each case's hidden inputs (``IN_DIR/inputs.npz``,
   loaded with ``allow_pickle=False``) under a per-case alarm, convert what it
   returns into real numeric arrays (:func:`to_numeric`) and say which arguments
   the call changed in place (:func:`changed_arguments`);
4. report progress as JSON lines on the inherited pipe ``RESULTS_FD``, each tagged
   with the secret; a case's outputs travel in its record as ``.npy`` bytes
   (base64), so nothing the sandbox writes outlives it.

Everything after step 1 is untrusted: student code shares the process and may break
anything here. That is harmless: the trusted side accepts only records tagged with the
secret, reads at most a bounded amount of them, and decides pass or fail itself by
comparing with reference outputs that never enter the sandbox. The worst a student can
do to this runner is lose their own points.

The codecs (:func:`encode_args`, :func:`decode_args`, :func:`output_spec`,
:func:`to_numeric`, :func:`fingerprint`, :func:`changed_arguments`) are also imported
by the trusted side, so both ends agree on them.
"""

from __future__ import annotations

import base64
import builtins
import errno
import functools
import io
import json
import linecache
import math
import os
import shutil
import signal
import sys
import traceback

LEAF = 0
"""Output structure of a single array (see :func:`output_spec`)."""

NUMERIC_KINDS = "biuf"
"""numpy dtype kinds accepted as outputs: bool, signed, unsigned, floating."""

DISK_ERRORS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
"""``OSError`` numbers that mean a disk limit was reached (status ``disk``)."""


class BadOutput(ValueError):
    """A returned value that cannot be turned into numeric arrays."""


# ----------------------------------------------------------------------------------
# Codecs shared with the trusted side
# ----------------------------------------------------------------------------------


def output_spec(value):
    """The structure of a reference output: ``LEAF`` or a list of structures.

    A tuple or list stands for several outputs (one entry each); anything else is a
    single array-like output.
    """
    if isinstance(value, (tuple, list)):
        return [output_spec(item) for item in value]
    return LEAF


def to_numeric(value, spec, *, max_bytes: int | None = None) -> list:
    """Flatten ``value`` along ``spec`` into a list of plain numeric ndarrays.

    Parameters
    ----------
    value : object
        What a function returned.
    spec : int or list
        :data:`LEAF` (one array-like) or a list of structures (a sequence of that
        length).
    max_bytes : int, optional
        Largest accepted array.

    Returns
    -------
    list of ndarray
        Base-class, C-ordered copies with a bool, integer or floating dtype.

    Raises
    ------
    BadOutput
        When the value is not numbers (an object, strings, ragged lists, a sequence
        of the wrong length) or is too large.
    """
    import numpy as np

    if spec == LEAF:
        try:
            array = np.asarray(value)
        except Exception as exc:
            raise BadOutput(
                f"returned an object of type {type(value).__name__} that is not a "
                f"number or an array of numbers ({type(exc).__name__})"
            ) from None
        if array.dtype.kind not in NUMERIC_KINDS:
            raise BadOutput(
                f"returned an object of type {type(value).__name__} where a number or "
                f"a numeric numpy array was expected"
            )
        if max_bytes is not None and array.nbytes > max_bytes:
            raise BadOutput(f"returned an array of {array.nbytes} bytes, too large")
        return [np.array(array, dtype=array.dtype, order="C", copy=True, subok=False)]
    if not isinstance(value, (tuple, list)) or len(value) != len(spec):
        raise BadOutput(
            f"returned an object of type {type(value).__name__} where a tuple of "
            f"{len(spec)} values was expected"
        )
    leaves = []
    for item, item_spec in zip(value, spec, strict=True):
        leaves.extend(to_numeric(item, item_spec, max_bytes=max_bytes))
    return leaves


def encode_args(value, arrays: dict) -> object:
    """Encode arguments as JSON, moving every numpy array or scalar into ``arrays``.

    ``arrays`` is later saved with ``numpy.savez``; the JSON tree names its keys.
    Supported: numeric arrays and numpy scalars, ``None``, bool, int, float, str, and
    lists, tuples and string-keyed dicts of these.
    """
    import numpy as np

    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in NUMERIC_KINDS + "c":
            raise TypeError(f"cannot pass an array of dtype {array.dtype} to a student")
        key = f"a{len(arrays)}"
        arrays[key] = array
        return {"$scalar" if isinstance(value, np.generic) else "$array": key}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"$tuple": [encode_args(item, arrays) for item in value]}
    if isinstance(value, list):
        return [encode_args(item, arrays) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {
            "$dict": [[key, encode_args(item, arrays)] for key, item in value.items()]
        }
    raise TypeError(f"cannot pass a {type(value).__name__} to a student function")


def decode_args(tree, arrays) -> object:
    """Inverse of :func:`encode_args`; every array is a fresh, writable copy."""
    if isinstance(tree, list):
        return [decode_args(item, arrays) for item in tree]
    if isinstance(tree, dict):
        if "$array" in tree:
            return arrays[tree["$array"]].copy()
        if "$scalar" in tree:
            return arrays[tree["$scalar"]][()]
        if "$tuple" in tree:
            return tuple(decode_args(item, arrays) for item in tree["$tuple"])
        return {key: decode_args(item, arrays) for key, item in tree["$dict"]}
    return tree


def fingerprint(value) -> str:
    """A digest of a value's exact content: structure, types, dtypes, shapes, bytes.

    Values that :func:`encode_args` encodes alike and whose arrays hold the same bytes
    share a fingerprint. A value that can no longer be encoded (an item replaced by
    some other object, a list that contains itself) gets one that matches nothing.
    """
    import hashlib

    import numpy as np

    arrays: dict = {}
    try:
        tree = encode_args(value, arrays)
    except (TypeError, ValueError, RecursionError):
        return "unencodable"
    digest = hashlib.sha256(json.dumps(tree).encode())
    for array in arrays.values():  # in the order the tree names them
        array = np.ascontiguousarray(array)
        digest.update(f"|{array.dtype.str}{array.shape}|".encode())
        digest.update(array.reshape(-1).view(np.uint8))
    return digest.hexdigest()


def parameter_names(function, count: int) -> list:
    """Names of a function's first ``count`` positional parameters (None if unknown)."""
    import inspect

    names = [None] * count
    try:
        parameters = inspect.signature(function).parameters.values()
    except Exception:
        return names
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p.name for p in parameters if p.kind in kinds]
    names[: len(positional)] = positional[:count]
    return names


def changed_arguments(function, args, before: list) -> list:
    """``[[position, name], ...]`` of the arguments a call changed in place.

    ``before`` holds the :func:`fingerprint` of each argument taken before the call;
    ``name`` is the parameter's name in ``function``'s signature, or None.
    """
    changed = [
        position
        for position, (arg, earlier) in enumerate(zip(args, before, strict=True))
        if fingerprint(arg) != earlier
    ]
    if not changed:
        return []
    names = parameter_names(function, len(args))
    return [[position, names[position]] for position in changed]


# ----------------------------------------------------------------------------------
# The runner
# ----------------------------------------------------------------------------------


class _Timeout(BaseException):
    """Raised by the alarm when a cell or a case runs out of time."""


_ARMED = [False]


def _on_alarm(signum, frame):
    if _ARMED[0]:
        raise _Timeout()


class Failure(str):
    """What went wrong (``"ValueError: ..."``), with ``where`` in the student's code."""

    where: str | None = None


def _describe(exc: BaseException) -> Failure:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    failure = Failure(text[:1000])
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith("<cell "):  # the innermost student frame
            failure.where = f"{frame.filename[1:-1]}, line {frame.lineno}"
            break
    return failure


def _limited(func, seconds: float):
    """Run ``func()`` under a wall-clock alarm; return ``(status, value_or_detail)``.

    The alarm repeats every 50 ms after it first fires, so code that swallows one
    timeout is interrupted again; code that blocks the alarm altogether is stopped by
    the CPU limit or by the parent's wall-clock kill instead.
    """
    signal.signal(signal.SIGALRM, _on_alarm)
    try:
        try:
            _ARMED[0] = True
            signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
            try:
                return "ok", func()
            except _Timeout:
                raise
            except MemoryError:
                return "memory", "MemoryError"
            except BadOutput as exc:
                return "bad_output", str(exc)[:300]
            except OSError as exc:
                status = "disk" if exc.errno in DISK_ERRORS else "error"
                return status, _describe(exc)
            except BaseException as exc:
                return "error", _describe(exc)
        finally:
            _ARMED[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
    except _Timeout:
        return "timeout", None
    except MemoryError:
        return "memory", "MemoryError"
    except BaseException:
        return "error", "an exception that could not be described"


def _apply_limits(limits: dict) -> None:
    import resource

    def lower(which, soft, hard):
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
        resource.setrlimit(which, (min(soft, hard), hard))

    cpu = math.ceil(limits["cpu_seconds"])
    memory = limits["process_memory_bytes"]
    lower(resource.RLIMIT_CPU, cpu, cpu + 1)
    lower(resource.RLIMIT_AS, memory, memory)
    lower(resource.RLIMIT_FSIZE, limits["file_bytes"], limits["file_bytes"])
    lower(resource.RLIMIT_NPROC, limits["processes"], limits["processes"])
    lower(resource.RLIMIT_NOFILE, limits["open_files"], limits["open_files"])
    lower(resource.RLIMIT_CORE, 0, 0)


class _Channel:
    """JSON lines on the results pipe, each tagged with the run's secret."""

    def __init__(self, fd: int, secret: str):
        self.fd = fd
        self.secret = secret

    def emit(self, event: str, **fields) -> None:
        data = (
            json.dumps({"secret": self.secret, "event": event, **fields}) + "\n"
        ).encode()
        try:
            while data:
                data = data[os.write(self.fd, data) :]
        except OSError:
            pass  # the student closed or broke the pipe: their results are lost


def _run_cell(source: str, filename: str, namespace: dict) -> None:
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def encode_output(array) -> str:
    """One output array as the text that travels in a record: base64 of ``.npy``."""
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _call_case(function, args, spec, max_bytes: int) -> tuple[list[str], list]:
    before = [fingerprint(arg) for arg in args]
    value = function(*args)
    leaves = to_numeric(value, spec, max_bytes=max_bytes)
    outputs = [encode_output(leaf) for leaf in leaves]
    return outputs, changed_arguments(function, args, before)


def _flush_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _seed_matplotlib_cache(source: str) -> None:
    """Copy the font list the grader provided, sparing matplotlib a rebuild."""
    target = os.environ.get("MPLCONFIGDIR")
    if not target or not os.path.isdir(source):
        return
    os.makedirs(target, exist_ok=True)
    for name in os.listdir(source):
        with open(os.path.join(source, name), "rb") as src:
            with open(os.path.join(target, name), "wb") as dst:
                dst.write(src.read())


def _copy_files(source: str) -> None:
    """The student's own files into the working directory (as far as they fit)."""
    if os.path.isdir(source):
        try:
            shutil.copytree(source, ".", dirs_exist_ok=True)
        except (OSError, shutil.Error):
            pass  # the working directory is full: what was copied stays


def main(argv: list[str]) -> None:
    in_dir, files_dir, results_fd, lib_dir = argv[1], argv[2], int(argv[3]), argv[4]
    secret = sys.stdin.buffer.readline().decode("ascii", "replace").strip()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    _copy_files(files_dir)
    # A file over RLIMIT_FSIZE is an OSError (EFBIG) for the code, not a kill.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    with open(os.path.join(in_dir, "job.json"), encoding="utf-8") as handle:
        job = json.load(handle)
    limits = job["limits"]
    _apply_limits(limits)
    sys.path.insert(0, lib_dir)
    sys.path.extend(argv[5:])
    sys.argv = ["notebook"]
    _seed_matplotlib_cache(os.path.join(in_dir, "matplotlib"))
    import site

    site.setquit()  # ``exit()`` and ``quit()``, as in a kernel
    import numpy as np

    channel = _Channel(results_fd, secret)
    main_pid = os.getpid()
    channel.emit("start", pid=main_pid)
    inputs = np.load(os.path.join(in_dir, "inputs.npz"), allow_pickle=False)
    namespace = {"__name__": "__main__", "__builtins__": builtins, "__doc__": None}

    for cell in job["cells"]:
        channel.emit("cell_start", cell=cell["index"])
        run = functools.partial(
            _run_cell, cell["source"], f"<cell {cell['index'] + 1}>", namespace
        )
        status, detail = _limited(run, limits["cell_seconds"])
        if os.getpid() != main_pid:  # a process the student forked came back here
            os._exit(0)
        _flush_stdio()
        where = getattr(detail, "where", None)
        channel.emit(
            "cell_end", cell=cell["index"], status=status, detail=detail, where=where
        )

    for part in job["parts"]:
        grade_id = part["grade_id"]
        function = namespace.get(part["function"])
        if function is None or not callable(function):
            missing = "missing" if function is None else "not_callable"
            channel.emit("part_missing", part=grade_id, status=missing)
            continue
        for case in part["cases"]:
            channel.emit("case_start", part=grade_id, case=case["name"])
            args = decode_args(case["args"], inputs)
            call = functools.partial(
                _call_case, function, args, case["spec"], limits["max_output_bytes"]
            )
            status, detail = _limited(call, limits["case_seconds"])
            if os.getpid() != main_pid:
                os._exit(0)
            outputs, changed = [], []
            if status == "ok":
                (outputs, changed), detail = detail, None
            _flush_stdio()
            channel.emit(
                "case_end",
                part=grade_id,
                case=case["name"],
                status=status,
                detail=detail,
                where=getattr(detail, "where", None),
                outputs=outputs,
                changed=changed,
            )
            if status != "ok":
                break  # a part is all or nothing: its remaining cases cannot help
    channel.emit("done")
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
