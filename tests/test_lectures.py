"""Lecture notebooks: structure, clean commits, and headless execution.

Every notebook under ``lectures/`` is executed top to bottom with nbclient, each in
its own test so that ``pytest -n auto`` spreads them over the workers. A notebook
passes only if no cell raises and nothing is written to stderr (warnings included).
Notebooks that read MNIST skip when ``COURSE_DATA_DIR`` is not set; the kernel
inherits the environment of the test process.

Each kernel is limited to one BLAS thread: the workers of ``pytest -n auto`` already
use every core, and several multithreaded BLAS libraries competing for them make
linear algebra many times slower.

Every notebook under ``lectures/``, ``solutions/`` and ``assignments/`` must be
committed without outputs or execution counts.
"""

import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LECTURE_DIR = ROOT / "lectures"
LECTURES = sorted(LECTURE_DIR.glob("*.ipynb"))
EXPECTED_LECTURES = [
    "00_start_here",
    "01_perceptron_mnist",
    "02_xor_features_mlp",
    "03_logistic_regression_gd",
    "04_softmax_cross_entropy",
    "05_activations",
    "06_backpropagation",
    "07_universal_approximation",
    "08_vanishing_exploding",
    "09_playground",
    "10_mlp_mnist",
]
COMMITTED_NOTEBOOKS = sorted(
    path
    for folder in ("lectures", "solutions", "assignments")
    for path in (ROOT / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in path.parts
)
#: Environment of the kernels: one BLAS thread per kernel (see the module docstring).
SINGLE_THREADED = {
    name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
}
#: Longest a single cell may run, in seconds (MNIST training cells are the longest).
CELL_TIMEOUT = 300


def _ids(paths):
    return [str(path.relative_to(ROOT)) for path in paths]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def needs_mnist(nb: nbformat.NotebookNode) -> bool:
    """True if a code cell of ``nb`` loads MNIST."""
    return any(
        cell.cell_type == "code" and "load_mnist" in cell.source for cell in nb.cells
    )


def error_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """Error outputs and stderr text of an executed notebook, one entry each."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"cell {index}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                found.append(f"cell {index} wrote to stderr: {output.text[:500]}")
    return found


def test_every_lecture_is_there():
    assert [path.stem for path in LECTURES] == EXPECTED_LECTURES


@pytest.mark.parametrize("path", COMMITTED_NOTEBOOKS, ids=_ids(COMMITTED_NOTEBOOKS))
def test_committed_without_outputs(path):
    nb = _read(path)
    dirty = [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.relative_to(ROOT)}: cells {dirty} have outputs or execution counts; "
        "clear them before committing (Edit > Clear Outputs of All Cells)."
    )


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_lecture_ends_with_folded_self_check(path):
    nb = _read(path)
    last = nb.cells[-1]
    assert last.cell_type == "markdown"
    assert "Self-check" in last.source
    questions = last.source.count("<details>")
    assert questions >= 3, f"only {questions} folded answers in the self-check"
    assert questions == last.source.count("</details>")


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_lecture_uses_widget_backend_with_explorers(path):
    """Explorers need ``%matplotlib widget`` to be interactive in JupyterLab."""
    nb = _read(path)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    if any("course.widgets" in source for source in code):
        assert code[0].startswith("%matplotlib widget")


@pytest.mark.slow
@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_lecture_runs_headless(path, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    nb = _read(path)
    if needs_mnist(nb) and not os.environ.get("COURSE_DATA_DIR"):
        pytest.skip("COURSE_DATA_DIR is not set: this lecture reads MNIST")
    for name, value in SINGLE_THREADED.items():
        monkeypatch.setenv(name, value)  # inherited by the kernel
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the traceback, if a cell fails
    assert error_outputs(nb) == []
