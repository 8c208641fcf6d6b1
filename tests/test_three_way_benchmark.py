"""benchmarks/three_way.py: its baselines (VADER's ±0.05 rule, the balanced TF-IDF logistic
regression), macro-recall, its table and the card block, on small data the test makes; the whole
benchmark on the real test sets where ../shared is present."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import load_script, repo_path

SCRIPT = repo_path("benchmarks", "three_way.py")


@pytest.fixture(scope="module")
def three_way():
    return load_script("three_way")


def _sets(three_way):
    """Every column with the same small train/test texts: 0 negative, 1 neutral, 2 positive."""
    negative = ["an awful boring film", "terrible service, dull food", "i hated it", "tedious and cold"]
    neutral = ["the train leaves at nine", "the form is on the desk", "my flight is on tuesday", "the shop opens at ten"]
    positive = ["a wonderful moving film", "great service, superb food", "i loved it", "delightful and warm"]
    train = (negative + neutral + positive) * 5
    labels = np.array(([0] * 4 + [1] * 4 + [2] * 4) * 5)
    test = ["an awful, dull film", "the train is on tuesday", "a wonderful film, superb"]
    return {name: (train, labels, test, np.array([0, 1, 2])) for name in three_way.COLUMNS}


def test_macro_recall_weighs_each_class_alike(three_way):
    truth = np.array([0, 0, 0, 0, 1, 2])
    assert three_way.macro_recall(np.array([0, 0, 0, 0, 0, 0]), truth) == pytest.approx(1 / 3)
    assert three_way.macro_recall(np.array([0, 0, 1, 1, 1, 2]), truth) == pytest.approx((0.5 + 1 + 1) / 3)


def test_both_baselines_answer_all_three_classes(three_way):
    sets = _sets(three_way)
    for predictions in (three_way.logistic_regression_predictions(sets), three_way.vader_predictions(sets)):
        assert set(predictions) == set(three_way.COLUMNS)
        assert all(list(p) == [0, 1, 2] for p in predictions.values()), predictions


def test_vader_keeps_its_neutral_band(three_way):
    """Compound scores inside (-0.05, 0.05) are neutral: a text with no sentiment word scores 0."""
    sets = {"sst3": ([], np.array([]), ["The bus is at noon.", "Great!", "Awful."], np.array([1, 2, 0]))}
    assert list(three_way.vader_predictions(sets)["sst3"]) == [1, 2, 0]


def test_the_table_has_a_cell_per_set_and_the_mean(three_way):
    sets = _sets(three_way)
    all_neutral = {name: np.array([1, 1, 1]) for name in sets}
    header, _, row = three_way.table({"always neutral": all_neutral}, sets).splitlines()
    assert header == "| model | SST-3 | GoEmotions-3 | Airline tweets | mean macro-recall |"
    assert row == "| always neutral |" + " **33.3** (33.3, 100.0) |" * 3 + " **33.3** |"


def test_update_card_writes_its_own_block(three_way, tmp_path):
    card = tmp_path / "MODEL_CARD.md"
    card.write_text("<!-- everyday -->\nx\n<!-- /everyday -->\n<!-- three_way -->\nold\n<!-- /three_way -->\n")
    three_way.everyday.update_card(str(card), "new", three_way.MARKERS)
    assert card.read_text() == "<!-- everyday -->\nx\n<!-- /everyday -->\n<!-- three_way -->\nnew\n<!-- /three_way -->\n"


@pytest.mark.slow
def test_the_benchmark_on_the_real_test_sets(real_data_dir):
    """The shipped model against both baselines on the three sets (the first 400 texts of each split)."""
    r = subprocess.run([sys.executable, SCRIPT, repo_path("saved_models", "english_sentiment"),
                        "--data-dir", real_data_dir, "--limit", "400"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [line for line in r.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split(" | ")[0] for row in rows] == [
        "| model", "| `english_sentiment`", "| VADER (compound ±0.05, no training)",
        "| TF-IDF 1-2-gram logistic regression on the three training sets"]
    assert "(SST-3 400, GoEmotions-3 400, Airline tweets 400 texts)" in r.stdout
    model, vader, _ = (float(row.rsplit("**", 2)[-2]) for row in rows[1:])
    assert model > 60.0 and model > vader  # on the whole test sets: see the card
