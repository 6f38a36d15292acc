"""Declarative cases, comparisons, notebook reading and the plain-nbgrader check.

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

from grader.cases import (
    Case,
    Part,
    ProblemSetError,
    Reason,
    allclose,
    array_equal,
    case_inputs,
    case_seed,
    expected_output,
    judge,
    scalar_close,
)
from grader.checks import check_own_code, check_part, reference_uses_live
from grader.extract import (
    NotebookError,
    find_notebook,
    read_notebook,
    reference_uses,
    strip_magics,
)
from grader.problemset import ProblemSet, load_problem_set, problem_set_names
from grader.sandbox_runner import BadOutput, decode_args, encode_args, to_numeric

sys.path.insert(0, str(Path(__file__).parent))
from fixtures.grading import submissions as S  # noqa: E402

DEMO = load_problem_set("demo0")


# -- comparisons ----------------------------------------------------------------


def test_allclose_requires_the_same_shape_and_close_values():
    compare = allclose(rtol=1e-6, atol=1e-9)
    e = np.array([1.0, 2.0, 3.0])
    assert compare.mismatch(e + 1e-8, e) is None
    assert compare.mismatch(e + 1e-3, e) == "returned wrong values"
    assert compare.mismatch(np.array([2.0]), np.array(2.0)) == (
        "returned shape (1,) where shape () was expected"
    )
    assert compare.mismatch(e.reshape(3, 1), e).startswith("returned shape (3, 1)")


def test_allclose_catches_nan_and_infinity_but_accepts_them_where_expected():
    compare = allclose()
    assert "NaN" in compare.mismatch(np.array([np.nan, 1.0]), np.array([0.5, 0.5]))
    assert "infinite" in compare.mismatch(np.array([np.inf]), np.array([1.0]))
    assert (
        compare.mismatch(np.array([np.inf, np.nan]), np.array([np.inf, np.nan])) is None
    )


def test_array_equal_and_scalar_close():
    assert array_equal().mismatch(np.array([1, 2]), np.array([1.0, 2.0])) is None
    assert array_equal().mismatch(np.array([1, 3]), np.array([1, 2])) is not None
    assert scalar_close().mismatch(np.array([[0.5]]), np.array(0.5)) is None
    assert "2 values" in scalar_close().mismatch(np.array([0.5, 0.5]), np.array(0.5))


def test_judge_messages_name_the_case_but_no_numbers():
    part = DEMO.part("softmax_hidden")
    case = part.cases[2]
    _, expected = expected_output("demo0", part, case)
    verdict = judge(case, [np.full(expected[0].shape, 0.25)], list(expected))
    assert verdict.reason is Reason.WRONG
    assert verdict.message == (
        "softmax overflows for large inputs: subtract the maximum first "
        "(case 'large logits')."
    )
    assert judge(case, [expected[0].copy()], list(expected)) is None


# -- seeds and inputs -----------------------------------------------------------


def test_seeds_are_fixed_and_distinct():
    assert case_seed("ps3", "softmax_hidden", "large logits") == case_seed(
        "ps3", "softmax_hidden", "large logits"
    )
    seeds = {
        case_seed(ps, part, case)
        for ps in ("ps1", "ps2")
        for part in ("a", "b")
        for case in ("x", "y")
    }
    assert len(seeds) == 8
    assert case_seed("ps1", "ab", "c") != case_seed("ps1", "a", "bc")


def test_case_inputs_are_reproducible_and_independent_copies():
    part = DEMO.part("relu_hidden")
    first = case_inputs("demo0", part, part.cases[0])
    second = case_inputs("demo0", part, part.cases[0])
    np.testing.assert_array_equal(first[0], second[0])
    first[0][:] = 0  # a function that changes its input does not change later cases
    assert np.any(case_inputs("demo0", part, part.cases[0])[0] != 0)


def test_reference_must_return_numbers():
    bad = Case("x", "f", lambda rng: (1.0,), lambda z: "text", allclose(), "m")
    part = Part("f_hidden", "f", 1.0, (bad,))
    with pytest.raises(ProblemSetError, match="must return numbers"):
        expected_output("unit", part, bad)


def test_make_args_must_return_a_tuple():
    bad = Case("x", "f", lambda rng: [1.0], lambda z: z, allclose(), "m")
    part = Part("g_hidden", "f", 1.0, (bad,))
    with pytest.raises(ProblemSetError, match="must return a tuple"):
        case_inputs("unit", part, bad)


# -- conversion of outputs, encoding of inputs ------------------------------------


class _AlwaysEqual:
    def __eq__(self, other):
        return True


@pytest.mark.parametrize(
    "value, pattern",
    [
        (_AlwaysEqual(), "object of type _AlwaysEqual"),
        ("0.5", "object of type str"),
        ([[1.0, 2.0], [3.0]], "object of type list"),
        (np.array([1j]), "object of type ndarray"),
        (None, "object of type NoneType"),
        (10**100, "object of type int"),
    ],
)
def test_outputs_must_be_real_numbers(value, pattern):
    with pytest.raises(BadOutput, match=pattern):
        to_numeric(value, 0)


def test_outputs_become_plain_arrays():
    class Sub(np.ndarray):
        pass

    (array,) = to_numeric(np.arange(3.0).view(Sub), 0)
    assert type(array) is np.ndarray and array.flags.c_contiguous
    assert to_numeric(True, 0)[0].dtype == bool
    assert to_numeric([1, 2], 0)[0].tolist() == [1, 2]
    leaves = to_numeric((1.5, [np.zeros(2), 3]), [0, [0, 0]])
    assert [leaf.shape for leaf in leaves] == [(), (2,), ()]
    with pytest.raises(BadOutput, match="tuple of 2 values"):
        to_numeric((1.0, 2.0, 3.0), [0, 0])
    with pytest.raises(BadOutput, match="too large"):
        to_numeric(np.zeros(100), 0, max_bytes=100)


def test_arguments_survive_the_trip_into_the_sandbox():
    args = (
        np.arange(6.0).reshape(2, 3),
        np.float32(1.5),
        3,
        0.25,
        "relu",
        None,
        [np.ones(2), (1, 2)],
        {"lr": 0.1, "W": np.eye(2)},
        float("inf"),
    )
    arrays = {}
    tree = json.loads(json.dumps(encode_args(args, arrays)))
    back = decode_args(tree, arrays)
    assert isinstance(back, tuple) and len(back) == len(args)
    np.testing.assert_array_equal(back[0], args[0])
    assert isinstance(back[1], np.float32) and back[1] == 1.5
    assert back[2:6] == (3, 0.25, "relu", None)
    assert isinstance(back[6], list) and back[6][1] == (1, 2)
    np.testing.assert_array_equal(back[7]["W"], np.eye(2))
    assert back[8] == float("inf")
    back[0][0, 0] = 99  # decoded arrays are copies
    assert arrays["a0"][0, 0] == 0
    with pytest.raises(TypeError, match="cannot pass"):
        encode_args((object(),), {})


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
    from grader.extract import Cell

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


# -- problem sets ---------------------------------------------------------------


def test_demo0_is_registered_and_valid():
    assert "demo0" in problem_set_names()
    assert [p.grade_id for p in DEMO.parts] == ["relu_hidden", "softmax_hidden"]
    assert DEMO.max_score == 3.0
    assert DEMO.is_reference("course.activations.relu")
    assert not DEMO.is_reference("course.data.load_mnist")
    assert not DEMO.is_reference("course")
    assert not DEMO.is_reference("numpy.maximum")
    with pytest.raises(KeyError, match="no part 'nope'"):
        DEMO.part("nope")


@pytest.mark.parametrize("name", ["nope", "../etc", "Demo0", 3])
def test_unknown_problem_sets(name):
    with pytest.raises(KeyError):
        load_problem_set(name)


def _case(name="c", function="f"):
    return Case(name, function, lambda rng: (1.0,), lambda z: z, allclose(), "m")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"parts": ()}, "has no PARTS"),
        ({"parts": (Part("a", "f", 1.0, (_case(),)),) * 2}, "repeats a grade_id"),
        ({"parts": (Part("a", "f", 0.0, (_case(),)),)}, "positive points"),
        ({"parts": (Part("a", "f", 1.0, ()),)}, "has no cases"),
        ({"parts": (Part("a", "f", 1.0, (_case(), _case())),)}, "repeats a case name"),
        ({"parts": (Part("a", "f", 1.0, (_case(function="g"),)),)}, "calls 'g'"),
        ({"handouts": ("course.data.mnist",)}, "directly under course"),
        ({"handouts": ("course.data", "course.linear")}, "imports course."),
    ],
)
def test_malformed_problem_sets_are_refused(kwargs, message):
    fields = {"name": "bad", "parts": (Part("a", "f", 1.0, (_case(),)),), **kwargs}
    with pytest.raises(ProblemSetError, match=message):
        ProblemSet(**fields)


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
    ],
    "softmax_hidden": [
        S.SOFTMAX_WRONG,
        "def softmax(z):\n    e = np.exp(z - np.max(z))\n    return e / e.sum()\n",
        "def softmax(z):\n"
        "    e = np.exp(z - z.max(axis=0))\n"
        "    return e / e.sum(axis=0)\n",
        "def softmax(z):\n    return np.exp(z) / np.sum(np.exp(z), axis=-1)\n",
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
