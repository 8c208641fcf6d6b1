"""The models in saved_models/: complete, compact, loadable, and at the figures they claim."""

import json
import os

import pytest

from textlstm.errors import TextLSTMError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = os.path.join(REPO, "saved_models")
MIB = 1024 * 1024
# Bytes per model folder, Keras file and export included (issue 15 gave the character model 45 MiB).
LIMITS = {"imdb_sentiment": 25 * MIB, "shakespeare_char": 45 * MIB}
FILES = ["model.keras", "vocabulary.json", "config.json", "metrics.json", "curves.png", "MODEL_CARD.md"]


def _size(folder):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(folder) for f in files)


@pytest.mark.parametrize("name", ["imdb_sentiment", "shakespeare_char"])
def test_folder_is_complete_and_compact(name):
    folder = os.path.join(SHIPPED, name)
    for f in FILES:
        assert os.path.isfile(os.path.join(folder, f)), f
    versions = [d for d in os.listdir(folder) if d.isdigit()]
    assert len(versions) == 1, f"ship one export version, the current one: {versions}"  # size limit
    assert os.path.isfile(os.path.join(folder, versions[0], "saved_model.pb"))
    assert os.path.isfile(os.path.join(folder, versions[0], "assets.extra", "tf_serving_warmup_requests"))
    assert _size(folder) <= LIMITS[name]


def test_char_model_meets_its_bar_and_generates():
    folder = os.path.join(SHIPPED, "shakespeare_char")
    heldout = json.load(open(os.path.join(folder, "metrics.json")))["heldout"]
    assert heldout["loss_nats_per_char"] <= 1.47 and heldout["splits"] == "validation+test"  # issue 15's bar
    assert heldout["characters"] == 111_539
    parts = heldout["parts"]  # from the same pass: the test part starts from validation's last state
    assert [parts["validation"]["characters"], parts["test"]["characters"]] == [55_769, 55_770]
    mean = (parts["validation"]["loss_nats_per_char"] * 55_769 + parts["test"]["loss_nats_per_char"] * 55_770) / 111_539
    assert abs(mean - heldout["loss_nats_per_char"]) < 1e-6
    import textlstm

    generator = textlstm.load_generator(folder)
    text = generator.generate("ROMEO:", length=200, temperature=0.8, seed=1)
    assert text == generator.generate("ROMEO:", length=200, temperature=0.8, seed=1)
    assert "\n" in text and len(text) == 200


def test_sentiment_model_figures_and_predictions():
    folder = os.path.join(SHIPPED, "imdb_sentiment")
    test = json.load(open(os.path.join(folder, "metrics.json")))["test"]
    assert test["examples"] == 25_000 and test["split"] == "test"  # the full test split, nothing dropped
    assert test["accuracy"] >= 0.90  # the bar of issue 3
    import textlstm

    classifier = textlstm.load_sentiment(folder)
    good, bad = classifier.predict(["A beautiful, moving film with a terrific cast. I loved every minute.",
                                    "Dull, far too long and badly acted. Avoid."])
    assert (good.label, bad.label) == ("positive", "negative")


def test_sentiment_model_was_trained_by_the_committed_config():
    """The model card's commands reproduce it: only the teacher's path differs (machine-specific)."""
    from textlstm.config import config_to_dict, load_config

    shipped = config_to_dict(load_config(os.path.join(SHIPPED, "imdb_sentiment", "config.json")))
    committed = config_to_dict(load_config(os.path.join(REPO, "configs", "imdb_sentiment.json")))
    assert shipped["teacher"] and committed["teacher"]
    assert {**shipped, "teacher": None} == {**committed, "teacher": None}


def test_char_model_was_trained_by_the_committed_config():
    """`textlstm train charlm --config configs/shakespeare_char.json` is the shipped model's recipe."""
    from textlstm.config import config_to_dict, load_config

    shipped = load_config(os.path.join(SHIPPED, "shakespeare_char", "config.json"))
    assert config_to_dict(shipped) == config_to_dict(load_config(os.path.join(REPO, "configs", "shakespeare_char.json")))


def test_shipped_models_config_serves_both():
    text = open(os.path.join(SHIPPED, "models.config")).read()
    for name in ("imdb_sentiment", "shakespeare_char"):
        assert f'name: "{name}"' in text and f'base_path: "/models/{name}"' in text


def test_demo_skips_a_missing_shipped_model(monkeypatch, tmp_path):
    from textlstm import webapp

    monkeypatch.setattr(webapp, "DEFAULT_SENTIMENT", str(tmp_path / "not_shipped"))
    demo = webapp.build_app(str(tmp_path / "not_shipped"), webapp.DEFAULT_GENERATOR)
    assert demo is not None
    with pytest.raises(TextLSTMError, match="does not exist"):
        webapp.build_app(str(tmp_path / "given_but_missing"), None)


def test_the_tf_tutorials_snippet_with_the_documented_call():
    """The TF RNN tutorial's prediction, on the shipped model.keras loaded by Keras alone, with the
    calls the README documents; and the one the README says Keras refuses is still refused."""
    import keras
    import numpy as np
    import tensorflow as tf

    model = keras.saving.load_model(os.path.join(SHIPPED, "imdb_sentiment", "model.keras"), safe_mode=True)
    sample_text = ("The movie was cool. The animation and the graphics were out of this world. "
                   "I would recommend this movie.")
    documented = [model.predict(tf.constant([sample_text]), verbose=0),
                  model.predict(np.array([sample_text], dtype=object), verbose=0),
                  model(np.array([sample_text])).numpy()]
    for predictions in documented:
        assert predictions.shape == (1, 1) and predictions[0, 0] > 0.5
        np.testing.assert_allclose(predictions, documented[0], atol=1e-6)
    with pytest.raises(ValueError):  # if Keras starts accepting this, update the README's sentence
        model.predict(np.array([sample_text]), verbose=0)


def test_traces_of_the_shipped_models_equal_their_keras_layers():
    """trace()'s hidden states are what the shipped models' own LSTM layers output (<= 1e-5)."""
    import numpy as np
    from test_trace import check_cell_equations, keras_char_outputs, keras_word_outputs

    import textlstm

    generator = textlstm.load_generator(os.path.join(SHIPPED, "shakespeare_char"))
    text = "ROMEO:\nBut, soft! what light through yonder window breaks?\nIt is the east, and Juliet is the sun.\n"
    trace = generator.trace(text)
    for t, expected in zip(trace.layers, keras_char_outputs(generator, text), strict=True):
        np.testing.assert_allclose(t.hidden, expected, atol=1e-5)
    check_cell_equations(trace)
    classifier = textlstm.load_sentiment(os.path.join(SHIPPED, "imdb_sentiment"))
    review = "Not a bad film at all. I was never bored, though the ending drags."
    trace = classifier.trace(review)
    (expected,) = keras_word_outputs(classifier, review)  # one BiLSTM layer
    np.testing.assert_allclose(np.concatenate([trace.layer(0, "forward").hidden, trace.layer(0, "backward").hidden],
                                              axis=-1), expected, atol=1e-5)
    check_cell_equations(trace)
