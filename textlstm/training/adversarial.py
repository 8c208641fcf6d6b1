"""Adversarial training on the word embeddings (Miyato, Dai & Goodfellow 2017).

Each training step also asks: which small change of the embedded words raises the loss most?
To first order it is the loss's gradient with respect to the embedded sequence, so

    g     = d loss / d embedded            (B, T, E), zero on padding (masked steps)
    r_adv = epsilon * scale * g / ||g||     one L2 norm per text, over all its words
    loss  = loss(embedded) + loss(embedded + r_adv)

and the model learns to hold its answer against it. Miyato et al. normalise the embeddings
(per-word norm ~16 at 256 dimensions) and use epsilon = 5 on the whole text; here `scale` is the
batch's mean word-vector norm instead, so `adversarial_epsilon` is in word vectors (5 / 16 ~ 0.3).
Inference is untouched: the perturbation lives only in a training twin that shares the layers.
"""

import keras
import tensorflow as tf

from textlstm.models import sentiment_model


class PerturbedEmbedding(keras.layers.Layer):
    """[embedded (B, T, E) with its mask, perturbation (B, T, E)] -> their sum, with the embedding's
    mask. keras.layers.Add drops the mask when one input has none; this twin is never saved."""

    def call(self, inputs):
        return inputs[0] + inputs[1]

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else mask[0]


def build_perturbable(config, model: keras.Model) -> keras.Model:
    """[ids (B, T), perturbation (B, T, E)] -> P(positive): `model`'s own layers (shared weights),
    with the perturbation added to the embedded words."""
    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    perturbation = keras.Input(shape=(None, config.embedding_dim), name="embedding_perturbation")
    probability = sentiment_model._classify(config, ids, lambda name, make: model.get_layer(name),
                                            on_embedded=lambda x: PerturbedEmbedding(name="perturbed")([x, perturbation]))
    return keras.Model([ids, perturbation], probability, name="sentiment_lstm_perturbable")


def adversarial_forward(config, model, per_example_loss):
    """forward(ids, labels) -> (P(positive) on the clean texts, clean + adversarial loss, clean loss),
    the losses per text: training minimises the sum and reports the clean loss."""
    twin = build_perturbable(config, model)
    embedding = model.get_layer("embedding")

    def forward(ids, labels):
        clean, clean_loss, r_adv = worst_perturbation(twin, embedding, ids, labels, per_example_loss,
                                                      config.adversarial_epsilon)
        adversarial_loss = per_example_loss(labels, twin([ids, r_adv], training=True))  # (B,)
        return clean, clean_loss + adversarial_loss, clean_loss

    return forward


def worst_perturbation(twin, embedding, ids, labels, per_example_loss, epsilon, training=True):
    """(clean P(positive) (B, 1), clean loss (B,), r_adv (B, T, E)): per text, the perturbation of
    L2 norm epsilon * (the batch's mean word-vector norm) along the loss gradient; zero on padding."""
    mask = tf.cast(tf.not_equal(ids, 0), tf.float32)[..., None]  # (B, T, 1)
    words = embedding(ids) * mask  # (B, T, E)
    scale = tf.stop_gradient(tf.reduce_sum(tf.norm(words, axis=-1, keepdims=True)) / tf.maximum(tf.reduce_sum(mask), 1.0))
    zero = tf.zeros_like(words)  # (B, T, E)
    with tf.GradientTape() as tape:
        tape.watch(zero)
        clean = twin([ids, zero], training=training)  # (B, 1)
        clean_loss = per_example_loss(labels, clean)  # (B,)
        total = tf.reduce_sum(clean_loss)  # each text's loss depends on its own row: per-text gradients
    g = tf.stop_gradient(tape.gradient(total, zero)) * mask  # (B, T, E)
    r_adv = epsilon * scale * g / (tf.norm(g, axis=[1, 2], keepdims=True) + 1e-12)  # (B, T, E)
    return clean, clean_loss, r_adv
