"""Links in untrusted submission paths (grader.paths), found component by component.

:func:`first_link` checks the last ``levels`` components of a path with ``lstat``
(outermost first) and nothing above them; :func:`link_problem` says which link it
found and where it points.
"""

import os

import pytest

from grader.paths import first_link, link_problem

PARTS = ("submitted", "alice", "ps3")  # the last two are the submission's
LEVELS = 2


def _tree_with_link(root, linked):
    """``root/submitted/alice/ps3`` with the component at index ``linked`` a link.

    The link points (by a relative path) to ``root/target``, which holds the rest
    of the tree, so that the whole path exists through it. Returns (path, link,
    the link's target as written).
    """
    target = root / "target"
    target.joinpath(*PARTS[linked + 1 :]).mkdir(parents=True)
    link = root.joinpath(*PARTS[: linked + 1])
    link.parent.mkdir(parents=True, exist_ok=True)
    written = os.path.relpath(target, link.parent)
    link.symlink_to(written, target_is_directory=True)
    return root.joinpath(*PARTS), link, written


def test_a_plain_path_has_no_link(tmp_path):
    path = tmp_path.joinpath(*PARTS)
    path.mkdir(parents=True)
    (path / "ps3.ipynb").write_text("{}")
    assert first_link(path, LEVELS) is None
    assert first_link(path / "ps3.ipynb", LEVELS + 1) is None
    assert link_problem(path, LEVELS) is None


def test_a_missing_path_has_no_link(tmp_path):
    assert first_link(tmp_path / "nowhere" / "ps3", LEVELS) is None
    assert link_problem(tmp_path / "nowhere" / "ps3", LEVELS) is None


@pytest.mark.parametrize(("linked", "name"), [(1, "submitted/alice"), (2, "alice/ps3")])
def test_a_link_among_the_last_levels_is_found_and_named(tmp_path, linked, name):
    path, link, target = _tree_with_link(tmp_path, linked)
    assert first_link(path, LEVELS) == link
    assert first_link(str(path), LEVELS) == link  # a string path too
    message = link_problem(path, LEVELS)
    assert message == (
        f"the submission folder {name} is a symbolic link (to {target}): a "
        "submission must be plain folders and files, so nothing in it was read"
    )


def test_a_link_above_the_last_levels_is_not_checked(tmp_path):
    path, link, _ = _tree_with_link(tmp_path, 0)  # submitted/: the instructor's
    assert link.is_symlink() and path.is_dir()
    assert first_link(path, LEVELS) is None
    assert link_problem(path, LEVELS) is None
    assert first_link(path, LEVELS + 1) == link  # found once it is in range


def test_the_outermost_link_is_the_one_named(tmp_path):
    path, alice, _ = _tree_with_link(tmp_path, 1)  # alice -> target/
    (tmp_path / "other").mkdir()
    inner = tmp_path / "target" / "ps3"
    inner.rmdir()
    inner.symlink_to(tmp_path / "other", target_is_directory=True)
    assert first_link(path, LEVELS) == alice


def test_a_linked_file_is_named_with_what_it_points_to(tmp_path):
    folder = tmp_path.joinpath(*PARTS)
    folder.mkdir(parents=True)
    notebook = folder / "ps3.ipynb"
    notebook.symlink_to("/etc/passwd")
    assert first_link(notebook, LEVELS + 1) == notebook
    message = link_problem(notebook, LEVELS + 1, shown=3)
    assert message.startswith(
        "the submission file alice/ps3/ps3.ipynb is a symbolic link (to /etc/passwd)"
    )
