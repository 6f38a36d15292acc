"""Problem sets ps1-ps5: notebooks, release, hidden cases and the mistakes they catch.

Each problem set is an nbgrader source notebook ``solutions/psN/psN.ipynb`` whose
test cells call :func:`grader.checks.check_part` on the cases of
``problemsets/psN.py``, and a release ``assignments/psN`` built from it by
``nbgrader generate_assignment``.

The quality of the hidden cases is measured with the fixtures in
``tests/fixtures/mutants/psN/``: each file is the code of one answer cell, named
``<answer cell>__<variant>.py``, whose docstring says what it gets::

    expect: WRONG, <part of the message the student must see>
    expect: IMPORTS_REFERENCE, <part of the message>
    expect: OK                      (a correct solution written differently)
    part: <grade_id>                (optional: the part it must lose, by default
                                     ``<answer cell>_hidden``)

Every fixture goes through the real grading path: a submission is built from the
release notebook, the fixture's code in its answer cell and the solution in the
others, and graded by :func:`grader.api.grade_submission` in the sandbox. Fixtures
that cannot influence each other's parts share one submission, so that a problem set
needs a handful of sandbox runs. Each fixture also goes through
:func:`~grader.checks.check_part` in this process (what plain ``nbgrader autograde``
runs in its kernel), and a sample goes through ``nbgrader autograde`` itself.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import shutil
import sysconfig
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.validator import Validator
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from grader.api import grade_submission
from grader.cases import case_seed, expected_output
from grader.checks import check_part
from grader.extract import strip_magics
from grader.problemset import load_problem_set, problem_set_names
from grader.reasons import Reason
from grader.sandbox import sandbox_problem

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
RELEASE = ROOT / "assignments"
MUTANTS = ROOT / "tests" / "fixtures" / "mutants"
PROBLEM_SETS = sorted(
    p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file()
)
DATA_DIR = os.environ.get("COURSE_DATA_DIR", "")

needs_sandbox = pytest.mark.skipif(
    sandbox_problem() is not None, reason=f"no sandbox: {sandbox_problem()}"
)
needs_mnist = pytest.mark.skipif(
    not os.path.isdir(DATA_DIR),
    reason="COURSE_DATA_DIR is not set: the notebooks train on MNIST",
)

_BEGIN, _END = "### BEGIN SOLUTION", "### END SOLUTION"
_HIDDEN = re.compile(
    r"### BEGIN HIDDEN TESTS\n(?P<body>.*?)### END HIDDEN TESTS", re.DOTALL
)


# ----------------------------------------------------------------------------------
# Notebooks
# ----------------------------------------------------------------------------------


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source_notebook(problem_set: str) -> dict:
    return read_notebook(SOLUTIONS / problem_set / f"{problem_set}.ipynb")


def release_notebook(problem_set: str) -> dict:
    return read_notebook(RELEASE / problem_set / f"{problem_set}.ipynb")


def text(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def answer_cells(notebook: dict) -> dict[str, str]:
    """grade_id -> source of every autograded answer cell (code, solution: true)."""
    return {
        nbgrader(cell)["grade_id"]: text(cell)
        for cell in notebook["cells"]
        if cell["cell_type"] == "code" and nbgrader(cell).get("solution")
    }


def graded_test_cells(notebook: dict) -> dict[str, dict]:
    """grade_id -> autograded test cell."""
    return {
        nbgrader(cell)["grade_id"]: cell
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        and nbgrader(cell).get("grade")
        and not nbgrader(cell).get("solution")
    }


def solution_code(source: str) -> str:
    """An answer cell of the source notebook as a student who solved it writes it."""
    return "\n".join(
        line for line in source.splitlines() if line.strip() not in (_BEGIN, _END)
    )


def submission(problem_set: str, replacements: dict[str, str]) -> dict:
    """The release notebook with every answer cell filled in.

    ``replacements`` maps answer cells (grade_id) to the code to put there; the other
    answer cells get the solution from the source notebook.
    """
    solutions = answer_cells(source_notebook(problem_set))
    unknown = set(replacements) - set(solutions)
    assert not unknown, f"{problem_set} has no answer cells {sorted(unknown)}"
    notebook = copy.deepcopy(release_notebook(problem_set))
    for cell in notebook["cells"]:
        grade_id = nbgrader(cell).get("grade_id")
        if cell["cell_type"] == "code" and nbgrader(cell).get("solution"):
            code = replacements.get(grade_id, solution_code(solutions[grade_id]))
            cell["source"] = code
    return notebook


def write_submission(folder: Path, problem_set: str, notebook: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{problem_set}.ipynb"
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


def defined_names(code: str) -> set[str]:
    return {
        node.name
        for node in ast.parse(code).body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }


def used_names(code: str) -> set[str]:
    return {
        node.id
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def graded_namespace(problem_set: str, replacements: dict[str, str]) -> dict:
    """Run the setup and answer cells of a submission here; return its globals.

    Plain code cells (the experiments, MNIST) are left out: they only use the graded
    functions. This is what the grading kernel of ``nbgrader autograde`` holds when
    it reaches the test cells.
    """
    namespace: dict = {"__name__": "__main__"}
    for cell in submission(problem_set, replacements)["cells"]:
        info = nbgrader(cell)
        if cell["cell_type"] != "code" or not info or info.get("grade"):
            continue
        exec(compile(strip_magics(text(cell)), "<cell>", "exec"), namespace)
    return namespace


# ----------------------------------------------------------------------------------
# Fixtures: wrong and differently written versions of the answer cells
# ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One fixture: the code of an answer cell and what it must get."""

    problem_set: str
    name: str
    cell: str
    part: str
    expect: Reason
    hint: str
    code: str

    @property
    def correct(self) -> bool:
        return self.expect is Reason.OK


def load_variants(problem_set: str) -> list[Variant]:
    variants = []
    for path in sorted((MUTANTS / problem_set).glob("*.py")):
        code = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(code)) or ""
        cell = path.stem.split("__")[0]
        part = re.search(r"^part: (\S+)$", doc, re.MULTILINE)
        expect = re.search(r"^expect: (\w+)(?:, (.+))?$", doc, re.MULTILINE)
        assert expect, f"{path.name} has no 'expect:' line in its docstring"
        variants.append(
            Variant(
                problem_set=problem_set,
                name=path.stem,
                cell=cell,
                part=part[1] if part else f"{cell}_hidden",
                expect=Reason(expect[1]),
                hint=expect[2] or "",
                code=code,
            )
        )
    return variants


def dependencies(problem_set: str) -> dict[str, set[str]]:
    """Answer cell -> answer cells whose functions its solution uses, transitively."""
    solutions = {
        cell: solution_code(source)
        for cell, source in answer_cells(source_notebook(problem_set)).items()
    }
    owner = {
        name: cell for cell, code in solutions.items() for name in defined_names(code)
    }
    direct = {
        cell: {owner[name] for name in used_names(code) if name in owner} - {cell}
        for cell, code in solutions.items()
    }
    closure = {}
    for cell in direct:
        seen, todo = set(), list(direct[cell])
        while todo:
            other = todo.pop()
            if other not in seen:
                seen.add(other)
                todo.extend(direct[other])
        closure[cell] = seen
    return closure


def batches(problem_set: str, variants: list[Variant]) -> list[list[Variant]]:
    """Group fixtures into submissions in which no fixture can affect another's part.

    A fixture's part depends on the code of the part's answer cell and of the cells
    that code uses; when the fixture replaces another cell than the part's own (a
    helper), the part's own cell and its other helpers must hold the solution.
    Fixtures that replace the same cell, grade the same part or put a wrong version
    in a cell that another one relies on go to different submissions.
    """
    deps = dependencies(problem_set)
    parts = {part.grade_id: part for part in load_problem_set(problem_set).parts}

    def relies(variant: Variant) -> set[str]:
        own_cell = parts[variant.part].function
        used = {c for c in deps if c in used_names(variant.code)} - {variant.cell}
        for cell in list(used):
            used |= deps[cell]
        if variant.cell != own_cell:
            used |= {own_cell} | deps[own_cell]
        return used - {variant.cell}

    def clash(a: Variant, b: Variant) -> bool:
        # A correct version of a helper can stand in for the solution.
        return (
            a.part == b.part
            or a.cell == b.cell
            or (a.cell in relies(b) and not a.correct)
            or (b.cell in relies(a) and not b.correct)
        )

    groups: list[list[Variant]] = []
    for variant in variants:
        for group in groups:
            if not any(clash(variant, other) for other in group):
                group.append(variant)
                break
        else:
            groups.append([variant])
    return groups


def expected_verdict(variant: Variant, score, max_score, reason, message) -> list[str]:
    """What is wrong with one fixture's result (empty when it is as expected)."""
    where = f"{variant.problem_set}/{variant.name} -> {variant.part}"
    if variant.correct:
        if reason is not Reason.OK or score != max_score:
            return [f"{where}: a correct version got {score}/{max_score} ({message})"]
        return []
    problems = []
    if score != 0 or reason is Reason.OK:
        problems.append(f"{where}: a wrong version got {score}/{max_score}")
    elif reason is not variant.expect:
        problems.append(f"{where}: reason {reason}, expected {variant.expect}")
    elif variant.hint not in message:
        problems.append(f"{where}: message {message!r} lacks {variant.hint!r}")
    if "check_part" in message or "array(" in message:
        problems.append(f"{where}: the message shows test code: {message!r}")
    return problems


# ----------------------------------------------------------------------------------
# The problem set modules and the notebooks agree
# ----------------------------------------------------------------------------------


def test_every_problem_set_has_a_module():
    assert PROBLEM_SETS == ["ps1", "ps2", "ps3", "ps4", "ps5"]
    assert set(PROBLEM_SETS) <= set(problem_set_names())


@pytest.mark.parametrize("problem_set", PROBLEM_SETS)
def test_parts_match_the_test_cells(problem_set):
    parts = load_problem_set(problem_set).parts
    tests = graded_test_cells(source_notebook(problem_set))
    answers = answer_cells(source_notebook(problem_set))
    assert [p.grade_id for p in parts] == list(tests)
    for part in parts:
        cell = tests[part.grade_id]
        assert nbgrader(cell)["points"] == part.points, part.grade_id
        hidden = _HIDDEN.search(text(cell))
        assert hidden, f"{part.grade_id} has no hidden tests"
        call = f'check_part("{problem_set}", "{part.grade_id}", {part.function})'
        assert hidden["body"].strip().splitlines()[-1] == call
        public = text(cell)[: hidden.start()]
        assert f"check_own_code({part.function})" in public
        assert part.function in answers, f"no answer cell {part.function}"
        assert part.function in defined_names(solution_code(answers[part.function]))


@pytest.mark.parametrize("problem_set", PROBLEM_SETS)
def test_hidden_inputs_are_seeded_and_references_compute(problem_set):
    for part in load_problem_set(problem_set).parts:
        for case in part.cases:
            seed = case_seed(problem_set, part.grade_id, case.name)
            draws = [case.make_args(np.random.default_rng(seed)) for _ in range(2)]
            assert repr(draws[0]) == repr(draws[1]), (part.grade_id, case.name)
            _, leaves = expected_output(problem_set, part, case)
            assert leaves and all(np.isfinite(leaf).all() for leaf in leaves)


@pytest.mark.parametrize("folder", [SOLUTIONS, RELEASE])
def test_notebooks_are_committed_without_outputs(folder):
    notebooks = sorted(folder.glob("ps*/*.ipynb"))
    assert [p.parent.name for p in notebooks] == PROBLEM_SETS
    for path in notebooks:
        for cell in read_notebook(path)["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [], path
                assert cell["execution_count"] is None, path


@pytest.mark.parametrize("problem_set", PROBLEM_SETS)
def test_every_graded_function_has_wrong_and_correct_versions(problem_set):
    variants = load_variants(problem_set)
    for part in load_problem_set(problem_set).parts:
        mine = [v for v in variants if v.part == part.grade_id]
        wrong = [
            v for v in mine if v.expect not in (Reason.OK, Reason.IMPORTS_REFERENCE)
        ]
        assert len(wrong) >= 3, f"{part.grade_id}: {len(wrong)} wrong versions"
        assert any(v.correct for v in mine), f"{part.grade_id}: no correct version"
    assert any(v.expect is Reason.IMPORTS_REFERENCE for v in variants)
    known = {part.grade_id for part in load_problem_set(problem_set).parts}
    assert {v.part for v in variants} <= known


# ----------------------------------------------------------------------------------
# Every fixture through check_part (the kernel of plain nbgrader autograde)
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize("problem_set", PROBLEM_SETS)
def test_check_part_verdicts(problem_set):
    problems = []
    for variant in load_variants(problem_set):
        namespace = graded_namespace(problem_set, {variant.cell: variant.code})
        part = load_problem_set(problem_set).part(variant.part)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                check_part(problem_set, variant.part, namespace[part.function])
            except AssertionError as exc:
                message, score = str(exc), 0.0
            else:
                message, score = "", part.points
        reason = Reason.OK if score else variant.expect
        problems += expected_verdict(variant, score, part.points, reason, message)
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------------
# Every fixture through the sandboxed grader
# ----------------------------------------------------------------------------------


def grade_variants(problem_set: str, tmp_path: Path, data_dir=None):
    """Grade every fixture of a problem set; yield (variant, PartResult)."""
    for number, group in enumerate(batches(problem_set, load_variants(problem_set))):
        notebook = submission(problem_set, {v.cell: v.code for v in group})
        folder = tmp_path / f"batch{number}" / problem_set
        write_submission(folder, problem_set, notebook)
        result = grade_submission(
            folder, problem_set, student=f"batch{number}", data_dir=data_dir
        )
        for variant in group:
            yield variant, result.parts[variant.part]


@needs_sandbox
@pytest.mark.parametrize("problem_set", PROBLEM_SETS)
def test_every_fixture_gets_its_verdict_in_the_sandbox(problem_set, tmp_path):
    # No data: the MNIST cells fail at once, and no graded function needs them.
    empty = tmp_path / "no-data"
    empty.mkdir()
    problems = []
    for variant, part in grade_variants(problem_set, tmp_path, data_dir=empty):
        problems += expected_verdict(
            variant, part.score, part.max_score, part.reason, part.message
        )
    assert not problems, "\n".join(problems)


@needs_sandbox
def test_a_submission_graded_twice_gets_the_same_result(tmp_path):
    variants = load_variants("ps1")
    group = batches("ps1", variants)[0]
    folder = tmp_path / "twice" / "ps1"
    write_submission(folder, "ps1", submission("ps1", {v.cell: v.code for v in group}))
    first = grade_submission(folder, "ps1", student="twice", data_dir=tmp_path)
    second = grade_submission(folder, "ps1", student="twice", data_dir=tmp_path)
    assert first.parts == second.parts
    assert first.score < first.max_score


# ----------------------------------------------------------------------------------
# Correct solutions with harmless noise keep every point
# ----------------------------------------------------------------------------------

_NOISE = (
    'print("debugging", file=sys.stderr)\n'
    'warnings.warn("a harmless warning from inside a graded function")\n'
)


class _Rename(ast.NodeTransformer):
    def __init__(self, names: set[str]):
        self.names = names

    def visit_Name(self, node):
        if node.id in self.names:
            node.id = f"my_{node.id}"
        return node

    def visit_FunctionDef(self, node):
        if node.name in self.names:
            node.name = f"my_{node.name}"
        self.generic_visit(node)
        return node


def noisy_solution(problem_set: str) -> dict:
    """The solution, with stderr output and warnings in every graded function, extra
    cells, and the variables of the experiment cells renamed."""
    notebook = submission(problem_set, {})
    graded = set(answer_cells(notebook))
    plain = [
        c for c in notebook["cells"] if c["cell_type"] == "code" and not nbgrader(c)
    ]
    defined = set()
    for cell in plain:
        for node in ast.parse(text(cell)).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                defined |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
            if isinstance(node, ast.FunctionDef):
                defined.add(node.name)
    rename = _Rename(defined - graded)
    for cell in plain:
        cell["source"] = ast.unparse(rename.visit(ast.parse(text(cell))))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and nbgrader(cell).get("solution"):
            tree = ast.parse(text(cell))
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    node.body[1:1] = ast.parse(_NOISE).body
            cell["source"] = "import sys\nimport warnings\n\n" + ast.unparse(tree)
    extra = [
        {"cell_type": "markdown", "metadata": {}, "source": "My notes."},
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": "import sys\nscratch = [1, 2]\nprint(scratch, file=sys.stderr)",
        },
    ]
    notebook["cells"][2:2] = extra
    notebook["cells"].append(copy.deepcopy(extra[1]))
    return notebook


@needs_sandbox
@pytest.mark.parametrize("problem_set", PROBLEM_SETS)
def test_correct_solution_with_harmless_output_gets_full_marks(problem_set, tmp_path):
    folder = tmp_path / "noisy" / problem_set
    write_submission(folder, problem_set, noisy_solution(problem_set))
    data_dir = DATA_DIR if os.path.isdir(DATA_DIR) else tmp_path
    result = grade_submission(folder, problem_set, student="noisy", data_dir=data_dir)
    assert result.score == result.max_score, result.parts
    if os.path.isdir(DATA_DIR):  # the handed-out helpers (MNIST, plots) work too
        assert not re.search(r"^  cell \d+:", result.log, re.MULTILINE), result.log


# ----------------------------------------------------------------------------------
# nbgrader itself: release, validate, autograde
# ----------------------------------------------------------------------------------


def nbgrader_course(root: Path, problem_sets, monkeypatch) -> NbGraderAPI:
    """A course folder with the repository's nbgrader_config.py, problem sets and
    sources."""
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "problemsets", root / "problemsets", ignore=ignore)
    for problem_set in problem_sets:
        shutil.copytree(SOLUTIONS / problem_set, root / "solutions" / problem_set)
    # nbgrader runs the ``alembic`` script when it creates the gradebook.
    scripts = sysconfig.get_path("scripts")
    monkeypatch.setenv("PATH", os.pathsep.join([scripts, os.environ.get("PATH", "")]))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    return NbGraderAPI(config=config)


def normalised(notebook: dict) -> dict:
    """A notebook without what may legitimately change between two builds (cell ids)."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        cell.pop("id", None)
    return notebook


def test_releases_are_what_nbgrader_generates(tmp_path, monkeypatch):
    api = nbgrader_course(tmp_path, PROBLEM_SETS, monkeypatch)
    for problem_set in PROBLEM_SETS:
        result = api.generate_assignment(problem_set, force=True)
        assert result["success"], result.get("error") or result.get("log")
        built, committed = tmp_path / "assignments" / problem_set, RELEASE / problem_set
        names = sorted(p.relative_to(built) for p in built.rglob("*") if p.is_file())
        assert names == sorted(
            p.relative_to(committed) for p in committed.rglob("*") if p.is_file()
        ), f"the files of {committed} differ from a fresh build"
        for name in names:
            fresh, kept = built / name, committed / name
            if name.suffix == ".ipynb":
                assert normalised(read_notebook(fresh)) == normalised(
                    read_notebook(kept)
                ), f"{kept} is stale: run nbgrader generate_assignment {problem_set}"
            else:
                assert fresh.read_bytes() == kept.read_bytes(), kept


def nbgrader_validate(path: Path, *, invert: bool = False) -> dict:
    """What ``nbgrader validate [--invert] path`` reports ({} when it is happy)."""
    config = Config()
    config.Validator.invert = invert
    return Validator(config=config).validate(str(path))


@needs_mnist
@pytest.mark.slow
@pytest.mark.parametrize("problem_set", PROBLEM_SETS)
def test_nbgrader_validate_passes_on_the_source_and_fails_on_the_release(
    problem_set, tmp_path, monkeypatch
):
    # Outside the course folder, the kernel finds the problem sets through this.
    monkeypatch.setenv("GRADER_PROBLEM_SETS", str(ROOT / "problemsets"))
    for folder in (SOLUTIONS, RELEASE):
        shutil.copytree(folder / problem_set, tmp_path / folder.name)
    source = nbgrader_validate(tmp_path / "solutions" / f"{problem_set}.ipynb")
    assert source == {}, source
    release = nbgrader_validate(
        tmp_path / "assignments" / f"{problem_set}.ipynb", invert=True
    )
    assert release == {}, f"tests that pass on the release: {release}"


def _reference_variant(problem_set: str) -> Variant:
    return next(
        v for v in load_variants(problem_set) if v.expect is Reason.IMPORTS_REFERENCE
    )


@needs_mnist
@pytest.mark.slow
def test_nbgrader_validate_warns_a_student_who_calls_the_course(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_PROBLEM_SETS", str(ROOT / "problemsets"))
    variant = _reference_variant("ps3")
    path = write_submission(
        tmp_path, "ps3", submission("ps3", {variant.cell: variant.code})
    )
    failed = nbgrader_validate(path).get("failed", [])
    # The function itself, and the student's functions that call it.
    assert failed, "nbgrader validate accepted a function that calls the course"
    assert all("from the course library" in cell["raw_error"] for cell in failed)
    assert f"check_own_code({variant.cell})" in failed[0]["source"]


def autograded_scores(root: Path, problem_set: str, student: str) -> dict[str, float]:
    parts = {part.grade_id for part in load_problem_set(problem_set).parts}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(problem_set, problem_set, student)
        return {g.name: g.score for g in notebook.grades if g.name in parts}


@needs_mnist
@needs_sandbox
@pytest.mark.slow
def test_plain_nbgrader_autograde_agrees_with_the_sandboxed_grader(
    tmp_path, monkeypatch
):
    problem_set = "ps1"
    api = nbgrader_course(tmp_path, [problem_set], monkeypatch)
    assert api.generate_assignment(problem_set, force=True)["success"]
    copier = _reference_variant(problem_set)
    mistakes = next(
        group
        for group in batches(problem_set, load_variants(problem_set))
        if copier in group
    )
    students = {"correct": {}, "mistakes": {v.cell: v.code for v in mistakes}}
    for student, replacements in students.items():
        folder = tmp_path / "submitted" / student / problem_set
        write_submission(folder, problem_set, submission(problem_set, replacements))
        result = api.autograde(problem_set, student, force=True)
        assert result["success"], result.get("error") or result.get("log")
        sandboxed = grade_submission(folder, problem_set, student=student)
        plain = autograded_scores(tmp_path, problem_set, student)
        assert plain == {k: p.score for k, p in sandboxed.parts.items()}, student
    points = sum(part.points for part in load_problem_set(problem_set).parts)
    assert sum(autograded_scores(tmp_path, problem_set, "correct").values()) == points
    assert sum(autograded_scores(tmp_path, problem_set, "mistakes").values()) < points


@needs_mnist
@needs_sandbox
@pytest.mark.slow
def test_a_broken_function_costs_other_parts_only_under_plain_nbgrader(
    tmp_path, monkeypatch
):
    """The one difference by design (README, grader.checks): parts stand alone.

    The public test of ``cross_entropy_gradient`` checks the gradient against
    central differences of the student's own ``cross_entropy``. With that cell
    broken, plain nbgrader also fails the gradient's test cell; the grader scores
    each part on its own function, so a right gradient keeps its points. A function
    that itself calls the broken one (``fit_softmax_regression``) fails on both.
    """
    problem_set = "ps3"
    api = nbgrader_course(tmp_path, [problem_set], monkeypatch)
    assert api.generate_assignment(problem_set, force=True)["success"]
    broken = "def cross_entropy(y, z):\n    return np.mean(-np.log(z[y]]))\n"
    folder = tmp_path / "submitted" / "student" / problem_set
    write_submission(
        folder, problem_set, submission(problem_set, {"cross_entropy": broken})
    )
    result = api.autograde(problem_set, "student", force=True)
    assert result["success"], result.get("error") or result.get("log")
    plain = autograded_scores(tmp_path, problem_set, "student")
    sandboxed = grade_submission(folder, problem_set, student="student")
    points = {p.grade_id: p.points for p in load_problem_set(problem_set).parts}
    lost = {"cross_entropy_hidden", "fit_softmax_regression_hidden"}
    assert {g: r.score for g, r in sandboxed.parts.items()} == {
        g: 0.0 if g in lost else p for g, p in points.items()
    }
    lost.add("cross_entropy_gradient_hidden")
    assert plain == {g: 0.0 if g in lost else p for g, p in points.items()}
    assert "SyntaxError" in sandboxed.parts["cross_entropy_hidden"].message
