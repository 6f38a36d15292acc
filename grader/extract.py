"""Reading submitted notebooks as data and finding the student's code in them.

Everything here is trusted code reading untrusted files: notebooks are parsed as JSON
(never executed, never opened by Jupyter), symlinks are refused, sizes are bounded,
and the student's source is only ever parsed with :mod:`ast`.

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
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.cases import most_specific

__all__ = [
    "MAX_NOTEBOOK_BYTES",
    "NotebookError",
    "Cell",
    "Notebook",
    "find_notebook",
    "submission_files",
    "read_notebook",
    "strip_magics",
    "reference_uses",
    "defining_cells",
]

MAX_NOTEBOOK_BYTES = 64 * 1024**2
_MAX_DEPTH = 3
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
_ASSIGNED_MAGIC = re.compile(r"^[\w.\[\], ]+\s*=\s*[%!]")
_HELP = re.compile(r"^\?*[\w.]+\?{1,2}\s*$|^\?+[\w.]+\s*$")


class NotebookError(Exception):
    """The submitted file is not a notebook we can read (reason BAD_NOTEBOOK)."""


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
    shallowest, then the most recently modified. Symlinks are never followed.
    """
    directory = Path(directory)
    exact = directory / f"{problem_set}.ipynb"
    if exact.is_file() and not exact.is_symlink():
        return exact
    candidates = list(_candidates(directory))
    if not candidates:
        return None
    patterns = [re.compile(rf"def\s+{re.escape(name)}\s*\(") for name in functions]

    def score(path: Path):
        try:
            text = _read_bytes(path).decode("utf-8", errors="replace")
        except (OSError, NotebookError):
            text = ""
        defined = sum(bool(p.search(text)) for p in patterns)
        named = problem_set.lower() in path.name.lower()
        depth = len(path.relative_to(directory).parts)
        return (defined, named, -depth, path.stat().st_mtime_ns)

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


def _read_bytes(path: Path) -> bytes:
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise NotebookError(f"the notebook cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotebookError("the notebook is not a regular file")
        if info.st_size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(
                f"the notebook is {info.st_size} bytes, more than the "
                f"{MAX_NOTEBOOK_BYTES} accepted"
            )
        return handle.read(MAX_NOTEBOOK_BYTES + 1)


def _text(source) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return ""


def read_notebook(path: str | os.PathLike) -> Notebook:
    """Read a submitted notebook as data.

    Accepts nbformat 4 and 3 (``worksheets``), sources as strings or lists of lines,
    missing or malformed metadata, and cells in any order.

    Raises
    ------
    NotebookError
        When the file is empty, not UTF-8, not valid JSON, not a notebook, or has no
        code cell at all.
    """
    path = Path(path)
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotebookError("the notebook is not UTF-8 text") from None
    if not text.strip():
        raise NotebookError("the notebook file is empty")
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"the notebook is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg})"
        ) from None
    except (ValueError, RecursionError):
        raise NotebookError("the notebook is not valid JSON") from None
    if not isinstance(notebook, dict):
        raise NotebookError("the notebook is not a JSON object")
    cells = notebook.get("cells")
    worksheets = notebook.get("worksheets")
    if cells is None and isinstance(worksheets, list) and worksheets:
        first = worksheets[0]
        cells = first.get("cells") if isinstance(first, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("the notebook has no list of cells")

    code_cells, answers, tests, any_code = [], {}, 0, False
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        any_code = True
        source = _text(cell.get("source", cell.get("input", "")))
        metadata = cell.get("metadata")
        info = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        info = info if isinstance(info, dict) else {}
        grade_id = (
            info.get("grade_id") if isinstance(info.get("grade_id"), str) else None
        )
        solution = info.get("solution") is True
        if info.get("grade") is True and not solution:
            tests += 1
            continue
        if solution and grade_id is not None:
            answers[grade_id] = source
        code_cells.append(Cell(index, strip_magics(source), grade_id, solution))
    if not any_code:
        raise NotebookError("the notebook has no code cells")
    return Notebook(path, tuple(code_cells), answers, tests)


def strip_magics(source: str) -> str:
    """Turn a cell into plain Python: IPython magics and shell escapes become ``pass``.

    Valid Python is returned unchanged. A cell magic runs its body as Python when it
    is one of ``%%time``, ``%%timeit``, ``%%capture``, ``%%prun``; other cell magics
    (``%%bash``, ``%%writefile``, ...) drop the whole cell.
    """
    try:
        ast.parse(source)
        return source
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
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
        if (
            stripped.startswith(("%", "!"))
            or _ASSIGNED_MAGIC.match(stripped)
            or _HELP.match(stripped)
        ):
            kept.append(indent + "pass")
        else:
            kept.append(line)
    return "\n".join(kept) + "\n"


# ----------------------------------------------------------------------------------
# Static analysis of module-level bindings
# ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Binding:
    kind: str  # "import" (target: dotted name) or "code" (target: an AST node)
    target: object


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at module level, including those in if/try/with/loops."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _module_level(getattr(statement, name, []))
        for handler in getattr(statement, "handlers", []):
            yield from _module_level(handler.body)
        for case in getattr(statement, "cases", []):
            yield from _module_level(case.body)


def _stored_names(target: ast.AST) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def _bindings(statement: ast.stmt, stars: list[str]) -> Iterator[tuple[str, _Binding]]:
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname:
                yield alias.asname, _Binding("import", alias.name)
            else:
                top = alias.name.split(".")[0]
                yield top, _Binding("import", top)
    elif isinstance(statement, ast.ImportFrom):
        if statement.level or not statement.module:
            return
        for alias in statement.names:
            if alias.name == "*":
                stars.append(statement.module)
            else:
                dotted = f"{statement.module}.{alias.name}"
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


def _environment(cells: Iterable[Cell]) -> tuple[dict[str, _Binding], list[str]]:
    """The module-level bindings after running every cell in order (last one wins)."""
    environment: dict[str, _Binding] = {}
    stars: list[str] = []
    for cell in cells:
        tree = _parse(cell.source)
        if tree is None:
            continue
        for statement in _module_level(tree.body):
            for name, binding in _bindings(statement, stars):
                environment[name] = binding
    return environment, stars


def defining_cells(cells: Iterable[Cell], name: str) -> list[int]:
    """Indices of the cells that bind ``name`` at module level."""
    found = []
    for cell in cells:
        tree = _parse(cell.source)
        if tree is None:
            continue
        for statement in _module_level(tree.body):
            if any(bound == name for bound, _ in _bindings(statement, [])):
                found.append(cell.index)
                break
    return found


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


def _exports(module: str, name: str) -> bool:
    try:
        imported = importlib.import_module(module)
    except Exception:
        return False
    return name in getattr(imported, "__all__", dir(imported))


def reference_uses(
    cells: Iterable[Cell], function: str, is_reference: Callable[[str], bool]
) -> list[str]:
    """Reference modules or objects that the graded ``function`` relies on.

    Follows the module-level binding of ``function`` as it stands after all cells ran
    (a ``def``, a lambda, an assignment or an import), and from there every global
    name it reads: imports (``from course.activations import relu as r``), attribute
    chains (``course.activations.relu``), star imports, imports inside the function
    and the student's own helper functions and classes, recursively.

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
        Dotted names found, sorted; empty when the function is the student's own.
    """
    environment, stars = _environment(cells)
    found: set[str] = set()
    visited: set[str] = set()

    def visit_name(name: str, attributes: list[str]) -> None:
        binding = environment.get(name)
        if binding is None:
            for module in stars:
                if is_reference(module) and _exports(module, name):
                    found.add(f"{module}.{name}")
            return
        if binding.kind == "import":
            for end in range(len(attributes), -1, -1):
                dotted = ".".join([binding.target, *attributes[:end]])
                if is_reference(dotted):
                    found.add(dotted)
                    return
            return
        if name not in visited:
            visited.add(name)
            visit_code(binding.target)

    def visit_code(node: ast.AST) -> None:
        local = _local_names(node)
        inner: set[int] = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Import):
                dotted = [alias.name for alias in sub.names]
            elif isinstance(sub, ast.ImportFrom) and sub.module and not sub.level:
                dotted = [sub.module] + [f"{sub.module}.{a.name}" for a in sub.names]
            else:
                dotted = []
            found.update(d for d in dotted if is_reference(d))
            if isinstance(sub, ast.Attribute) and id(sub) not in inner:
                base = sub.value
                while isinstance(base, ast.Attribute):
                    inner.add(id(base))
                    base = base.value
                inner.add(id(base))  # the chain's base name is resolved with it
                chain = _chain(sub)
                if chain and chain[0] not in local:
                    visit_name(chain[0], chain[1:])
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                if sub.id not in local and id(sub) not in inner:
                    visit_name(sub.id, [])

    visit_name(function, [])
    return most_specific(found)
