"""The course's one plotting style, and the plots every page shares.

Every figure in the book goes through :func:`style` (or calls
:func:`use_style` once), so fonts, colours and sizes agree across pages.
Each activation has one colour (:data:`COLORS`), the same on every page.

Examples
--------
>>> from actzoo import plotting
>>> plotting.use_style()
>>> fig = plotting.plot_zoo(["relu", "gelu"])
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from actzoo import _checks
from actzoo.registry import ACTIVATIONS

__all__ = [
    "COLORS",
    "RC_PARAMS",
    "color_of",
    "glue_figure",
    "plot_derivatives",
    "plot_zoo",
    "style",
    "use_style",
]

#: One colour per activation (colour-blind safe; Okabe-Ito first).
COLORS: dict[str, str] = {
    "relu": "#000000",
    "leaky_relu": "#E69F00",
    "elu": "#56B4E9",
    "selu": "#009E73",
    "celu": "#0072B2",
    "softplus": "#D55E00",
    "silu": "#CC79A7",
    "gelu": "#7B3294",
    "mish": "#8C6D31",
}

#: Matplotlib settings shared by every figure of the course.
RC_PARAMS: dict[str, Any] = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "figure.constrained_layout.use": True,
    "font.size": 10.5,
    "axes.titlesize": 11.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 10.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.0,
    "legend.frameon": False,
    "legend.fontsize": 9.5,
    "image.cmap": "viridis",
    # Text rendered with matplotlib's own mathtext: no LaTeX install needed.
    "text.usetex": False,
    "mathtext.fontset": "dejavusans",
    # Reproducible SVG/PDF output.
    "svg.hashsalt": "actzoo",
}


def _rc() -> dict[Any, Any]:
    # Matplotlib's stubs key rcParams by a Literal of every setting's name.
    return dict(RC_PARAMS)


def use_style() -> None:
    """Apply the course style globally (call once at the top of a page)."""
    matplotlib.rcParams.update(_rc())


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply the course style inside a ``with`` block only."""
    with matplotlib.rc_context(_rc()):
        yield


def glue_figure(name: str, fig: Figure) -> None:
    """Store ``fig`` for a page's ``{glue:figure}`` block, and show it only there.

    Jupyter's inline backend displays every figure still open at the end of
    a cell, so a glued figure would also appear a second time as the
    cell's output; closing it after gluing prevents that.
    """
    _checks.text(name, "name", "glue_figure")
    _checks.instance(fig, Figure, "fig", "glue_figure")
    from myst_nb import glue

    glue(name, fig, display=False)
    plt.close(fig)


def color_of(name: str) -> str:
    """Return the colour of activation ``name`` (grey for anything else)."""
    _checks.text(name, "name", "color_of")
    return COLORS.get(name, "#777777")


def plot_derivatives(
    ax_row: Sequence[Axes],
    name: str,
    x: np.ndarray,
    **params: Any,
) -> None:
    """Draw ``f``, ``f'`` and ``f''`` of one activation on three axes."""
    func = "plot_derivatives"
    ax_row = _checks.sequence(ax_row, "ax_row", func)
    for ax in ax_row:
        _checks.instance(ax, Axes, "ax_row", func)
    act = ACTIVATIONS[_checks.activation_name(name, func, "name")]
    params = _checks.activation_params(name, params, func)
    _checks.array(x, "x", func, ndim=1)
    for order, ax in enumerate(ax_row):
        ax.plot(
            x,
            act.derivative(x, order, **params),
            color=color_of(name),
            label=act.label,
        )


def plot_zoo(
    names: Iterable[str] | None = None,
    x: np.ndarray | None = None,
    *,
    ncols: int = 3,
) -> Figure:
    """Return a figure with one row per activation: f, f' and f''.

    Parameters
    ----------
    names : iterable of str, optional
        Registry names; all of :data:`actzoo.ACTIVATIONS` by default.
    x : ndarray, optional
        Grid to draw on; ``linspace(-4, 4, 801)`` by default. It contains 0
        exactly, so the kinks' conventions show.
    ncols : int
        3 (value, first and second derivative).
    """
    func = "plot_zoo"
    if names is None:
        names = list(ACTIVATIONS)
    else:
        names = _checks.sequence(names, "names", func)
        for n in names:
            _checks.activation_name(n, func, "names")
    if x is None:
        x = np.linspace(-4.0, 4.0, 801)
    x = _checks.array(x, "x", func, ndim=1)
    # value, first and second derivative
    ncols = _checks.integer(ncols, "ncols", func, minimum=1, maximum=3)
    titles = ["$f(x)$", "$f'(x)$", "$f''(x)$"][:ncols]
    with style():
        fig, axes = plt.subplots(
            len(names),
            ncols,
            figsize=(3.0 * ncols, 1.9 * len(names)),
            sharex=True,
            squeeze=False,
        )
        for row, name in zip(axes, names):
            plot_derivatives(row[:ncols], name, x)
            row[0].set_ylabel(
                ACTIVATIONS[name].label,
                rotation=0,
                ha="right",
                va="center",
                fontweight="bold",
            )
            for ax in row:
                ax.axhline(0, color="#999999", linewidth=0.6, zorder=0)
                ax.axvline(0, color="#999999", linewidth=0.6, zorder=0)
        for ax, title in zip(axes[0], titles):
            ax.set_title(title)
        for ax in axes[-1]:
            ax.set_xlabel("$x$")
    return fig
