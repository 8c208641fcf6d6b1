"""The bag-of-n-grams member and the combined model: hashing by hand, padding, saving, combining,
choosing the member's share, explaining, and the config's refusals (tiny random models: maths only)."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from textlstm.config import SentimentConfig, apply_overrides, validate_config
from textlstm.errors import TextLSTMError
from textlstm.inside import explanations
from textlstm.models import ngram_member, sentiment_model
from textlstm.sentiment_classifier import SentimentClassifier
from textlstm.text import ngrams
from textlstm.text import vectorizers
from textlstm.training import ngram_phase

WORDS = "a the film was not bad good great awful never boring i it at all".split()
THREE = ["negative", "neutral", "positive"]
BUCKETS = 13  # few buckets: collisions happen, as they do at scale


def tiny(labels=THREE, **overrides):
    """(config, vectorizer, combined ids -> output model), randomly initialised."""
    config = dataclasses.replace(SentimentConfig(), max_tokens=40, sequence_length=12, embedding_dim=8, lstm_units=6,
                                 dense_units=5, pooling="max_mean", pool_relu=True, labels=list(labels),
                                 ngram_buckets=BUCKETS, **overrides)
    vectorizer = vectorizers.make_word_vectorizer(config.max_tokens, config.sequence_length, ["", "[UNK]", *WORDS])
    keras.utils.set_random_seed(5)
    model = sentiment_model.build_sentiment_model(config, vectorizer.vocabulary_size())
    for layer in (model.get_layer("ngram_embedding"), model.get_layer("ngram_logits")):  # not ~0: visible in the output
        layer.set_weights([np.random.default_rng(1).normal(0, 1.0, w.shape).astype("float32") for w in layer.get_weights()])
    return config, vectorizer, model


def test_bigram_ids_by_hand():
    ids = np.array([[5, 7, 9, 0], [3, 0, 0, 0]], "int32")
    got = np.asarray(ngram_member.ngram_ids(tf.constant(ids), 20, BUCKETS))
    pair = lambda a, b: (a * ngrams.MULTIPLIER + b) % BUCKETS + 20
    assert got.tolist() == [[5, 7, 9, 0, 0, pair(5, 7), pair(7, 9), 0], [3, 0, 0, 0, 0, 0, 0, 0]]
    assert ngrams.largest_vocabulary() * (ngrams.MULTIPLIER + 1) <= 2**31 - 1  # no int32 overflow


def test_a_bigram_score_is_shared_by_its_two_words():
    scores = tf.constant([[1.0, 2.0, 3.0, 0.0, 10.0, 20.0]])  # unigrams 1 2 3, bigrams (pad,w0)=0? (w0,w1)=10 (w1,w2)=20
    assert ngram_member.token_scores(scores, 3).numpy().tolist() == [[1 + 5, 2 + 5 + 10, 3 + 10]]


def test_combined_model_loads_in_safe_mode_and_ignores_padding(tmp_path):
    config, vectorizer, model = tiny()
    end_to_end = sentiment_model.build_end_to_end(vectorizer, model)
    texts = tf.constant(["not bad at all, never boring", "awful", "the film was good good good"])
    path = str(tmp_path / "model.keras")
    end_to_end.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)  # keras.ops nodes, no Lambda: safe
    np.testing.assert_allclose(loaded(texts).numpy(), end_to_end(texts).numpy(), atol=1e-6)
    assert sentiment_model.padding_is_inert(config)
    ids = vectorizer(texts).numpy()
    short = sentiment_model.variable_length_copy(config, model)
    np.testing.assert_allclose(short(ids[:, :7]).numpy(), model(ids).numpy(), atol=1e-5)  # 7 >= the longest text


def test_a_text_with_no_word_gives_the_members_bias_not_nan():
    config, _, _ = tiny()
    member = sentiment_model.build_ngram_member(config, 17)
    out = member(np.zeros((2, 12), "int32")).numpy()
    dense = member.get_layer("ngram_logits")
    np.testing.assert_allclose(out, np.tile(tf.nn.softmax(dense.bias).numpy(), (2, 1)), atol=1e-6)


def test_combine_at_zero_is_the_lstm_and_at_one_the_member():
    config, _, _ = tiny()
    keras.utils.set_random_seed(2)
    lstm = sentiment_model.build_sentiment_model(sentiment_model.lstm_only(config), 17)
    member = sentiment_model.build_ngram_member(config, 17)
    combined = ngram_phase.combine(config, lstm, member, 17, variable_length=False)
    ids = np.array([[2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0], [5, 5, 9, 16, 1, 0, 0, 0, 0, 0, 0, 0]], "int32")
    out = sentiment_model.output_layer(combined)
    for weight, alone in ((0.0, lstm), (1.0, member)):
        out.set_weights(ngram_member.combined_initial_weights(3, weight))
        np.testing.assert_allclose(combined(ids).numpy(), alone(ids).numpy(), atol=1e-5)


@pytest.mark.parametrize("labels", [THREE, ["negative", "positive"]])
def test_the_members_share_is_the_lowest_validation_loss(labels):
    """choose_weight's losses are the combined model's own log-loss at each w; it keeps the smallest."""
    from textlstm.data import targets

    config, vectorizer, model = tiny(labels)
    ids = vectorizer(tf.constant(["good film", "awful film", "the film", "not bad", "great great", "boring"] * 3))
    classes = np.array([2, 0, 1, 2, 2, 0] * 3) if len(labels) == 3 else np.array([1, 0, 0, 1, 1, 0] * 3)
    rows = targets.target_tensor(tf.constant(classes), [True] * len(labels)).numpy()
    validation = {"a": tf.data.Dataset.from_tensor_slices((ids, rows))}
    chosen = ngram_phase.choose_weight(model, validation, {"a": 1.0})
    losses = {float(w): v for w, v in chosen["validation_log_loss"].items()}
    assert chosen["weight"] == min(losses, key=losses.get)
    for w in (0.25, chosen["weight"]):  # the recorded loss is the model's at that w
        width = sentiment_model.head_shape(len(labels))[0]
        sentiment_model.output_layer(model).set_weights(ngram_member.combined_initial_weights(width, w))
        loss = float(tf.reduce_mean(targets.per_example_loss(tf.constant(rows), model(ids))))
        assert loss == pytest.approx(losses[w], abs=1e-4)
    fixed = ngram_phase.choose_weight(model, validation, {"a": 1.0}, fixed=0.3)
    assert fixed["weight"] == 0.3


def test_explanations_add_up_with_the_member():
    """Completeness with the n-gram member: its embedded n-grams take the same path as the word vectors,
    so many path points sum to polarity(x) - polarity(every word vector and n-gram vector zeroed)."""
    config, vectorizer, model = tiny()
    classifier = SentimentClassifier(sentiment_model.build_end_to_end(vectorizer, model), config)
    text = "not bad, the film was never boring at all"
    _, scores = explanations.IntegratedGradients(classifier, steps=256).scores([text])
    rows = classifier.class_probabilities([text])[0]
    for name in ("embedding", "ngram_embedding"):
        layer = model.get_layer(name)
        layer.set_weights([np.zeros_like(layer.get_weights()[0])])
    zero = model(vectorizer(tf.constant([text]))).numpy()[0]
    assert abs(scores.sum() - ((rows[2] - rows[0]) - (zero[2] - zero[0]))) < 2e-3


@pytest.mark.parametrize("overrides, message", [
    ({"ngram_buckets": -1}, "'ngram_buckets' must be an integer >= 0"),
    ({"ngram_buckets": 7, "max_tokens": 70_000}, "'ngram_buckets' needs at most 68,526 words"),
    ({"ngram_weight": 1.5}, "'ngram_weight' must be in \\[0, 1\\] or null"),
    ({"ngram_epochs": 0}, "'ngram_epochs' >= 1"),
])
def test_bad_member_settings_are_one_clear_error(overrides, message):
    with pytest.raises(TextLSTMError, match=message):
        validate_config(apply_overrides(SentimentConfig(), overrides))
