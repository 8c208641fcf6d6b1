"""Against the prepared TFDS data in ../shared/tfds; skipped (with the reason) where it is absent."""

import json
import os
import subprocess
import sys

import pytest
from conftest import repo_path

from textlstm.config import CharLMConfig, SentimentConfig
from textlstm.data import corpus, labelled

TEXTLSTM = os.path.join(os.path.dirname(sys.executable), "textlstm")


def test_tiny_shakespeare_is_nanogpts_split(real_data_dir):
    train, validation, test = corpus.char_text_splits(CharLMConfig(), real_data_dir)
    assert len(train) == 1_003_854  # nanoGPT's first 90%
    assert test.startswith(validation)  # "validation+test": the held-out 10%, in order
    assert len(test) == 111_540
    assert corpus.char_heldout_parts(CharLMConfig(), real_data_dir) == [("validation", 55_770), ("test", 55_770)]
    assert train.startswith("First Citizen:")


def test_imdb_splits_and_labels(real_data_dir):
    train, validation, test = labelled.classification_splits(SentimentConfig(), real_data_dir)
    assert {int(y) for _, y in train.take(200)} == {0, 1}
    assert sum(1 for _ in validation) == 2_500  # train[90%:]


@pytest.mark.slow
def test_word_tokenizer_gives_keras_ids_on_every_imdb_test_review(real_data_dir):
    import numpy as np
    import tensorflow_datasets as tfds

    from textlstm.text import vectorizers
    from textlstm.text.python_tokenizer import WordTokenizer

    vocabulary = repo_path("saved_models", "imdb_sentiment",
                              "vocabulary.json")
    vectorizer = vectorizers.load_word_vectorizer(vocabulary, 500)
    tokenizer = WordTokenizer.load(vocabulary, 500)
    count = 0
    for batch in tfds.load("imdb_reviews", split="test", data_dir=real_data_dir).batch(1000):
        for text, row in zip(batch["text"].numpy(), vectorizer(batch["text"]).numpy()):
            np.testing.assert_array_equal(tokenizer.encode(text.decode("utf-8")), row)
            count += 1
    assert count == 25_000


@pytest.mark.slow
def test_cli_trains_both_kinds_on_real_data_with_small_settings(real_data_dir, tmp_path, cli_env):
    env = dict(cli_env, TFDS_DATA_DIR=real_data_dir)
    runs = {
        "sentiment": ["--set", "train_split=train[:3%]", "--set", "validation_split=train[97%:]",
                      "--set", "test_split=test[:2%]", "--set", "max_tokens=3000", "--set", "sequence_length=100"],
        "charlm": ["--set", "lstm_units=32", "--set", "embedding_dim=8", "--set", "lstm_layers=1",
                   "--set", "batch_size=256"],
    }
    for kind, sets in runs.items():
        out = str(tmp_path / kind)
        r = subprocess.run([TEXTLSTM, "train", kind, "--out", out, "--quiet", "--set", "epochs=1", *sets],
                           env=env, capture_output=True, text=True, timeout=400)
        assert r.returncode == 0, r.stderr[-3000:]
        metrics = json.load(open(os.path.join(out, "metrics.json")))
        if kind == "sentiment":
            assert metrics["test"]["examples"] == 500
        else:
            heldout = metrics["heldout"]
            assert heldout["characters"] == 111_539
            parts = heldout["parts"]  # the same pass, split at the boundary: test alone never chose anything
            assert (parts["validation"]["characters"], parts["test"]["characters"]) == (55_769, 55_770)
            mean = sum(p["loss_nats_per_char"] * p["characters"] for p in parts.values()) / 111_539
            assert mean == pytest.approx(heldout["loss_nats_per_char"], rel=1e-9)
            script = repo_path("benchmarks", "charlm_comparison.py")
            r = subprocess.run([sys.executable, script, f"tiny={out}"], env=env, capture_output=True, text=True,
                               timeout=300)
            assert r.returncode == 0, r.stderr[-3000:]
            tiny = next(line for line in r.stdout.splitlines() if line.startswith("| tiny |"))
            assert f"| {heldout['loss_nats_per_char']:.4f} | {parts['test']['loss_nats_per_char']:.4f} |" in tiny
            assert "| 1.4697 |" in r.stdout  # nanoGPT, as published
