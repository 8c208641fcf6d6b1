"""Training targets for a model's classes, and the loss and accuracy that read them.

Two classes (the sigmoid head): the label as one float, (B, 1), and binary cross-entropy, as
every two-class model has been trained.

Three or more (the softmax head): one row per example, (B, C) float32, with 1 for the example's
class, 0 for another class its source knows and -1 for a class its source does not know (a
negative / positive set says nothing about neutral). The loss is the cross-entropy of the
softmax renormalised over the known classes,

    loss = -log p_y + log sum_{k known} p_k

so a two-class source teaches P(positive | negative or positive), which is what the model's
positive_probability reads, and leaves the share of neutral to the sources that have it. A
source that knows every class gives the ordinary cross-entropy.
"""

import tensorflow as tf

from textlstm.data.labels import SENTIMENT_LABELS, label_id_tensor

PROBABILITY_FLOOR = 1e-7  # float32 probabilities: keep log p finite


def known_classes(label_names, labels) -> list:
    """[bool per model class]: the classes a source's examples can have (all, without label_names)."""
    if label_names is None:
        return [True] * len(labels)
    return [name in label_names for name in labels]


def polar_classes(labels) -> list:
    """What the counterfactual negations know: negative and positive, not neutral."""
    return [name in SENTIMENT_LABELS for name in labels]


def target_tensor(label: tf.Tensor, known) -> tf.Tensor:
    """(B,) int class ids -> (B, 1) float labels (two classes) or (B, C) target rows."""
    if len(known) == 2:
        return tf.cast(label, tf.float32)[:, None]  # (B, 1)
    rows = tf.one_hot(label, len(known), dtype=tf.float32)  # (B, C)
    unknown = tf.constant([0.0 if k else -1.0 for k in known], tf.float32)[None, :]  # (1, C)
    return rows + unknown  # a known class: 1 or 0; an unknown one: -1 (never the label)


def per_example_loss(targets: tf.Tensor, probabilities: tf.Tensor) -> tf.Tensor:
    """(B, 1) labels and P(positive), or (B, C) target rows and softmax rows -> (B,) cross-entropy."""
    if probabilities.shape[-1] == 1:
        import keras

        return keras.losses.binary_crossentropy(targets, probabilities)  # (B,)
    p = tf.maximum(tf.cast(probabilities, tf.float32), PROBABILITY_FLOOR)  # (B, C)
    true = tf.reduce_sum(tf.where(targets > 0.5, p, 0.0), axis=-1)  # (B,) p_y
    known = tf.reduce_sum(tf.where(targets >= 0.0, p, 0.0), axis=-1)  # (B,) sum over known classes
    return tf.math.log(known) - tf.math.log(true)


def balanced_weights(counts) -> list:
    """Examples per class -> each class's weight, total / (classes x count): sklearn's "balanced"."""
    total, present = sum(counts), [c for c in counts if c > 0]
    return [total / (len(present) * c) if c else 0.0 for c in counts]


def example_weights(targets: tf.Tensor, class_weights) -> tf.Tensor:
    """(B, 1) labels or (B, C) target rows -> (B,) the weight of each example's class."""
    weights = tf.constant(class_weights, tf.float32)  # (C,)
    if targets.shape[-1] == 1:
        return tf.where(targets[:, 0] > 0.5, weights[1], weights[0])
    return tf.reduce_sum(tf.where(targets > 0.5, weights[None, :], 0.0), axis=-1)


def correct(targets: tf.Tensor, probabilities: tf.Tensor) -> tf.Tensor:
    """(B,) 1.0 where the most probable of the example's known classes is its class."""
    if probabilities.shape[-1] == 1:
        decided = tf.cast(label_id_tensor(probabilities), tf.float32)  # (B,)
        return tf.cast(tf.equal(decided, targets[:, 0]), tf.float32)
    among_known = tf.where(targets >= 0.0, probabilities, -1.0)  # (B, C): unknown classes never win
    decided = tf.argmax(among_known, axis=-1, output_type=tf.int32)  # (B,)
    return tf.cast(tf.equal(decided, tf.argmax(targets, axis=-1, output_type=tf.int32)), tf.float32)
