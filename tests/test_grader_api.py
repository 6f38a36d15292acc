"""grade_submission (grader.api): what one submission's parts get, through the real
sandbox: crashes and hangs charged to the cell or part that caused them, no false
failures from noise, and the grader's own errors kept apart from the student's.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import grader.api
from grader.api import (
    GraderError,
    SandboxUnavailable,
    UnsandboxedWarning,
    grade_submission,
)
from grader.reasons import Reason
from grader.sandbox import Limits

sys.path.insert(0, str(Path(__file__).parent))
from fixtures.grading import submissions as S  # noqa: E402
from fixtures.grading.submissions import FULL, LIMITS, grade, verdicts  # noqa: E402

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bwrap is not installed"
)


def test_a_hang_outside_any_function_is_skipped_by_the_wall_clock(tmp_path):
    """A cell that blocks the alarm and sleeps is killed; the functions still count."""
    hang = (
        "import signal, time\n"
        "signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "time.sleep(60)\n"
    )
    limits = Limits(**{**LIMITS.__dict__, "wall_seconds": 2.5})
    result = grade(tmp_path, S.notebook(before=[hang]), limits=limits)
    assert verdicts(result) == FULL
    assert result.runs == 2
    assert "run 1: " in result.log and "stopped at the time limit" in result.log


def test_a_cell_that_crashes_costs_only_what_it_defines(tmp_path):
    crash = (
        "def relu(z):\n    return np.maximum(z, 0)\n\n"
        "import ctypes\nctypes.string_at(0)\n"
    )
    nb = S.notebook(before=[crash])
    nb["cells"] = [
        c
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") != "relu"
    ]
    result = grade(tmp_path, nb)
    assert verdicts(result) == {
        "relu_hidden": (Reason.CRASH, 0.0),
        "softmax_hidden": (Reason.OK, 2.0),
    }
    assert "cell 3" in result.parts["relu_hidden"].message
    assert "SIGSEGV" in result.parts["relu_hidden"].message


def test_missing_function(tmp_path):
    result = grade(tmp_path, S.notebook(relu="def rectifier(z):\n    return z\n"))
    assert verdicts(result)["relu_hidden"] == (Reason.MISSING_FUNCTION, 0.0)
    assert result.parts["relu_hidden"].message == "relu is not defined in the notebook."


def test_no_false_failures_from_warnings_prints_and_extra_cells(tmp_path):
    noisy_relu = (
        "import sys, warnings\n"
        "def relu(z):\n"
        "    print('computing relu of', np.shape(z))\n"
        "    print('a harmless note', file=sys.stderr)\n"
        "    warnings.warn('this is only a warning')\n"
        "    return np.maximum(z, 0)\n"
    )
    before = [
        "import warnings, sys\nwarnings.warn('deprecated thing')\n"
        "print('x' * 1000, file=sys.stderr)\n",
        "%matplotlib inline\nmy_variable = 42\n!ls -l\n",
        "np.seterr(all='warn')\nnp.log(np.array([0.0]))\n",
        "undefined_name_in_a_scratch_cell\n",
    ]
    result = grade(tmp_path, S.notebook(noisy_relu, before=before, after=["relu?\n"]))
    assert verdicts(result) == FULL, result.log
    assert "this is only a warning" in result.log


def test_a_correct_but_differently_written_solution_gets_full_marks(tmp_path):
    result = grade(tmp_path, S.notebook(S.RELU_OTHER, S.SOFTMAX_OTHER))
    assert verdicts(result) == FULL, result.log


def test_grading_twice_gives_the_same_result(tmp_path):
    nb = S.notebook(S.RELU_WRONG, S.SOFTMAX)
    first = grade(tmp_path, nb, student="a")
    second = grade(tmp_path, nb, student="b")
    assert first.parts == second.parts


def test_all_cases_run_in_one_sandboxed_process(tmp_path):
    """(How fast that is, benchmarks/bench_grading.py measures.)"""
    folder = S.write(tmp_path, "fast", S.notebook())
    result = grade_submission(folder, "demo0", limits=LIMITS)
    assert verdicts(result) == FULL and result.runs == 1 and result.sandboxed


def test_refuses_to_grade_without_a_sandbox(tmp_path, monkeypatch):
    folder = S.write(tmp_path, "student", S.notebook())
    monkeypatch.setattr(grader.api, "sandbox_problem", lambda: "bwrap is not installed")
    with pytest.raises(SandboxUnavailable, match="allow_unsandboxed=True"):
        grade_submission(folder, "demo0", limits=LIMITS)
    with pytest.raises(ValueError, match="allow_unsandboxed=True as well"):
        grade_submission(folder, "demo0", sandbox=False, limits=LIMITS)
    with pytest.warns(UnsandboxedWarning, match="without a sandbox"):
        result = grade_submission(
            folder, "demo0", limits=LIMITS, allow_unsandboxed=True
        )
    assert verdicts(result) == FULL and not result.sandboxed


def test_a_runner_that_cannot_start_is_the_graders_error(tmp_path):
    tiny = Limits(**{**LIMITS.__dict__, "memory_bytes": 8 * 2**20})
    with pytest.raises(GraderError, match="did not start"):
        grade(tmp_path, S.notebook(), limits=tiny)


def test_the_students_other_files_sit_beside_the_notebook(tmp_path):
    reader = (
        "with open('data/weights.txt') as handle:\n    scale = float(handle.read())\n"
    )
    relu = "def relu(z):\n    return np.maximum(z, 0) * scale\n"
    probe = "import os\nprint('FILES', sorted(os.listdir('.')))\n"
    folder = S.write(tmp_path, "student", S.notebook(relu, before=[reader, probe]))
    (folder / "data").mkdir()
    (folder / "data" / "weights.txt").write_text("1.0")
    (folder / "secret.txt").symlink_to(S.SOURCE)  # a link is never followed
    result = grade_submission(folder, "demo0", limits=LIMITS)
    assert verdicts(result) == FULL, result.log
    assert "FILES ['data', 'demo0.ipynb']" in result.log
