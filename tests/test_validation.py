import numpy as np
import pytest

from course._validation import (
    NotFittedError,
    as_float_array,
    as_nonempty_float_array,
    check_axis,
    check_dtype,
    check_fraction,
    check_is_fitted,
    check_labels,
    check_n_features,
    check_positive,
    check_X,
    check_X_y,
    class_labels,
)


def test_as_float_array_keeps_float32_and_converts_ints():
    assert as_float_array(np.ones(3, np.float32)).dtype == np.float32
    assert as_float_array([1, 2]).dtype == np.float64


@pytest.mark.parametrize(
    "value, error, match",
    [
        ("abc", TypeError, "array must be array-like of numbers, but got str"),
        (None, TypeError, "but got NoneType"),
        ([[1, 2], [3]], TypeError, "array must be array-like of numbers"),
        (np.array(["a"]), TypeError, "must contain numbers, but got an array of dtype"),
        ([1.0, np.nan, np.inf], ValueError, "got 2 NaN or infinite value"),
    ],
)
def test_as_float_array_rejects(value, error, match):
    with pytest.raises(error, match=match):
        as_float_array(value)


def test_as_float_array_checks_ndim():
    with pytest.raises(ValueError, match=r"z must be a 2-D array, but got a 1-D array"):
        as_float_array([1.0], "z", ndim=2)


def test_nonempty_and_axis():
    with pytest.raises(ValueError, match=r"z must contain at least one value"):
        as_nonempty_float_array([], "z")
    assert check_axis(-1, (2, 3), "z") == -1
    with pytest.raises(ValueError, match=r"axis must be in \[-2, 1\]"):
        check_axis(2, (2, 3), "z")
    with pytest.raises(TypeError, match="axis must be an integer, but got 1.0"):
        check_axis(1.0, (2, 3), "z")


@pytest.mark.parametrize(
    "X, match",
    [
        (np.ones(3), r"X must be a 2-D array of shape \(n_samples, n_features\)"),
        (np.ones((0, 3)), "X must contain at least one sample, but got 0 samples"),
        (np.ones((3, 0)), "X must contain at least one feature, but got 0 features"),
    ],
)
def test_check_X_rejects(X, match):
    with pytest.raises(ValueError, match=match):
        check_X(X)


def test_check_X_y():
    with pytest.raises(ValueError, match="X has 3 and y has 2"):
        check_X_y(np.ones((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="but got a scalar 1"):
        check_X_y(np.ones((3, 2)), 1)


def test_check_labels():
    assert check_labels([0.0, 2.0]).dtype == np.int64
    with pytest.raises(ValueError, match=r"labels in \[0, 2\], but got labels in"):
        check_labels([0, 3], n_classes=3)
    with pytest.raises(ValueError, match="must contain at least one label"):
        check_labels([])
    with pytest.raises(ValueError, match="non-integer values"):
        check_labels([0.5])


def test_class_labels_defaults():
    y, k = class_labels([0, 2, 2])
    assert k == 3 and y.dtype == np.int64
    assert class_labels([0, 0])[1] == 2


def test_check_positive_and_fraction():
    assert check_positive(0, "lr", strict=False) == 0
    with pytest.raises(ValueError, match=r"lr must be > 0, but got 0"):
        check_positive(0, "lr")
    with pytest.raises(TypeError, match="n_epochs must be an integer, but got 1.5"):
        check_positive(1.5, "n_epochs", integer=True)
    with pytest.raises(TypeError, match="lr must be a number, but got True"):
        check_positive(True, "lr")
    assert check_fraction(0.2, "f") == 0.2
    with pytest.raises(ValueError, match=r"f must be in \(0, 1\), but got 1"):
        check_fraction(1, "f")


def test_fitted_and_n_features():
    class Model:
        coef_ = None

    with pytest.raises(NotFittedError, match="This Model instance is not fitted yet"):
        check_is_fitted(Model(), "coef_")
    with pytest.raises(ValueError, match="X has 3 features, but Model was fitted"):
        check_n_features(Model(), np.ones((1, 3)), 4)


def test_check_dtype_accepts_the_two_float_types_only():
    assert check_dtype("float32") == np.float32
    assert check_dtype(np.float64) == np.float64
    with pytest.raises(ValueError, match=r"dtype must be float32 or float64, but got"):
        check_dtype(np.float16)
    with pytest.raises(ValueError, match=r"but got 'banana'"):
        check_dtype("banana")
    with pytest.raises(ValueError, match=r"but got None"):
        check_dtype(None)
