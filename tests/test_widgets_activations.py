"""Tests for the activation explorer."""

import numpy as np
import pytest

from course.activations import ACTIVATIONS
from course.widgets import ActivationExplorer

pytestmark = pytest.mark.usefixtures("agg_backend")


def test_every_activation_and_its_derivative():
    ex = ActivationExplorer()
    assert list(ex.controls["activation"].options) == list(ACTIVATIONS)
    for name, act in ACTIVATIONS.items():
        ex.controls["activation"].value = name
        z, g = ex._g.get_data()
        _, d = ex._d.get_data()
        np.testing.assert_allclose(g, act.fn(z))
        np.testing.assert_allclose(d, act.derivative(z))
        assert ex._ax_g.get_title().startswith(f"{name}(z)")


def test_point_and_tangent():
    ex = ActivationExplorer("sigmoid")
    ex.controls["z0"].value = 0.0
    assert ex._g_point.get_data()[1][0] == pytest.approx(0.5)
    assert ex._d_point.get_data()[1][0] == pytest.approx(0.25)
    z, tangent = ex._tangent.get_data()
    np.testing.assert_allclose(tangent, 0.5 + 0.25 * z)
    assert ex._ax_d.get_title().endswith("slope at z0: 0.250")


def test_range_rescales_z_and_keeps_the_point_inside():
    ex = ActivationExplorer()
    ex.controls["z0"].value = 4.0
    ex.controls["z_max"].value = 2.0
    z, _ = ex._g.get_data()
    assert (z[0], z[-1]) == (-2.0, 2.0)
    assert ex.controls["z0"].value == 2.0
    assert (ex.controls["z0"].min, ex.controls["z0"].max) == (-2.0, 2.0)
    assert ex._ax_g.get_xlim() == (-2.0, 2.0)


def test_unknown_activation():
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        ActivationExplorer("swish")
