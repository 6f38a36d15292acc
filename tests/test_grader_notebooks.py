"""The one notebook reader (grader.notebooks): tolerant, bounded, clear errors."""

from __future__ import annotations

import json

import pytest

from grader.notebooks import (
    MAX_JSON_VALUES,
    MAX_NOTEBOOK_BYTES,
    NotebookError,
    read_cells,
    read_nbformat,
)

VERSION3 = {
    "nbformat": 3,
    "nbformat_minor": 0,
    "metadata": {"name": "old"},
    "worksheets": [
        {
            "cells": [
                {"cell_type": "heading", "level": 2, "source": ["Part ", "one"]},
                {
                    "cell_type": "code",
                    "input": ["x = 1\n", "y = 2\n"],
                    "language": "python",
                    "outputs": [{"output_type": "pyout", "text": "3"}],
                    "prompt_number": 4,
                    "metadata": {"nbgrader": {"grade_id": "a", "solution": True}},
                },
            ]
        },
        {"cells": [{"cell_type": "markdown", "source": "second sheet"}]},
    ],
}


def _write(tmp_path, content, name="nb.ipynb"):
    path = tmp_path / name
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    path.write_bytes(data)
    return path


def test_version_3_becomes_version_4(tmp_path):
    nb = read_nbformat(_write(tmp_path, VERSION3))
    assert nb.nbformat == 4
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "markdown"]
    assert nb.cells[0].source == "## Part one"
    code = nb.cells[1]
    assert code.source == "x = 1\ny = 2\n"
    assert code.metadata.nbgrader.grade_id == "a"
    assert code.outputs == [] and code.execution_count is None
    assert "input" not in code and "prompt_number" not in code
    assert nb.metadata == {"name": "old"}
    assert read_cells(_write(tmp_path, VERSION3))[1]["source"] == "x = 1\ny = 2\n"


def test_version_4_cells_keep_what_they_hold(tmp_path):
    attachment = {"image.png": {"image/png": "iVBORw0KGgo="}}
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 4,
        "metadata": {"kernelspec": {"name": "python3"}},
        "cells": [
            {
                "cell_type": "markdown",
                "source": "![](attachment:image.png)",
                "metadata": {},
                "attachments": attachment,
                "id": "intro",
            },
            {
                "cell_type": "code",
                "source": ["a = 1\n", "b"],
                "metadata": {},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "1"}],
                "execution_count": 3,
            },
        ],
    }
    nb = read_nbformat(_write(tmp_path, notebook))
    assert nb.nbformat_minor == 4
    assert nb.cells[0].attachments == attachment and nb.cells[0].id == "intro"
    assert nb.cells[1].source == "a = 1\nb"
    assert nb.cells[1].execution_count == 3 and len(nb.cells[1].outputs) == 1


def test_what_is_no_cell_is_dropped_and_bad_fields_made_sound(tmp_path):
    notebook = {
        "metadata": "broken",
        "cells": [
            "not a cell",
            {"cell_type": "widget", "source": "?"},
            {"cell_type": "code", "source": 42, "metadata": [], "outputs": {}},
            {"cell_type": "raw", "source": ["ok"], "execution_count": "x"},
        ],
    }
    nb = read_nbformat(_write(tmp_path, notebook))
    assert nb.metadata == {}
    assert [(c.cell_type, c.source, c.metadata) for c in nb.cells] == [
        ("code", "", {}),
        ("raw", "ok", {}),
    ]
    assert nb.cells[0].outputs == []


def test_a_byte_order_mark_is_accepted(tmp_path):
    data = b"\xef\xbb\xbf" + json.dumps({"cells": [{"cell_type": "raw"}]}).encode()
    assert read_nbformat(_write(tmp_path, data)).cells[0].cell_type == "raw"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b'{"cells": [', r"not valid JSON \(line 1, column 12"),
        (b"[1, 2]", "not a JSON object \\(it is a list\\)"),
        (b'{"cells": 3}', "no list of cells"),
        (b'{"worksheets": [{"cells": 3}]}', None),  # version 3 with no cells: empty
    ],
)
def test_what_is_not_a_notebook_is_named(tmp_path, content, message):
    path = _write(tmp_path, content)
    if message is None:
        assert read_nbformat(path).cells == []
        return
    with pytest.raises(NotebookError, match=message):
        read_nbformat(path)


def test_links_and_folders_are_refused(tmp_path):
    real = _write(tmp_path, {"cells": []}, "real.ipynb")
    (tmp_path / "link.ipynb").symlink_to(real)
    with pytest.raises(NotebookError, match="cannot be opened"):
        read_cells(tmp_path / "link.ipynb")
    (tmp_path / "folder.ipynb").mkdir()
    with pytest.raises(NotebookError, match="not a regular file"):
        read_cells(tmp_path / "folder.ipynb")


def test_sizes_over_the_limits_are_refused_before_decoding(tmp_path):
    big = tmp_path / "big.ipynb"
    with open(big, "wb") as handle:
        handle.truncate(MAX_NOTEBOOK_BYTES + 1)
    with pytest.raises(NotebookError, match=f"more than the {MAX_NOTEBOOK_BYTES}"):
        read_cells(big)
    many = {"cells": [{"cell_type": "raw", "source": ""}] * MAX_JSON_VALUES}
    with pytest.raises(NotebookError, match=f"more than the {MAX_JSON_VALUES}"):
        read_cells(_write(tmp_path, many))
    # commas and brackets inside strings are not values
    text = {"cells": [{"cell_type": "raw", "source": "[{," * MAX_JSON_VALUES}]}
    assert read_cells(_write(tmp_path, text))[0]["source"].startswith("[{,")
