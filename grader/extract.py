"""Reading submitted notebooks as data and finding the student's code in them.

Everything here is trusted code reading untrusted files: notebooks are parsed as JSON
(never executed, never opened by Jupyter), symlinks are refused, and the student's
source is only ever parsed with :mod:`ast`.

- :func:`find_notebook` picks the submitted notebook in a folder, tolerating a
  renamed file ("ps3 (1).ipynb", a copy in a subfolder); :func:`submission_files`
  lists the student's other files, which sit beside the notebook while it runs.
- :func:`read_notebook` returns the student's code cells in notebook order, without
  nbgrader test cells (edited, duplicated or deleted test cells therefore change
  nothing), with IPython magics and shell escapes stripped (:func:`strip_magics`).
- :func:`reference_uses` finds, statically, whether a graded function relies on the
  course's reference modules (directly, through an alias, an attribute chain, a star
  import or a helper function of the student's).
- :func:`defining_cells` tells which cells bind a name (for messages when a cell
  that defines a graded function crashed).

Bounds
------
All the work done on student-controlled text is linear in its size and bounded, so
that the most expensive notebook accepted costs well under a second:

- the file is read by :mod:`grader.notebooks`, which bounds its bytes and its
  JSON values before decoding it; the student's code cells hold at most
  :data:`MAX_CELL_BYTES` each and :data:`MAX_CODE_BYTES` together (checked
  before any parsing). A notebook over a limit raises
  :class:`NotebookError`, whose message names the cell, its size and the limit;
- a cell is refused when it holds a dotted name of more than ``_MAX_DOTS`` dots
  (CPython joins the parts of an imported name in quadratic time) or nests too
  deeply for :mod:`ast` (the sandbox could run it with a higher recursion limit,
  unseen by :func:`reference_uses`);
- each cell is parsed once, or twice when it holds magics (as written, then
  stripped), and :attr:`Cell.tree` keeps the tree; the analysis of a notebook's
  module-level bindings is shared by all its graded functions;
- magics are recognised with string methods and regular expressions that cannot
  backtrack more than once over a line;
- :func:`find_notebook` reads at most ``_MAX_CANDIDATES`` candidates, the shallowest
  first, each at most :data:`grader.notebooks.MAX_NOTEBOOK_BYTES`;
- :func:`reference_uses` tries at most ``_MAX_ATTRIBUTES`` attributes of a chain,
  never looks up a dotted name longer than ``_MAX_NAME_CHARS`` characters (no name
  of the reference library is that long) and reports at most ``_MAX_REPORTED``
  names.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from grader.cases import most_specific
from grader.notebooks import NotebookError, read_bytes, read_cells

__all__ = [
    "MAX_CELL_BYTES",
    "MAX_CODE_BYTES",
    "Cell",
    "Notebook",
    "find_notebook",
    "submission_files",
    "read_notebook",
    "strip_magics",
    "reference_uses",
    "defining_cells",
]

MAX_CELL_BYTES = 16 * 1024
MAX_CODE_BYTES = 64 * 1024
_MAX_DEPTH = 3
_MAX_CANDIDATES = 50
_MAX_DOTS = 100
_MAX_ATTRIBUTES = 8
_MAX_NAME_CHARS = 200
_MAX_REPORTED = 10
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
# the part before "=" of ``files = !ls``; spaces before "=" are taken off first
_ASSIGNED_TARGET = re.compile(r"[\w.\[\], ]+")
# ``np.sum?``, ``??np.sum``, ``np.sum??`` with trailing whitespace taken off first
_HELP = re.compile(r"\?*[\w.]+\?{1,2}|\?+[\w.]+")
# a run of ".name" parts (anything but operators and whitespace counts as a name)
_DOTTED_RUN = re.compile(
    r"(?:\.[ \t\f\\\r\n]*[^\s\\.,;:()\[\]{}#=+\-*/%<>!&|^~@'\"`]+[ \t\f\\\r\n]*)+"
)


@dataclass(frozen=True)
class Cell:
    """One code cell of the student's notebook.

    Attributes
    ----------
    index : int
        Position among all the notebook's cells (0-based).
    source : str
        The code to run, with magics and shell escapes stripped.
    grade_id : str or None
        nbgrader's ``grade_id`` when the cell carries nbgrader metadata.
    answer : bool
        True for an nbgrader answer cell (``solution: true``).
    """

    index: int
    source: str
    grade_id: str | None = None
    answer: bool = False

    @cached_property
    def tree(self) -> ast.Module | None:
        """``source`` parsed by :func:`ast.parse`, once; None when it is not Python.

        :func:`read_notebook` sets it from the parse it did anyway.
        """
        return _parse(self.source)


@dataclass(frozen=True)
class Notebook:
    """The student's code found in a notebook.

    Attributes
    ----------
    path : Path
    cells : tuple of Cell
        Code cells in notebook order, test cells excluded.
    answers : dict
        ``grade_id -> source`` of the answer cells as submitted (the last one wins
        when a cell was duplicated).
    test_cells : int
        How many test cells were left out.
    """

    path: Path
    cells: tuple[Cell, ...]
    answers: dict[str, str] = field(default_factory=dict)
    test_cells: int = 0


# ----------------------------------------------------------------------------------
# Finding and reading the notebook
# ----------------------------------------------------------------------------------


def _candidates(directory: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(directory, followlinks=False):
        depth = len(Path(root).relative_to(directory).parts)
        dirs[:] = [d for d in sorted(dirs) if not d.startswith(".")]
        if depth >= _MAX_DEPTH:
            dirs[:] = []
        for name in sorted(files):
            path = Path(root, name)
            if name.endswith(".ipynb") and not name.startswith("."):
                info = path.lstat()
                if stat.S_ISREG(info.st_mode):
                    yield path


def find_notebook(
    directory: str | os.PathLike, problem_set: str, functions: Iterable[str] = ()
) -> Path | None:
    """The submitted notebook in ``directory``, or None when there is none.

    ``<problem_set>.ipynb`` wins; otherwise the candidate that defines the most graded
    ``functions``, then the one whose name contains the problem set's name, then the
    shallowest, then the most recently modified. Symlinks are never followed. Only
    the first ``_MAX_CANDIDATES`` (50) candidates, ordered by depth and then by path,
    are considered, so that a folder of many large notebooks costs a bounded time.
    """
    directory = Path(directory)
    exact = directory / f"{problem_set}.ipynb"
    if exact.is_file() and not exact.is_symlink():
        return exact

    def depth(path: Path) -> int:
        return len(path.relative_to(directory).parts)

    candidates = sorted(_candidates(directory), key=lambda p: (depth(p), str(p)))
    candidates = candidates[:_MAX_CANDIDATES]
    if not candidates:
        return None
    functions = list(functions)
    names = sorted(set(functions))
    alternatives = b"|".join(re.escape(name.encode()) for name in names)
    pattern = re.compile(rb"def\s+(" + alternatives + rb")\s*\(")

    def score(path: Path):
        found: set[str] = set()
        if names:
            try:
                data = read_bytes(path)
            except (OSError, NotebookError):
                data = b""
            for match in pattern.finditer(data):
                found.add(match.group(1).decode())
                if len(found) == len(names):
                    break
        defined = sum(name in found for name in functions)
        named = problem_set.lower() in path.name.lower()
        return (defined, named, -depth(path), path.stat().st_mtime_ns)

    return max(candidates, key=score)


def submission_files(
    directory: str | os.PathLike,
    *,
    max_files: int = 1000,
    max_bytes: int = 64 * 1024**2,
) -> list[tuple[str, Path]]:
    """The student's own files, to sit beside the notebook while it runs.

    Regular files only (no symlinks, nothing hidden, no checkpoints), at most
    ``max_files`` of them and ``max_bytes`` in all; the rest is left out.

    Returns
    -------
    list of (str, Path)
        Path relative to ``directory``, and the file.
    """
    directory = Path(directory)
    found, total = [], 0
    for root, dirs, files in os.walk(directory, followlinks=False):
        dirs[:] = [d for d in sorted(dirs) if not d.startswith(".")]
        for name in sorted(files):
            path = Path(root, name)
            info = path.lstat()
            if name.startswith(".") or not stat.S_ISREG(info.st_mode):
                continue
            if len(found) >= max_files or total + info.st_size > max_bytes:
                return found
            total += info.st_size
            found.append((str(path.relative_to(directory)), path))
    return found


def _code_size(source: str) -> int:
    return len(source.encode("utf-8", "surrogatepass"))


def read_notebook(path: str | os.PathLike) -> Notebook:
    """Read a submitted notebook as data.

    Accepts nbformat 4 and 3 (``worksheets``), sources as strings or lists of lines,
    missing or malformed metadata, and cells in any order. Each cell is parsed once
    (twice when it holds magics), and :attr:`Cell.tree` keeps the tree.

    Raises
    ------
    NotebookError
        When the file is empty, not UTF-8, not valid JSON, not a notebook, or has no
        code cell at all; when it is over a limit (those of
        :mod:`grader.notebooks`, :data:`MAX_CELL_BYTES`, :data:`MAX_CODE_BYTES`);
        when a cell holds a dotted name of more than 100 dots or nests too deeply
        to be parsed.
    """
    path = Path(path)
    cells = read_cells(path)

    students, tests, any_code, total = [], 0, False, 0
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        any_code = True
        info = cell["metadata"].get("nbgrader")
        info = info if isinstance(info, dict) else {}
        solution = info.get("solution") is True
        if info.get("grade") is True and not solution:
            tests += 1
            continue
        grade_id = (
            info.get("grade_id") if isinstance(info.get("grade_id"), str) else None
        )
        source = cell["source"]
        size = _code_size(source)
        if size > MAX_CELL_BYTES:
            raise NotebookError(
                f"cell {index + 1} holds {size} bytes of code, more than the "
                f"{MAX_CELL_BYTES} accepted"
            )
        total += size
        students.append((index, source, grade_id, solution))
    if not any_code:
        raise NotebookError("the notebook has no code cells")
    if total > MAX_CODE_BYTES:
        raise NotebookError(
            f"the notebook's code cells hold {total} bytes of code, more than the "
            f"{MAX_CODE_BYTES} accepted"
        )

    code_cells, answers = [], {}
    for index, source, grade_id, solution in students:
        if solution and grade_id is not None:
            answers[grade_id] = source
        code_cells.append(_read_cell(index, source, grade_id, solution))
    return Notebook(path, tuple(code_cells), answers, tests)


def _read_cell(index: int, source: str, grade_id: str | None, answer: bool) -> Cell:
    """The cell as it will run: parsed as written and, if need be, once stripped."""
    dots = max(
        (source.count(".", *match.span()) for match in _DOTTED_RUN.finditer(source)),
        default=0,
    )
    if dots > _MAX_DOTS:
        raise NotebookError(
            f"cell {index + 1} holds a dotted name of {dots} dots, more than the "
            f"{_MAX_DOTS} accepted"
        )
    tree = _parse(source)
    if tree is None:
        source = _strip_lines(source)
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            tree = None
        except (RecursionError, MemoryError):
            raise NotebookError(
                f"cell {index + 1} nests its code too deeply to be read"
            ) from None
    cell = Cell(index, source, grade_id, answer)
    object.__setattr__(cell, "tree", tree)  # what Cell.tree would compute
    return cell


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def strip_magics(source: str) -> str:
    """Turn a cell into plain Python: IPython magics and shell escapes become ``pass``.

    Valid Python is returned unchanged. A cell magic runs its body as Python when it
    is one of ``%%time``, ``%%timeit``, ``%%capture``, ``%%prun``; other cell magics
    (``%%bash``, ``%%writefile``, ...) drop the whole cell. Linear in the size of the
    cell.
    """
    if _parse(source) is not None:
        return source
    return _strip_lines(source)


def _strip_lines(source: str) -> str:
    """:func:`strip_magics` for a cell that is not valid Python as written."""
    lines = source.splitlines()
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        words = lines[first].lstrip()[2:].split()
        if not words or words[0] not in _PYTHON_CELL_MAGICS:
            return ""
        lines = lines[first + 1 :]
    kept = []
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        kept.append(indent + "pass" if _is_magic(stripped) else line)
    return "\n".join(kept) + "\n"


def _is_magic(line: str) -> bool:
    """Whether a line, indent taken off, is a magic, a shell escape or a help request.

    ``%time f()``, ``!ls``, ``files = !ls``, ``x, y = %who_ls``, ``np.sum?``,
    ``??np.sum``. Each test passes over the line a bounded number of times.
    """
    if line.startswith(("%", "!")):
        return True
    target, equals, value = line.partition("=")
    if (
        equals
        and value.lstrip().startswith(("%", "!"))
        and _ASSIGNED_TARGET.fullmatch(target.rstrip())
    ):
        return True
    return _HELP.fullmatch(line.rstrip()) is not None


# ----------------------------------------------------------------------------------
# Static analysis of module-level bindings
# ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Binding:
    # "import" (target: a dotted name, or None when too long to be the reference's)
    # or "code" (target: an AST node)
    kind: str
    target: object


@dataclass(frozen=True)
class _Uses:
    """What a piece of code reads from outside: imports and global names."""

    imports: tuple[str, ...]  # dotted names imported inside the code
    names: tuple[tuple[str, tuple[str, ...]], ...]  # global name, attributes taken


@dataclass
class _Analysis:
    """The module-level bindings of a notebook's cells, shared by its graded parts."""

    environment: dict[str, _Binding] = field(default_factory=dict)
    stars: list[str] = field(default_factory=list)  # star-imported modules, once
    defined_in: dict[str, list[int]] = field(default_factory=dict)
    _uses: dict[int, _Uses] = field(default_factory=dict)  # by id of the node
    _exports: dict[str, frozenset[str]] = field(default_factory=dict)

    def uses(self, node: ast.AST) -> _Uses:
        if id(node) not in self._uses:
            self._uses[id(node)] = _uses(node)
        return self._uses[id(node)]

    def star_names(self, modules: list[str]) -> dict[str, list[str]]:
        """``name -> modules`` whose star import binds it."""
        index: dict[str, list[str]] = {}
        for module in modules:
            if module not in self._exports:
                self._exports[module] = _exports(module)
            for name in self._exports[module]:
                index.setdefault(name, []).append(module)
        return index


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at module level, including those in if/try/with/loops.

    In source order, depth first (an ``elif`` chain nests), without recursion.
    """
    pending = list(reversed(body))
    while pending:
        statement = pending.pop()
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        nested = []
        for name in ("body", "orelse", "finalbody"):
            nested.extend(getattr(statement, name, []))
        for handler in getattr(statement, "handlers", []):
            nested.extend(handler.body)
        for case in getattr(statement, "cases", []):
            nested.extend(case.body)
        pending.extend(reversed(nested))


def _stored_names(target: ast.AST) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def _dotted(module: str, name: str) -> str | None:
    """``module.name``, or None when too long to name anything of the reference."""
    if len(module) + 1 + len(name) > _MAX_NAME_CHARS:
        return None
    return f"{module}.{name}"


def _bindings(statement: ast.stmt, stars: list[str]) -> Iterator[tuple[str, _Binding]]:
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname:
                yield alias.asname, _Binding("import", alias.name)
            else:
                top = alias.name.partition(".")[0]
                yield top, _Binding("import", top)
    elif isinstance(statement, ast.ImportFrom):
        if statement.level or not statement.module:
            return
        for alias in statement.names:
            if alias.name == "*":
                stars.append(statement.module)
            else:
                dotted = _dotted(statement.module, alias.name)
                yield alias.asname or alias.name, _Binding("import", dotted)
    elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield statement.name, _Binding("code", statement)
    elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = getattr(statement, "targets", None) or [statement.target]
        if statement.value is not None:
            for target in targets:
                for name in _stored_names(target):
                    yield name, _Binding("code", statement.value)
    elif isinstance(statement, (ast.For, ast.AsyncFor)):
        for name in _stored_names(statement.target):
            yield name, _Binding("code", statement.iter)
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        for item in statement.items:
            if item.optional_vars is not None:
                for name in _stored_names(item.optional_vars):
                    yield name, _Binding("code", item.context_expr)


@lru_cache(maxsize=1)
def _analyse(cells: tuple[Cell, ...]) -> _Analysis:
    """The module-level bindings after running every cell in order (last one wins).

    Cached for the last notebook: :func:`reference_uses` is called once per graded
    function with the same cells.
    """
    analysis = _Analysis()
    stars: list[str] = []
    for cell in cells:
        if cell.tree is None:
            continue
        bound = set()
        for statement in _module_level(cell.tree.body):
            for name, binding in _bindings(statement, stars):
                analysis.environment[name] = binding
                bound.add(name)
        for name in bound:
            analysis.defined_in.setdefault(name, []).append(cell.index)
    analysis.stars = list(dict.fromkeys(stars))
    return analysis


def defining_cells(cells: Iterable[Cell], name: str) -> list[int]:
    """Indices of the cells that bind ``name`` at module level.

    A cell that is not valid Python counts when one of its lines starts with
    ``def name``: its syntax error is then why ``name`` is missing.
    """
    cells = tuple(cells)
    found = set(_analyse(cells).defined_in.get(name, ()))
    header = re.compile(rf"^(?:async[ \t]+)?def[ \t]+{re.escape(name)}\b", re.MULTILINE)
    found.update(c.index for c in cells if c.tree is None and header.search(c.source))
    return sorted(found)


def _local_names(node: ast.AST) -> set[str]:
    """Parameters and names assigned inside a function (they shadow globals)."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return set()
    arguments = node.args
    names = {
        a.arg
        for a in arguments.posonlyargs
        + arguments.args
        + arguments.kwonlyargs
        + [arguments.vararg, arguments.kwarg]
        if a is not None
    }
    declared_global = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Global):
            declared_global.update(sub.names)
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
    return names - declared_global


def _chain(node: ast.Attribute) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def _uses(node: ast.AST) -> _Uses:
    """The imports and the global names (with attribute chains) that code reads."""
    local = _local_names(node)
    imports: list[str] = []
    names: list[tuple[str, tuple[str, ...]]] = []
    inner: set[int] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import):
            imports.extend(alias.name for alias in sub.names)
        elif isinstance(sub, ast.ImportFrom) and sub.module and not sub.level:
            imports.append(sub.module)
            imports.extend(
                dotted
                for alias in sub.names
                if (dotted := _dotted(sub.module, alias.name)) is not None
            )
        elif isinstance(sub, ast.Attribute) and id(sub) not in inner:
            base = sub.value
            while isinstance(base, ast.Attribute):
                inner.add(id(base))
                base = base.value
            inner.add(id(base))  # the chain's base name is resolved with it
            chain = _chain(sub)
            if chain and chain[0] not in local:
                names.append((chain[0], tuple(chain[1 : _MAX_ATTRIBUTES + 1])))
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            if sub.id not in local and id(sub) not in inner:
                names.append((sub.id, ()))
    return _Uses(tuple(imports), tuple(names))


def _exports(module: str) -> frozenset[str]:
    """The names a star import of ``module`` binds; none when it cannot be imported."""
    try:
        imported = importlib.import_module(module)
    except Exception:
        return frozenset()
    return frozenset(getattr(imported, "__all__", dir(imported)))


def _reference_prefix(
    target: str, attributes: tuple[str, ...], is_reference: Callable[[str], bool]
) -> str | None:
    """The longest of ``target.attr1.attr2...`` that is a reference name, if any."""
    sizes = [len(target)]
    for attribute in attributes:
        sizes.append(sizes[-1] + 1 + len(attribute))
    for end in range(len(attributes), -1, -1):
        if sizes[end] <= _MAX_NAME_CHARS:
            dotted = ".".join([target, *attributes[:end]])
            if is_reference(dotted):
                return dotted
    return None


def _references(
    analysis: _Analysis, function: str, is_reference: Callable[[str], bool]
) -> Iterator[str]:
    """Reference names that ``function`` relies on, as found (they may repeat)."""
    stars = [
        module
        for module in analysis.stars
        if len(module) <= _MAX_NAME_CHARS and is_reference(module)
    ]
    star_names: dict[str, list[str]] | None = None
    looked_up: set[tuple[str, tuple[str, ...]]] = set()
    visited: set[int] = set()  # code nodes, by id
    pending: list[tuple[str, tuple[str, ...]]] = [(function, ())]
    while pending:
        name, attributes = pending.pop()
        if (name, attributes) in looked_up:
            continue
        looked_up.add((name, attributes))
        binding = analysis.environment.get(name)
        if binding is None:
            if stars:
                if star_names is None:
                    star_names = analysis.star_names(stars)
                yield from (f"{module}.{name}" for module in star_names.get(name, ()))
        elif binding.kind == "import":
            if binding.target is not None:
                dotted = _reference_prefix(binding.target, attributes, is_reference)
                if dotted is not None:
                    yield dotted
        elif id(binding.target) not in visited:
            visited.add(id(binding.target))
            uses = analysis.uses(binding.target)
            yield from (d for d in uses.imports if is_reference(d))
            pending.extend(reversed(uses.names))


def reference_uses(
    cells: Iterable[Cell], function: str, is_reference: Callable[[str], bool]
) -> list[str]:
    """Reference modules or objects that the graded ``function`` relies on.

    Follows the module-level binding of ``function`` as it stands after all cells ran
    (a ``def``, a lambda, an assignment or an import), and from there every global
    name it reads: imports (``from course.activations import relu as r``), attribute
    chains (``course.activations.relu``), star imports, imports inside the function
    and the student's own helper functions and classes, transitively. The bindings
    are analysed once per notebook and each piece of code is read once per call.

    Parameters
    ----------
    cells : iterable of Cell
    function : str
        Name of the graded function.
    is_reference : callable
        ``is_reference(dotted_name) -> bool`` for names of the reference library.

    Returns
    -------
    list of str
        Dotted names found (at most ``_MAX_REPORTED``, 10), sorted; empty when the
        function is the student's own.
    """
    found: set[str] = set()
    for dotted in _references(_analyse(tuple(cells)), function, is_reference):
        found.add(dotted)
        if len(found) == _MAX_REPORTED:
            break
    return most_specific(found)
