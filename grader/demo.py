"""``make demo``: a sample class graded end to end, with its report.

``python -m grader.demo`` builds a course in ``demo-output/course`` from a problem
set of a course (by default ``demo0`` of the demo course that ships with the
package, :data:`grader.problemset.DEMO_COURSE`; ``--course DIR`` takes another
course's, e.g. ``--course . --problem-set ps3`` in this repository), releases it
with nbgrader, writes about 30 submissions
(correct ones, partly wrong ones, broken notebooks and hostile code), grades them
in the sandbox with ``grader autograde``'s machinery, prints a summary table that
compares each student's points with the points the submission deserves, and writes
``demo-output/report.html`` and ``demo-output/grades.csv``. It exits with status 1
when a score differs from the deserved one.

The submissions are generated, not committed: :func:`sample_class` derives them
from the source notebook (the correct answers are its solutions) and the problem
set (which functions are graded, and which reference each case compares with), so
the same class can be built for any problem set. The benchmark and the tests build
their classes here too.
"""

from __future__ import annotations

import argparse
import ast
import copy
import dataclasses
import json
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader import utils as nbutils
from nbgrader.coursedir import CourseDirectory

from grader.batch import Outcome, autograde
from grader.config import Grader
from grader.course import load_coursedir, step_dir
from grader.export import grade_rows, write_rows
from grader.notebooks import read_nbformat
from grader.problemset import (
    DEMO_COURSE,
    ProblemSet,
    course_problem_sets,
    load_problem_set,
)
from grader.release import release_assignment
from grader.report import write_report
from grader.sandbox import Limits

DEFAULT_PROBLEM_SET = "demo0"
DEMO_DIR = Path("demo-output")

# Shorter limits for a whole run and for one cell keep the hostile submissions
# (endless loops in cells) quick; each case keeps the problem set's time limit.
DEMO_LIMITS = {"wall_seconds": 40.0, "cell_seconds": 3.0}


def build_course(
    root: Path, problem_set: str, source: str | Path = DEMO_COURSE
) -> CourseDirectory:
    """A fresh course in ``root`` with ``problem_set`` released (nbgrader's layout).

    ``source`` is the course the problem set comes from: its
    ``nbgrader_config.py``, its problem-set package and the problem set's source
    folder are copied (default: the demo course).
    """
    root, source = Path(root), Path(source)
    origin = load_coursedir(source)
    notebooks = step_dir(origin, "source", problem_set)
    if not (notebooks / f"{problem_set}.ipynb").is_file():
        raise FileNotFoundError(
            f"no source notebook for problem set {problem_set!r}: expected "
            f"{notebooks / problem_set}.ipynb"
        )
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copyfile(source / "nbgrader_config.py", root / "nbgrader_config.py")
    packages = course_problem_sets(source)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(packages, root / packages.relative_to(origin.root), ignore=ignore)
    coursedir = load_coursedir(root)
    shutil.copytree(notebooks, step_dir(coursedir, "source", problem_set))
    release_assignment(coursedir, problem_set)
    return coursedir


def course_problem_set(coursedir: CourseDirectory, assignment: str) -> ProblemSet:
    """The problem set of ``assignment`` in the course's own package."""
    return load_problem_set(assignment, course_problem_sets(coursedir.root))


# --------------------------------------------------------------------- submissions


@dataclass(frozen=True)
class Student:
    """A generated submission and the points it deserves.

    ``files`` maps file names inside ``submitted/<name>/<assignment>/`` to their
    bytes; ``deserved`` maps each part's grade_id to the points it should get.
    """

    name: str
    kind: str  # "correct", "partly wrong", "broken" or "hostile"
    description: str
    files: dict[str, bytes]
    deserved: dict[str, float] = field(default_factory=dict)

    @property
    def deserved_total(self) -> float:
        return sum(self.deserved.values())


@dataclass(frozen=True)
class _Material:
    """What submissions are made of: the release and the correct answers."""

    problem_set: ProblemSet
    release: dict  # the released notebook as JSON
    answers: dict[str, str]  # answer cell grade_id -> correct source
    cell_of: dict[str, str]  # function -> grade_id of the answer cell defining it
    uses: dict[str, set[str]]  # function -> names its body refers to

    def notebook(
        self,
        replace: dict[str, str] | None = None,
        *,
        before: Sequence[str] = (),
        after: Sequence[str] = (),
        edit: Callable[[list], list] | None = None,
    ) -> bytes:
        """The release with the correct answers, some ``replace``d, extra cells.

        ``before`` cells go right before the first answer cell, ``after`` cells at
        the end; ``edit`` may rearrange the final list of cells.
        """
        nb = copy.deepcopy(self.release)
        sources = {**self.answers, **(replace or {})}
        first = None
        for index, cell in enumerate(nb["cells"]):
            grade_id = _grade_id(cell)
            if grade_id in sources:
                cell["source"] = sources[grade_id]
                first = index if first is None else first
        extra = [nbformat.v4.new_code_cell(source) for source in before]
        nb["cells"][first:first] = extra
        nb["cells"] += [nbformat.v4.new_code_cell(source) for source in after]
        if edit is not None:
            nb["cells"] = edit(nb["cells"])
        return json.dumps(nb, indent=1).encode()

    def stub(self, grade_id: str) -> str:
        """The answer cell as released (not answered)."""
        cell = next(c for c in self.release["cells"] if _grade_id(c) == grade_id)
        return "".join(cell["source"])

    def deserved(self, broken: Iterable[str] = ()) -> dict[str, float]:
        """Points per part when the functions in ``broken`` are wrong.

        A part gets no points when its function is broken or calls, directly or
        through other functions of the student, a broken one.
        """
        affected = set(broken)
        grew = True
        while grew:
            callers = {f for f, names in self.uses.items() if names & affected}
            grew = not callers <= affected
            affected |= callers
        return {
            p.grade_id: 0.0 if p.function in affected else p.points
            for p in self.problem_set.parts
        }

    def in_cell(self, grade_id: str) -> list[str]:
        """The functions the answer cell ``grade_id`` defines."""
        return [f for f, g in self.cell_of.items() if g == grade_id]


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _material(coursedir: CourseDirectory, assignment: str) -> _Material:
    problem_set = course_problem_set(coursedir, assignment)
    source = step_dir(coursedir, "source", assignment) / f"{assignment}.ipynb"
    release = step_dir(coursedir, "release", assignment) / f"{assignment}.ipynb"
    answers, cell_of, uses = {}, {}, {}
    for cell in read_nbformat(source).cells:
        if cell.cell_type == "code" and nbutils.is_solution(cell):
            grade_id = cell.metadata.nbgrader["grade_id"]
            lines = cell.source.splitlines()
            text = "\n".join(line for line in lines if "SOLUTION" not in line) + "\n"
            answers[grade_id] = text
            for node in ast.parse(text).body:
                if isinstance(node, ast.FunctionDef):
                    cell_of[node.name] = grade_id
                    uses[node.name] = {
                        n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                    }
    release_nb = json.loads(release.read_text(encoding="utf-8"))
    return _Material(problem_set, release_nb, answers, cell_of, uses)


def _redefine(function: str, body: str) -> str:
    """A cell tail that replaces ``function`` with a wrong version."""
    return f"\n\ndef {function}(*args, **kwargs):\n    {body}\n"


def _without_tests(cells: list) -> list:
    return [
        c
        for c in cells
        if not (
            nbutils.is_grade(_node(c))
            and c["cell_type"] == "code"
            and not nbutils.is_solution(_node(c))
        )
    ]


def _node(cell: dict) -> nbformat.NotebookNode:
    return nbformat.from_dict(cell)


def _reversed_with_copies(cells: list) -> list:
    answers = [c for c in cells if nbutils.is_solution(_node(c))]
    return list(reversed(cells)) + copy.deepcopy(answers)


# Code that attacks the grader, appended to a notebook with the correct answers:
# each submission still deserves full points.
ATTACKS = {
    "endless loop in a cell": "while True:\n    pass",
    "loop that ignores every signal": (
        "import signal\n"
        "for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):\n"
        "    signal.signal(s, signal.SIG_IGN)\n"
        "while True:\n    pass"
    ),
    "os._exit": "import os\nos._exit(0)",
    "segfault through ctypes": "import ctypes\nctypes.string_at(0)",
    "fork bomb": "import os\nwhile True:\n    os.fork()",
    "memory bomb": "hog = bytearray(64 * 1024**3)",
    "a million lines of output": "for i in range(10**6):\n    print(i)",
    "reads the solutions and other students' files": (
        "import os\n"
        "print(os.listdir('/'), os.listdir('..'))\n"
        "print(open('../correct01/{assignment}/{assignment}.ipynb').read())\n"
        "print(open('../../../solutions/{assignment}/{assignment}.ipynb').read())"
    ),
    "sets its own score in the gradebook": (
        "import sqlite3\n"
        "db = sqlite3.connect('../../../gradebook.db')\n"
        "db.execute('UPDATE grade SET auto_score = 100')\n"
        "db.commit()"
    ),
    "opens a network connection": (
        "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=2)"
    ),
    "reads the environment, writes outside its folder": (
        "import os\n"
        "print(dict(os.environ))\n"
        "open('/tmp/owned', 'w').write('x')\n"
        "open(os.path.expanduser('~/owned'), 'w').write('x')"
    ),
}

# Code that tries to make wrong answers pass, placed before the (wrong) answers:
# each submission deserves no points.
CHEATS = {
    "patches numpy's comparisons": (
        "import numpy\n"
        "numpy.allclose = lambda *a, **k: True\n"
        "numpy.array_equal = lambda *a, **k: True\n"
        "numpy.testing.assert_allclose = lambda *a, **k: None",
        "return args[0]",
    ),
    "returns an always-equal object": (
        "class Anything:\n"
        "    def __eq__(self, other):\n"
        "        return True\n\n"
        "    __hash__ = object.__hash__",
        "return Anything()",
    ),
    "IPython input transformer that blanks later cells": (
        "get_ipython().input_transformers_cleanup.append(lambda lines: [])",
        "return args[0]",
    ),
}


def sample_class(coursedir: CourseDirectory, assignment: str) -> list[Student]:
    """About 30 submissions of ``assignment``, each with the points it deserves.

    The kinds: correct (plain, noisy, renamed, rearranged), partly wrong (one
    function wrong, slow, borrowed from the course library or unanswered), broken
    (not a notebook, empty, missing, a syntax error) and hostile (attacks on the
    sandbox and attempts to make wrong answers pass).
    """
    m = _material(coursedir, assignment)
    functions = list(dict.fromkeys(p.function for p in m.problem_set.parts))
    nb = f"{assignment}.ipynb"
    students: list[Student] = []

    def add(kind: str, description: str, files: dict, deserved: dict) -> None:
        name = f"{kind.split()[0]}{len(students) + 1:02d}"
        students.append(Student(name, kind, description, files, deserved))

    add("correct", "the solutions", {nb: m.notebook()}, m.deserved())
    noise = (
        "import sys, warnings\nwarnings.warn('check this')\nprint('x', file=sys.stderr)"
    )
    add(
        "correct",
        "warnings and prints on stderr",
        {nb: m.notebook(after=[noise])},
        m.deserved(),
    )
    add(
        "correct",
        "renamed notebook",
        {f"{assignment} (1).ipynb": m.notebook()},
        m.deserved(),
    )
    add(
        "correct",
        "test cells deleted, an extra cell",
        {nb: m.notebook(after=["total = sum([1, 2, 3])"], edit=_without_tests)},
        m.deserved(),
    )
    add(
        "correct",
        "cells reversed, answer cells duplicated",
        {nb: m.notebook(edit=_reversed_with_copies)},
        m.deserved(),
    )
    for function in functions:
        cell = m.cell_of[function]
        reference = next(
            case.reference
            for part in m.problem_set.parts
            for case in part.cases
            if part.function == function
        )
        wrong = {
            "forgot the computation": _redefine(function, "return args[0]"),
            "never finishes": _redefine(function, "while True:\n        pass"),
        }
        if reference.__module__.startswith("course."):  # a reference students see
            wrong["calls the course library"] = (
                f"\nfrom {reference.__module__} import {reference.__name__} as "
                "borrowed\n" + _redefine(function, "return borrowed(*args, **kwargs)")
            )
        for what, tail in wrong.items():
            add(
                "partly wrong",
                f"{function}: {what}",
                {nb: m.notebook({cell: m.answers[cell] + tail})},
                m.deserved([function]),
            )
    last = m.cell_of[functions[-1]]
    add(
        "partly wrong",
        f"{functions[-1]} left unanswered",
        {nb: m.notebook({last: m.stub(last)})},
        m.deserved(m.in_cell(last)),
    )
    add(
        "partly wrong",
        "the release, unanswered",
        {nb: m.notebook({g: m.stub(g) for g in m.answers})},
        m.deserved(functions),
    )
    first = m.cell_of[functions[0]]
    add(
        "broken",
        f"syntax error in the cell of {functions[0]}",
        {nb: m.notebook({first: m.answers[first] + "\n    return (\n"})},
        m.deserved(m.in_cell(first)),
    )
    add("broken", "not valid JSON", {nb: b'{"cells": [oops'}, m.deserved(functions))
    add("broken", "empty notebook file", {nb: b""}, m.deserved(functions))
    add(
        "broken",
        "no notebook at all",
        {"answers.txt": b"see email"},
        m.deserved(functions),
    )
    for what, code in ATTACKS.items():
        cell = code.format(assignment=assignment)
        add("hostile", what, {nb: m.notebook(after=[cell])}, m.deserved())
    for what, (code, body) in CHEATS.items():
        wrong = {m.cell_of[f]: m.answers[m.cell_of[f]] for f in functions}
        for f in functions:
            wrong[m.cell_of[f]] += _redefine(f, body)
        add(
            "hostile",
            f"{what}, wrong answers",
            {nb: m.notebook(wrong, before=[code])},
            m.deserved(functions),
        )
    return students


def answered_notebook(
    coursedir: CourseDirectory,
    assignment: str,
    replace: dict[str, str] | None = None,
    *,
    before: Sequence[str] = (),
) -> bytes:
    """The released notebook with the correct answers (``replace``: answer cell
    grade_id -> other source) and code cells ``before`` the first answer."""
    return _material(coursedir, assignment).notebook(replace, before=before)


def write_class(
    coursedir: CourseDirectory, assignment: str, students: Iterable[Student]
) -> None:
    """Write each student's files into ``submitted/<student>/<assignment>/``."""
    for student in students:
        folder = step_dir(coursedir, "submitted", assignment, student.name)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for name, data in student.files.items():
            (folder / name).write_bytes(data)


def demo_limits(coursedir: CourseDirectory, problem_set: str) -> Limits:
    """The limits ``grader autograde`` would use, with times no longer than
    :data:`DEMO_LIMITS`."""
    base = Grader(config=coursedir.config).limits()
    limits = course_problem_set(coursedir, problem_set).limits_over(base)
    shorter = {k: min(v, getattr(limits, k)) for k, v in DEMO_LIMITS.items()}
    return dataclasses.replace(limits, **shorter)


def comparison_table(students: Sequence[Student], outcomes: Sequence[Outcome]) -> str:
    """Each student's kind, points, deserved points, result and submission."""
    by_name = {o.student: o for o in outcomes}
    rows = [("student", "kind", "points", "deserved", "lost points in", "submission")]
    for student in students:
        outcome = by_name[student.name]
        deserved = f"{student.deserved_total:g}"
        if abs(outcome.score - student.deserved_total) > 1e-9:
            deserved += " DIFFERS"
        lost = [
            f"{gid} ({p.reason})"
            for gid, p in outcome.parts.items()
            if p.score < p.max_score
        ]
        rows.append(
            (
                student.name,
                student.kind,
                f"{outcome.score:g}/{outcome.max_score:g}",
                deserved,
                ", ".join(lost) or "-",
                student.description,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False))
        + "  "
        + row[5]
        for row in rows
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader.demo", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--problem-set", default=DEFAULT_PROBLEM_SET)
    parser.add_argument(
        "--course",
        type=Path,
        default=DEMO_COURSE,
        help="the course the problem set comes from (default: the demo course)",
    )
    parser.add_argument("--out", type=Path, default=DEMO_DIR)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args(argv)
    assignment = args.problem_set
    coursedir = build_course(args.out / "course", assignment, args.course)
    students = sample_class(coursedir, assignment)
    write_class(coursedir, assignment, students)
    print(f"grading {len(students)} submissions of {assignment} in the sandbox")
    outcomes = autograde(
        coursedir,
        assignment,
        jobs=args.jobs,
        limits=demo_limits(coursedir, assignment),
    )
    print(comparison_table(students, outcomes))
    report = write_report(coursedir, assignment, args.out / "report.html")
    with open(args.out / "grades.csv", "w", encoding="utf-8", newline="") as fh:
        write_rows(grade_rows(coursedir, assignment), fh)
    print(f"\nreport: {report}\ngrades: {args.out / 'grades.csv'}")
    by_name = {o.student: o for o in outcomes}
    differs = [
        s.name for s in students if abs(by_name[s.name].score - s.deserved_total) > 1e-9
    ]
    if differs:
        print(
            f"scores differ from the deserved ones: {', '.join(differs)}",
            file=sys.stderr,
        )
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
