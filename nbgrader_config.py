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

# The grader (see grader/config.py): the course's problem sets, and the limits of
# every sandboxed run, whose defaults are those of grader.sandbox.Limits (README).
c.Grader.problem_sets = "problemsets"
# c.Grader.jobs = 0                    # worker processes; 0: one per core
# c.Grader.memory_bytes = 2 * 1024**3  # all processes of one submission together
# c.Grader.disk_bytes = 256 * 1024**2  # its working folder (a tmpfs)
# c.Grader.cell_seconds = 60.0         # one code cell
