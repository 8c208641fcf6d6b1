"""What a trace means: gate saturation, text properties, interpretable cells, heat maps."""

import numpy as np

from textlstm import cell_analysis, heatmap
from textlstm.trace import FIELDS, LayerTrace, Trace

PLAY = "ROMEO:\nO (soft) light, \"yon\" east!\n\nFirst Citizen:\nWe are.\n"


def fake_trace(text, cell):
    """A one-layer trace of `text` whose cell states are `cell` (steps, units); gates from a pattern."""
    steps, units = cell.shape
    gates = np.tile(np.array([0.05, 0.5, 0.95, 0.95])[:units], (steps, 1))
    arrays = {f: gates.copy() for f in FIELDS}
    arrays["cell"] = cell
    return Trace(list(text), list(text), [LayerTrace(0, "forward", **arrays)], "character")


def test_text_properties_mark_what_they_say():
    p = {name: fn(PLAY) for name, fn in cell_analysis.PROPERTIES.items()}
    marked = lambda name: "".join(c for c, v in zip(PLAY, p[name]) if v)  # noqa: E731
    assert marked("inside a speaker-name line") == "ROMEO:First Citizen:"
    assert marked("inside brackets or quotes") == "(soft)\"yon\""
    assert marked("just read a newline") == "\n" * 5
    assert marked("just read punctuation") == ":,!:."
    assert p["position within the line"][PLAY.index("O (")] == 1 and p["position within the line"][6] == 0


def test_a_cell_that_counts_columns_is_found_first():
    column = cell_analysis.PROPERTIES["position within the line"](PLAY)
    noise = np.random.default_rng(0).normal(size=(len(PLAY), 3))
    trace = fake_trace(PLAY, np.column_stack([noise[:, 0], -column + 0.1 * noise[:, 1], noise[:, 2], np.zeros(len(PLAY))]))
    best = cell_analysis.interpretable_cells(trace, top=2)
    assert best[0]["unit"] == 1 and best[0]["property"] == "position within the line"
    assert best[0]["correlation"] < -0.95 and abs(best[1]["correlation"]) < 0.6
    assert all(c["unit"] != 3 or c["correlation"] == 0 for c in best)  # a constant cell correlates with nothing


def test_gate_saturation_counts_shut_and_open_steps():
    (layer,) = cell_analysis.gate_saturation(fake_trace("abcd", np.zeros((4, 4))))
    left, right = layer["forget_gate"]
    np.testing.assert_array_equal(left, [1, 0, 0, 0])
    np.testing.assert_array_equal(right, [0, 0, 1, 1])


def test_heat_map_scales_and_draws(tmp_path):
    assert heatmap.scaled(["a", "b", "c"], [2.0, -4.0, 0.0]) == [("a", 0.5), ("b", -1.0), ("c", 0.0)]
    assert heatmap.scaled(["a"], [0.5], bound=1.0) == [("a", 0.5)]
    assert heatmap.scaled(["a"], [0.0]) == [("a", 0.0)]  # all zero: no division by zero
    path = heatmap.save_png(list(PLAY), np.arange(len(PLAY)) - 20.0, str(tmp_path / "cell.png"), title="a cell")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cell.png"]
