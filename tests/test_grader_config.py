"""grader.config: the grader's options in nbgrader_config.py (c.Grader)."""

from dataclasses import fields, replace
from pathlib import Path

import pytest

from grader.batch import autograde
from grader.cases import ProblemSetError
from grader.config import Grader
from grader.course import CourseError, load_coursedir
from grader.demo import build_course
from grader.problemset import ProblemSet, load_problem_set
from grader.sandbox import Limits, sandbox_problem


def test_every_limit_is_an_option_with_the_same_default():
    options = Grader.class_own_traits(config=True)
    assert set(options) == {f.name for f in fields(Limits)} | {"problem_sets", "jobs"}
    assert Grader().limits() == Limits()


def test_the_course_configuration_sets_the_options(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.Grader.memory_bytes = 3 * 1024**3\n"
        "c.Grader.cell_seconds = 5.5\n"
        "c.Grader.problem_sets = 'grading'\n"
    )
    settings = Grader(config=load_coursedir(tmp_path).config)
    assert settings.limits() == replace(
        Limits(), memory_bytes=3 * 1024**3, cell_seconds=5.5
    )
    assert settings.problem_sets == "grading"


def test_a_problem_set_limits_override_the_course():
    demo = load_problem_set("demo0")
    longer = replace(demo, limits={"cell_seconds": 99.0})
    base = replace(Limits(), cell_seconds=5.0, cpu_seconds=7.0)
    assert longer.limits_over(base) == replace(base, cell_seconds=99.0)
    with pytest.raises(ProblemSetError, match=r"LIMITS sets \['cel_seconds'\]"):
        ProblemSet("x", demo.parts, limits={"cel_seconds": 1.0})


@pytest.mark.skipif(sandbox_problem() is not None, reason="no sandbox")
def test_a_limit_that_is_not_positive_is_named(tmp_path):
    coursedir = build_course(tmp_path / "course", "demo0")
    config = Path(coursedir.root, "nbgrader_config.py")
    config.write_text(config.read_text() + "c.Grader.disk_bytes = 0\n")
    (Path(coursedir.root) / "submitted" / "ann" / "demo0").mkdir(parents=True)
    with pytest.raises(
        CourseError, match="Limits.disk_bytes must be positive.*c.Grader"
    ):
        autograde(load_coursedir(coursedir.root), "demo0", progress=False)
