"""Tests for the softmax explorer."""

import numpy as np
import pytest

from course.activations import softmax
from course.widgets import SoftmaxExplorer

pytestmark = pytest.mark.usefixtures("agg_backend")


def heights(bars):
    return np.array([bar.get_height() for bar in bars])


def test_lecture_example_probabilities_and_loss():
    ex = SoftmaxExplorer()  # z = (3.2, 5.1, -1.7, -3.7), true class cat
    np.testing.assert_allclose(
        heights(ex._prob_bars), [0.13, 0.87, 0.0, 0.0], atol=0.005
    )
    np.testing.assert_array_equal(heights(ex._target_bars), [0, 1, 0, 0])
    assert ex.loss == pytest.approx(-np.log(ex.probabilities[1]))
    assert ex._ax_p.get_title().endswith("loss -log p(cat) = 0.140")
    assert [t.get_text() for t in ex._prob_texts] == ["0.13", "0.87", "0.00", "0.00"]


def test_logit_slider_moves_the_bars():
    ex = SoftmaxExplorer()
    ex.controls["z_fish"].value = 6.0
    z = np.array([3.2, 5.1, 6.0, -3.7])
    np.testing.assert_allclose(heights(ex._prob_bars), softmax(z))
    np.testing.assert_allclose(heights(ex._logit_bars), z)


def test_adding_a_constant_to_every_logit_changes_nothing():
    ex = SoftmaxExplorer()
    before = heights(ex._prob_bars)
    for name, z in zip(ex.classes, (3.2, 5.1, -1.7, -3.7), strict=True):
        ex.controls[f"z_{name}"].value = z + 2.0
    np.testing.assert_allclose(heights(ex._prob_bars), before, atol=1e-12)


def test_temperature_sharpens_and_flattens():
    ex = SoftmaxExplorer()
    z = np.array([3.2, 5.1, -1.7, -3.7])
    ex.controls["temperature"].value = 10.0
    np.testing.assert_allclose(heights(ex._prob_bars), softmax(z / 10.0))
    assert heights(ex._prob_bars).max() < 0.5
    np.testing.assert_allclose(heights(ex._logit_bars), z / 10.0)
    ex.controls["temperature"].value = 0.1
    assert heights(ex._prob_bars)[1] > 0.999


def test_true_class_moves_the_target_and_the_loss():
    ex = SoftmaxExplorer()
    ex.controls["true_class"].value = "dog"
    np.testing.assert_array_equal(heights(ex._target_bars), [1, 0, 0, 0])
    assert ex.loss == pytest.approx(
        -np.log(softmax(np.array([3.2, 5.1, -1.7, -3.7]))[0])
    )
    assert "p(dog)" in ex._ax_p.get_title()


def test_classes_must_match_the_logits():
    with pytest.raises(
        ValueError, match=r"classes must hold 2 distinct names .* \['a'\]"
    ):
        SoftmaxExplorer([1.0, 2.0], ["a"], "a")
    with pytest.raises(
        ValueError, match=r"true_class must be one of \['a', 'b'\], but got 'c'"
    ):
        SoftmaxExplorer([1.0, 2.0], ["a", "b"], "c")
