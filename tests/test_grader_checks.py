"""The plain nbgrader path (grader.checks): check_part, check_own_code, live uses.

The last tests run the same wrong versions through both paths, ``check_part`` (plain
nbgrader) and the sandbox (``grader autograde``), and require identical verdicts.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.checks import check_own_code, check_part, reference_uses_live
from grader.problemset import load_problem_set
from grader.reasons import Reason

DEMO = load_problem_set("demo0")


sys.path.insert(0, str(Path(__file__).parent))
from fixtures.grading import submissions as S  # noqa: E402


def test_reference_uses_live_inspects_globals_closures_and_helpers():
    import course.activations
    from course.activations import softmax as reference_softmax

    namespace = {"np": np, "course": sys.modules["course"]}
    exec("def own(z):\n    return np.maximum(z, 0)", namespace)
    assert reference_uses_live(namespace["own"], DEMO.is_reference) == []
    namespace["ref"] = reference_softmax
    exec(
        "def helper(z):\n    return ref(z)\n"
        "def uses_helper(z):\n    return helper(z)\n"
        "def chained(z):\n    return course.activations.relu(z)\n"
        "def imports(z):\n"
        "    from course.losses import softmax\n"
        "    return softmax(z)\n",
        namespace,
    )
    assert reference_uses_live(namespace["uses_helper"], DEMO.is_reference) == [
        "course.activations.softmax"
    ]
    assert reference_uses_live(namespace["chained"], DEMO.is_reference) == [
        "course.activations"
    ]
    assert reference_uses_live(namespace["imports"], DEMO.is_reference) == [
        "course.losses.softmax"
    ]
    closure = (lambda f: lambda z: f(z))(course.activations.relu)
    assert reference_uses_live(closure, DEMO.is_reference) == [
        "course.activations.relu"
    ]


# -- the plain nbgrader path ------------------------------------------------------


def _run_notebook(nb: dict) -> dict:
    """Execute code cells like a kernel would; return ``grade_id -> error or None``."""
    namespace, outcome = {}, {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        try:
            exec("".join(cell["source"]), namespace)
            outcome[grade_id] = None
        except Exception as exc:
            outcome[grade_id] = exc
    return outcome


def test_source_notebook_passes_its_hidden_tests():
    outcome = _run_notebook(json.loads(S.SOURCE.read_text()))
    assert outcome["relu_hidden"] is None and outcome["softmax_hidden"] is None


def test_release_notebook_fails_every_test():
    outcome = _run_notebook(json.loads(S.RELEASE.read_text()))
    assert isinstance(outcome["relu_hidden"], NotImplementedError)
    assert isinstance(outcome["softmax_hidden"], NotImplementedError)


def test_check_part_accepts_correct_and_refuses_the_reference():
    namespace = {"np": np}
    exec(S.RELU_OTHER + S.SOFTMAX_OTHER, namespace)
    check_part("demo0", "relu_hidden", namespace["relu"])
    check_part("demo0", "softmax_hidden", namespace["softmax"])
    from course.activations import relu

    with pytest.raises(AssertionError, match="course.activations.relu from the course"):
        check_part("demo0", "relu_hidden", relu)
    with pytest.raises(AssertionError, match="relu must be a function"):
        check_part("demo0", "relu_hidden", 3)


def test_check_own_code_warns_before_submission():
    namespace = {"np": np}
    exec(S.RELU, namespace)
    check_own_code("demo0", namespace["relu"])
    exec(
        "from course.losses import softmax as s\ndef relu(z):\n    return s(z)",
        namespace,
    )
    with pytest.raises(AssertionError, match="relu uses course.activations.softmax"):
        check_own_code("demo0", namespace["relu"])


WRONG_VERSIONS = {
    "relu_hidden": [
        S.RELU_WRONG,
        "def relu(z):\n    return np.maximum(z, 1e-3)\n",
        "def relu(z):\n    return np.array([max(v, 0) for v in np.ravel(z)])\n",
        "def relu(z):\n    raise ValueError('not finished')\n",
        "def relu(z):\n    return 'relu'\n",
        # right values, but the caller's array is changed
        "def relu(z):\n    z[z < 0] = 0\n    return z\n",
        "def relu(x):\n    np.maximum(x, 0, out=x)\n    return x.copy()\n",
    ],
    "softmax_hidden": [
        S.SOFTMAX_WRONG,
        "def softmax(z):\n    e = np.exp(z - np.max(z))\n    return e / e.sum()\n",
        "def softmax(z):\n"
        "    e = np.exp(z - z.max(axis=0))\n"
        "    return e / e.sum(axis=0)\n",
        "def softmax(z):\n    return np.exp(z) / np.sum(np.exp(z), axis=-1)\n",
        "def softmax(z):\n"
        "    z -= z.max(axis=-1, keepdims=True)\n"
        "    e = np.exp(z)\n"
        "    return e / e.sum(axis=-1, keepdims=True)\n",
    ],
}


def _plain_path_message(grade_id: str, source: str) -> str | None:
    namespace = {"np": np}
    exec(source, namespace)
    function = DEMO.part(grade_id).function
    try:
        with np.errstate(all="ignore"):
            check_part("demo0", grade_id, namespace[function])
    except AssertionError as exc:
        return str(exc)
    return None


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bwrap is not installed")
@pytest.mark.parametrize("grade_id", sorted(WRONG_VERSIONS))
def test_both_paths_fail_each_wrong_version_with_the_same_message(tmp_path, grade_id):
    from grader.api import grade_submission
    from grader.sandbox import Limits

    limits = Limits(cpu_seconds=5, wall_seconds=20, case_seconds=2, cell_seconds=5)
    for number, source in enumerate(WRONG_VERSIONS[grade_id]):
        answers = {"relu": S.RELU, "softmax": S.SOFTMAX}
        answers[DEMO.part(grade_id).function] = source
        folder = S.write(tmp_path, f"s{number}", S.notebook(**answers))
        result = grade_submission(folder, "demo0", limits=limits)
        part = result.parts[grade_id]
        assert part.score == 0.0, source
        plain = _plain_path_message(grade_id, source)
        assert plain is not None, source
        # the sandbox adds where in the notebook an error was raised
        assert re.sub(r"\(cell \d+, line \d+; ", "(", part.message) == plain
        other = "softmax_hidden" if grade_id == "relu_hidden" else "relu_hidden"
        assert result.parts[other].reason is Reason.OK


def test_a_function_that_changes_its_argument_is_named_on_the_plain_path():
    message = _plain_path_message(
        "relu_hidden",
        "def relu(logits):\n    logits[logits < 0] = 0\n    return logits\n",
    )
    assert message.startswith("relu changes its argument logits in place (case '")
    # the hint shows how, in the student's own names
    assert "logits = logits - step leaves the caller's logits alone" in message
