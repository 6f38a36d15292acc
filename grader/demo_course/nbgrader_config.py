"""nbgrader configuration of the grader's demo course (``python -m grader.demo``).

Sources in ``solutions/``, releases in ``assignments/``, the problem set ``demo0``
in ``problemsets/``; ``grader.demo.build_course`` copies this course.
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

# The grader: this course's problem sets (a package beside solutions/).
c.Grader.problem_sets = "problemsets"
