"""Train -> save -> load -> predict through the Python API, for both model kinds."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import textlstm
from textlstm.errors import TextLSTMError

RUN_FILES = ["model.keras", "config.json", "vocabulary.json", "metrics.json", "curves.png", "history.csv"]


def test_sentiment_run_artifacts_and_round_trip(sentiment_run):
    for name in RUN_FILES:
        assert os.path.isfile(os.path.join(sentiment_run, name)), name
    metrics = json.load(open(os.path.join(sentiment_run, "metrics.json")))
    assert metrics["test"]["examples"] == 80
    assert metrics["test"]["accuracy"] >= 0.9  # the toy task is separable: 1.0 with seeds 1, 2 and 42
    assert metrics["training"]["reviews_per_second"] > 0 and metrics["environment"]["tensorflow"]
    classifier = textlstm.load_sentiment(sentiment_run)
    texts = ["a wonderful moving film", "an awful boring film"]
    first = classifier.predict_proba(texts)
    again = textlstm.load_sentiment(sentiment_run).predict_proba(texts)
    np.testing.assert_array_equal(first, again)  # identical after the round trip
    # plain Keras loads it too, no textlstm import needed
    plain = keras.saving.load_model(os.path.join(sentiment_run, "model.keras"))
    np.testing.assert_allclose(plain(tf.constant(texts)).numpy()[:, 0], first, atol=1e-6)
    single = classifier.predict("a wonderful moving film")
    assert single.label == "positive" and single.positive_probability > 0.5 and single.confidence > 0.5
    assert list(single.probabilities) == list(classifier.labels) == ["negative", "positive"]
    assert single.probabilities["positive"] == pytest.approx(single.positive_probability)
    assert single.confidence == pytest.approx(max(single.probabilities.values()))
    assert classifier.predict("terrible acting and a dull story").label == "negative"
    assert [p.label for p in classifier.predict(texts)] == [("positive" if p > 0.5 else "negative") for p in first]


def test_tiny_sentiment_model_learned_the_toy_task(sentiment_run):
    classifier = textlstm.load_sentiment(sentiment_run)
    p = classifier.predict_proba(["great acting and a superb story", "terrible acting and a dull story"])
    assert p[0] > p[1]


def test_charlm_run_artifacts_and_round_trip(charlm_run):
    for name in RUN_FILES:
        assert os.path.isfile(os.path.join(charlm_run, name)), name
    metrics = json.load(open(os.path.join(charlm_run, "metrics.json")))
    heldout = metrics["heldout"]
    assert heldout["bits_per_char"] == pytest.approx(heldout["loss_nats_per_char"] / np.log(2))
    assert metrics["training"]["characters_per_second"] > 0
    vocabulary = json.load(open(os.path.join(charlm_run, "vocabulary.json")))
    assert vocabulary[:2] == ["", "[UNK]"]
    model = keras.saving.load_model(os.path.join(charlm_run, "model.keras"))
    ids = np.array([[2, 3, 4, 5]], "int32")
    assert model(ids).shape == (1, 4, len(vocabulary))
    a = textlstm.load_generator(charlm_run).generate("ROMEO:", length=50, seed=1)
    b = textlstm.load_generator(charlm_run).generate("ROMEO:", length=50, seed=1)
    assert a == b


def test_fresh_process_loads_model_keras_with_keras_alone(charlm_run, sentiment_run, tmp_path):
    code = (
        "import sys, keras, tensorflow as tf\n"
        "assert 'textlstm' not in sys.modules\n"
        f"m = keras.saving.load_model({os.path.join(sentiment_run, 'model.keras')!r})\n"
        "print(float(m(tf.constant(['a wonderful film']))[0, 0]))\n"
        f"c = keras.saving.load_model({os.path.join(charlm_run, 'model.keras')!r})\n"
        "print(c(tf.constant([[2, 3]])).shape)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


def test_predict_input_type_errors(sentiment_run):
    """The shapes a caller can get wrong (text values themselves: tests/test_bad_input.py)."""
    classifier = textlstm.load_sentiment(sentiment_run)
    for bad, word in (([], "from 1 to 10,000 strings, got 0"), (["ok"] * 10_001, "got 10,001"), (5, "string"),
                      ({"text": "ok"}, "string or a list of strings")):
        with pytest.raises(TextLSTMError, match=word):
            classifier.predict(bad)


@pytest.mark.slow
def test_language_model_pretraining_then_classifier(review_dir, tmp_path):
    """pretrain_epochs > 0: an LM phase in RUN_DIR/pretrain, whose weights seed the classifier."""
    from conftest import TINY_SENTIMENT

    from textlstm.config import SentimentConfig, apply_overrides
    from textlstm.models import sentiment_model
    from textlstm.training.pretraining import WordLMPretrainTask
    from textlstm.training.sentiment_task import SentimentTask

    config = apply_overrides(SentimentConfig(), {**TINY_SENTIMENT, "directory": review_dir, "pretrain_epochs": 1,
                                                 "pretrain_sequence_length": 8, "pretrain_batch_size": 8,
                                                 "pretrain_samples": 16, "bidirectional": False,
                                                 "pooling": "max_mean"})
    task = SentimentTask(config)
    lm_task = task.pretraining()
    assert isinstance(lm_task, WordLMPretrainTask)
    assert "train_ids" not in vars(lm_task)  # the id stream is only built when an epoch needs it
    assert lm_task.num_train > 1000
    lm, classifier = lm_task.build_model(), task.build_model()
    task.transfer(lm, classifier)
    np.testing.assert_array_equal(classifier.get_layer("embedding").get_weights()[0],
                                  lm.get_layer("embedding").get_weights()[0])
    np.testing.assert_array_equal(classifier.get_layer("lstm_0").get_weights()[0],
                                  lm.get_layer("lstm_0").get_weights()[0])
    bi = sentiment_model.build_sentiment_model(apply_overrides(config, {"bidirectional": True}), task.vocab_size)
    sentiment_model.transfer_pretrained(lm, bi)
    np.testing.assert_array_equal(bi.get_layer("bilstm_0").forward_layer.get_weights()[1],
                                  lm.get_layer("lstm_0").get_weights()[1])

    out = str(tmp_path / "run")
    metrics = textlstm.train("sentiment", out, config=config, verbose=0)
    assert os.path.isfile(os.path.join(out, "pretrain", "history.csv"))
    assert metrics["test"]["examples"] == 80
    t = metrics["training"]  # the LM phase counts in what training cost
    assert t["pretrain_epochs"] == 1 and t["total_wall_time_seconds"] == t["wall_time_seconds"] + t["pretrain_wall_time_seconds"] > 0
    assert textlstm.load_sentiment(out).predict("a wonderful moving film").label in ("positive", "negative")


def run_notebook(name, sentiment_run, charlm_run, monkeypatch):
    """examples/NAME executed top to bottom by nbclient on the tiny runs -> (seconds, code cells' outputs)."""
    import time

    import nbclient
    import nbformat
    from conftest import REPO as repo
    monkeypatch.setenv("TEXTLSTM_SENTIMENT_MODEL", sentiment_run)
    monkeypatch.setenv("TEXTLSTM_GENERATOR_MODEL", charlm_run)
    notebook = nbformat.read(os.path.join(repo, "examples", name), as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, startup_timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": os.path.join(repo, "examples")}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start, [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]


@pytest.mark.slow
def test_quickstart_notebook_runs_headless(sentiment_run, charlm_run, monkeypatch):
    seconds, outputs = run_notebook("quickstart.ipynb", sentiment_run, charlm_run, monkeypatch)
    assert seconds < 120, "the notebook must run in under 2 minutes on CPU"
    text = "".join(o.get("text", "") for o in outputs)
    assert "temperature 0.5" in text and "after one step" in text


@pytest.mark.slow
def test_inside_the_lstm_notebook_runs_headless(sentiment_run, charlm_run, monkeypatch):
    _, outputs = run_notebook("inside_the_lstm.ipynb", sentiment_run, charlm_run, monkeypatch)
    text = "".join(o.get("text", "") for o in outputs)
    assert "characters;" in text and "r = " in text and "P(positive)" in text and "forget gate" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2  # the heat map and the saturation plot


def test_model_file_with_lambda_layer_is_refused(tmp_path):
    """safe_mode=True: a model file cannot run arbitrary code on load."""
    inputs = keras.Input((3,))
    keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs)).save(tmp_path / "model.keras")
    (tmp_path / "config.json").write_text('{"kind": "sentiment"}')
    with pytest.raises(TextLSTMError, match="Lambda layer"):
        textlstm.load_sentiment(tmp_path)
