"""Finding the student's code (grader.extract): notebooks, magics, reference uses.

The last tests construct the most expensive cells the limits accept and check that
the trusted side reads them linearly: each cell parsed once, regular expressions
that do not backtrack, oversized cells refused before any parsing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from grader.extract import (
    Cell,
    defining_cells,
    find_notebook,
    read_notebook,
    reference_uses,
    strip_magics,
)
from grader.notebooks import NotebookError
from grader.problemset import load_problem_set

DEMO = load_problem_set("demo0")


sys.path.insert(0, str(Path(__file__).parent))
from fixtures.grading import submissions as S  # noqa: E402

# -- reading notebooks ----------------------------------------------------------


def _write(tmp_path, content, name="demo0.ipynb"):
    path = tmp_path / name
    path.write_bytes(
        content if isinstance(content, bytes) else json.dumps(content).encode()
    )
    return path


def test_read_notebook_keeps_student_code_and_drops_test_cells(tmp_path):
    notebook = read_notebook(_write(tmp_path, S.notebook()))
    sources = [cell.source for cell in notebook.cells]
    assert sources == ["import numpy as np", S.RELU, S.SOFTMAX]
    assert notebook.test_cells == 2
    assert notebook.answers == {"relu": S.RELU, "softmax": S.SOFTMAX}
    assert [cell.index for cell in notebook.cells] == [1, 2, 4]


def test_read_notebook_tolerates_old_and_odd_formats(tmp_path):
    old = {
        "nbformat": 3,
        "worksheets": [
            {"cells": [{"cell_type": "code", "input": ["x = 1\n", "y = 2\n"]}]}
        ],
    }
    assert read_notebook(_write(tmp_path, old)).cells[0].source == "x = 1\ny = 2\n"
    odd = {
        "cells": [
            "not a cell",
            {"cell_type": "code", "source": "a = 1", "metadata": "broken"},
            {"cell_type": "code", "source": 42},
            {"cell_type": "code", "source": "b = 2", "metadata": {"nbgrader": []}},
        ]
    }
    cells = read_notebook(_write(tmp_path, odd, "odd.ipynb")).cells
    assert [c.source for c in cells] == ["a = 1", "", "b = 2"]
    bom = (
        b"\xef\xbb\xbf"
        + json.dumps({"cells": [{"cell_type": "code", "source": "c"}]}).encode()
    )
    assert read_notebook(_write(tmp_path, bom, "bom.ipynb")).cells[0].source == "c"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b'{"cells": [', "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"cells": 3}', "no list of cells"),
        (b'{"cells": [{"cell_type": "markdown", "source": "hi"}]}', "no code cells"),
        (b"[" * 100000 + b"]" * 100000, "not valid JSON"),
    ],
)
def test_unreadable_notebooks_are_named(tmp_path, content, message):
    with pytest.raises(NotebookError, match=message):
        read_notebook(_write(tmp_path, content))


def test_read_notebook_refuses_symlinks(tmp_path):
    target = _write(tmp_path, S.notebook(), "real.ipynb")
    link = tmp_path / "link.ipynb"
    link.symlink_to(target)
    with pytest.raises(NotebookError, match="cannot be opened"):
        read_notebook(link)


def test_find_notebook_prefers_the_exact_name_then_the_best_match(tmp_path):
    assert find_notebook(tmp_path, "demo0") is None
    _write(tmp_path, {"cells": []}, "scratch.ipynb")
    (tmp_path / "sub").mkdir()
    renamed = _write(tmp_path / "sub", S.notebook(), "demo0 (1).ipynb")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    _write(tmp_path / ".ipynb_checkpoints", S.notebook(), "demo0-checkpoint.ipynb")
    assert find_notebook(tmp_path, "demo0", ["relu", "softmax"]) == renamed
    exact = _write(tmp_path, {"cells": []}, "demo0.ipynb")
    assert find_notebook(tmp_path, "demo0", ["relu", "softmax"]) == exact


def test_find_notebook_ignores_symlinks(tmp_path):
    (tmp_path / "demo0.ipynb").symlink_to(S.SOURCE)
    (tmp_path / "other.ipynb").symlink_to(S.SOURCE)
    assert find_notebook(tmp_path, "demo0") is None


@pytest.mark.parametrize(
    "source, expected",
    [
        ("x = 1\n", "x = 1\n"),
        ("%matplotlib inline\nx = 1", "pass\nx = 1\n"),
        ("for i in range(2):\n    %time f(i)\n", "for i in range(2):\n    pass\n"),
        ("!pip install numpy\nfiles = !ls\ny = 2", "pass\npass\ny = 2\n"),
        ("np.sum?\nz = 3", "pass\nz = 3\n"),
        ("%%time\nx = 1\n!ls", "x = 1\npass\n"),
        ("%%bash\necho hi\n", ""),
        ("%%writefile course/activations.py\ndef relu(z): ...\n", ""),
        ("s = '%d' % 3\n", "s = '%d' % 3\n"),
    ],
)
def test_strip_magics(source, expected):
    assert strip_magics(source) == expected


# -- the static check for the reference library --------------------------------


def _cells(*sources):

    return [Cell(index, source) for index, source in enumerate(sources)]


@pytest.mark.parametrize(
    "sources, found",
    [
        (["from course.activations import relu"], ["course.activations.relu"]),
        (
            [
                "from course.activations import relu as r",
                "def relu(z):\n    return r(z)",
            ],
            ["course.activations.relu"],
        ),
        (
            ["import course.activations as A\nrelu = lambda z: A.relu(z)"],
            ["course.activations.relu"],
        ),
        (
            ["import course", "def relu(z):\n    return course.activations.relu(z)"],
            ["course.activations.relu"],
        ),
        (
            [
                "from course.activations import *",
                "def relu(z):\n    return leaky_relu(z, 0)",
            ],
            ["course.activations.leaky_relu"],
        ),
        (
            [
                "from course import losses",
                "def helper(z):\n    return losses.softmax(z)",
                "def relu(z):\n    return helper(z)",
            ],
            ["course.losses.softmax"],
        ),
        (
            [
                "def relu(z):\n"
                "    from course.activations import relu as r\n"
                "    return r(z)"
            ],
            ["course.activations.relu"],
        ),
        # not the reference: a handout, a redefinition, shadowing, an unused import
        (
            [
                "from course.data import make_xor",
                "def relu(z):\n    make_xor()\n    return z",
            ],
            [],
        ),
        (
            [
                "from course.activations import relu",
                "def relu(z):\n    return z * (z > 0)",
            ],
            [],
        ),
        (
            [
                "import course.activations",
                "def relu(course):\n    return course.activations",
            ],
            [],
        ),
        (
            [
                "from course.activations import sigmoid",
                "def relu(z):\n    return np.maximum(z, 0)",
            ],
            [],
        ),
        (["def relu(z) syntax error"], []),
    ],
)
def test_reference_uses_static(sources, found):
    assert reference_uses(_cells(*sources), "relu", DEMO.is_reference) == found


# -- bounds: the most expensive cells the limits accept --------------------------


def _notebook_of(tmp_path, *sources):
    cells = [{"cell_type": "code", "source": s, "metadata": {}} for s in sources]
    return _write(tmp_path, {"nbformat": 4, "cells": cells})


@pytest.fixture
def parses(monkeypatch):
    """Count the calls of ``ast.parse`` made by grader.extract."""
    import ast

    calls = []
    real = ast.parse

    def counting(source, *args, **kwargs):
        calls.append(len(source))
        return real(source, *args, **kwargs)

    monkeypatch.setattr("grader.extract.ast.parse", counting)
    return calls


def test_each_cell_is_parsed_once_however_many_functions_are_checked(tmp_path, parses):
    sources = [
        "import numpy as np",
        "%matplotlib inline\nfrom course.activations import relu as r",
        S.RELU,
        "def softmax(z):\n    return helper(z)\ndef helper(z):\n    return r(z)",
    ]
    notebook = read_notebook(_notebook_of(tmp_path, *sources))
    assert len(parses) == len(sources) + 1  # the cell with a magic: once stripped
    for function in ("relu", "softmax", "helper", "missing"):
        reference_uses(notebook.cells, function, DEMO.is_reference)
    assert reference_uses(notebook.cells, "softmax", DEMO.is_reference) == [
        "course.activations.relu"
    ]
    assert len(parses) == len(sources) + 1


def test_an_oversized_cell_is_refused_before_any_parsing(tmp_path, parses):
    from grader.extract import MAX_CELL_BYTES

    path = _notebook_of(tmp_path, "x = 1", "y = 2\n" * (MAX_CELL_BYTES // 6 + 1))
    with pytest.raises(NotebookError, match=r"cell 2 holds \d+ bytes of code.*"):
        read_notebook(path)
    assert parses == []


def test_code_over_the_notebook_limit_is_refused_before_any_parsing(tmp_path, parses):
    from grader.extract import MAX_CELL_BYTES, MAX_CODE_BYTES

    cell = "x = 1\n" * ((MAX_CELL_BYTES - 100) // 6)
    count = MAX_CODE_BYTES // len(cell) + 1
    with pytest.raises(NotebookError, match=f"more than the {MAX_CODE_BYTES}"):
        read_notebook(_notebook_of(tmp_path, *[cell] * count))
    assert parses == []


@pytest.mark.parametrize(
    "source, message",
    [
        ("import " + ".".join(["a"] * 500), "dotted name of 499 dots"),
        ("x = " + "-" * 5000 + "1", "nests its code too deeply"),
        ("x = " + "**".join(["2"] * 5000), "nests its code too deeply"),
    ],
)
def test_cells_that_python_reads_slowly_are_refused(tmp_path, source, message):
    with pytest.raises(NotebookError, match=message):
        read_notebook(_notebook_of(tmp_path, "y = 1", source + "\n%ls"))


def _spaces(n):
    """Cells on which a backtracking magic pattern would take quadratic time."""
    return [
        "x" + " " * n + "y",  # a run of spaces never followed by "="
        "x" + " " * n + "= 1 +",  # not Python, not a magic
        "a" + ".a" * (n // 2) + " ?",  # help syntax gone wrong
        "x, " * (n // 3) + "= 1 +",
    ]


@pytest.mark.parametrize("index", range(4))
def test_magic_patterns_take_linear_time(index):
    """Cells of the largest size accepted are stripped in milliseconds.

    With a pattern such as ``[\\w.\\[\\], ]+\\s*=`` the first of these cells took
    0.7 s (quadratic in the run of spaces); a linear pass takes about 1 ms.
    """
    import time

    from grader.extract import MAX_CELL_BYTES

    source = _spaces(MAX_CELL_BYTES - 10)[index]
    start = time.perf_counter()
    stripped = strip_magics(source)
    elapsed = time.perf_counter() - start
    assert stripped == source + "\n"  # nothing in them is a magic
    assert elapsed < 0.1, f"{elapsed:.2f} s for {len(source)} characters"


def test_defining_cells_finds_bindings_and_broken_definitions():
    cells = [
        Cell(0, "import numpy as np\nrelu = None"),
        Cell(1, "def relu(z):\n    return np.maximum(z, 0)"),
        Cell(2, "def relu(z):\n    return np.maximum(z, 0]"),  # not Python
        Cell(3, "x = 1 +\n# def relu(z): in a comment"),  # not Python, no definition
        Cell(4, "async def relu_like(z):\n    return z"),
    ]
    assert defining_cells(cells, "relu") == [0, 1, 2]
    assert defining_cells(cells, "relu_like") == [4]
    assert defining_cells(cells, "softmax") == []
