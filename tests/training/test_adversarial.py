"""Adversarial training: the twin is the classifier, the perturbation is the worst small one."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from textlstm.config import SentimentConfig, apply_overrides
from textlstm.errors import TextLSTMError
from textlstm.models import sentiment_model
from textlstm.training import adversarial

CONFIG = SentimentConfig(sequence_length=12, embedding_dim=8, lstm_units=4, dense_units=4, pooling="max_mean",
                         pool_relu=True, dropout=0.0, adversarial_epsilon=0.3)
IDS = tf.constant([[5, 9, 3, 7, 0, 0, 0, 0, 0, 0, 0, 0],
                   [2, 4, 6, 8, 10, 12, 14, 16, 18, 11, 13, 15]], dtype="int32")
LABELS = tf.constant([[1.0], [0.0]])


def _models():
    keras.utils.set_random_seed(3)
    model = sentiment_model.build_sentiment_model(CONFIG, vocab_size=20)
    return model, adversarial.build_perturbable(CONFIG, model)


def test_the_twin_is_the_classifier_with_its_masks_and_weights():
    model, twin = _models()
    np.testing.assert_allclose(twin([IDS, tf.zeros((2, 12, 8))]), model(IDS), atol=1e-6)
    assert {id(v) for v in twin.trainable_variables} == {id(v) for v in model.trainable_variables}
    # Masked: what is added on a padded step changes nothing.
    noise = tf.concat([tf.zeros((1, 4, 8)), tf.fill((1, 8, 8), 5.0)], axis=1)
    noise = tf.concat([noise, tf.zeros((1, 12, 8))], axis=0)
    np.testing.assert_allclose(twin([IDS, noise]), model(IDS), atol=1e-6)


def test_the_perturbation_has_the_set_norm_misses_padding_and_raises_each_loss():
    model, twin = _models()
    embedding = model.get_layer("embedding")
    loss = lambda y, p: keras.losses.binary_crossentropy(y, p)
    clean, clean_loss, r_adv = adversarial.worst_perturbation(twin, embedding, IDS, LABELS, loss, 0.3, training=False)
    words = embedding(IDS).numpy()[IDS.numpy() > 0]  # (16, E): the real words
    scale = np.linalg.norm(words, axis=-1).mean()
    np.testing.assert_allclose(np.linalg.norm(r_adv.numpy().reshape(2, -1), axis=1), [0.3 * scale] * 2, rtol=1e-4)
    assert not r_adv.numpy()[0, 4:].any()  # padding is never perturbed
    adversarial_loss = loss(LABELS, twin([IDS, r_adv])).numpy()
    random = tf.random.stateless_normal(r_adv.shape, (1, 2)) * tf.cast(IDS > 0, tf.float32)[..., None]
    random = random * tf.norm(r_adv, axis=[1, 2], keepdims=True) / tf.norm(random, axis=[1, 2], keepdims=True)
    random_loss = loss(LABELS, twin([IDS, random])).numpy()
    assert (adversarial_loss > clean_loss.numpy()).all()
    assert (adversarial_loss - clean_loss.numpy() > np.abs(random_loss - clean_loss.numpy())).all()


def test_the_training_loss_adds_the_adversarial_term():
    model, twin = _models()
    forward = adversarial.adversarial_forward(CONFIG, model, lambda y, p: keras.losses.binary_crossentropy(y, p))
    clean, objective, reported = forward(IDS, LABELS)
    np.testing.assert_allclose(clean, model(IDS), atol=1e-6)
    np.testing.assert_allclose(reported, keras.losses.binary_crossentropy(LABELS, clean), rtol=1e-6)
    assert (objective.numpy() > 2 * reported.numpy()).all()


def test_epsilon_must_not_be_negative():
    with pytest.raises(TextLSTMError, match="'adversarial_epsilon' must be >= 0"):
        apply_overrides(CONFIG, {"adversarial_epsilon": -0.1})
