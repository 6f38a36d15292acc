"""The sandbox side of the pipe (grader.sandbox_runner): outputs and arguments."""

from __future__ import annotations

import json

import numpy as np
import pytest

from grader.sandbox_runner import (
    BadOutput,
    changed_arguments,
    decode_args,
    encode_args,
    fingerprint,
    parameter_names,
    to_numeric,
)

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


def _arguments():
    return (
        np.arange(6.0).reshape(2, 3),
        [np.zeros(2), np.ones(3)],
        {"lr": 0.1, "steps": [1, 2]},
        np.float64(np.nan),
        "name",
    )


def test_a_fingerprint_depends_on_the_content_only():
    assert [fingerprint(a) for a in _arguments()] == [
        fingerprint(a) for a in _arguments()
    ]
    assert fingerprint(np.array([np.nan])) == fingerprint(np.array([np.nan]))


@pytest.mark.parametrize(
    "position, change",
    [
        (0, lambda args: args[0].__setitem__((1, 2), 5.5)),
        (0, lambda args: args[0].__isub__(0.0 * args[0] + 1e-300)),  # a tiny change
        (1, lambda args: args[1].append(np.zeros(1))),
        (1, lambda args: args[1].__setitem__(0, np.zeros(2, dtype=np.float32))),
        (1, lambda args: args[1][1].fill(2.0)),
        (1, lambda args: args[1].__setitem__(0, object())),
        (1, lambda args: args[1].append(args[1])),
        (2, lambda args: args[2].__setitem__("lr", 0.2)),
        (2, lambda args: args[2]["steps"].pop()),
    ],
)
def test_any_change_in_place_changes_the_fingerprint(position, change):
    args = _arguments()
    before = [fingerprint(a) for a in args]
    change(args)
    after = [fingerprint(a) for a in args]
    assert [i for i in range(len(args)) if after[i] != before[i]] == [position]


def test_changed_arguments_are_named_by_the_functions_signature():
    def update(w, grads, config, *rest):
        w -= 1.0
        grads.clear()
        return w

    args = _arguments()
    before = [fingerprint(a) for a in args]
    update(*args)
    assert changed_arguments(update, args, before) == [[0, "w"], [1, "grads"]]
    assert changed_arguments(update, _arguments(), before) == []


def test_parameter_names_are_none_where_the_signature_says_nothing():
    assert parameter_names(lambda a, /, b, *c, d=1: 0, 4) == ["a", "b", None, None]

    class Hostile:
        def __call__(self, *args):
            return 0

        @property
        def __signature__(self):
            raise RuntimeError("no")

    assert parameter_names(Hostile(), 2) == [None, None]
