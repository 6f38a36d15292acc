"""The one reader of notebook files, for the submissions and the course's own notebooks.

A notebook is read as data: opened without following a symbolic link, at most
:data:`MAX_NOTEBOOK_BYTES` read, its JSON counted (at most :data:`MAX_JSON_VALUES`
values) before it is decoded, never executed and never validated by code that could
be slow on hostile input. It tolerates what students' notebooks are made of:

- a UTF-8 byte order mark;
- nbformat 3 (cells in ``worksheets``, code in ``input``, heading cells), turned
  into the nbformat 4 shape;
- sources as one string or as a list of lines;
- cells that are not cells (dropped), missing or malformed metadata (made empty).

:func:`read_cells` gives the cells as plain dicts (what the grader reads the
student's code from); :func:`read_nbformat` gives an :class:`nbformat.NotebookNode`
(what the autograded notebook, the release and the export are built from). Both
raise :class:`NotebookError` with a message that says what is wrong.
"""

from __future__ import annotations

import json
import os
import re
import stat
from typing import Any

import nbformat

__all__ = [
    "MAX_NOTEBOOK_BYTES",
    "MAX_JSON_VALUES",
    "NotebookError",
    "read_bytes",
    "read_cells",
    "read_nbformat",
]

MAX_NOTEBOOK_BYTES = 32 * 1024**2
MAX_JSON_VALUES = 200_000
_CELL_TYPES = ("code", "markdown", "raw")
_JSON_STRING = re.compile(rb'"[^"]*"')


class NotebookError(Exception):
    """The file is not a notebook that can be read (reason BAD_NOTEBOOK)."""


def read_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file that is not a link, at most MAX_NOTEBOOK_BYTES."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise NotebookError(f"the notebook cannot be opened ({exc.strerror})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise NotebookError("the notebook is not a regular file")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(
                f"the notebook is {info.st_size} bytes, more than the "
                f"{MAX_NOTEBOOK_BYTES} accepted"
            )
        data = handle.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:  # the file grew while it was read
        raise NotebookError(
            f"the notebook is more than the {MAX_NOTEBOOK_BYTES} bytes accepted"
        )
    return data


def _json_values(data: bytes) -> int:
    """How many values the JSON document ``data`` holds, about.

    Every array element and object member but the first follows a comma, the first
    an opening bracket; those are counted, at C speed. When that raw count is over
    :data:`MAX_JSON_VALUES` the count is redone outside strings (escapes taken out
    first), where long text outputs hold commas and brackets that are no values.
    """
    raw = data.count(b",") + data.count(b"[") + data.count(b"{")
    if raw <= MAX_JSON_VALUES:
        return raw
    unescaped = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    strings = unescaped.count(b'"') // 2
    if strings > 2 * MAX_JSON_VALUES:  # keys and values: at most two per value
        return strings // 2
    outside = _JSON_STRING.sub(b"", unescaped)
    return outside.count(b",") + outside.count(b"[") + outside.count(b"{")


def _load_json(data: bytes) -> dict:
    values = _json_values(data)
    if values > MAX_JSON_VALUES:
        raise NotebookError(
            f"the notebook's JSON holds {values} values, more than the "
            f"{MAX_JSON_VALUES} accepted (clearing its outputs makes it smaller)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotebookError("the notebook is not UTF-8 text") from None
    if not text or text.isspace():
        raise NotebookError("the notebook file is empty")
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"the notebook is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg})"
        ) from None
    except (ValueError, RecursionError):
        raise NotebookError("the notebook is not valid JSON") from None
    if not isinstance(notebook, dict):
        raise NotebookError(
            f"the notebook is not a JSON object (it is a {type(notebook).__name__})"
        )
    return notebook


def _source(value: Any) -> str | None:
    """A cell's source as one string; None when it is neither a string nor lines."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    return None


def _v4_cell(cell: Any, version3: bool) -> dict | None:
    """The cell in nbformat 4's shape, or None when it is no cell.

    A version 4 cell keeps every key (attachments, ids) with the ones the grader
    reads made sound; a version 3 cell becomes a new one (code from ``input``,
    a heading a markdown title, outputs left out).
    """
    if not isinstance(cell, dict):
        return None
    kind = cell.get("cell_type")
    if version3 and kind == "heading":
        level = cell.get("level")
        level = level if isinstance(level, int) and 1 <= level <= 6 else 1
        title = _source(cell.get("source", "")) or ""
        cell = {"cell_type": "markdown", "source": f"{'#' * level} {title}"}
        kind = "markdown"
    if kind not in _CELL_TYPES:
        return None
    key = "input" if version3 and kind == "code" else "source"
    metadata = cell.get("metadata")
    plain = {} if version3 else dict(cell)
    plain["cell_type"] = kind
    plain["metadata"] = metadata if isinstance(metadata, dict) else {}
    plain["source"] = _source(cell.get(key, "")) or ""
    if kind == "code":
        outputs, count = cell.get("outputs"), cell.get("execution_count")
        plain["outputs"] = outputs if isinstance(outputs, list) and not version3 else []
        plain["execution_count"] = count if isinstance(count, int) else None
    return plain


def _cells(notebook: dict) -> list[dict]:
    cells = notebook.get("cells")
    worksheets = notebook.get("worksheets")
    version3 = cells is None and isinstance(worksheets, list)
    if version3:
        cells = [
            cell
            for sheet in worksheets
            if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list)
            for cell in sheet["cells"]
        ]
    if not isinstance(cells, list):
        raise NotebookError(
            "the notebook has no list of cells (expected a 'cells' list, or "
            "'worksheets' holding cells for nbformat 3)"
        )
    return [cell for raw in cells if (cell := _v4_cell(raw, version3)) is not None]


def read_cells(path: str | os.PathLike) -> list[dict]:
    """The notebook's cells in nbformat 4's shape, in order; what is no cell dropped.

    Each cell is a dict with ``cell_type``, ``metadata`` (a dict) and ``source``
    (one string; empty when it was neither a string nor a list of strings); code
    cells also have ``outputs`` and ``execution_count``.

    Raises
    ------
    NotebookError
        When the file cannot be opened, is a link or not a regular file, is over
        a limit, empty, not UTF-8, not valid JSON, not an object, or has no cells.
    """
    return _cells(_load_json(read_bytes(path)))


def read_nbformat(path: str | os.PathLike) -> nbformat.NotebookNode:
    """The notebook as an nbformat 4 :class:`~nbformat.NotebookNode`.

    Its cells are :func:`read_cells`', its metadata the file's when that is an
    object.

    Raises
    ------
    NotebookError
        As :func:`read_cells`.
    """
    notebook = _load_json(read_bytes(path))
    cells = _cells(notebook)
    metadata = notebook.get("metadata")
    minor = notebook.get("nbformat_minor")
    return nbformat.from_dict(
        {
            "nbformat": 4,
            "nbformat_minor": minor
            if notebook.get("nbformat") == 4 and isinstance(minor, int)
            else 5,
            "metadata": metadata if isinstance(metadata, dict) else {},
            "cells": cells,
        }
    )
