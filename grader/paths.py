"""Paths into untrusted submission folders, checked component by component.

A submission arrives as files that a student chose, and an archive unpacked
with plain ``unzip`` keeps symbolic links: a student folder or an assignment
folder may itself be a link, to the solutions or to another student's work.
Checking only the last component of a path (``O_NOFOLLOW``) misses that, so every
component that belongs to the submission is checked here with ``lstat``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["first_link", "link_problem"]


def first_link(path: str | os.PathLike, levels: int) -> Path | None:
    """The outermost of the last ``levels`` components of ``path`` that is a link.

    ``first_link("submitted/alice/ps3", 2)`` checks ``submitted/alice`` and then
    ``submitted/alice/ps3``; the components above them (the instructor's folders)
    are not checked. Returns None when none of them is a symbolic link (or when
    the path does not exist).
    """
    path = Path(os.path.abspath(path))
    chain = [path, *path.parents][:levels]
    for component in reversed(chain):
        try:
            info = os.lstat(component)
        except OSError:
            return None
        if stat.S_ISLNK(info.st_mode):
            return component
    return None


def link_problem(path: str | os.PathLike, levels: int, shown: int = 2) -> str | None:
    """Why ``path`` cannot be read as a submission (see :func:`first_link`), or None.

    The message names the link by its last ``shown`` components and where it
    points, e.g. "the submission folder alice/ps3 is a symbolic link (to
    ../../solutions/ps3): a submission must be plain folders and files".
    """
    link = first_link(path, levels)
    if link is None:
        return None
    name = "/".join(link.parts[-shown:])
    try:
        target = os.readlink(link)
    except OSError:
        target = "?"
    kind = "folder" if link.is_dir() else "file"
    return (
        f"the submission {kind} {name} is a symbolic link (to {target}): a "
        f"submission must be plain folders and files, so nothing in it was read"
    )
