"""Tests for the explorers' shared machinery: headless construction, display modes."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import ipywidgets as widgets
import pytest
from matplotlib.layout_engine import ConstrainedLayoutEngine

import course.widgets
from course.widgets import SoftmaxExplorer

EXPLORERS = [name for name in course.widgets.__all__ if name != "Explorer"]

pytestmark = pytest.mark.usefixtures("agg_backend")


@pytest.mark.parametrize("name", EXPLORERS)
def test_every_explorer_builds_headless_and_shows_a_static_figure(name):
    explorer = getattr(course.widgets, name)()
    assert not explorer.interactive
    assert explorer.draw_requests == 1
    assert explorer.controls and all(
        isinstance(c, widgets.Widget) for c in explorer.controls.values()
    )
    assert explorer.fig.axes
    assert bytes(explorer._png.value) == b""  # nothing rendered before display
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == (
        explorer.widget.model_id
    )
    assert explorer.view is explorer._png
    assert explorer._png in explorer.widget.children
    assert bytes(explorer._png.value).startswith(b"\x89PNG")
    assert explorer.fig.get_layout_engine() is None or not isinstance(
        explorer.fig.get_layout_engine(), ConstrainedLayoutEngine
    )  # laid out once by the first render, then frozen
    explorer.close()


def test_a_change_after_display_renders_a_new_png():
    explorer = SoftmaxExplorer()
    explorer._repr_mimebundle_()
    before = bytes(explorer._png.value)
    explorer.controls["temperature"].value = 5.0
    assert explorer.draw_requests == 2
    after = bytes(explorer._png.value)
    assert after.startswith(b"\x89PNG")
    assert after != before


def test_each_control_change_requests_one_draw():
    explorer = SoftmaxExplorer()
    for k, value in enumerate([1.0, 2.0, 3.0], start=2):
        explorer.controls["z_dog"].value = value
        assert explorer.draw_requests == k


def test_hold_suppresses_updates():
    explorer = SoftmaxExplorer()
    with explorer._hold():
        explorer.controls["z_dog"].value = 0.0
    assert explorer.draw_requests == 1
    assert explorer.probabilities[0] == pytest.approx(0.13, abs=0.01)  # not redone
    assert explorer._prob_bars[0].get_height() == explorer.probabilities[0]


def test_interactive_mode_puts_the_ipympl_canvas_in_the_layout():
    """Under ipympl (``%matplotlib widget``) the canvas is the view, updates are
    ``draw_idle`` requests. Run in a fresh interpreter: the backend is global."""
    script = textwrap.dedent(
        """
        import matplotlib
        matplotlib.use("module://ipympl.backend_nbagg")
        import ipywidgets as widgets
        import course.widgets as cw
        calls = []
        for name in cw.__all__[1:]:
            ex = getattr(cw, name)()
            assert ex.interactive, name
            assert isinstance(ex.fig.canvas, widgets.DOMWidget), name
            assert ex.view is ex.fig.canvas and ex.fig.canvas in ex.widget.children
            ex.fig.canvas.draw_idle = lambda calls=calls: calls.append(1)
            first = next(c for c in ex.controls.values()
                         if isinstance(c, (widgets.FloatSlider, widgets.IntSlider)))
            first.value = first.max
            assert "application/vnd.jupyter.widget-view+json" in ex._repr_mimebundle_()
            assert ex.fig.canvas._data_url.startswith("data:image/png"), name
        assert len(calls) >= len(cw.__all__) - 1, calls
        print("ok", len(calls))
        """
    )
    env = {**os.environ, "PYTHONWARNINGS": "error::RuntimeWarning"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok")


def test_log_slider_shows_its_initial_value_exactly():
    from course.widgets._base import log_slider

    for value, vmin, vmax in [(1.0, 0.1, 10.0), (0.03, 0.001, 3.0), (0.5, 0.01, 1.0)]:
        slider = log_slider("x", value, vmin, vmax)
        assert slider.value == pytest.approx(value, rel=1e-12)
        assert (
            vmin * (1 - 1e-9) <= 10**slider.min <= 10**slider.max <= vmax * (1 + 1e-9)
        )
