"""Model structure: functional, cuDNN-eligible, step model == training model, round trips."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from textlstm.config import CharLMConfig, SentimentConfig
from textlstm.models import charlm_model, sentiment_model


def _lstms(model):
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            found += [layer.forward_layer, layer.backward_layer]
        elif isinstance(layer, keras.layers.LSTM):
            found.append(layer)
    return found


def _assert_cudnn_eligible(model):
    lstms = _lstms(model)
    assert lstms
    for lstm in lstms:
        c = lstm.get_config()
        assert c["activation"] == "tanh" and c["recurrent_activation"] == "sigmoid"
        assert c["recurrent_dropout"] == 0 and not c["unroll"] and c["use_bias"]


@pytest.mark.parametrize("pooling", ["max", "mean", "last"])
def test_sentiment_model(pooling):
    config = SentimentConfig(sequence_length=10, embedding_dim=4, lstm_units=3, lstm_layers=2,
                             dense_units=4, pooling=pooling)
    model = sentiment_model.build_sentiment_model(config, vocab_size=20)
    assert isinstance(model, keras.Model) and model.get_layer("embedding").mask_zero
    _assert_cudnn_eligible(model)
    probs = model(np.array([[2, 3, 4, 0, 0, 0, 0, 0, 0, 0]] * 2, dtype="int32"))
    assert probs.shape == (2, 1) and probs.dtype == "float32"
    # Padding is masked: extra padding does not change the answer (mean/last pool exactly).
    if pooling != "max":
        a = model(np.array([[2, 3, 4] + [0] * 7], dtype="int32"))
        assert np.allclose(a, probs[:1], atol=1e-6)


def test_charlm_step_model_matches_training_model():
    config = CharLMConfig(embedding_dim=4, lstm_units=8, lstm_layers=2)
    model = charlm_model.build_charlm(config, vocab_size=12)
    _assert_cudnn_eligible(model)
    step = charlm_model.build_step_model(model)
    ids = np.array([[2, 5, 7, 3, 9, 4]], dtype="int32")
    full = model(ids, training=False).numpy()  # (1, 6, 12)
    zeros = [np.zeros((1, 8), "float32")] * 4
    # All at once, and then in two pieces carrying the states: the same logits.
    out = step([ids, *zeros])
    np.testing.assert_allclose(out[0], full, atol=1e-5)
    first = step([ids[:, :2], *zeros])
    second = step([ids[:, 2:], *[s.numpy() for s in first[1:]]])
    np.testing.assert_allclose(second[0], full[:, 2:], atol=1e-5)


def test_right_padded_prompt_state_is_the_last_real_characters():
    model = charlm_model.build_charlm(CharLMConfig(embedding_dim=4, lstm_units=8, lstm_layers=2), 12)
    step = charlm_model.build_step_model(model)
    zeros = [np.zeros((2, 8), "float32")] * 4
    ids = np.array([[2, 5, 7, 0, 0], [2, 5, 7, 3, 9]], dtype="int32")
    out = step([ids, *zeros])
    alone = step([ids[:1, :3], *[z[:1] for z in zeros]])
    for a, b in zip(out[1:], alone[1:]):
        np.testing.assert_allclose(a[:1], b, atol=1e-5)


def test_keras_round_trip_both_models(tmp_path):
    charlm = charlm_model.build_charlm(CharLMConfig(embedding_dim=4, lstm_units=8, lstm_layers=1), 12)
    charlm.save(tmp_path / "c.keras")
    again = keras.saving.load_model(tmp_path / "c.keras", safe_mode=True)
    ids = np.array([[2, 3, 4]], "int32")
    np.testing.assert_array_equal(charlm(ids), again(ids))

    config = SentimentConfig(sequence_length=6, embedding_dim=4, lstm_units=3, dense_units=4)
    vectorizer = keras.layers.TextVectorization(output_sequence_length=6, vocabulary=["good", "bad"])
    e2e = sentiment_model.build_end_to_end(vectorizer, sentiment_model.build_sentiment_model(config, 4))
    e2e.save(tmp_path / "s.keras")
    again = keras.saving.load_model(tmp_path / "s.keras", safe_mode=True)
    text = tf.constant(["good good", "bad"])
    np.testing.assert_array_equal(e2e(text), again(text))


@pytest.mark.parametrize("bidirectional, pooling, pool_relu, trims", [
    (False, "max_mean", False, True), (False, "last", False, True), (True, "mean", False, True),
    (True, "max", False, False),
    (True, "max_mean", True, True),  # the ReLU makes the backward direction's padded zeros inert
])
def test_fast_inference_path_equals_end_to_end_model(bidirectional, pooling, pool_relu, trims):
    from textlstm.sentiment_classifier import SentimentClassifier

    config = SentimentConfig(sequence_length=40, embedding_dim=8, lstm_units=6, dense_units=4,
                             bidirectional=bidirectional, pooling=pooling, pool_relu=pool_relu)
    words = [f"w{i}" for i in range(30)]
    vectorizer = keras.layers.TextVectorization(output_sequence_length=40, vocabulary=words)
    e2e = sentiment_model.build_end_to_end(vectorizer, sentiment_model.build_sentiment_model(config, 32))
    classifier = SentimentClassifier(e2e, config)
    assert classifier._trim is trims
    rng = np.random.RandomState(0)
    texts = [" ".join(rng.choice(words, n)) for n in (1, 3, 17, 39, 40, 55)]  # 55: truncated at 40
    np.testing.assert_allclose(classifier.predict_proba(texts), e2e(tf.constant(texts)).numpy()[:, 0], atol=1e-5)


def test_freeze_embedding_keeps_it_out_of_the_trainable_weights():
    config = SentimentConfig(sequence_length=6, embedding_dim=4, lstm_units=3, dense_units=4, freeze_embedding=True)
    model = sentiment_model.build_sentiment_model(config, vocab_size=20)
    assert not model.get_layer("embedding").trainable
    assert all("embedding" not in v.path for v in model.trainable_variables)


def test_backward_language_model_is_the_bilstm_backward_direction():
    """The LM's backward LSTM (go_backwards) reads right to left exactly as a Bidirectional's
    backward layer does, so its weights carry over into that layer with their meaning."""
    config = SentimentConfig(sequence_length=7, embedding_dim=4, lstm_units=5, dense_units=4, pooling="max",
                             pretrain_directions=2, dropout=0.0, pretrain_dropout=0.0)
    lm = sentiment_model.build_word_lm(config, vocab_size=20)
    assert [t.name for t in lm.inputs] == ["token_ids_forward", "token_ids_backward"]
    classifier = sentiment_model.build_sentiment_model(config, vocab_size=20)
    copied = sentiment_model.transfer_pretrained(lm, classifier)
    bilstm = classifier.get_layer("bilstm_0")
    assert copied == ["embedding", bilstm.forward_layer.name, bilstm.backward_layer.name]
    ids = np.array([[3, 5, 7, 9, 11, 13, 15]], "int32")
    lm_forward, lm_backward = lm([ids, ids], training=False)[:2]  # (1, T, U), backward in reading order
    both = keras.Model(classifier.inputs, bilstm.output)(ids, training=False)  # (1, T, 2U), time order
    np.testing.assert_allclose(both[:, :, :5], lm_forward, atol=1e-6)
    np.testing.assert_allclose(both[:, :, 5:], np.flip(lm_backward, axis=1), atol=1e-6)


def test_transfer_copies_what_fits():
    lm = sentiment_model.build_word_lm(SentimentConfig(embedding_dim=4, lstm_units=8), vocab_size=20)
    narrow = sentiment_model.build_sentiment_model(
        SentimentConfig(sequence_length=6, embedding_dim=4, lstm_units=3, dense_units=4), vocab_size=20)
    assert sentiment_model.transfer_pretrained(lm, narrow) == ["embedding"]  # 3 units != 8: embedding only
    np.testing.assert_array_equal(narrow.get_layer("embedding").get_weights()[0], lm.get_layer("embedding").get_weights()[0])
