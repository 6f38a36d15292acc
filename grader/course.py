"""The course folder as nbgrader lays it out: its configuration and step folders.

:func:`load_coursedir` reads ``nbgrader_config.py`` as nbgrader would; the other
functions find assignments and submissions in the step folders (``source``,
``release``, ``submitted``, ``autograded``, ``feedback``) through nbgrader's own
path format, so a course with a custom ``directory_structure`` works too.
Submission folders are untrusted: :func:`submission_link` tells when one of a
student's folders is a symbolic link, and names starting with a dot are not
students (:func:`hidden_submissions`).
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config, PyFileConfigLoader

from grader.nbgrader_internals import NBGRADER_LOG
from grader.paths import link_problem

TIMESTAMP_FILE = "timestamp.txt"
"""nbgrader's file with the submission time, in each submission folder."""


class CourseError(Exception):
    """A problem with the course folders or the gradebook that the instructor can fix.

    The message names what was expected and what was found; the command-line
    interface prints it and exits with a non-zero status.
    """


def load_coursedir(root: str | os.PathLike = ".") -> CourseDirectory:
    """The nbgrader course directory rooted at ``root``.

    Reads ``root/nbgrader_config.py`` when it exists (folder names, course id,
    database URL) exactly as nbgrader would, with ``root`` as the course root.
    """
    path = Path(root).resolve()
    if not path.is_dir():
        raise CourseError(
            f"course directory {str(root)!r} does not exist: expected a folder "
            "holding nbgrader_config.py and the solutions/ folder"
        )
    config = Config()
    if (path / "nbgrader_config.py").is_file():
        loader = PyFileConfigLoader("nbgrader_config.py", path=str(path))
        config = loader.load_config()
    config.CourseDirectory.root = str(path)
    return CourseDirectory(config=config, log=NBGRADER_LOG)


def step_dir(
    coursedir: CourseDirectory, step: str, assignment: str, student: str = "."
) -> Path:
    """The folder of ``assignment`` in an nbgrader step (``submitted``, ...).

    ``step`` is the name of the CourseDirectory attribute without ``_directory``:
    ``"source"``, ``"release"``, ``"submitted"``, ``"autograded"``, ``"feedback"``.
    """
    folder = getattr(coursedir, f"{step}_directory")
    return Path(os.path.normpath(coursedir.format_path(folder, student, assignment)))


def source_assignments(coursedir: CourseDirectory) -> list[str]:
    """Names of the assignments that have a folder in the source directory."""
    return _folder_ids(
        coursedir, coursedir.source_directory, ".", "(?P<id>[^/]+)", ".", "*"
    )


def check_assignment(coursedir: CourseDirectory, assignment: str) -> None:
    """Raise CourseError unless ``assignment`` has a folder with notebooks in source."""
    known = source_assignments(coursedir)
    source = step_dir(coursedir, "source", assignment)
    if assignment not in known:
        expected = ", ".join(known) if known else "none: the folder is empty or missing"
        raise CourseError(
            f"unknown assignment {assignment!r}: expected one of the folders in "
            f"{source.parent} ({expected})"
        )
    if not any(source.glob("*.ipynb")):
        raise CourseError(
            f"assignment {assignment!r} has no notebook: expected at least one "
            f".ipynb file in {source}"
        )


def submitted_students(coursedir: CourseDirectory, assignment: str) -> list[str]:
    """Students who have a ``submitted/<student>/<assignment>/`` folder, sorted.

    Folders whose name starts with a dot are not students
    (:func:`hidden_submissions` lists them).
    """
    return [s for s in _submitted_ids(coursedir, assignment) if not s.startswith(".")]


def hidden_submissions(coursedir: CourseDirectory, assignment: str) -> list[Path]:
    """``submitted/<name>/<assignment>/`` folders whose ``<name>`` starts with a dot."""
    return [
        step_dir(coursedir, "submitted", assignment, name)
        for name in _submitted_ids(coursedir, assignment)
        if name.startswith(".")
    ]


def _submitted_ids(coursedir: CourseDirectory, assignment: str) -> list[str]:
    """Every ``<name>`` with a ``submitted/<name>/<assignment>/``, hidden ones too."""
    found = []
    for student_glob in ("*", ".*"):  # glob's * never matches a leading dot
        found += _folder_ids(
            coursedir,
            coursedir.submitted_directory,
            "(?P<id>[^/]+)",
            re.escape(assignment),
            student_glob,
            glob.escape(assignment),
        )
    return sorted(set(found) - {".", ".."})


def submission_link(
    coursedir: CourseDirectory, assignment: str, student: str
) -> str | None:
    """Why the submission folder cannot be read (a link among its folders), or None.

    Every folder from ``submitted/<student>`` down is checked (see
    :mod:`grader.paths`); the folders above it are the instructor's.
    """
    folder = step_dir(coursedir, "submitted", assignment, student)
    top = step_dir(coursedir, "submitted", assignment, "\0").parent
    try:
        levels = len(folder.relative_to(top).parts)
    except ValueError:  # a layout without the student above the assignment
        levels = 2
    return link_problem(folder, levels)


def _folder_ids(
    coursedir: CourseDirectory,
    folder: str,
    student_re: str,
    assignment_re: str,
    student_glob: str,
    assignment_glob: str,
) -> list[str]:
    """The ``id`` group of the existing folders matching nbgrader's path layout."""
    regexp = re.compile(
        coursedir.format_path(folder, student_re, assignment_re, escape=True)
    )
    found = set()
    for path in glob.glob(coursedir.format_path(folder, student_glob, assignment_glob)):
        match = regexp.fullmatch(path)
        if match and os.path.isdir(path):
            found.add(match["id"])
    return sorted(found)
