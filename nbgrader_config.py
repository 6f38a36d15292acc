"""nbgrader configuration for this course (read by ``nbgrader`` and ``grader``).

The instructor versions of the problem sets live in ``solutions/`` and the student
versions that ``nbgrader generate_assignment psN`` builds land in ``assignments/``.
The runtime folders (``submitted/``, ``autograded/``, ``feedback/``) and
``gradebook.db`` are created beside this file and ignored by git.
"""

c = get_config()  # noqa: F821 (injected by traitlets when it loads this file)

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"

# Feedback shows each test cell's result, never the hidden tests inside it.
c.GenerateFeedback.preprocessors = [
    "grader.feedback.ClearHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
