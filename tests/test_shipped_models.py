"""The models in saved_models/: complete, compact, loadable, and at the figures they claim."""

import json
import os

import pytest
from conftest import repo_path

from textlstm.errors import TextLSTMError

SHIPPED = repo_path("saved_models")
MIB = 1024 * 1024
# Bytes per model folder, Keras file and export included (issue 15 gave the character model 45 MiB).
LIMITS = {"english_sentiment": 25 * MIB, "imdb_sentiment": 25 * MIB, "shakespeare_char": 45 * MIB}
FILES = ["model.keras", "vocabulary.json", "config.json", "metrics.json", "curves.png", "MODEL_CARD.md"]


def _size(folder):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(folder) for f in files)


def test_english_model_ships_its_litert_exports():
    """All three precisions, each checked against Keras when it was written (export/litert.py)."""
    folder = os.path.join(SHIPPED, "english_sentiment", "litert")
    meta = json.load(open(os.path.join(folder, "litert.json")))
    assert meta["labels"] == ["negative", "neutral", "positive"]
    for variant in ("float32", "float16", "int8"):
        assert os.path.isfile(os.path.join(folder, meta["variants"][variant]["file"])), variant
    import textlstm

    texts = ["Paris is the capital of France.", "Not a bad film at all. I was never bored.", "Waste of money."]
    device = textlstm.load_litert(folder, "float32").class_probabilities(texts)
    keras_rows = textlstm.load_sentiment("english_sentiment").class_probabilities(texts)
    assert abs(device - keras_rows).max() < 1e-4


@pytest.mark.parametrize("name", list(LIMITS))
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


@pytest.mark.parametrize("name", ["english_sentiment", "imdb_sentiment"])
def test_sentiment_model_was_trained_by_the_committed_config(name):
    """The model card's commands reproduce it: only the teacher's path differs (machine-specific);
    base_model is the relative path the card's training chain writes."""
    from textlstm.config import config_to_dict, load_config

    shipped = config_to_dict(load_config(os.path.join(SHIPPED, name, "config.json")))
    committed = config_to_dict(load_config(repo_path("configs", f"{name}.json")))
    assert bool(shipped["teacher"]) == bool(committed["teacher"])
    assert {**shipped, "teacher": None} == {**committed, "teacher": None}


def test_char_model_was_trained_by_the_committed_config():
    """`textlstm train charlm --config configs/shakespeare_char.json` is the shipped model's recipe."""
    from textlstm.config import config_to_dict, load_config

    shipped = load_config(os.path.join(SHIPPED, "shakespeare_char", "config.json"))
    assert config_to_dict(shipped) == config_to_dict(load_config(repo_path("configs", "shakespeare_char.json")))


def test_shipped_models_config_serves_every_model():
    text = open(os.path.join(SHIPPED, "models.config")).read()
    for name in LIMITS:
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
    calls docs/python-api.md documents; and the one it says Keras refuses is still refused."""
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
    with pytest.raises(ValueError):  # if Keras starts accepting this, update docs/python-api.md
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


# The demo's own examples and sentences of our own with a label a person gives at once, negations
# among them (issue 25). A person reads the demo's mixed examples as leaning negative.
EVERYDAY_SENTENCES = [
    ("One of the best films I have seen in years: a smart script, superb acting and a score that stays with you.", 1),
    ("A dull, lazy sequel. The jokes fall flat, the plot makes no sense and I nearly walked out.", 0),
    ("The first half is gripping and beautifully shot, but the ending is rushed and the romance never convinces.", 0),
    ("I wouldn't say this movie is bad, but it is not good either.", 0),
    ("Not a bad film at all. I was never bored.", 1),
    ("The food was not good.", 0),
    ("The service was not bad at all.", 1),
    ("I love this phone!", 1),
    ("Terrible customer service, never again.", 0),
    ("Waste of money.", 0),
    ("Not worth it.", 0),
    ("I did not like the ending.", 0),
    ("The hotel was clean and the staff were friendly.", 1),
    ("Nothing special, pretty boring.", 0),
    ("Works perfectly, highly recommend.", 1),
    ("I was not disappointed.", 1),
    ("It broke after two days.", 0),
]


# Strongly polar: a neutral answer would be wrong too (the mixed and hedged ones above may be neutral).
CLEARLY_POLAR = {text for text, _ in EVERYDAY_SENTENCES[:2]} | {
    "I love this phone!", "Terrible customer service, never again.", "Waste of money.",
    "The hotel was clean and the staff were friendly.", "Works perfectly, highly recommend."}
# Version 2 reads these two wrong (its card says so): a mixed review leaning negative read as positive
# (P(positive | not neutral) 0.81), and a plain positive hotel sentence read as negative (0.61).
KNOWN_MISSES = {"The first half is gripping and beautifully shot, but the ending is rushed and the romance never convinces.",
                "The hotel was clean and the staff were friendly."}
# Plain statements of fact, ours (benchmarks/behaviour.py has its own): a person answers neutral.
PLAIN_STATEMENTS = [
    "Paris is the capital of France.",
    "The meeting is at 3pm on Tuesday.",
    "The train leaves from platform 4.",
    "Water boils at 100 degrees Celsius at sea level.",
    "My sister lives in Chicago.",
    "The package was delivered on Monday.",
    "The store opens at nine.",
    "I am flying to Denver next week.",
    "The report has twelve pages.",
    "The museum is on the corner of Main Street.",
    "We moved the call to Thursday morning.",
    "The bus stops here every fifteen minutes.",
    "The book was published in 1998.",
    "She works as a nurse at the hospital.",
    "The flight number is 226.",
]


THREE_WAY_FLOORS = {"sst3": 0.590, "goemotions3": 0.684, "airline": 0.696}  # issue 44: TF-IDF LR's macro-recall
BINARY_SETS = ["sst2", "mpqa", "pros_cons", "multi_domain", "goemotions"]


def test_english_model_meets_the_bars_it_claims():
    """Issue 44's bar, on the figures training recorded (what `textlstm evaluate` prints): the lines the
    card says hold, hold; the lines it says miss are at the figures it quotes."""
    metrics = json.load(open(os.path.join(SHIPPED, "english_sentiment", "metrics.json")))
    evaluation = metrics["evaluation"]
    examples = {name: e["examples"] for name, e in evaluation.items()}
    assert examples == {"imdb": 25_000, "sst2": 872, "pros_cons": 4_588, "goemotions": 2_933, "mpqa": 1_062,
                        "multi_domain": 800, "sst3": 2_210, "goemotions3": 4_539, "airline": 1_464}  # every test text
    recall = {name: evaluation[name]["macro_recall"] for name in THREE_WAY_FLOORS}
    assert all(evaluation[name]["confusion"]["labels"] == ["negative", "neutral", "positive"] for name in recall)
    assert recall["goemotions3"] >= THREE_WAY_FLOORS["goemotions3"] and recall["airline"] >= THREE_WAY_FLOORS["airline"]
    assert all(evaluation[name]["ece"] <= 0.05 for name in THREE_WAY_FLOORS), evaluation
    binary = {name: evaluation[name]["accuracy"] for name in BINARY_SETS}  # read as P(positive | not neutral)
    assert all(evaluation[name]["confusion"]["labels"] == ["negative", "positive"] for name in binary)
    assert metrics["training"]["wall_time_seconds"] < 3600 and metrics["ngram_member"]["weight"] == 0.25
    # Missed, as the card says: SST-3 58.89 (< 59.0), the three-way mean 67.16 (< 68.0), the binary mean
    # 86.13 (< 86.5), IMDB 88.73 (< 89.0)
    quoted = {"sst3": (recall["sst3"], 0.5889), "mean": (sum(recall.values()) / 3, 0.6716),
              "binary": (sum(binary.values()) / 5, 0.8613), "imdb": (evaluation["imdb"]["accuracy"], 0.8873)}
    assert all(abs(value - card) < 6e-4 for value, card in quoted.values()), quoted


def test_english_model_reads_everyday_sentences_as_a_person_would():
    import textlstm

    classifier = textlstm.load_sentiment("english_sentiment")
    polar = classifier.predict_proba([text for text, _ in EVERYDAY_SENTENCES])
    wrong = {text for (text, label), q in zip(EVERYDAY_SENTENCES, polar) if (q > 0.5) != label}
    assert wrong == KNOWN_MISSES, wrong  # the card's "Where it fails" quotes these two; any other is new
    answers = classifier.predict([text for text, _ in EVERYDAY_SENTENCES] + PLAIN_STATEMENTS)
    polar_answers, plain_answers = answers[:len(EVERYDAY_SENTENCES)], answers[len(EVERYDAY_SENTENCES):]
    clear = {text for (text, label), a in zip(EVERYDAY_SENTENCES, polar_answers)
             if a.label != ["negative", "positive"][label] and text in CLEARLY_POLAR}
    assert clear == KNOWN_MISSES & CLEARLY_POLAR, clear
    not_neutral = [(text, a.label) for text, a in zip(PLAIN_STATEMENTS, plain_answers) if a.label != "neutral"]
    assert len(not_neutral) <= len(PLAIN_STATEMENTS) // 5, not_neutral  # issue 44: at least 80% neutral
    # issue 44's two lines, through the CLI's own words too
    paris, film = classifier.predict(["Paris is the capital of France.", "Not a bad film at all. I was never bored."])
    assert (paris.label, film.label) == ("neutral", "positive")


# Sets small enough to recompute whole; IMDB's 25,000 reviews are sampled (every 25th: 1,000).
RECOMPUTED = {"english_sentiment": {"sst2": None, "mpqa": None, "multi_domain": None, "imdb": 25, "sst3": None,
                                    "airline": None},
              "imdb_sentiment": {"imdb_reviews": 25}}


def _figure(classifier, texts, class_ids) -> tuple:
    """("accuracy", P(positive | not neutral) read at 0.5) on a negative / positive set, else
    ("macro_recall", of the labels predict() decides), as evaluation records them."""
    import numpy as np

    labels = list(classifier.labels)
    class_ids = np.array(class_ids)
    if set(class_ids) <= {labels.index("negative"), labels.index("positive")}:
        positive = class_ids == labels.index("positive")
        return "accuracy", float(((classifier.predict_proba(texts) > 0.5) == positive).mean())
    decided = np.array([labels.index(a.label) for a in classifier.predict(texts)])
    return "macro_recall", float(np.mean([(decided[class_ids == c] == c).mean() for c in np.unique(class_ids)]))


@pytest.mark.parametrize("name", list(RECOMPUTED))
def test_recorded_figures_are_what_the_shipped_model_scores_now(name, real_data_dir):
    """The figures in metrics.json (and so the card and the README), recomputed through the Python API
    on the real test splits: whole where small, a systematic sample of IMDB's."""
    import textlstm
    from textlstm.data import labelled

    classifier = textlstm.load_sentiment(name)
    recorded = classifier.metrics.get("evaluation") or {classifier.config.dataset: classifier.metrics["test"]}
    sets = {source.name: splits["test"] for source, splits in labelled.labelled_sets(classifier.config, real_data_dir)}
    for set_name, every in RECOMPUTED[name].items():
        examples = sets[set_name] if every is None else sets[set_name].shard(every, 0)
        texts, class_ids = zip(*[(t.decode("utf-8"), int(y)) for t, y in examples.as_numpy_iterator()])
        key, figure = _figure(classifier, list(texts), class_ids)
        # Whole sets: the same figure up to float noise at a boundary (two texts, in the smallest class
        # for macro-recall); a sample: three standard errors.
        smallest = min(class_ids.count(c) for c in set(class_ids))
        whole = 2.5 / len(texts) if key == "accuracy" else 2.5 / smallest / len(set(class_ids))
        tolerance = whole if every is None else 3 * (0.1 * 0.9 / len(texts)) ** 0.5
        assert abs(figure - recorded[set_name][key]) <= tolerance, (set_name, key, figure, len(texts))
