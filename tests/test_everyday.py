"""benchmarks/everyday.py: its baselines (NBSVM-bigram, VADER), its table and the card block, on
small data the test makes; the whole benchmark on the real test sets where ../shared is present."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import load_script, repo_path

SCRIPT = repo_path("benchmarks", "everyday.py")


@pytest.fixture(scope="module")
def everyday():
    return load_script("everyday")


def _sets(everyday):
    """Every column of the table, each with the same small train/test texts."""
    positive = ["a wonderful moving film", "great acting, superb story", "i loved it", "delightful and warm"]
    negative = ["an awful boring film", "terrible acting, dull story", "i hated it", "tedious and cold"]
    train = positive * 5 + negative * 5
    labels = np.array([1] * 20 + [0] * 20)
    test = ["a wonderful film, superb", "an awful, dull film"]
    return {name: (train, labels, test, np.array([1, 0])) for name in everyday.COLUMNS}


def test_nbsvm_learns_the_words_and_vader_reads_them(everyday):
    sets = _sets(everyday)
    for predictions in (everyday.nbsvm_predictions(sets), everyday.vader_predictions(sets)):
        assert set(predictions) == set(everyday.COLUMNS)
        assert all(list(p) == [1, 0] for p in predictions.values())


def test_the_table_has_a_column_per_set_and_the_mean_of_the_five(everyday):
    sets = _sets(everyday)
    half_right = {name: np.array([1, 1]) for name in sets}  # right on the positive test text only
    text = everyday.table({"always positive": half_right}, sets)
    header, _, row = text.splitlines()
    assert header.startswith("| model | IMDB | SST-2 val | MPQA | Pros & Cons | Multi-domain | GoEmotions |")
    assert row == "| always positive |" + " 50.0 |" * 6 + " 50.0 |"


def test_update_card_writes_between_the_markers_and_refuses_a_card_without_them(everyday, tmp_path):
    card = tmp_path / "MODEL_CARD.md"
    card.write_text("before\n<!-- everyday -->\nold table\n<!-- /everyday -->\nafter\n", encoding="utf-8")
    everyday.update_card(str(card), "| new | table |")
    assert card.read_text(encoding="utf-8") == "before\n<!-- everyday -->\n| new | table |\n<!-- /everyday -->\nafter\n"
    card.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no <!-- everyday -->"):
        everyday.update_card(str(card), "x")


@pytest.mark.slow
def test_the_benchmark_on_the_real_test_sets(real_data_dir):
    """One model (the shipped IMDB one) against both baselines on all six sets (the first 300 texts of
    each split: the whole run takes ~7 minutes here)."""
    model = repo_path("saved_models", "imdb_sentiment")
    r = subprocess.run([sys.executable, SCRIPT, model, "--data-dir", real_data_dir, "--limit", "300"],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [line for line in r.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split(" | ")[0] for row in rows] == ["| model", "| `imdb_sentiment`", "| VADER (rules, no training)",
                                                     "| NBSVM-bigram on all six training sets"]
    assert "(IMDB 300, SST-2 val 300, Pros & Cons 300, GoEmotions 300, MPQA 300, Multi-domain 300 texts)" in r.stdout
    imdb_model, vader, nbsvm = ([float(x) for x in row.strip(" |").split(" | ")[1:]] for row in rows[1:])
    assert imdb_model[0] > 85.0  # 90.4 on all 25,000
    assert vader[5] > 75.0  # GoEmotions: 82.6 on all 2,933 (Reddit's short emotional comments suit VADER's rules)
    assert nbsvm[-1] > 65.0  # the mean of the five: trained on 1,800 texts only, yet well above chance
