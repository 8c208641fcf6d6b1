"""Fine-tuning on labels of a user's own (issue 34): 2, 3 and 5 classes through the Python API and
the CLI; the tuned model answers in the user's class names on every surface, its exports (a
SavedModel in a TensorFlow-only process, LiteRT in the interpreter) give the same answers, and a
model whose classes are not negative and positive has no positive probability anywhere."""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ASPECT_TEXTS, ASPECTS, aspect_rows, tensorflow_only

import textlstm
from textlstm.errors import TextLSTMError

TEXTLSTM = os.path.join(os.path.dirname(sys.executable), "textlstm")
def write_table(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("text", "label"), *rows])
    return str(path)


@pytest.fixture(scope="module")
def five_way(sentiment_run, tmp_path_factory):
    """A tiny base fine-tuned by the CLI on five aspects of its user's own."""
    folder = tmp_path_factory.mktemp("own")
    table = write_table(folder / "aspects.csv", aspect_rows(sorted(ASPECTS)))
    out = str(folder / "aspects")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    # The tiny base (an 8-unit LSTM that read movie phrases) has to move for topics it never saw: its
    # features learn at the head's rate here (the recipe's 0.3 stalls it at chance in 8 epochs).
    r = subprocess.run([TEXTLSTM, "train", "sentiment", "--from", sentiment_run, "--table-file", table, "--out", out,
                        "--set", "epochs=30", "--set", "pretrained_learning_rate_multiplier=1.0", "--quiet"],
                       env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return out


@pytest.mark.parametrize("classes", [["ham", "spam"], ["food", "price", "service"]])
def test_the_api_answers_in_the_users_classes(sentiment_run, tmp_path, classes):
    rows = aspect_rows(["food", "price", "service"]) if len(classes) == 3 else [
        (text, "spam" if label == "price" else "ham") for text, label in aspect_rows(["food", "price"])]
    base = textlstm.load_sentiment(sentiment_run)
    tuned = base.fine_tune([t for t, _ in rows], [y for _, y in rows], out=str(tmp_path / "tuned"), epochs=12)
    assert list(tuned.labels) == classes == tuned.config.labels  # sorted: the model's output order
    after = tuned.metrics["fine_tuning"]["held_out_after"]["table"]
    assert after["confusion"]["labels"] == classes and set(after["recall"]) == set(classes)
    weights = tuned.metrics["training"]["class_weights"]  # the recipe's balanced loss: each class weighs alike
    assert list(weights) == classes and all(w > 0 for w in weights.values())
    texts = [ASPECT_TEXTS[c] for c in ("food", "price", "service")]
    predictions = tuned.predict(texts)
    assert all(list(p.probabilities) == classes and abs(sum(p.probabilities.values()) - 1) < 1e-5 for p in predictions)
    assert all(p.label in classes for p in predictions)
    p, pieces = tuned.explain(texts[0])
    assert "".join(piece for piece, _ in pieces) == texts[0]
    assert all(score is None or np.isfinite(score) for _, score in pieces)
    if len(classes) == 2:  # two classes: the second counts as positive, as always
        assert predictions[1].positive_probability == predictions[1].probabilities["spam"] and p is not None
    else:  # topics have no positive probability: None on predictions and explanations, a sentence if asked
        assert all(p.positive_probability is None for p in predictions) and p is None
        with pytest.raises(TextLSTMError, match="answering food, price, service has no positive probability"):
            tuned.predict_proba(texts)
        assert [p.label for p in predictions] == ["food", "price", "service"]


def test_the_cli_answers_every_class_of_five(five_way, tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    texts = [ASPECT_TEXTS[c] for c in sorted(ASPECTS)]
    r = subprocess.run([TEXTLSTM, "predict", five_way, "--json", *texts], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    answers = [json.loads(line) for line in r.stdout.splitlines()]
    assert [a["label"] for a in answers] == sorted(ASPECTS)  # every label comes back
    assert all(list(a["probabilities"]) == sorted(ASPECTS) and "positive_probability" not in a for a in answers)
    config = json.load(open(os.path.join(five_way, "config.json")))
    assert config["labels"] == sorted(ASPECTS) and config["base_model"]
    assert config["batch_size"] == 8  # 70 rows: 15 held out, so batches of 8, as in Python


TF_ONLY = r"""
import json, sys
import tensorflow as tf
s = tf.saved_model.load(sys.argv[1])
out = s.signatures["serving_default"](text=tf.constant(json.loads(sys.argv[2])))
print(json.dumps({"probabilities": out["probabilities"].numpy().tolist(),
                  "label": [x.decode() for x in out["label"].numpy()], "outputs": sorted(out),
                  "labels": json.load(open(sys.argv[1] + "/assets.extra/labels.json"))}))
"""


def test_five_classes_export_to_tensorflow_only_and_litert(five_way, tmp_path):
    from textlstm.export import litert, saved_model
    from textlstm.export.litert_host import LiteRTClassifier

    tuned = textlstm.load_sentiment(five_way)
    texts = [ASPECT_TEXTS[c] for c in sorted(ASPECTS)]
    expected = tuned.class_probabilities(texts)
    path = saved_model.export(five_way, str(tmp_path / "serving"))
    result = tensorflow_only(TF_ONLY, path, texts, tmp_path)
    assert result["outputs"] == ["label", "probabilities"]  # no positive_probability: the classes are topics
    labels = result["labels"]["labels"] if isinstance(result["labels"], dict) else result["labels"]
    assert labels == sorted(ASPECTS) and result["label"] == [p.label for p in tuned.predict(texts)]
    np.testing.assert_allclose(result["probabilities"], expected, atol=1e-5)
    out = str(tmp_path / "litert")
    litert.export_litert(five_way, out)
    manifest = json.load(open(os.path.join(out, "litert.json")))
    assert manifest["labels"] == sorted(ASPECTS) and "positive_probability" not in manifest["outputs"]
    host = LiteRTClassifier(out, "float32")
    assert np.abs(host.class_probabilities(texts) - expected).max() < 1e-4
    assert [label for label, _ in host.predict(texts)] == [p.label for p in tuned.predict(texts)]
    with pytest.raises(TextLSTMError, match="has no positive probability"):
        host.predict_proba(texts)
