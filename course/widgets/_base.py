"""Shared machinery of the explorers: one figure, named controls, one container.

Every explorer of :mod:`course.widgets` subclasses :class:`Explorer`. It builds
its figure once, creates its controls, and on every change of a control value
(``observe(names="value")``) recomputes with the pure functions of ``course``,
updates the artists it already has (``set_data``, ``set_ydata``,
``set_offsets``, ``set_text``, ...) and asks for a redraw with
:meth:`Explorer.request_draw`. A constructor never displays anything: a notebook
shows an explorer by leaving it as the last expression of a cell.

The display mode is chosen from the matplotlib backend when the explorer is made:

- interactive (``%matplotlib widget``, i.e. ipympl): the figure's canvas is
  itself a widget and sits in the layout; a redraw request is
  ``canvas.draw_idle()``, which only asks the browser to fetch a new frame
  (when displayed, the canvas also keeps a PNG of the figure for places with
  no live kernel, as ipympl does for a canvas shown on its own);
- static (any other backend: the inline backend, or Agg in headless
  execution): the figure is rendered to PNG into an ``ipywidgets.Image`` when
  the explorer is displayed, and again after each change once it has been
  shown, so that everything still works, more slowly, without ipympl.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = [
    "CLASS_COLORS",
    "Explorer",
    "interactive_backend",
    "new_figure",
    "float_slider",
    "log_slider",
    "int_slider",
    "dropdown",
    "text_box",
    "button",
]

#: Colours of classes 0, 1, 2, ... in every explorer (blue, orange, green, ...).
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")

#: Width given to descriptions so that the sliders of one explorer line up.
_STYLE = {"description_width": "8em"}
_LAYOUT = {"width": "22em"}


def interactive_backend() -> bool:
    """True when matplotlib draws through ipympl (``%matplotlib widget``)."""
    backend = matplotlib.get_backend().lower()
    return "ipympl" in backend or backend == "widget"


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A figure to be drawn into, not shown anywhere yet.

    With ipympl it is made by pyplot inside ``plt.ioff()`` (so that its canvas
    is a widget and is not displayed on creation) with the header hidden;
    otherwise it is a plain :class:`~matplotlib.figure.Figure` on an Agg canvas,
    unknown to pyplot, so that no backend shows it a second time.
    """
    if interactive_backend():
        with plt.ioff():
            fig = plt.figure(figsize=figsize, layout="constrained")
        fig.canvas.header_visible = False
        fig.canvas.footer_visible = False
        fig.canvas.resizable = False
        fig.canvas.toolbar_position = "right"
        return fig
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def float_slider(
    description: str, value: float, vmin: float, vmax: float, step: float
) -> widgets.FloatSlider:
    """A float slider with the explorers' look (aligned description)."""
    return widgets.FloatSlider(
        value=value,
        min=vmin,
        max=vmax,
        step=step,
        description=description,
        style=_STYLE,
        layout=_LAYOUT,
        readout_format=".3g",
    )


def log_slider(
    description: str, value: float, vmin: float, vmax: float, base: float = 10
) -> widgets.FloatLogSlider:
    """A slider on a log scale from ``vmin`` to ``vmax`` (powers of ``base``).

    The slider moves in steps of 0.05 in the exponent; the grid is anchored at
    ``value`` so that the initial value is shown exactly (0.03 stays 0.03), and its
    ends are the grid points just inside ``[vmin, vmax]``.
    """
    step = 0.05
    centre = math.log(value, base)
    below = math.floor((centre - math.log(vmin, base)) / step + 1e-9)
    above = math.floor((math.log(vmax, base) - centre) / step + 1e-9)
    return widgets.FloatLogSlider(
        value=value,
        min=centre - below * step,
        max=centre + above * step,
        step=step,
        base=base,
        description=description,
        style=_STYLE,
        layout=_LAYOUT,
        readout_format=".3g",
    )


def int_slider(description: str, value: int, vmin: int, vmax: int) -> widgets.IntSlider:
    """An integer slider with the explorers' look."""
    return widgets.IntSlider(
        value=value,
        min=vmin,
        max=vmax,
        description=description,
        style=_STYLE,
        layout=_LAYOUT,
    )


def dropdown(description: str, options, value) -> widgets.Dropdown:
    """A drop-down list with the explorers' look."""
    return widgets.Dropdown(
        options=options,
        value=value,
        description=description,
        style=_STYLE,
        layout=_LAYOUT,
    )


def text_box(description: str, value: str) -> widgets.Text:
    """A one-line text field, read when the user presses Enter or leaves it."""
    return widgets.Text(
        value=value,
        description=description,
        continuous_update=False,
        style=_STYLE,
        layout=_LAYOUT,
    )


def button(description: str, icon: str = "") -> widgets.Button:
    """A push button."""
    return widgets.Button(description=description, icon=icon)


class Explorer:
    """Base of the explorers: a figure, named controls and a widget container.

    Subclasses create the figure with ``super().__init__(figsize)``, add their
    artists and controls (:meth:`_add_control`), and call :meth:`request_draw`
    at the end of each update.

    Attributes
    ----------
    fig : matplotlib.figure.Figure
        The explorer's only figure.
    controls : dict of str to ipywidgets.Widget
        The controls by name; setting ``controls[name].value`` (or calling
        ``controls[name].click()`` on a button) drives the explorer exactly
        as a person would.
    interactive : bool
        True when the figure's canvas is an ipympl widget.
    draw_requests : int
        How many redraws have been requested so far (one per update).
    """

    def __init__(self, figsize: tuple[float, float]) -> None:
        self.fig = new_figure(figsize)
        self.controls: dict[str, widgets.Widget] = {}
        self.interactive = isinstance(self.fig.canvas, widgets.DOMWidget)
        self.draw_requests = 0
        self._png = None if self.interactive else widgets.Image(format="png")
        self._shown = False
        self._container: widgets.Widget | None = None
        self._held = 0
        self._first_draw = self.fig.canvas.mpl_connect(
            "draw_event", self._freeze_layout
        )
        self.status = widgets.HTML()

    # ----------------------------------------------------------------- controls
    def _add_control(
        self,
        name: str,
        control: widgets.Widget,
        handler: Callable[[object], None] | None = None,
    ) -> widgets.Widget:
        """Register ``control`` under ``name``; call ``handler`` when it changes.

        ``handler`` receives the change of ``value`` (``observe``), or the
        button for a :class:`~ipywidgets.Button` (``on_click``). It is not
        called while the explorer changes its own controls (:meth:`_hold`).
        """
        self.controls[name] = control
        if handler is not None:

            def guarded(event) -> None:
                if not self._held:
                    handler(event)

            if isinstance(control, widgets.Button):
                control.on_click(guarded)
            else:
                control.observe(guarded, names="value")
        return control

    @contextmanager
    def _hold(self) -> Iterator[None]:
        """Change several controls (values, ranges) without triggering updates."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1

    # ------------------------------------------------------------------ drawing
    def request_draw(self) -> None:
        """Ask for the figure to be redrawn after its artists changed.

        With ipympl this is ``canvas.draw_idle()``, a request that the browser
        answers by fetching a new frame. In static mode the PNG is re-rendered,
        but only once the explorer has been displayed.
        """
        self.draw_requests += 1
        if self.interactive:
            self.fig.canvas.draw_idle()
        elif self._shown:
            self._render_static()

    def _freeze_layout(self, _event) -> None:
        """After the first render, keep the axes where constrained layout put them.

        Constrained layout costs more than the rest of a render and the axes of
        an explorer do not move, so it runs in the first render only.
        """
        self.fig.set_layout_engine("none")
        self.fig.canvas.mpl_disconnect(self._first_draw)

    def _render_static(self) -> None:
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png")
        self._png.value = buffer.getvalue()

    # ------------------------------------------------------------------- layout
    @property
    def view(self) -> widgets.Widget:
        """The widget that shows the figure: the ipympl canvas, or a PNG image."""
        return self.fig.canvas if self.interactive else self._png

    def _control_rows(self) -> list[widgets.Widget]:
        """The rows of controls above the figure (by default all, wrapped)."""
        return [
            widgets.Box(
                list(self.controls.values()),
                layout=widgets.Layout(flex_flow="row wrap"),
            )
        ]

    @property
    def widget(self) -> widgets.Widget:
        """The container (controls, figure, status line), built on first use."""
        if self._container is None:
            self._container = widgets.VBox(
                [*self._control_rows(), self.view, self.status]
            )
        return self._container

    def _repr_mimebundle_(self, **kwargs):
        if self.interactive:
            # What displaying the canvas itself does: keep a PNG of the figure in
            # the widget state, shown wherever no live kernel draws the canvas.
            self.fig.canvas._repr_mimebundle_(**kwargs)
        else:
            self._shown = True
            self._render_static()
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Close the widgets (container, controls, view) and the pyplot figure."""
        if self._container is not None:
            self._container.close()
        for control in self.controls.values():
            control.close()
        self.status.close()
        if self.interactive:
            plt.close(self.fig)
        else:
            self._png.close()
