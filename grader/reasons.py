"""The one vocabulary of outcomes: why a graded part got the points it got.

Every part of every submission ends with one :class:`Reason`: a verdict of the
grader (``OK`` to ``BAD_SUBMISSION``), ``UNGRADED`` when the grader itself could not
score it, or, in exports and reports, what the gradebook says of a part the grader
did not score (``MANUAL``, ``NEEDS_GRADING``, ``NO_ANSWER``, ``NBGRADER``,
``NO_SUBMISSION``). Each has a label in words a student understands and says
whether it counts as a failure (in the class report's table of failure reasons).
The members are strings, so they compare equal to their names and are stored as
such in ``grader-result.json``, CSV and JSON.
"""

from __future__ import annotations

import enum

__all__ = ["Reason"]


class Reason(str, enum.Enum):
    """Machine-readable outcome of one graded part, with ``label`` and ``failure``."""

    label: str
    failure: bool

    def __new__(cls, value: str, label: str, failure: bool):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.failure = failure
        return member

    # verdicts of the grader
    OK = ("OK", "passed", False)
    WRONG = ("WRONG", "wrong result", True)
    ERROR = ("ERROR", "raised an error", True)
    TIMEOUT = ("TIMEOUT", "ran out of time", True)
    MEMORY = ("MEMORY", "ran out of memory", True)
    DISK = ("DISK", "ran out of disk space", True)
    CRASH = ("CRASH", "crashed", True)
    MISSING_FUNCTION = ("MISSING_FUNCTION", "function not found", True)
    IMPORTS_REFERENCE = ("IMPORTS_REFERENCE", "calls the course library", True)
    BAD_NOTEBOOK = ("BAD_NOTEBOOK", "notebook unreadable", True)
    MISSING_NOTEBOOK = ("MISSING_NOTEBOOK", "notebook missing", True)
    BAD_SUBMISSION = ("BAD_SUBMISSION", "submission refused", True)
    # the grader failed on the submission: a person grades it in formgrader
    UNGRADED = ("UNGRADED", "to be graded by hand", True)
    # what the gradebook says of parts the grader did not score
    MANUAL = ("MANUAL", "graded by hand", False)
    NEEDS_GRADING = ("NEEDS_GRADING", "not graded yet", False)
    NO_ANSWER = ("NO_ANSWER", "no answer", True)
    NBGRADER = ("NBGRADER", "graded by nbgrader", False)
    NO_SUBMISSION = ("NO_SUBMISSION", "nothing submitted", False)

    def __str__(self) -> str:
        return self.value

    @classmethod
    def label_of(cls, name: str) -> str:
        """The label of a reason given by name; the name itself when unknown."""
        try:
            return cls(name).label
        except ValueError:
            return name
