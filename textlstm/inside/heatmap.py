"""Text coloured by one number per step: a cell's state, a gate, a word's share of a decision.

`scaled` gives the (piece, value in [-1, 1]) pairs Gradio's HighlightedText colours; `save_png`
draws the text as a grid of coloured boxes (blue negative, red positive), as Karpathy et al.
show their cells, for model cards and notebooks.
"""


import numpy as np

from textlstm import artifacts

COLUMNS = 80  # characters per drawn line before a wrap
SHOWN = {"\n": "\u21b5", " ": " "}  # a newline is drawn as ↵ (then the line breaks)


def scaled(pieces, values, bound=None):
    """[(piece, value in [-1, 1])]: 0 stays 0, ±bound (default: the largest magnitude) is ±1."""
    values = np.asarray(values, dtype=float)
    bound = float(bound if bound is not None else np.abs(values).max()) or 1.0
    return [(piece, round(float(np.clip(v / bound, -1, 1)), 3)) for piece, v in zip(pieces, values)]


def _grid(pieces):
    """(row, column) of each piece, wrapping at newlines and at COLUMNS."""
    places, row, column = [], 0, 0
    for piece in pieces:
        if column >= COLUMNS:
            row, column = row + 1, 0
        places.append((row, column))
        column += len(piece)
        if piece == "\n":
            row, column = row + 1, 0
    return places


def figure(pieces, values, title=""):
    """A matplotlib Figure of the pieces on boxes coloured by their values."""
    plt = artifacts.pyplot()

    places = _grid(pieces)
    rows = places[-1][0] + 1 if places else 1
    fig = plt.figure(figsize=(COLUMNS * 0.11, 0.6 + rows * 0.19))
    ax = fig.add_axes([0, 0, 1, 1 - 0.5 / (0.6 + rows * 0.19)])
    ax.set_xlim(0, COLUMNS)
    ax.set_ylim(rows, 0)
    ax.axis("off")
    colours = plt.get_cmap("coolwarm")
    for (piece, value), (row, column) in zip(scaled(pieces, values), places):
        width = max(1, len(piece))
        ax.add_patch(plt.Rectangle((column, row), width, 1, color=colours(0.5 + value / 2), linewidth=0))
        ax.text(column + width / 2, row + 0.5, SHOWN.get(piece, piece), ha="center", va="center",
                family="monospace", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9, y=0.995, va="top")
    return fig


def save_png(pieces, values, path, title=""):
    """The figure as a PNG: written to a temporary file, then renamed."""
    artifacts.save_figure(figure(pieces, values, title), path, dpi=110)
    return path
