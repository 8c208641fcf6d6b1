"""The label contract on a tiny three-way model (negative, neutral, positive), through every surface:
the Python API, the CLI, the demo (gradio_client and headless Chromium), the SavedModel in a
TensorFlow-only process and the LiteRT interpreter. The two-class contract is the rest of the suite."""

import csv
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import NEUTRAL, THREE_WAY, free_port, tensorflow_only

import textlstm
from textlstm.cli import main
from textlstm.errors import TextLSTMError
from textlstm.webapp import sentiment_tab

TEXTLSTM = os.path.join(os.path.dirname(sys.executable), "textlstm")
TEXTS = ["great acting and a superb story", "the meeting is at noon", "terrible acting and a dull story"]
EXPECTED = ["positive", "neutral", "negative"]  # the toy task is separable


@pytest.fixture(scope="module")
def classifier(sentiment3_run):
    return textlstm.load_sentiment(sentiment3_run)


def test_the_folder_records_three_labels_and_a_softmax_head(sentiment3_run, classifier):
    config = json.load(open(os.path.join(sentiment3_run, "config.json")))
    assert config["labels"] == THREE_WAY == list(classifier.labels)
    plain = keras.saving.load_model(os.path.join(sentiment3_run, "model.keras"))  # no textlstm needed
    rows = plain(tf.constant(TEXTS)).numpy()
    assert rows.shape == (3, 3) and np.allclose(rows.sum(axis=1), 1.0, atol=1e-5)
    metrics = json.load(open(os.path.join(sentiment3_run, "metrics.json")))
    assert metrics["calibration"]["temperature"] > 0
    assert config["ngram_buckets"] == 101 and "ngram_logits" in {layer.name for layer in plain.layers[-1].layers}
    member = metrics["ngram_member"]  # its share, chosen on validation from the recorded losses
    losses = {float(w): loss for w, loss in member["validation_log_loss"].items()}
    assert member["weight"] == min(losses, key=losses.get) and member["epochs"] >= 1
    figures = metrics["test"]
    assert figures["examples"] == 90 and figures["accuracy"] >= 0.9  # separable: 30 test texts per class
    assert figures["confusion"]["labels"] == THREE_WAY and np.array(figures["confusion"]["matrix"]).shape == (3, 3)
    assert set(figures["recall"]) == set(THREE_WAY) and 0 <= figures["macro_f1"] <= 1


def test_python_api_answers_three_ways_and_keeps_positive_probability(classifier):
    answers = classifier.predict(TEXTS)
    assert [a.label for a in answers] == EXPECTED
    for a in answers:
        assert list(a.probabilities) == THREE_WAY and sum(a.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert a.confidence == pytest.approx(max(a.probabilities.values()))
        polar = (a.probabilities["positive"] + 1e-12) / (a.probabilities["positive"] + a.probabilities["negative"] + 2e-12)
        assert a.positive_probability == pytest.approx(polar, abs=1e-5)  # P(positive | not neutral)
    rows = classifier.class_probabilities(TEXTS)
    assert rows.shape == (3, 3)
    np.testing.assert_allclose(classifier.predict_proba(TEXTS), [a.positive_probability for a in answers], atol=1e-6)
    _, pieces = classifier.explain(TEXTS[0])
    assert "".join(piece for piece, _ in pieces) == TEXTS[0]
    with pytest.raises(TextLSTMError, match="text has no word: it needs at least one word"):
        classifier.predict("!!!")


def test_cli_predict_json_and_evaluate(sentiment3_run, cli_env, capsys):
    r = subprocess.run([TEXTLSTM, "predict", sentiment3_run, "--json", *TEXTS],
                       env=cli_env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [json.loads(line) for line in r.stdout.strip().splitlines()]
    assert [row["label"] for row in rows] == EXPECTED
    for row in rows:
        assert list(row["probabilities"]) == THREE_WAY and sum(row["probabilities"].values()) == pytest.approx(1, abs=1e-3)
        assert 0 <= row["positive_probability"] <= 1
    capsys.readouterr()  # the plain output and `evaluate` in-process: the same main() the console script runs
    assert main(["predict", sentiment3_run, "the report has ten pages"]) == 0
    assert capsys.readouterr().out.startswith("neutral\t")
    assert main(["evaluate", sentiment3_run, "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)["test"]
    assert {"accuracy", "macro_recall", "macro_f1", "ece", "confusion", "recall"} <= set(figures)
    assert figures["confusion"]["labels"] == THREE_WAY


@pytest.fixture(scope="module")
def server3(sentiment3_run, charlm_run):
    from textlstm import webapp

    demo = webapp.build_app(sentiment3_run, charlm_run)
    args = webapp.parse_args(["--port", str(free_port())])
    webapp.launch(demo, args, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{args.port}/"
    demo.close()


def test_demo_shows_three_bars_an_honest_neutral_and_three_csv_columns(server3, classifier, tmp_path):
    from gradio_client import Client, handle_file

    client = Client(server3, verbose=False)
    label, words = client.predict(TEXTS[0], api_name="/classify")
    assert label["label"] == "positive"
    confidences = {c["label"]: c["confidence"] for c in label["confidences"]}
    expected = classifier.predict(TEXTS[0]).probabilities
    assert confidences == expected  # every class, bit for bit: the answer predict gives for the text alone
    assert "".join(w["token"] for w in words) == TEXTS[0]
    label, words = client.predict(NEUTRAL[0], api_name="/classify")
    assert label["label"] == "neutral"
    _, pieces = classifier.explain(NEUTRAL[0])
    assert [(w["token"], w["class_or_confidence"]) for w in words] == sentiment_tab.highlighted("neutral", pieces)
    upload = tmp_path / "texts.txt"
    upload.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    path, _ = client.predict(handle_file(str(upload)), api_name="/classify_file")
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["label"] for r in rows] == EXPECTED
    assert {f"p_{name}" for name in THREE_WAY} | {"positive_probability"} <= set(rows[0])
    assert all(sum(float(r[f"p_{name}"]) for name in THREE_WAY) == pytest.approx(1, abs=1e-3) for r in rows)


def test_a_neutral_answer_no_word_pushes_is_shown_whole_as_no_strong_words():
    weak = [("The meeting", 0.4), (" ", None), ("is at noon", -0.3)]  # scaled by the STRONG_WORD floor: < 1
    assert sentiment_tab.highlighted("neutral", weak) == [("The meeting is at noon", sentiment_tab.NO_STRONG_WORDS)]
    strong = [("not", -1.0), (" ", None), ("bad", 0.6)]  # a neutral answer a word does push: its words shown
    assert sentiment_tab.highlighted("neutral", strong) == [("not", "strongly negative"), (" ", None),
                                                            ("bad", "strongly positive")]
    assert sentiment_tab.highlighted("positive", weak) == [("The meeting", "positive"), (" ", None), ("is at noon", "negative")]


@pytest.mark.slow
def test_real_browser_shows_three_answers(server3, tmp_path):
    import browser

    if not os.path.exists(browser.CHROMIUM):
        pytest.skip(reason=f"Chromium is not installed at {browser.CHROMIUM} (CI installs it: apt-get install chromium)")
    with browser.demo_page(server3) as page:
        box = page.get_by_label("Text to classify")
        assert "movie" not in (box.get_attribute("placeholder") or "").lower()
        box.fill(NEUTRAL[1])
        page.get_by_role("button", name="Classify", exact=True).click()
        label = page.locator("[data-testid='label-output-value']").first
        label.wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        assert label.inner_text().strip() == "neutral"
        for name in THREE_WAY:  # one bar per class, its percentage beside it
            bar = page.locator(f"[data-testid='{name}-confidence-set']")
            assert bar.count() == 1 and bar.inner_text().strip().endswith("%"), name
        legend = page.locator("[data-testid='highlighted-text:category-legend']").inner_text()
        assert "no strong words" in legend or "strongly" in legend
        page.screenshot(path=str(tmp_path / "three-way.png"), full_page=True)


TF_ONLY = r"""
import json, sys
import tensorflow as tf
s = tf.saved_model.load(sys.argv[1])
out = s.signatures["serving_default"](text=tf.constant(json.loads(sys.argv[2])))
labels = json.load(open(sys.argv[1] + "/assets.extra/labels.json"))
print(json.dumps({"probabilities": out["probabilities"].numpy().tolist(),
                  "label": [x.decode() for x in out["label"].numpy()],
                  "positive_probability": out["positive_probability"].numpy().reshape(-1).tolist(),
                  "labels": labels, "outputs": sorted(out)}))
"""


def test_saved_model_in_a_tensorflow_only_process(sentiment3_run, classifier, tmp_path):
    from textlstm.export import saved_model

    path = saved_model.export(sentiment3_run, str(tmp_path / "three_way"))
    result = tensorflow_only(TF_ONLY, path, TEXTS, tmp_path)
    assert result["outputs"] == ["label", "positive_probability", "probabilities"]
    labels = result["labels"]["labels"] if isinstance(result["labels"], dict) else result["labels"]
    assert labels == THREE_WAY and result["label"] == EXPECTED
    np.testing.assert_allclose(result["probabilities"], classifier.class_probabilities(TEXTS), atol=1e-5)
    np.testing.assert_allclose(result["positive_probability"], classifier.predict_proba(TEXTS), atol=1e-5)
    export = textlstm.load_export(path)
    assert list(export.labels) == THREE_WAY
    np.testing.assert_allclose(export.class_probabilities(TEXTS), classifier.class_probabilities(TEXTS), atol=1e-5)


def test_litert_in_the_interpreter_every_precision(sentiment3_run, classifier, tmp_path):
    from textlstm.export import litert
    from textlstm.export.litert_host import LiteRTClassifier

    out = str(tmp_path / "litert3")
    litert.export_litert(sentiment3_run, out)
    manifest = json.load(open(os.path.join(out, "litert.json")))
    assert manifest["labels"] == THREE_WAY and set(manifest["variants"]) == {"float32", "float16", "int8"}
    expected = classifier.class_probabilities(TEXTS)
    for variant, bound in (("float32", 1e-4), ("float16", 1e-2), ("int8", litert.QUANTIZED_PROBABILITY_BOUND)):
        host = LiteRTClassifier(out, variant)
        assert list(host.labels) == THREE_WAY
        rows = host.class_probabilities(TEXTS)
        assert rows.shape == (3, 3) and np.abs(rows - expected).max() < bound, variant
        answers = host.predict(TEXTS)
        assert [label for label, _ in answers] == EXPECTED and all(list(p) == THREE_WAY for _, p in answers)
        np.testing.assert_allclose(host.predict_proba(TEXTS), classifier.predict_proba(TEXTS), atol=max(bound, 1e-4) * 2)
    with pytest.raises(TextLSTMError) as api:
        classifier.predict("")
    with pytest.raises(TextLSTMError) as lite:
        LiteRTClassifier(out).class_probabilities("")
    assert str(lite.value) == str(api.value)
