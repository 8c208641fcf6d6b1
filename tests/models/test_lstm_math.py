"""The LSTM equations written out (textlstm/models/lstm_math.py) against Keras' own layers and gradients."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from textlstm.models import lstm_math


def _padded_batch(rows=3, steps=7, features=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, steps, features)).astype("float32")
    lengths = [steps, 4, 1][:rows]
    mask = np.array([[t < n for t in range(steps)] for n in lengths])  # right padding, as TextVectorization
    return tf.constant(x), tf.constant(mask)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_forward_and_backward_match_keras(bidirectional):
    x, mask = _padded_batch()
    lstm = keras.layers.LSTM(6, return_sequences=True)
    layer = keras.layers.Bidirectional(lstm) if bidirectional else lstm
    weights = tf.constant(np.random.default_rng(1).normal(size=(3, 7, 12 if bidirectional else 6)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        expected = layer(x, mask=mask)
        loss = tf.reduce_sum(expected * weights)
    expected_grad = tape.gradient(loss, x)
    halves = ([(layer.forward_layer, False), (layer.backward_layer, True)] if bidirectional else [(layer, False)])
    outputs, grad = [], 0.0
    for k, (half, reverse) in enumerate(halves):
        state = lstm_math.forward(x, *lstm_math.weights_of(half), mask=mask, reverse=reverse,
                                  zero_masked_outputs=bidirectional)
        outputs.append(state["outputs"])
        kernel, recurrent_kernel, _ = lstm_math.weights_of(half)
        grad += lstm_math.backward(state, weights[..., 6 * k:6 * (k + 1)], kernel, recurrent_kernel, reverse=reverse,
                                   zero_masked_outputs=bidirectional)
    np.testing.assert_allclose(tf.concat(outputs, -1), expected, atol=1e-5)
    np.testing.assert_allclose(grad, expected_grad, atol=1e-5)


def test_gates_rebuild_the_hidden_state():
    x, _ = _padded_batch(rows=1)
    lstm = keras.layers.LSTM(4, return_sequences=True)
    lstm(x)
    s = lstm_math.forward(x, *lstm_math.weights_of(lstm))
    np.testing.assert_allclose(s["cell"], s["forget_gate"] * s["cell_before"] + s["input_gate"] * s["candidate"], atol=1e-6)
    np.testing.assert_allclose(s["hidden"], s["output_gate"] * np.tanh(s["cell"]), atol=1e-6)
    assert s["hidden"].shape == (7, 1, 4) and float(tf.reduce_min(s["forget_gate"])) > 0
