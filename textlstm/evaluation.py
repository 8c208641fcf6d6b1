"""Test-set figures, computed through the same models that are shipped.

Sentiment: accuracy and binary cross-entropy of the end-to-end model (raw strings
in) over every test example, no remainder dropped. Character LM: loss in
nats/char over the held-out text as one continuous stream, the LSTM state
carried from one window into the next, reported with bits/char and perplexity.
"""

import math

import numpy as np
import tensorflow as tf

STREAM_WINDOW = 1024  # characters per call when streaming the held-out text; state is carried


def evaluate_sentiment(end_to_end, examples: tf.data.Dataset, split_name: str = "test") -> dict:
    predict = tf.function(lambda text: end_to_end(text, training=False), reduce_retracing=True)
    total = correct = 0
    loss_sum = 0.0
    for text, label in examples.batch(500).prefetch(tf.data.AUTOTUNE):
        p = predict(text).numpy()[:, 0].astype(np.float64)  # (B,)
        y = label.numpy().astype(np.float64)
        p_clipped = np.clip(p, 1e-7, 1 - 1e-7)
        loss_sum += float(-(y * np.log(p_clipped) + (1 - y) * np.log(1 - p_clipped)).sum())
        correct += int(((p > 0.5) == (y > 0.5)).sum())
        total += len(y)
    return {"accuracy": correct / total, "loss": loss_sum / total, "examples": total, "split": split_name}


def evaluate_charlm(model, vocabulary, text: str) -> dict:
    from textlstm.charlm_model import build_step_model
    from textlstm.preprocessing import text_to_char_ids

    step_model = build_step_model(model)
    ids = text_to_char_ids(text, vocabulary).numpy()  # (N,)
    inputs, targets = ids[:-1], ids[1:]
    states = [tf.zeros((1, t.shape[-1])) for t in step_model.inputs[1:]]

    @tf.function(reduce_retracing=True)
    def window_loss(x, y, states):
        outputs = step_model([x, *states], training=False)
        logits, new_states = outputs[0], outputs[1:]  # (1, T, V)
        nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        return tf.reduce_sum(nll), new_states

    total = 0.0
    for start in range(0, len(inputs), STREAM_WINDOW):
        x = inputs[None, start:start + STREAM_WINDOW]
        y = targets[None, start:start + STREAM_WINDOW]
        loss, states = window_loss(tf.constant(x), tf.constant(y), states)
        total += float(loss)
    nats = total / len(targets)
    return {
        "loss_nats_per_char": nats,
        "bits_per_char": nats / math.log(2),
        "perplexity": math.exp(nats),
        "characters": int(len(targets)),
    }
