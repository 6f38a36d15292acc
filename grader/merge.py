"""The autograded notebook: the released notebook with the student's answers.

nbgrader's formgrader and feedback expect ``autograded/<student>/<assignment>/``
to hold the released notebook as the grader saw it: every cell nbgrader tracks
(answer, test and locked cells) exactly once and canonical, each answer cell with
the student's answer, and the student's own extra cells where the student put
them. :func:`merge_submission` builds it from the release and whatever the student
made of the notebook (deleted, duplicated or reordered cells, broken metadata).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbgrader import utils as nbutils

from grader.course import CourseError
from grader.extract import find_notebook
from grader.notebooks import NotebookError, read_nbformat


def read_submitted_notebook(
    submission: Path, name: str, *, only: bool, functions: Iterable[str] = ()
) -> nbformat.NotebookNode | None:
    """The student's notebook ``name`` in ``submission``, or None.

    When the assignment has only one notebook (``only``) and the student renamed or
    moved it, :func:`grader.extract.find_notebook` picks the file the grader graded
    (the one defining the most graded ``functions``). A notebook that
    :func:`grader.notebooks.read_nbformat` refuses counts as missing (the grader
    gave its parts BAD_NOTEBOOK with the reason).
    """
    path = submission / f"{name}.ipynb"
    if only:
        path = find_notebook(submission, name, functions) or path
    return _read_notebook(path)


def read_release(path: Path) -> nbformat.NotebookNode:
    try:
        return read_nbformat(path)
    except NotebookError as exc:
        raise CourseError(
            f"released notebook {path} cannot be read ({exc}): expected the output "
            f"of grader release {path.parent.name}"
        ) from None


def _read_notebook(path: Path) -> nbformat.NotebookNode | None:
    try:
        return read_nbformat(path)
    except NotebookError:
        return None


def cell_grade_id(cell) -> str | None:
    meta = cell.get("metadata", {})
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    if isinstance(nbgrader, dict) and isinstance(nbgrader.get("grade_id"), str):
        return nbgrader["grade_id"]
    return None


def merge_submission(
    template: nbformat.NotebookNode, submitted: nbformat.NotebookNode | None
) -> nbformat.NotebookNode:
    """The released notebook with the student's answers and extra cells.

    Every cell of ``template`` that nbgrader tracks (it has a grade_id) appears
    once, with the template's metadata; an answer cell takes the source of the
    student's first cell with that grade_id. Cells of the student that the template
    does not track (or repeat a tracked grade_id) are kept in the student's order,
    as plain cells without nbgrader metadata and without outputs. Tracked cells
    the student deleted come back after the tracked cell that precedes them.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(template)))
    if submitted is None:
        for cell in nb.cells:
            _clear_outputs(cell)
        return nb
    tracked = {}
    for cell in nb.cells:
        grade_id = cell_grade_id(cell)
        if grade_id is not None:
            tracked[grade_id] = cell
    order = list(tracked)
    cells = []
    placed: dict[str, int] = {}
    for cell in submitted.cells:
        grade_id = cell_grade_id(cell)
        if grade_id in tracked and grade_id not in placed:
            canonical = tracked[grade_id]
            if nbutils.is_solution(canonical):
                canonical.source = _source_text(cell.get("source", ""))
            placed[grade_id] = len(cells)
            cells.append(canonical)
        else:
            cells.append(_plain_cell(cell))
    for i, grade_id in enumerate(order):
        if grade_id in placed:
            continue
        previous = [placed[g] for g in order[:i] if g in placed]
        at = max(previous) + 1 if previous else 0
        cells.insert(at, tracked[grade_id])
        placed = {g: (p + 1 if p >= at else p) for g, p in placed.items()}
        placed[grade_id] = at
    for cell in cells:
        _clear_outputs(cell)
    nb.cells = cells
    _unique_ids(nb)
    return nb


_CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _unique_ids(nb: nbformat.NotebookNode) -> None:
    """Give every cell a valid id, unique in the notebook and the same every time."""
    seen = set()
    for index, cell in enumerate(nb.cells):
        cell_id = cell.get("id")
        if (
            not isinstance(cell_id, str)
            or not _CELL_ID.match(cell_id)
            or cell_id in seen
        ):
            cell_id = f"cell-{index}"
            while cell_id in seen:
                cell_id += "x"
        cell["id"] = cell_id
        seen.add(cell_id)


def _source_text(source: str | list) -> str:
    return source if isinstance(source, str) else "".join(map(str, source))


def _plain_cell(cell) -> nbformat.NotebookNode:
    source = _source_text(cell.get("source", ""))
    if cell["cell_type"] == "code":
        plain = nbformat.v4.new_code_cell(source)
    elif cell["cell_type"] == "markdown":
        plain = nbformat.v4.new_markdown_cell(source)
    else:
        plain = nbformat.v4.new_raw_cell(source)
    plain["id"] = cell.get("id")  # the student's, when it is valid (_unique_ids)
    return plain


def _clear_outputs(cell) -> None:
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
