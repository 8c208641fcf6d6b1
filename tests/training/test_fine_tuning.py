"""Fine-tuning a trained model on a few dozen examples: Python API, CLI, new words and characters,
every bad input, and resuming a killed run."""

import csv
import json
import os
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import make_play

import textlstm
from textlstm.errors import TextLSTMError
from textlstm.training import fine_tuning

TEXTLSTM = os.path.join(os.path.dirname(sys.executable), "textlstm")
# A new domain for the tiny base model (trained on movie phrases): gadgets, with words it never saw.
GOOD = ["the gizmo works great", "superb gadget, loved the widget", "a wonderful sprocket", "great gizmo value"]
BAD = ["the gizmo broke, awful", "a dreadful widget", "terrible sprocket, hated it", "awful gadget value"]
TEXTS = [t for pair in zip(GOOD * 4, BAD * 4) for t in pair]  # 32 texts, alternating
LABELS = ["positive", "negative"] * 16


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs, self.steps = [], 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append((epoch, logs["val_loss"]))

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1


def test_sentiment_fine_tune_in_python(sentiment_run, tmp_path, capsys):
    base = textlstm.load_sentiment(sentiment_run)
    recorder = Recorder()
    tuned = base.fine_tune(TEXTS, LABELS, out=str(tmp_path / "tuned"), epochs=4, callbacks=[recorder], new_words=3)
    assert capsys.readouterr().out == ""  # nothing printed: progress went to the callback
    assert [e for e, _ in recorder.epochs] == list(range(len(recorder.epochs))) and recorder.steps > 0
    assert tuned.config.base_model == os.path.abspath(sentiment_run) and tuned.config.table_file
    assert tuned.config.lstm_units == base.config.lstm_units and tuned.config.calibrate
    # new words: rows after the base vocabulary, the frequent unknown ones first
    vocabulary = json.load(open(os.path.join(tuned.folder, "vocabulary.json"), encoding="utf-8"))
    base_vocabulary = json.load(open(os.path.join(sentiment_run, "vocabulary.json"), encoding="utf-8"))
    assert vocabulary[:len(base_vocabulary)] == base_vocabulary
    assert set(vocabulary[len(base_vocabulary):]) <= {"the", "gizmo", "gadget", "widget", "sprocket", "value"}
    assert len(vocabulary) == len(base_vocabulary) + 3 == tuned.metrics["training"]["new_words"] + len(base_vocabulary)
    after = tuned.metrics["fine_tuning"]["held_out_after"]["table"]
    before = tuned.metrics["fine_tuning"]["held_out_before"]["table"]
    assert after["examples"] == before["examples"] >= 4 and after["accuracy"] >= before["accuracy"]
    assert after["split"] == before["split"] == "validation"  # the held-out slice, named as such
    assert [p.label for p in tuned.predict(["a superb gizmo", "a dreadful gizmo"])] == ["positive", "negative"]
    # save: an ordinary model folder that loads by name from $TEXTLSTM_MODELS
    saved = tuned.save(str(tmp_path / "models" / "gadgets"))
    assert sorted(os.listdir(saved)) == sorted(n for n in os.listdir(tuned.folder) if n in (
        "model.keras", "config.json", "vocabulary.json", "metrics.json", "history.csv", "curves.png", "reliability.png"))
    os.environ["TEXTLSTM_MODELS"] = str(tmp_path / "models")
    try:
        np.testing.assert_allclose(textlstm.load_sentiment("gadgets").predict_proba(TEXTS[:4]),
                                   tuned.predict_proba(TEXTS[:4]), atol=1e-6)
    finally:
        del os.environ["TEXTLSTM_MODELS"]
    with pytest.raises(TextLSTMError, match="already exists"):
        tuned.save(saved)


def test_new_rows_start_at_the_mean_and_the_rarest_logit():
    """copy_weights: base rows kept, new embedding rows the mean word vector, new softmax columns the
    mean column with the smallest bias."""
    def charlm(vocab):
        ids = keras.Input((None,), dtype="int32")
        x = keras.layers.Embedding(vocab, 4, name="embedding")(ids)
        x = keras.layers.LSTM(3, return_sequences=True, name="lstm_0")(x)
        return keras.Model(ids, keras.layers.Dense(vocab, name="logits")(x))

    base, grown = charlm(6), charlm(8)
    fine_tuning.copy_weights(base, grown, output="logits")
    old, new = base.get_layer("embedding").get_weights()[0], grown.get_layer("embedding").get_weights()[0]
    np.testing.assert_array_equal(new[:6], old)
    np.testing.assert_allclose(new[6:], np.tile(old[2:].mean(axis=0), (2, 1)), atol=1e-6)
    (k0, b0), (k1, b1) = base.get_layer("logits").get_weights(), grown.get_layer("logits").get_weights()
    np.testing.assert_array_equal(k1[:, :6], k0)
    np.testing.assert_allclose(k1[:, 6], k0[:, 2:].mean(axis=1), atol=1e-6)
    assert b1[6] == b1[7] == b0[2:].min()
    for a, b in zip(base.get_layer("lstm_0").get_weights(), grown.get_layer("lstm_0").get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_new_head_starts_fresh_and_the_features_start_from_the_base(sentiment_run):
    """new_head (the recipe's default): the dense layers keep their fresh initial weights; every other
    layer takes the base model's. Off: the head is copied too. Only with a base model."""
    from textlstm import config as config_lib
    from textlstm.models import sentiment_model

    base = fine_tuning.BaseModel.load(fine_tuning.fine_tune_config("sentiment", sentiment_run))
    vocab = len(base.tokens)
    for new_head in (True, False):
        keras.utils.set_random_seed(0)
        model = sentiment_model.build_sentiment_model(base.config, vocab)
        head = sentiment_model.head_layers(base.config)
        fresh = {n: model.get_layer(n).get_weights() for n in head}
        fine_tuning.copy_weights(base.model, model, fresh=head if new_head else ())
        for layer in model.layers:
            for got, theirs in zip(layer.get_weights(), base.model.get_layer(layer.name).get_weights()):
                if new_head and layer.name in head:
                    assert not np.array_equal(got, theirs)
                else:
                    np.testing.assert_array_equal(got, theirs)
        if new_head:
            for name, weights in fresh.items():
                for got, init in zip(model.get_layer(name).get_weights(), weights):
                    np.testing.assert_array_equal(got, init)
    assert fine_tuning.RECIPE["sentiment"]["new_head"] is True
    with pytest.raises(TextLSTMError, match="'new_head' applies with 'base_model' only"):
        config_lib.validate_config(config_lib.SentimentConfig(new_head=True))


def test_generator_fine_tune_adds_the_characters_it_never_saw(charlm_run, tmp_path):
    base = textlstm.load_generator(charlm_run)
    assert "é" not in base.vocabulary.characters and "Ø" not in base.vocabulary.characters
    play = make_play(300, seed=5).split("\n\n")
    text = "\n\n".join(f"NØRA:\nCafé, naïve? Ø and é.\n\n{scene}" for scene in play)  # new characters throughout
    tuned = base.fine_tune(text, out=str(tmp_path / "tuned"), epochs=3)
    added = tuned.vocabulary.characters[len(base.vocabulary.characters):]
    assert tuned.vocabulary.characters[:len(base.vocabulary.characters)] == base.vocabulary.characters
    assert {"é", "Ø", "ï"} <= set(added) and tuned.metrics["training"]["new_characters"] == len(added)
    assert tuned.model.get_layer("logits").units == len(tuned.vocabulary)
    before, after = tuned.metrics["fine_tuning"]["heldout_before"], tuned.metrics["heldout"]
    assert before["characters"] == after["characters"]  # the same held-out text
    assert after["loss_nats_per_char"] < before["loss_nats_per_char"]  # the base model cannot write "é"
    p = tuned.sampler  # the new characters can be generated: each has a row in the softmax
    assert len(tuned.generate("NØRA:\n", length=50, seed=3)) == 50 and p.vocab_size == len(tuned.vocabulary)


def test_cli_fine_tunes_from_a_table_file(sentiment_run, tmp_path, cli_env):
    table = tmp_path / "reviews.csv"
    with open(table, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("text", "label"), *zip(TEXTS, LABELS)])
    out = str(tmp_path / "cli")
    args = [TEXTLSTM, "train", "sentiment", "--from", sentiment_run, "--table-file", str(table), "--out", out,
            "--set", "epochs=3", "--set", "batch_size=4"]
    r = subprocess.run(args, env=cli_env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    config = json.load(open(os.path.join(out, "config.json")))
    assert config["base_model"] == os.path.abspath(sentiment_run) and config["table_file"] == str(table)
    assert "fine_tuning" in json.load(open(os.path.join(out, "metrics.json")))


@pytest.mark.parametrize("texts, labels, words", [
    (TEXTS[:10], LABELS[:10], ["10 examples", "at least 20"]),
    (TEXTS, ["positive"] * 32, ["at least 2 classes", "found 1"]),
    (TEXTS, ["a"] * 31 + ["b"], ["only 1 example of class 'b'", "at least 2"]),
    (TEXTS, [f"class {i}" for i in range(32)], ["32 classes for 32 examples", "too many classes"]),
    (TEXTS, ["a"] * 16 + [""] * 16, ["an empty label"]),
    (TEXTS, LABELS[:5], ["as long as texts"]),
    ("one text", LABELS, ["texts must be a list of strings"]),
    ([*TEXTS[:18], "!!!", "   "], LABELS[:20], ["18 examples with a word"]),  # texts without a word don't count
])
def test_bad_fine_tuning_data_is_one_clear_sentence_and_writes_nothing(sentiment_run, tmp_path, texts, labels,
                                                                        words):
    out = tmp_path / "never"
    with pytest.raises(TextLSTMError) as e:
        textlstm.load_sentiment(sentiment_run).fine_tune(texts, labels, out=str(out))
    assert all(w in str(e.value) for w in words), str(e.value)
    assert "\n" not in str(e.value)
    assert not out.exists()  # nothing written


@pytest.mark.parametrize("args, words", [
    (["train", "charlm", "--from", "SENTIMENT", "--text-file", "TEXT"], ["is a sentiment model", "a character model"]),
    (["train", "sentiment", "--from", "CHARLM", "--table-file", "TABLE"], ["is a character model"]),
    (["train", "sentiment", "--from", "SENTIMENT", "--table-file", "/no/such.csv"], ["/no/such.csv", "could not be read"]),
    (["train", "sentiment", "--from", "SENTIMENT", "--table-file", "BINARY"], ["not valid UTF-8"]),
    (["train", "sentiment", "--from", "SENTIMENT", "--config", "x.json"], ["--from and --config exclude each other"]),
    (["train", "sentiment", "--from", "SENTIMENT", "--table-file", "TABLE", "--set", "lstm_units=3"],
     ["differ from base model", "lstm_units"]),
])
def test_cli_refuses_bad_fine_tuning_with_one_line(args, words, sentiment_run, charlm_run, text_file, tmp_path,
                                                   cli_env):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"text,label\n\xff\xfe bad,1\n")
    table = tmp_path / "ok.csv"
    with open(table, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("text", "label"), *zip(TEXTS, LABELS)])
    names = {"SENTIMENT": sentiment_run, "CHARLM": charlm_run, "TEXT": text_file, "TABLE": str(table),
             "BINARY": str(binary)}
    out = tmp_path / "out"
    r = subprocess.run([TEXTLSTM, *[names.get(a, a) for a in args], "--out", str(out)], env=cli_env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr[-2000:]
    last = r.stderr.strip().splitlines()[-1]  # TensorFlow's start-up log lines come first
    assert last.startswith("textlstm ") and "Traceback" not in r.stderr
    assert all(w in last for w in words), last
    assert not out.exists() or os.listdir(out) in ([], ["config.json"])


@pytest.mark.slow
def test_killed_fine_tuning_resumes_like_any_run(charlm_run, text_file, tmp_path, cli_env):
    out = str(tmp_path / "tuned")
    args = [TEXTLSTM, "train", "charlm", "--from", charlm_run, "--text-file", text_file, "--out", out,
            "--set", "epochs=4", "--set", "patience=10", "--set", "batch_size=8", "--set", "sequence_length=20"]
    proc = subprocess.Popen(args, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        backup = os.path.join(out, "backup")
        while not (os.path.isdir(backup) and any(d.startswith("epoch-0002") for d in os.listdir(backup))):
            assert proc.poll() is None, proc.stdout.read()[-3000:]
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()
    r = subprocess.run(args, env=cli_env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "Resuming from the backup of epoch" in r.stdout
    with open(os.path.join(out, "history.csv"), encoding="utf-8") as f:
        assert [int(row["epoch"]) for row in csv.DictReader(f)] == [0, 1, 2, 3]  # every epoch once
    assert json.load(open(os.path.join(out, "config.json")))["base_model"] == os.path.abspath(charlm_run)
