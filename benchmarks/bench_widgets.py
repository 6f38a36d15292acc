"""Responsiveness of the explorers in ``course.widgets``, in the kernel.

For every explorer and every one of its controls, one *control change* is timed:
setting the control's value (or clicking the button) runs the observer, which
recomputes with ``course``, updates the artists and requests a redraw. The
figures use the ipympl backend (``%matplotlib widget``), where that request is
``canvas.draw_idle()``: a message asking the browser to fetch a new frame. The
timing therefore counts the draw *request*, not the render of the frame, which
happens afterwards when the browser asks for it; the last column shows, for
information, how long that full Agg render of the figure takes (no goal).
Without a browser the widget messages go nowhere, so their sending (tens of
microseconds in a real kernel) is not counted.

Each explorer's row is its slowest control (by 95th percentile), over
``REPEATS`` changes that cycle through values spread over the control's range.
Goals: median <= 30 ms and 95th percentile <= 60 ms.

The playground's training speed is measured separately: one frame is one epoch
of ``partial_fit`` on the training points, the training and test losses, the
class probabilities on the pixel grid, the artist updates and the draw request;
frames per second = 1 / median frame time (goal >= 20) on a 2-D data set of 500
points with two hidden layers of 8 units.

Run with ``make bench`` or ``python -m benchmarks widgets``.
"""

from __future__ import annotations

import itertools

import ipywidgets as widgets
import matplotlib
import numpy as np

from benchmarks.timing import measure, median, percentile

#: The heaviest setting of the explorers whose cost grows with a setting: the
#: explorer's arguments, the control changed, and a description.
HEAVY = {
    "GradientFlowExplorer": (
        {"depth": 20, "activation": "gelu", "init": "normal"},
        "scale",
        "20 hidden layers, gelu (the costliest activation)",
    ),
    "ApproximationExplorer": (
        {"n_steps": 100, "kind": "relu"},
        "steepness",
        "N = 100 ReLU steps (200 hidden units)",
    ),
}
REPEATS = 40
MEDIAN_GOAL_MS = 30.0
P95_GOAL_MS = 60.0
FPS_GOAL = 20.0
FRAMES = 60


def value_cycle(control: widgets.Widget):
    """Values to set one after the other, each different from the previous one."""
    if isinstance(control, (widgets.Dropdown, widgets.SelectionSlider)):
        values = [value for _, value in control._options_full]
    elif isinstance(control, widgets.Text):
        values = ["8, 8", "4", "6, 6", "8"]
    else:
        values = np.linspace(control.min, control.max, 9)
        if isinstance(control, widgets.FloatLogSlider):  # min and max are exponents
            values = control.base**values
        values = values.tolist()
        values = values[::2] + values[-2::-2]  # up and down, no two alike in a row
        if isinstance(control, widgets.IntSlider):
            values = [int(round(v)) for v in values]
    start = values.index(control.value) if control.value in values else -1
    values = values[start + 1 :] + values[: start + 1]
    return itertools.cycle(values)


def time_control(control: widgets.Widget) -> list[float]:
    """Seconds of ``REPEATS`` changes of one control."""
    if isinstance(control, widgets.Button):
        return measure(control.click, repeats=REPEATS, warmup=2)
    values = value_cycle(control)

    def change() -> None:
        control.value = next(values)

    return measure(change, repeats=REPEATS, warmup=2)


def control_rows() -> list[tuple[str, str, float, float, float]]:
    """(explorer, slowest control, median ms, p95 ms, render ms) per explorer,
    then the heavy settings of :data:`HEAVY` (their render is not measured)."""
    import course.widgets as cw

    rows = []
    for name in cw.__all__:
        if name == "Explorer":
            continue
        explorer = getattr(cw, name)()  # the lectures' defaults
        worst = None
        for control_name, control in explorer.controls.items():
            if isinstance(control, widgets.Play):
                continue  # drives another control (perceptron) or a frame (playground)
            if name == "PlaygroundExplorer" and control_name == "step":
                continue  # a training frame: measured below as frames per second
            times = time_control(control)
            stats = (median(times) * 1e3, percentile(times, 95) * 1e3)
            if worst is None or stats[1] > worst[2]:
                worst = (control_name, *stats)
        explorer.fig.canvas.draw()  # first render: lays out the axes once
        render = median(measure(explorer.fig.canvas.draw, repeats=5)) * 1e3
        rows.append((name, *worst, render))
        explorer.close()
    for name, (kwargs, control_name, _) in HEAVY.items():
        explorer = getattr(cw, name)(**kwargs)
        times = time_control(explorer.controls[control_name])
        rows.append(
            (
                f"{name} (heavy)",
                control_name,
                median(times) * 1e3,
                percentile(times, 95) * 1e3,
                float("nan"),
            )
        )
        explorer.close()
    return rows


def playground_frames() -> tuple[list[float], object]:
    """Seconds per training frame of the playground (500 points, 8-8 tanh)."""
    from course.widgets import PlaygroundExplorer

    explorer = PlaygroundExplorer("circles", n_samples=500, hidden=(8, 8))
    times = measure(explorer.step, repeats=FRAMES, warmup=3)
    return times, explorer


def main() -> None:
    previous = matplotlib.get_backend()
    matplotlib.use("module://ipympl.backend_nbagg")
    try:
        rows = control_rows()
        frames, explorer = playground_frames()
    finally:
        matplotlib.use(previous)
    pg = explorer.playground
    print(
        "one control change: set value -> observer -> artists -> draw_idle request "
        f"(ipympl; no render counted), {REPEATS} changes per control, slowest "
        "control shown"
    )
    header = (
        f"{'explorer':36} {'control':11} {'median ms':>9} {'p95 ms':>8} "
        f"{'goal':>12} {'':5} {'render ms*':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, control, med, p95, render in rows:
        ok = med <= MEDIAN_GOAL_MS and p95 <= P95_GOAL_MS
        shown = "" if render != render else f"{render:.0f}"  # NaN: not measured
        print(
            f"{name:36} {control:11} {med:9.2f} {p95:8.2f} "
            f"{'<=30 / <=60':>12} {'pass' if ok else 'FAIL':5} {shown:>10}"
        )
    print("* full Agg render of the figure, for information (no goal)")
    for name, (_, _, description) in HEAVY.items():
        print(f"{name} (heavy): {description}")
    fps = 1.0 / median(frames)
    print(
        f"\nplayground: {pg.dataset}, {len(pg.X_train) + len(pg.X_test)} points "
        f"({len(pg.X_train)} training), hidden {pg.hidden}, {pg.activation}, batch "
        f"{pg.batch_size}, {pg.grid.shape[0]}x{pg.grid.shape[1]} pixels, {FRAMES} "
        "frames (one epoch of partial_fit + losses + boundary + draw request each)"
    )
    print(
        f"frame median {median(frames) * 1e3:.1f} ms, p95 "
        f"{percentile(frames, 95) * 1e3:.1f} ms -> {fps:.1f} frames/s "
        f"(goal >= {FPS_GOAL:g}): {'pass' if fps >= FPS_GOAL else 'FAIL'}"
    )
