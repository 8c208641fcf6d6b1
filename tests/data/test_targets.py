"""Targets and the masked loss: a source that knows only some classes teaches only those."""

import numpy as np
import pytest
import tensorflow as tf

from textlstm.data import targets

THREE = ["negative", "neutral", "positive"]


def test_rows_mark_the_class_the_other_known_classes_and_the_unknown_ones():
    binary_source = targets.known_classes(["negative", "positive"], THREE)
    assert binary_source == [True, False, True] == targets.polar_classes(THREE)
    rows = targets.target_tensor(tf.constant([0, 2]), binary_source).numpy()
    np.testing.assert_array_equal(rows, [[1, -1, 0], [0, -1, 1]])
    assert targets.known_classes(None, THREE) == [True] * 3
    np.testing.assert_array_equal(targets.target_tensor(tf.constant([1, 0]), [True, True]).numpy(), [[1.0], [0.0]])


def test_the_loss_is_the_cross_entropy_renormalised_over_the_known_classes():
    p = tf.constant([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    every = targets.target_tensor(tf.constant([2, 1]), [True] * 3)
    np.testing.assert_allclose(targets.per_example_loss(every, p).numpy(), -np.log([0.3, 0.1]), rtol=1e-6)
    polar = targets.target_tensor(tf.constant([2, 0]), [True, False, True])
    expected = [-np.log(0.3 / 0.5), -np.log(0.1 / 0.9)]  # -log P(y | negative or positive)
    np.testing.assert_allclose(targets.per_example_loss(polar, p).numpy(), expected, rtol=1e-6)


def test_a_polar_example_leaves_the_neutral_share_alone():
    """The gradient of the masked loss w.r.t. the neutral logit is zero: only the other sources move it."""
    z = tf.Variable([[0.3, 1.2, -0.4]])
    with tf.GradientTape() as tape:
        loss = targets.per_example_loss(targets.target_tensor(tf.constant([2]), [True, False, True]),
                                        tf.nn.softmax(z))
    grad = tape.gradient(loss, z).numpy()[0]
    assert grad[1] == pytest.approx(0.0, abs=1e-6) and grad[2] < 0 < grad[0]


def test_accuracy_decides_among_the_known_classes():
    p = tf.constant([[0.3, 0.6, 0.1], [0.2, 0.7, 0.1]])  # neutral is the most probable of all three
    polar = targets.target_tensor(tf.constant([0, 2]), [True, False, True])
    np.testing.assert_array_equal(targets.correct(polar, p).numpy(), [1.0, 0.0])
    every = targets.target_tensor(tf.constant([0, 1]), [True] * 3)
    np.testing.assert_array_equal(targets.correct(every, p).numpy(), [0.0, 1.0])


def test_balanced_class_weights_make_each_class_weigh_the_same_in_the_loss():
    weights = targets.balanced_weights([30, 10, 0, 20])  # a class with no example weighs nothing
    np.testing.assert_allclose(weights, [60 / 90, 60 / 30, 0.0, 60 / 60])
    np.testing.assert_allclose(np.array([30, 10, 0, 20]) * weights, [20, 20, 0, 20])  # equal totals
    rows = targets.target_tensor(tf.constant([1, 0, 3]), [True] * 4)
    np.testing.assert_allclose(targets.example_weights(rows, weights).numpy(), [2.0, 2 / 3, 1.0], rtol=1e-6)
    binary = targets.target_tensor(tf.constant([1, 0, 0]), [True, True])  # (B, 1): the sigmoid head's labels
    np.testing.assert_allclose(targets.example_weights(binary, [0.75, 1.5]).numpy(), [1.5, 0.75, 0.75])
