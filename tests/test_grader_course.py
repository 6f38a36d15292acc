"""The course folder (grader.course): submitted students and linked submissions.

A course here is a folder with an ``nbgrader_config.py`` (read by
:func:`load_coursedir` as nbgrader would) and a submitted folder made by hand;
paths are built with :func:`step_dir`, so the tests hold for the configured layout.
The errors of :func:`check_assignment` and :func:`load_coursedir` are pinned in
test_grader_recording.py (``test_errors_name_what_was_expected``).
"""

import pytest

from grader.course import (
    hidden_submissions,
    load_coursedir,
    step_dir,
    submission_link,
    submitted_students,
)

A = "demo0"


@pytest.fixture
def coursedir(tmp_path):
    """A course whose submitted folder is named by its ``nbgrader_config.py``."""
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        'c.CourseDirectory.course_id = "course"\n'
        'c.CourseDirectory.submitted_directory = "handed_in"\n'
    )
    return load_coursedir(tmp_path)


def _submission(coursedir, student, assignment=A):
    folder = step_dir(coursedir, "submitted", assignment, student)
    folder.mkdir(parents=True)
    (folder / f"{assignment}.ipynb").write_text("{}")
    return folder


def test_the_config_names_the_submitted_folder(coursedir, tmp_path):
    assert step_dir(coursedir, "submitted", A, "ada") == (
        tmp_path / "handed_in" / "ada" / A
    )


def test_submitted_students_skips_dot_named_folders(coursedir):
    for student in ("bob", "ada", ".hidden", ".ipynb_checkpoints"):
        _submission(coursedir, student)
    _submission(coursedir, "cy", "other")  # another assignment only
    step_dir(coursedir, "submitted", A, "dee").parent.write_text("not a folder")
    assert submitted_students(coursedir, A) == ["ada", "bob"]
    assert submitted_students(coursedir, "other") == ["cy"]


def test_hidden_submissions_are_the_dot_named_folders(coursedir):
    assert hidden_submissions(coursedir, A) == []
    for student in ("ada", ".ipynb_checkpoints", ".hidden"):
        _submission(coursedir, student)
    assert hidden_submissions(coursedir, A) == [
        step_dir(coursedir, "submitted", A, ".hidden"),
        step_dir(coursedir, "submitted", A, ".ipynb_checkpoints"),
    ]
    assert hidden_submissions(coursedir, "other") == []


def test_submission_link_names_a_linked_student_or_assignment_folder(
    coursedir, tmp_path
):
    _submission(coursedir, "ada")
    (tmp_path / "elsewhere" / A).mkdir(parents=True)
    (tmp_path / "real_bob").mkdir()
    mallory = step_dir(coursedir, "submitted", A, "mallory").parent
    mallory.parent.mkdir(parents=True, exist_ok=True)
    mallory.symlink_to("../elsewhere", target_is_directory=True)  # student folder
    bob = step_dir(coursedir, "submitted", A, "bob")
    bob.parent.mkdir()
    bob.symlink_to(tmp_path / "real_bob", target_is_directory=True)  # assignment

    assert submission_link(coursedir, A, "ada") is None
    assert submission_link(coursedir, A, "mallory") == (
        "the submission folder handed_in/mallory is a symbolic link (to "
        "../elsewhere): a submission must be plain folders and files, so nothing "
        "in it was read"
    )
    message = submission_link(coursedir, A, "bob")
    assert message.startswith(
        f"the submission folder bob/{A} is a symbolic link (to {tmp_path / 'real_bob'})"
    )
    assert submission_link(coursedir, A, "nobody") is None  # nothing to read


def test_a_linked_submitted_folder_is_the_instructors_choice(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    (tmp_path / "storage" / "ada" / A).mkdir(parents=True)
    (tmp_path / "submitted").symlink_to("storage", target_is_directory=True)
    coursedir = load_coursedir(tmp_path)
    assert submitted_students(coursedir, A) == ["ada"]
    assert submission_link(coursedir, A, "ada") is None
