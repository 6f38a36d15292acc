"""demo0: a two-part problem set (``relu``, ``softmax``) for the grader's own tests.

Its source notebook is ``solutions/demo0/demo0.ipynb`` of the demo course; the
hidden part of each test cell is one line, e.g.
``check_part("demo0", "softmax_hidden", softmax)``.
"""

from __future__ import annotations

import numpy as np

from course.activations import relu, softmax
from grader.cases import Case, Part, allclose


def _vector(rng: np.random.Generator) -> tuple:
    return (rng.normal(scale=3.0, size=7),)


def _matrix(rng: np.random.Generator) -> tuple:
    return (rng.normal(scale=3.0, size=(4, 3)),)


def _negative(rng: np.random.Generator) -> tuple:
    return (-rng.uniform(0.5, 5.0, size=5),)


def _logits(rng: np.random.Generator) -> tuple:
    return (rng.normal(size=5),)


def _batch(rng: np.random.Generator) -> tuple:
    return (rng.normal(scale=2.0, size=(6, 4)),)


def _large_logits(rng: np.random.Generator) -> tuple:
    return (rng.normal(scale=1e4, size=(3, 4)),)


PARTS = [
    Part(
        grade_id="relu_hidden",
        function="relu",
        points=1.0,
        cases=(
            Case(
                "mixed signs",
                "relu",
                _vector,
                relu,
                allclose(),
                "relu must return z where z > 0 and 0 elsewhere",
            ),
            Case(
                "matrix input",
                "relu",
                _matrix,
                relu,
                allclose(),
                "relu must work elementwise on arrays of any shape and keep the shape",
            ),
            Case(
                "all negative",
                "relu",
                _negative,
                relu,
                allclose(),
                "relu of a negative number is 0",
            ),
        ),
    ),
    Part(
        grade_id="softmax_hidden",
        function="softmax",
        points=2.0,
        cases=(
            Case(
                "single vector",
                "softmax",
                _logits,
                softmax,
                allclose(),
                "softmax must return exp(z) / sum(exp(z)): positive entries that sum "
                "to 1",
            ),
            Case(
                "batch of rows",
                "softmax",
                _batch,
                softmax,
                allclose(),
                "for a batch (n_samples, K) each row must sum to 1: normalise along "
                "the last axis",
            ),
            Case(
                "large logits",
                "softmax",
                _large_logits,
                softmax,
                allclose(),
                "softmax overflows for large inputs: subtract the maximum first",
            ),
        ),
    ),
]
