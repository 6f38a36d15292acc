"""Tests for the universal approximation explorer."""

import numpy as np
import pytest

from course.approximation import (
    approximation_error,
    approximation_network,
    network_output,
)
from course.examples import TARGETS
from course.widgets import ApproximationExplorer

pytestmark = pytest.mark.usefixtures("agg_backend")


def test_lines_and_title_come_from_the_approximation_module():
    ex = ApproximationExplorer()  # sin, 8 sigmoid steps, steepness 10
    target = TARGETS["sin"]
    net = approximation_network(
        target.f, target.interval, 8, kind="sigmoid", steepness=10
    )
    x, g = ex._net.get_data()
    np.testing.assert_allclose(g, network_output(net, x))
    np.testing.assert_allclose(ex._target.get_data()[1], np.sin(x))
    np.testing.assert_allclose(ex._err.get_data()[1], np.abs(np.sin(x) - g))
    err = approximation_error(target.f, net, target.interval)
    assert ex.error == err
    assert ex._sup.get_ydata()[0] == err.sup
    assert (
        f"largest error {err.sup:.3g}, mean error {err.mean:.3g}" in ex._ax.get_title()
    )


def test_more_steps_shrink_the_error_of_a_continuous_target():
    ex = ApproximationExplorer(kind="step")
    sups = []
    for n in (4, 16, 64):
        ex.controls["n_steps"].value = n
        sups.append(ex.error.sup)
    assert sups[0] > sups[1] > sups[2]
    assert sups[2] < 0.06


def test_a_jump_keeps_a_large_error_whatever_the_number_of_steps():
    ex = ApproximationExplorer(target="jump", kind="sigmoid")
    ex.controls["n_steps"].value = 100
    assert ex.error.sup >= 0.45
    np.testing.assert_allclose(
        ex._target.get_data()[1], TARGETS["jump"].f(ex._target.get_data()[0])
    )


def test_kind_and_steepness_change_the_network():
    ex = ApproximationExplorer()
    g_sigmoid = ex._net.get_data()[1].copy()
    ex.controls["steepness"].value = 200.0
    g_steep = ex._net.get_data()[1].copy()
    assert not np.allclose(g_sigmoid, g_steep)
    ex.controls["kind"].value = "relu"
    ex.controls["steepness"].value = 1.0  # the piecewise linear interpolant
    x, g = ex._net.get_data()
    nodes = np.linspace(0, 2 * np.pi, 9)
    np.testing.assert_allclose(g, np.interp(x, nodes, np.sin(nodes)), atol=1e-12)


def test_unknown_target():
    with pytest.raises(ValueError, match="target must be one of .* but got 'cos'"):
        ApproximationExplorer("cos")
