"""The sandbox side of the pipe (grader.sandbox_runner): outputs and arguments."""

from __future__ import annotations

import json

import numpy as np
import pytest

from grader.sandbox_runner import BadOutput, decode_args, encode_args, to_numeric

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
