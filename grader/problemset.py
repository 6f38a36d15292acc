"""Problem sets: the graded parts of each assignment, as course content.

The grader knows no course: a course keeps its problem sets in a Python package
in its own folder, beside ``solutions/`` and never inside it (so that nothing of
them reaches a student release), named by ``c.Grader.problem_sets`` in its
``nbgrader_config.py`` (default ``problemsets``). The package is imported from its
folder (it need not be installed); its modules may import each other relatively
(``from .ps4 import helper``). The grader's own demo course ships its ``demo0``
problem set in the same way (:data:`DEMO_COURSE`).

A module ``<package>/psN.py`` defines

``PARTS`` (required)
    a list of :class:`grader.cases.Part`, one per nbgrader test cell (``grade_id``);
``HANDOUTS`` (optional)
    the ``course`` modules students may use, also inside the sandbox; default
    :data:`DEFAULT_HANDOUTS`. Every other ``course`` module counts as the reference
    library: it is absent from the sandbox, and a graded function that uses it gets
    reason IMPORTS_REFERENCE;
``REFERENCE`` (optional)
    dotted names of handed-out objects that are nevertheless references for this
    problem set (e.g. ``"course.data.train_val_split"`` when students write their
    own split): using one in a graded function gets reason IMPORTS_REFERENCE;
``LIMITS`` (optional)
    a dict of :class:`grader.sandbox.Limits` fields for this problem set's runs,
    over the course's configured limits (e.g. ``{"cell_seconds": 120.0}``).

:func:`load_problem_set` imports and validates such a module, from the package of
the course named (or the course found upward from the working directory, as
nbgrader finds its configuration), then from the demo course.

Writing one, in short:

- the source notebook ``solutions/psN/psN.ipynb`` has, per graded part, an answer
  cell defining the function and a test cell (``grade_id`` = the part's
  ``grade_id``, its points = the part's ``points``) whose hidden part is one line,
  ``check_part("psN", "<grade_id>", <function>)`` from :mod:`grader.checks`; the
  public part may call ``check_own_code("psN", <function>)`` so that students learn
  before submitting that using the reference gets no points;
- a case's ``reference(*args)`` returns a number, a numeric array, or a tuple/list
  of them (one entry per output: the student must return a sequence of the same
  length); a dataclass or an object is not an output, so wrap the reference in a
  small function returning the arrays to compare;
- arguments from ``make_args`` are numeric arrays, numbers, strings, None, and
  lists, tuples or string-keyed dicts of these (no objects: they cross into the
  sandbox as data);
- a part is all or nothing, so split a function's behaviours over several parts
  when partial credit is wanted;
- graded functions are called after every cell of the notebook has run, once per
  case, each call under ``LIMITS.case_seconds``; cells that train on MNIST count
  against ``LIMITS.cell_seconds``, ``cpu_seconds`` and ``wall_seconds``;
- a handout must not import a module that is not handed out (checked on load).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
import os
import pkgutil
import re
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from grader.cases import Part, ProblemSetError
from grader.sandbox import Limits

__all__ = [
    "DEFAULT_HANDOUTS",
    "ProblemSet",
    "load_problem_set",
    "problem_set_names",
]

DEFAULT_HANDOUTS = ("course._validation", "course.data")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ProblemSet:
    """The graded parts of one assignment, and what students may use.

    Attributes
    ----------
    name : str
        The nbgrader assignment name, e.g. ``"ps3"``.
    parts : tuple of Part
    handouts : tuple of str
        ``course`` modules handed out (``"course.data"``, ...).
    limits : dict
        :class:`~grader.sandbox.Limits` fields this problem set sets itself
        (:meth:`limits_over` applies them).
    references : tuple of str
        Handed-out objects that still count as the reference (dotted names).
    digest : str
        SHA-256 of the problem set's module and of its handouts' sources: it
        changes whenever grading could (empty for a problem set built by hand).
    """

    name: str
    parts: tuple[Part, ...]
    handouts: tuple[str, ...] = DEFAULT_HANDOUTS
    limits: dict = field(default_factory=dict, hash=False)
    references: tuple[str, ...] = ()
    digest: str = ""

    def __post_init__(self):
        _validate(self)

    @property
    def max_score(self) -> float:
        return sum(part.points for part in self.parts)

    def limits_over(self, base: Limits | None = None) -> Limits:
        """``base`` (default: :class:`Limits`' defaults) with this set's LIMITS."""
        return replace(base or Limits(), **self.limits)

    def part(self, grade_id: str) -> Part:
        """The part graded by the test cell ``grade_id``."""
        for part in self.parts:
            if part.grade_id == grade_id:
                return part
        known = ", ".join(part.grade_id for part in self.parts)
        raise KeyError(
            f"problem set {self.name!r} has no part {grade_id!r}; its parts are "
            f"{known}."
        )

    def is_reference(self, dotted: str) -> bool:
        """Whether a dotted name belongs to the reference library (not handed out).

        ``"course.activations.relu"`` is, unless ``course.activations`` is a handout;
        ``"course"`` itself and ``"course.data.load_mnist"`` (a default handout) are
        not.
        """
        if any(dotted == r or dotted.startswith(r + ".") for r in self.references):
            return True
        return self.is_reference_module(dotted)

    def is_reference_module(self, dotted: str) -> bool:
        """Whether ``dotted`` lies in a ``course`` module that is not handed out."""
        pieces = dotted.split(".")
        if pieces[0] != "course" or len(pieces) < 2 or pieces[1].startswith("__"):
            return False
        return f"course.{pieces[1]}" not in self.handouts

    def handout_sources(self) -> list[Path]:
        """Files or package folders of the handed-out modules (trusted copies)."""
        sources = []
        for module in self.handouts:
            spec = importlib.util.find_spec(module)
            if spec is None or spec.origin is None:
                raise ProblemSetError(f"handout module {module!r} cannot be found.")
            origin = Path(spec.origin)
            sources.append(origin.parent if spec.submodule_search_locations else origin)
        return sources


def _validate(problem_set: ProblemSet) -> None:
    where = f"problem set {problem_set.name!r}"
    if not problem_set.parts:
        raise ProblemSetError(f"{where} has no PARTS.")
    grade_ids = [part.grade_id for part in problem_set.parts]
    if len(set(grade_ids)) != len(grade_ids):
        raise ProblemSetError(f"{where} repeats a grade_id: {grade_ids}.")
    for part in problem_set.parts:
        if not isinstance(part, Part):
            raise ProblemSetError(
                f"{where}: PARTS must hold Part objects, got {part!r}."
            )
        if not part.points > 0:
            raise ProblemSetError(
                f"{where}: part {part.grade_id!r} must have positive points, "
                f"got {part.points!r}."
            )
        if not part.cases:
            raise ProblemSetError(f"{where}: part {part.grade_id!r} has no cases.")
        names = [case.name for case in part.cases]
        if len(set(names)) != len(names):
            raise ProblemSetError(
                f"{where}: part {part.grade_id!r} repeats a case name: {names}."
            )
        for case in part.cases:
            if case.function != part.function:
                raise ProblemSetError(
                    f"{where}: case {case.name!r} calls {case.function!r}, but part "
                    f"{part.grade_id!r} grades {part.function!r}."
                )
    unknown = set(problem_set.limits) - {f.name for f in fields(Limits)}
    if unknown:
        raise ProblemSetError(
            f"{where}: LIMITS sets {sorted(unknown)}, which are not fields of "
            f"grader.sandbox.Limits ({', '.join(f.name for f in fields(Limits))})."
        )
    for module in problem_set.handouts:
        pieces = module.split(".")
        if len(pieces) != 2 or pieces[0] != "course":
            raise ProblemSetError(
                f"{where}: a handout must be a module directly under course, such as "
                f"'course.data', but got {module!r}."
            )
    for source in problem_set.handout_sources():
        files = sorted(source.rglob("*.py")) if source.is_dir() else [source]
        for path in files:
            for imported in _course_imports(path):
                if problem_set.is_reference_module(imported):
                    raise ProblemSetError(
                        f"{where}: the handout {path.name} imports {imported}, which "
                        f"is not handed out; add it to HANDOUTS or drop the handout."
                    )


def _course_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("course.")}


DEMO_COURSE = Path(__file__).parent / "demo_course"
"""The grader's own demo course (package data): ``demo0`` and its notebooks."""


def course_problem_sets(root: str | os.PathLike) -> Path:
    """The problem-set package folder of the course in ``root`` (``c.Grader``)."""
    from grader.config import Grader
    from grader.course import load_coursedir

    coursedir = load_coursedir(root)
    return Path(coursedir.root, Grader(config=coursedir.config).problem_sets)


def find_course(start: str | os.PathLike | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the working directory)
    holding ``nbgrader_config.py``, or None."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    return None


def search_path(packages: str | os.PathLike | None = None) -> tuple[Path, ...]:
    """Where problem sets are looked for, in order.

    ``packages`` (a package folder) when given; else the folder named by the
    environment variable ``GRADER_PROBLEM_SETS`` (for a notebook that runs outside
    the course folder, as on a student's machine or a hub), else the package of the
    course found by :func:`find_course`; then the demo course's.
    """
    found = []
    if packages is None:
        packages = os.environ.get("GRADER_PROBLEM_SETS") or None
    if packages is not None:
        found.append(Path(packages))
    else:
        course = find_course()
        if course is not None:
            found.append(course_problem_sets(course))
    found.append(DEMO_COURSE / "problemsets")
    return tuple(dict.fromkeys(p.resolve() for p in found))


def _package(folder: Path) -> str:
    """Import the package in ``folder`` under a name of its own; that name."""
    name = "_problem_sets_" + hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        if spec is None or spec.loader is None:
            raise ProblemSetError(f"{folder} is not a Python package.")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return name


def load_problem_set(
    name: str, packages: str | os.PathLike | None = None
) -> ProblemSet:
    """Import and validate the problem set ``name`` (see :func:`search_path`).

    Raises
    ------
    KeyError
        When there is no such problem set.
    ProblemSetError
        When the module is malformed.
    """
    return _load(name, search_path(packages))


@functools.cache
def _load(name: str, path: tuple[Path, ...]) -> ProblemSet:
    if not isinstance(name, str) or not _NAME.match(name):
        raise KeyError(f"{name!r} is not a problem set name (lowercase, e.g. 'ps3').")
    folder = next((f for f in path if (f / f"{name}.py").is_file()), None)
    if folder is None:
        known = ", ".join(_names(path)) or "none"
        where = ", ".join(str(f) for f in path)
        raise KeyError(f"there is no problem set {name!r} in {where}; known: {known}.")
    module = importlib.import_module(f"{_package(folder)}.{name}")
    if not hasattr(module, "PARTS"):
        raise ProblemSetError(f"problem set module {module.__file__} defines no PARTS.")
    problem_set = ProblemSet(
        name=name,
        parts=tuple(module.PARTS),
        handouts=tuple(getattr(module, "HANDOUTS", DEFAULT_HANDOUTS)),
        limits=dict(getattr(module, "LIMITS", {})),
        references=tuple(getattr(module, "REFERENCE", ())),
    )
    sources = [Path(module.__file__)]
    for source in problem_set.handout_sources():
        sources += sorted(source.rglob("*.py")) if source.is_dir() else [source]
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return replace(problem_set, digest=digest.hexdigest())


def problem_set_names(packages: str | os.PathLike | None = None) -> list[str]:
    """The problem sets found on the :func:`search_path`."""
    return _names(search_path(packages))


def _names(path: tuple[Path, ...]) -> list[str]:
    return sorted(
        {
            info.name
            for info in pkgutil.iter_modules([str(f) for f in path])
            if not info.ispkg and _NAME.match(info.name)
        }
    )
