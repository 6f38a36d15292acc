"""grader.demo: the sample class graded end to end, also from an installed wheel.

The wheel test builds the project's wheel, installs it with its dependencies into
a fresh virtual environment outside the checkout and runs ``python -m grader.demo``
there from an empty folder: the demo course (its problem set, notebooks and
configuration) must come from the package data alone, and every generated
submission must get the points it deserves.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox import sandbox_problem

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    sandbox_problem() is not None, reason=f"no sandbox: {sandbox_problem()}"
)


def _run(argv, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, argv))}:\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_the_demo_runs_from_a_wheel_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, ROOT]
    )
    [wheel] = dist.glob("*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    _run([python, "-m", "pip", "install", "--quiet", wheel])
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    where = _run(
        [
            python,
            "-c",
            "import grader, course; print(grader.__file__, course.__file__)",
        ],
        cwd=empty,
    ).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where
    demo = _run([python, "-m", "grader.demo", "--out", empty / "out"], cwd=empty)
    assert "scores differ" not in demo.stderr
    assert "hostile" in demo.stdout and "DIFFERS" not in demo.stdout
    assert (empty / "out" / "report.html").is_file()
    assert (empty / "out" / "course" / "problemsets" / "demo0.py").is_file()
