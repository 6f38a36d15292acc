"""The grader's settings, read from the course's ``nbgrader_config.py``.

They are traitlets options like nbgrader's own, in the section ``Grader``::

    c.Grader.problem_sets = "problemsets"   # the course's package of problem sets
    c.Grader.jobs = 4                       # worker processes of grader autograde
    c.Grader.memory_bytes = 4 * 1024**3     # any field of grader.sandbox.Limits
    c.Grader.cell_seconds = 120.0

``grader autograde`` takes the limits of each run from here (their defaults are
those of :class:`grader.sandbox.Limits`); a problem set's own ``LIMITS`` override
them for its assignment.
"""

from __future__ import annotations

from dataclasses import fields

from traitlets import Float, Integer, Unicode
from traitlets.config import Configurable

from grader.sandbox import Limits

__all__ = ["Grader"]

_LIMIT = "Limits.{} of every sandboxed run (see grader.sandbox.Limits)."


class Grader(Configurable):
    """Options of the ``grader`` command (``c.Grader.<option>``)."""

    problem_sets = Unicode(
        "problemsets",
        help="The folder, relative to the course root, that holds the course's "
        "problem sets: a Python package with one module per assignment "
        "(see grader.problemset).",
    ).tag(config=True)
    jobs = Integer(
        0, min=0, help="Worker processes of grader autograde; 0: one per core."
    ).tag(config=True)
    cpu_seconds = Float(Limits.cpu_seconds, help=_LIMIT.format("cpu_seconds")).tag(
        config=True
    )
    wall_seconds = Float(Limits.wall_seconds, help=_LIMIT.format("wall_seconds")).tag(
        config=True
    )
    memory_bytes = Integer(Limits.memory_bytes, help=_LIMIT.format("memory_bytes")).tag(
        config=True
    )
    processes = Integer(Limits.processes, help=_LIMIT.format("processes")).tag(
        config=True
    )
    disk_bytes = Integer(Limits.disk_bytes, help=_LIMIT.format("disk_bytes")).tag(
        config=True
    )
    file_bytes = Integer(Limits.file_bytes, help=_LIMIT.format("file_bytes")).tag(
        config=True
    )
    open_files = Integer(Limits.open_files, help=_LIMIT.format("open_files")).tag(
        config=True
    )
    tmp_bytes = Integer(Limits.tmp_bytes, help=_LIMIT.format("tmp_bytes")).tag(
        config=True
    )
    output_bytes = Integer(Limits.output_bytes, help=_LIMIT.format("output_bytes")).tag(
        config=True
    )
    case_seconds = Float(Limits.case_seconds, help=_LIMIT.format("case_seconds")).tag(
        config=True
    )
    cell_seconds = Float(Limits.cell_seconds, help=_LIMIT.format("cell_seconds")).tag(
        config=True
    )
    max_output_bytes = Integer(
        Limits.max_output_bytes, help=_LIMIT.format("max_output_bytes")
    ).tag(config=True)
    results_bytes = Integer(
        Limits.results_bytes, help=_LIMIT.format("results_bytes")
    ).tag(config=True)

    def limits(self) -> Limits:
        """The configured limits (ValueError names one that is not positive)."""
        return Limits(**{f.name: getattr(self, f.name) for f in fields(Limits)})
