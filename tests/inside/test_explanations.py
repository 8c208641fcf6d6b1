"""Word contributions: integrated gradients (LSTMs differentiated by hand) and occlusion."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

import textlstm
from textlstm.config import SentimentConfig
from textlstm.errors import TextLSTMError
from textlstm.inside import explanations
from textlstm.models import sentiment_model
from textlstm.sentiment_classifier import SentimentClassifier
from textlstm.text import vectorizers
from textlstm.training import adversarial

WORDS = "a the film was not bad good great awful never boring i it at all".split()
TEXT = "Not a bad film at all... I was never bored!"


def tiny_classifier(**overrides):
    """A randomly initialised classifier (no training needed: the checks are about the maths)."""
    config = dataclasses.replace(SentimentConfig(), max_tokens=40, sequence_length=12, embedding_dim=8, lstm_units=6,
                                 dense_units=5, **overrides)
    vectorizer = vectorizers.make_word_vectorizer(config.max_tokens, config.sequence_length, ["", "[UNK]", *WORDS])
    keras.utils.set_random_seed(3)
    model = sentiment_model.build_sentiment_model(config, vectorizer.vocabulary_size())
    return SentimentClassifier(sentiment_model.build_end_to_end(vectorizer, model), config)


def autodiff_scores(classifier, texts, steps):
    """The same integrated gradients, differentiated by TensorFlow through Keras' own layers."""
    config = classifier.config
    net = sentiment_model.trained_part(classifier.model)
    twin = adversarial.build_perturbable(config, net)
    ids = tf.constant(classifier.token_ids(texts))
    vectors = net.get_layer("embedding")(ids) * tf.cast(ids != 0, tf.float32)[..., None]
    total = 0.0
    for k in range(steps):
        shift = ((k + 0.5) / steps - 1.0) * vectors
        with tf.GradientTape() as tape:
            tape.watch(shift)
            p = twin([ids, shift])[:, 0]
        total += tape.gradient(p, shift)
    return tf.reduce_sum(vectors * total / steps, axis=-1).numpy()


@pytest.mark.parametrize("overrides", [dict(bidirectional=True, pooling="max_mean"),
                                       dict(bidirectional=False, lstm_layers=2, pooling="max"),
                                       dict(bidirectional=True, lstm_layers=2, pooling="mean", pool_relu=True)])
def test_hand_written_gradients_equal_tensorflows(overrides):
    classifier = tiny_classifier(**overrides)
    texts = [TEXT, "great film", "it was awful awful awful and boring, not good at all the film"]
    ig = explanations.IntegratedGradients(classifier, steps=3)
    rows, scores = ig.scores(texts)
    np.testing.assert_allclose(rows, classifier.class_probabilities(texts), atol=1e-6)  # the pass's answer
    expected = autodiff_scores(classifier, texts, steps=3)  # (N, sequence_length)
    np.testing.assert_allclose(scores, expected[:, : scores.shape[1]], atol=1e-5)
    assert not np.any(expected[:, scores.shape[1]:])  # what was cut off was padding: no score


def test_scores_add_up_to_the_change_from_the_baseline():
    """Completeness (Sundararajan et al.): with many path points the scores sum to P(x) - P(0)."""
    classifier = tiny_classifier()
    rows, scores = explanations.IntegratedGradients(classifier, steps=256).scores([TEXT])
    ids = tf.constant(classifier.token_ids([TEXT]))
    twin = adversarial.build_perturbable(classifier.config, sentiment_model.trained_part(classifier.model))
    vectors = twin.get_layer("embedding")(ids)
    baseline = float(twin([ids, -vectors])[0, 0])  # every word vector zeroed
    assert abs(scores.sum() - (rows[0, 1] - baseline)) < 1e-3


def test_words_map_back_to_what_was_typed():
    pieces, token_piece = explanations.words_of("Not  a bad\tfilm -- at\u00a0all!")
    assert "".join(pieces) == "Not  a bad\tfilm -- at\u00a0all!"
    assert [pieces[i] for i in token_piece] == ["Not", "a", "bad", "film", "at\u00a0all!"]  # "--" makes no token
    classifier = tiny_classifier()
    for method in explanations.METHODS:
        (p, highlighted), = classifier.explain([TEXT], method=method)
        assert "".join(piece for piece, _ in highlighted) == TEXT
        scored = [s for _, s in highlighted if s is not None]
        assert len(scored) == 10 and max(abs(s) for s in scored) == 1.0
        assert abs(p - classifier.predict_proba([TEXT])[0]) < 1e-5


def test_words_past_the_window_are_not_scored():
    classifier = tiny_classifier()  # reads 12 tokens
    text = " ".join(["great"] * 15)
    for method in explanations.METHODS:
        (_, highlighted), = classifier.explain([text], method=method)
        scores = [s for piece, s in highlighted if not piece.isspace()]
        assert all(s is not None for s in scores[:12]) and scores[12:] == [None] * 3


def test_bad_method_and_texts_get_one_clear_error():
    classifier = tiny_classifier()
    with pytest.raises(TextLSTMError, match=r"^method must be one of gradients, occlusion, pooling; got 'shap'$"):
        classifier.explain(["a film"], method="shap")
    with pytest.raises(TextLSTMError, match="has no word"):
        classifier.explain(["!!!"])


@pytest.mark.parametrize("pooling", ["max_mean", "max", "mean"])
def test_pooling_account_gives_each_feature_to_the_steps_it_came_from(pooling):
    """Computed independently: the LSTM outputs from trace(), the pooled features and the dense
    head's gradient from the model's own layers, each feature's part handed to its steps."""
    classifier = tiny_classifier(bidirectional=True, pooling=pooling)
    text = "Not a bad film at all... I was never bored!"
    p, pieces = classifier.explain(text, method="pooling")
    assert abs(p - classifier.predict_proba([text])[0]) < 1e-5
    trace = classifier.trace(text)
    sequence = np.concatenate([trace.layer(0, "forward").hidden, trace.layer(0, "backward").hidden], axis=-1)
    steps = len(sequence)
    net = classifier.variable_length_model()
    parts = {"max": sequence.max(axis=0), "mean": sequence.mean(axis=0)}
    names = {"max_mean": ["max", "mean"], "max": ["max"], "mean": ["mean"]}[pooling]
    features = tf.constant(np.concatenate([parts[n] for n in names])[None])
    with tf.GradientTape() as tape:
        tape.watch(features)
        q = net.get_layer("positive_probability")(net.get_layer("dense")(features))[0, 0]
        log_odds = tf.math.log(q) - tf.math.log1p(-q)
    gradient = np.split(tape.gradient(log_odds, features).numpy()[0], len(names))
    expected = np.zeros(steps)
    for name, g in zip(names, gradient):
        if name == "max":  # (a bidirectional model's padding step, kept for the max, wins nothing here)
            np.add.at(expected, sequence.argmax(axis=0), parts["max"] * g)
        else:
            expected += (sequence * g).sum(axis=1) / steps
    scores = np.array([s for _, s in pieces if s is not None])
    np.testing.assert_allclose(scores, np.round(expected / np.abs(expected).max(), 3), atol=2e-3)


@pytest.mark.parametrize("run", ["sentiment_run", "sentiment3_run"])
def test_predict_and_explain_answers_as_predict_and_explain_do(run, request):
    """One pass for both (the demo's /classify): the prediction is predict's for the text alone, bit
    for bit, every class; the pieces are explain's; with two and three classes, for every method."""
    classifier = textlstm.load_sentiment(request.getfixturevalue(run))
    texts = ["a wonderful moving film, i loved it", "the meeting is on tuesday", "awful, boring and not good"]
    for method in explanations.METHODS:
        for text in texts:
            prediction, pieces = classifier.predict_and_explain(text, method=method)
            alone = classifier.predict(text)
            assert prediction == alone and prediction.probabilities == alone.probabilities, (method, text)
            assert pieces == classifier.explain(text, method=method)[1]
        together = classifier.predict_and_explain(texts, method=method)
        for (prediction, _), alone in zip(together, classifier.predict(texts)):
            assert prediction.label == alone.label
            assert all(abs(prediction.probabilities[k] - p) < 1e-6 for k, p in alone.probabilities.items())
