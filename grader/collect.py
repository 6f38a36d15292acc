"""Collect submissions from a folder or an LMS zip into nbgrader's ``submitted/``.

Accepted layouts (in a folder or inside a zip, optionally wrapped in one top-level
folder):

* one folder per student: ``alice/ps1.ipynb`` or nbgrader's own
  ``alice/ps1/ps1.ipynb``;
* LMS file names, as Canvas writes them: ``lastnamefirstname_12345_67890_ps1.ipynb``
  or ``lastnamefirstname_LATE_12345_67890_ps1-1.ipynb`` (login, user id,
  submission id, then the student's file name, with ``-N`` added by the LMS for
  a resubmission);
* one notebook per student: ``alice.ipynb``.

Each student's files land in ``submitted/<student>/<assignment>/`` with nbgrader's
``timestamp.txt`` (the newest modification time of the student's files, in UTC; a
zip stores times without a zone and they are read as UTC). The student id is the
folder name, the LMS login or the notebook's stem, reduced to letters, digits,
``.``, ``_`` and ``-``. When two LMS user ids share a login, the user id is added to
the student id of both. Submissions are untrusted: paths that leave the target
folder, links, hidden files and files above nbgrader's ``max_file_size`` are
skipped and listed.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from nbgrader.coursedir import CourseDirectory

from grader.course import TIMESTAMP_FILE, CourseError, check_assignment, step_dir

_LMS_NAME = re.compile(
    r"^(?P<login>[A-Za-z0-9.-]+?)_(?:(?P<late>LATE)_)?(?P<user>\d+)_(?P<sub>\d+)_"
    r"(?P<file>.+)$"
)
_RESUBMISSION = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SKIPPED_DIRS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's, with an aware UTC time


@dataclass(frozen=True)
class _Entry:
    """One file of the source: its path inside the source, size and time."""

    parts: tuple[str, ...]
    size: int
    mtime: dt.datetime
    read: Callable[[], bytes]


class _Target(NamedTuple):
    """Where an entry goes: student, file name in the submission, LMS user id, and
    the LMS resubmission number (a later one wins a tie on time)."""

    student: str
    name: str
    user: str = ""
    rank: int = 0


@dataclass
class CollectSummary:
    """What :func:`collect` did: files per student, and what it skipped and why."""

    students: dict[str, list[str]] = field(default_factory=dict)
    replaced: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def collect(
    coursedir: CourseDirectory, assignment: str, source: str | Path
) -> CollectSummary:
    """Copy every student's files from ``source`` into ``submitted/``.

    Parameters
    ----------
    coursedir : CourseDirectory
        The course.
    assignment : str
        The assignment the files belong to (a folder of the source directory).
    source : str or Path
        A folder, or a ``.zip`` file, in one of the layouts the module describes.

    Returns
    -------
    CollectSummary
        Student ids with their file names, students whose earlier submission was
        replaced, and skipped files with the reason.
    """
    check_assignment(coursedir, assignment)
    source = Path(source)
    notebooks = {
        p.stem for p in step_dir(coursedir, "source", assignment).glob("*.ipynb")
    }
    max_bytes = coursedir.max_file_size * 1000
    summary = CollectSummary()
    if source.is_dir():
        entries = list(_folder_entries(source, summary))
    elif source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            entries = list(_zip_entries(archive, summary))
            files = _assign(entries, assignment, notebooks, max_bytes, summary)
            _write(coursedir, assignment, files, summary)
        return summary
    else:
        raise CourseError(
            f"submission source {str(source)!r} is neither a folder nor a zip "
            "file: expected a folder of submissions or an LMS download (.zip)"
        )
    files = _assign(entries, assignment, notebooks, max_bytes, summary)
    _write(coursedir, assignment, files, summary)
    return summary


def _folder_entries(root: Path, summary: CollectSummary) -> Iterator[_Entry]:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).parts
        if path.is_symlink():
            summary.skipped.append(("/".join(rel), "a link"))
        elif path.is_file():
            info = path.stat()
            mtime = dt.datetime.fromtimestamp(info.st_mtime, dt.timezone.utc)
            yield _Entry(rel, info.st_size, mtime, _file_reader(path, info.st_size))


def _file_reader(path: Path, size: int) -> Callable[[], bytes]:
    def read() -> bytes:
        with path.open("rb") as fh:
            return fh.read(size)

    return read


def _zip_entries(archive: zipfile.ZipFile, summary: CollectSummary) -> Iterator[_Entry]:
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = info.filename.replace("\\", "/")
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
            summary.skipped.append((name, "a path outside the submission folder"))
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            summary.skipped.append((name, "a link"))
            continue
        mtime = dt.datetime(*info.date_time, tzinfo=dt.timezone.utc)
        yield _Entry(path.parts, info.file_size, mtime, _zip_reader(archive, info))


def _zip_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], bytes]:
    def read() -> bytes:
        with archive.open(info) as fh:
            return fh.read()

    return read


def _assign(
    entries: list[_Entry],
    assignment: str,
    notebooks: set[str],
    max_bytes: int,
    summary: CollectSummary,
) -> dict[str, dict[str, _Entry]]:
    """Map each entry to (student, file name); the newest entry wins a name."""
    kept = []
    for entry in entries:
        shown = "/".join(entry.parts)
        if any(p.startswith(".") or p in _SKIPPED_DIRS for p in entry.parts):
            summary.skipped.append((shown, "a hidden or system file"))
        elif entry.size > max_bytes:
            summary.skipped.append((shown, f"larger than {max_bytes} bytes"))
        else:
            kept.append(entry)
    kept = _unwrap(kept, assignment)
    placed = []
    for entry in kept:
        target = _target(entry.parts, assignment, notebooks)
        if target is None:
            summary.skipped.append(
                ("/".join(entry.parts), "matches no submission layout")
            )
        else:
            placed.append((target, entry))
    files: dict[str, dict[str, _Entry]] = {}
    for target, entry in sorted(
        _disambiguate(placed), key=lambda item: (item[1].mtime, item[0].rank)
    ):
        if target.name == TIMESTAMP_FILE:
            summary.skipped.append(("/".join(entry.parts), "nbgrader writes this"))
        else:
            files.setdefault(target.student, {})[target.name] = entry
    return files


def _unwrap(entries: list[_Entry], assignment: str) -> list[_Entry]:
    """Drop one top-level folder that wraps every entry, unless it is a student's."""
    tops = {e.parts[0] for e in entries}
    if len(tops) != 1 or any(len(e.parts) < 2 for e in entries):
        return entries
    inner = [_Entry(e.parts[1:], e.size, e.mtime, e.read) for e in entries]
    nested = any(len(e.parts) > 1 and e.parts[0] != assignment for e in inner)
    lms = any(len(e.parts) == 1 and _LMS_NAME.match(e.parts[0]) for e in inner)
    return inner if nested or lms else entries


def _target(
    parts: tuple[str, ...], assignment: str, notebooks: set[str]
) -> _Target | None:
    if len(parts) == 1:
        match = _LMS_NAME.match(parts[0])
        if match:
            name, rank = _strip_resubmission(match["file"], notebooks)
            return _Target(_student(match["login"]), name, match["user"], rank)
        if parts[0].endswith(".ipynb"):
            stem = parts[0][: -len(".ipynb")]
            only = next(iter(notebooks)) if len(notebooks) == 1 else None
            if only is not None and stem != only:
                return _Target(_student(stem), f"{only}.ipynb")
        return None
    inner = parts[2:] if len(parts) > 2 and parts[1] == assignment else parts[1:]
    if any(p in ("", ".") for p in inner):
        return None
    return _Target(_student(parts[0]), "/".join(inner))


def _strip_resubmission(name: str, notebooks: set[str]) -> tuple[str, int]:
    stem, dot, ext = name.rpartition(".")
    match = _RESUBMISSION.match(stem) if dot else None
    if match and match["stem"] in notebooks:
        return f"{match['stem']}.{ext}", int(match["n"])
    return name, 0


def _student(raw: str) -> str:
    student = _UNSAFE.sub("_", raw).strip("._-")
    return student or "unnamed"


def _disambiguate(
    placed: list[tuple[_Target, _Entry]],
) -> list[tuple[_Target, _Entry]]:
    """Give students who share a login but not an LMS user id distinct ids."""
    users: dict[str, set[str]] = {}
    for target, _ in placed:
        if target.user:
            users.setdefault(target.student, set()).add(target.user)
    clash = {s for s, ids in users.items() if len(ids) > 1}
    return [
        (
            target._replace(student=f"{target.student}_{target.user}")
            if target.student in clash
            else target,
            entry,
        )
        for target, entry in placed
    ]


def _write(
    coursedir: CourseDirectory,
    assignment: str,
    files: dict[str, dict[str, _Entry]],
    summary: CollectSummary,
) -> None:
    for student in sorted(files):
        dest = step_dir(coursedir, "submitted", assignment, student)
        if dest.exists():
            shutil.rmtree(dest)
            summary.replaced.append(student)
        dest.mkdir(parents=True)
        newest = max(e.mtime for e in files[student].values())
        written = []
        for name, entry in sorted(files[student].items()):
            try:
                data = entry.read()
            except (OSError, zipfile.BadZipFile, EOFError) as exc:
                summary.skipped.append(("/".join(entry.parts), f"unreadable: {exc}"))
                continue
            target = dest.joinpath(*name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.append(name)
        stamp = newest.strftime(_TIMESTAMP_FORMAT)
        (dest / TIMESTAMP_FILE).write_text(stamp + "\n", encoding="utf-8")
        summary.students[student] = sorted(written)
