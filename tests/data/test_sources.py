"""Several labelled TFDS sources, mixed batch by batch: config, text formats, the mixture, and a
two-source model trained on mock TFDS with its language model in both directions (and adversarially)."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from textlstm.config import SentimentConfig, apply_overrides, config_from_dict
from textlstm.data import labelled, pipelines, sources
from textlstm.errors import TextLSTMError

TWO_SOURCES = [
    {"name": "imdb", "dataset": "imdb_reviews", "train_split": "train[:80%]", "validation_split": "train[80%:]",
     "test_split": "test", "unlabelled_split": "unsupervised", "weight": 0.5, "sequence_length": 24},
    {"name": "sst2", "dataset": "glue/sst2", "text_key": "sentence", "text_format": "ptb",
     "train_split": "train[:80%]", "validation_split": "train[80%:]", "test_split": "validation",
     "weight": 0.5, "sequence_length": 8},
]
TINY = dict(max_tokens=200, sequence_length=24, embedding_dim=16, lstm_units=8, dense_units=8, dropout=0.1,
            batch_size=8, epochs=2, learning_rate=0.01, pooling="max_mean", pool_relu=True)


@pytest.fixture
def mock_tfds(tmp_path, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    with tfds.testing.mock_data(num_examples=64, policy=tfds.testing.MockPolicy.USE_CODE):
        yield


@pytest.mark.parametrize("ptb, plain", [
    ("it does n't work , and i ca n't stand it .", "it doesn't work, and i can't stand it."),
    ("the film 's `` best '' scene -lrb- really -rrb- !", 'the film\'s "best" scene (really)!'),
    ("i wo n't go ; you 're right", "i won't go; you're right"),
    ("not bad at all", "not bad at all"),
])
def test_ptb_text_becomes_what_people_type(ptb, plain):
    assert labelled.detokenize_ptb(tf.constant(ptb)).numpy().decode() == plain


def test_sources_in_a_config_file_and_from_set(tmp_path):
    config = config_from_dict({"kind": "sentiment", "sources": TWO_SOURCES, "sequence_length": 24})
    imdb, sst2 = sources.sources_of(config)
    assert (imdb.name, imdb.sequence_length, sst2.text_format, sst2.test_split) == ("imdb", 24, "ptb", "validation")
    again = apply_overrides(SentimentConfig(sequence_length=24), {"sources": json.dumps(TWO_SOURCES)})
    assert again.sources == TWO_SOURCES
    single = sources.sources_of(SentimentConfig())  # no sources: the single-dataset keys are the one source
    assert [(s.dataset, s.train_split, s.unlabelled_split) for s in single] == [("imdb_reviews", "train[:90%]", "unsupervised")]


@pytest.mark.parametrize("change, message", [
    ({"text_format": "xml"}, "'text_format' must be one of plain, ptb"),
    ({"weight": 0}, "'weight' must be a number > 0"),
    ({"sequence_length": 500}, "'sequence_length' must be an integer in [1, 24]"),
    ({"colour": "red"}, "unknown key(s) ['colour']"),
])
def test_a_bad_source_gives_one_clear_error(change, message):
    bad = [TWO_SOURCES[0], {**TWO_SOURCES[1], **change}]
    with pytest.raises(TextLSTMError) as info:
        config_from_dict({"kind": "sentiment", "sources": bad, "sequence_length": 24})
    assert message in str(info.value) and ("sst2" in str(info.value) or "colour" in str(info.value))


def test_sources_need_unique_names_and_a_validation_split():
    with pytest.raises(TextLSTMError, match="unique"):
        config_from_dict({"kind": "sentiment", "sources": [TWO_SOURCES[0], TWO_SOURCES[0]], "sequence_length": 24})
    no_validation = [{**s, "validation_split": ""} for s in TWO_SOURCES]
    with pytest.raises(TextLSTMError, match="validation_split"):
        config_from_dict({"kind": "sentiment", "sources": no_validation, "sequence_length": 24})


def test_mixture_draws_batches_by_weight_and_keeps_each_sources_length():
    long = tf.data.Dataset.from_tensors((tf.ones((4, 10), tf.int32), tf.ones((4, 1)))).repeat()
    short = tf.data.Dataset.from_tensors((tf.zeros((4, 3), tf.int32), tf.zeros((4, 1)))).repeat()
    mixed = pipelines.mixture_batches([long, short], [3.0, 1.0], seed=0)
    lengths = [int(ids.shape[1]) for ids, _ in mixed.take(2000)]
    assert set(lengths) == {10, 3}
    assert lengths.count(10) / len(lengths) == pytest.approx(0.75, abs=0.03)


@pytest.mark.slow
def test_two_sources_train_evaluate_and_report_each(mock_tfds, tmp_path, capsys):
    import textlstm
    from textlstm.cli import main

    out = str(tmp_path / "mix")
    metrics = textlstm.train("sentiment", out, sources=TWO_SOURCES, pretrain_epochs=1, pretrain_directions=2,
                             pretrain_sequence_length=10, pretrain_batch_size=8, pretrain_samples=20,
                             pretrained_learning_rate_multiplier=0.3, calibrate=True, adversarial_epsilon=0.3,
                             verbose=0, **TINY)
    assert set(metrics["evaluation"]) == {"imdb", "sst2"}
    assert metrics["evaluation"]["sst2"]["split"] == "validation" and metrics["evaluation"]["sst2"]["dataset"] == "glue/sst2"
    assert metrics["test"]["accuracy"] == metrics["evaluation"]["imdb"]["accuracy"]
    assert 0.05 <= metrics["calibration"]["temperature"] <= 20
    assert set(metrics["calibration"]["fitted_on"]) == {"imdb", "sst2"}
    assert all("ece_before" in e for e in metrics["evaluation"].values())
    header = open(os.path.join(out, "history.csv")).readline()
    assert all(k in header for k in ("val_loss_imdb", "val_loss_sst2", "val_accuracy_sst2"))
    assert os.path.isfile(os.path.join(out, "reliability.png"))
    assert os.path.isfile(os.path.join(out, "pretrain", "history.csv"))
    # `textlstm evaluate` (in-process: the mock data lives in this process) reports each set,
    # with the figures training recorded
    capsys.readouterr()
    assert main(["evaluate", out]) == 0
    printed = capsys.readouterr().out
    assert "| imdb (imdb_reviews test) |" in printed and "| sst2 (glue/sst2 validation) |" in printed
    sst2 = metrics["evaluation"]["sst2"]
    assert (f"| negative, positive | {sst2['examples']:,} | {sst2['accuracy']:.4f} | {sst2['macro_recall']:.4f} | "
            f"{sst2['macro_f1']:.4f} | {sst2['loss']:.4f} | {sst2['ece']:.4f} | {sst2['ece_before']:.4f} |") in printed
    assert "sst2: rows the true class, columns the decided one" in printed
    p = textlstm.load_sentiment(out).predict_proba(["a wonderful film", "it wasn't good"])
    assert p.shape == (2,) and np.isfinite(p).all()


def test_examples_without_a_token_are_dropped_before_training():
    """SST-2 holds the phrases "(" and ")": no token, so a masked mean of 0/0 and a NaN loss."""
    from textlstm.text import vectorizers

    vectorizer = vectorizers.make_word_vectorizer(50, 6, vocabulary=["", "[UNK]", "good", "film"])
    examples = tf.data.Dataset.from_tensor_slices((["good film", "(", ")", "unknown words", "..."], [1, 0, 1, 0, 1]))
    kept = list(pipelines.vectorize_examples(examples, vectorizer, length=4).as_numpy_iterator())
    assert [ids.tolist() for ids, _ in kept] == [[2, 3, 0, 0], [1, 1, 0, 0]]  # unknown words still count
    assert [float(y[0]) for _, y in kept] == [1.0, 0.0]
