"""What a trace means: gate saturation, text properties, interpretable cells, heat maps."""

import numpy as np

from textlstm.inside import cell_analysis, heatmap
from textlstm.inside.trace import FIELDS, LayerTrace, Trace

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


def test_inside_benchmark_records_what_the_demo_opens_on(tmp_path, charlm_run, sentiment_run, real_data_dir):
    """benchmarks/inside_lstm.py --update-metrics writes the 'inside' block the card quotes and
    the Inside the LSTM tab starts from, without touching the rest of metrics.json."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    from conftest import repo_path

    import textlstm
    from textlstm.webapp.inside_tab import first_cell

    model = str(tmp_path / "model")
    shutil.copytree(charlm_run, model)
    before = json.load(open(os.path.join(model, "metrics.json")))
    r = subprocess.run([sys.executable, repo_path("benchmarks", "inside_lstm.py"), "--generator", model,
                        "--sentiment", sentiment_run, "--chars", "400", "--repeats", "2", "--top", "3",
                        "--heatmap", str(tmp_path / "cells.png"), "--update-metrics"],
                       env={**os.environ, "TFDS_DATA_DIR": real_data_dir}, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    after = json.load(open(os.path.join(model, "metrics.json")))
    inside = after.pop("inside")
    assert after == before
    assert inside["trace_ms"]["characters"] == 400 and inside["trace_ms"]["repeats"] == 2
    assert "--update-metrics" not in inside["measured_by"] and "--chars 400" in inside["measured_by"]
    assert "validation" in inside["passage"]
    cells = inside["interpretable_cells"]
    assert len(cells) == 3 and abs(cells[0]["correlation"]) >= abs(cells[-1]["correlation"])
    assert set(inside["gate_saturation_share_of_units_over_half_the_steps"]) == {"0", "1"}
    assert f"| {cells[0]['layer']} | {cells[0]['cell']} |" in r.stdout  # what it printed is what it recorded
    assert first_cell(textlstm.load_generator(model)) == (cells[0]["layer"], cells[0]["cell"])
    assert os.path.getsize(tmp_path / "cells.png") > 0
