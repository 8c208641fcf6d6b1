"""Test-set figures, computed through the same models that are shipped.

Sentiment: accuracy and binary cross-entropy of the end-to-end model (raw strings
in) over every test example, no remainder dropped. Character LM: loss in
nats/char over the held-out text as one continuous stream, the LSTM state
carried from one window into the next, reported with bits/char and perplexity.
"""

import math

import numpy as np
import tensorflow as tf

from textlstm.data import corpus
from textlstm.data import labels as label_rule
from textlstm.models.charlm_model import build_step_model
from textlstm.text.vectorizers import text_to_char_ids
from textlstm.training import calibration

STREAM_WINDOW = 1024  # characters per call when streaming the held-out text; state is carried


def sentiment_probabilities(end_to_end, examples: tf.data.Dataset) -> tuple:
    """(P(positive) (N,), labels (N,)) of the end-to-end model over every example."""
    predict = tf.function(lambda text: end_to_end(text, training=False), reduce_retracing=True)
    probabilities, labels = [], []
    for text, label in examples.batch(500).prefetch(tf.data.AUTOTUNE):
        probabilities.append(predict(text).numpy()[:, 0].astype(np.float64))  # (B,)
        labels.append(label.numpy().astype(np.float64))
    return np.concatenate(probabilities), np.concatenate(labels)


def sentiment_figures(p, y, split_name: str = "test", temperature=None) -> dict:
    """Accuracy, log-loss and ECE of probabilities p for labels y; with the temperature that was
    folded into the model, also the ECE and reliability the model had before."""
    p_clipped = np.clip(p, 1e-7, 1 - 1e-7)
    result = {
        "accuracy": float(label_rule.is_correct(p, y).mean()),
        "loss": float(-(y * np.log(p_clipped) + (1 - y) * np.log(1 - p_clipped)).mean()),
        "ece": calibration.expected_calibration_error(p, y),
        "examples": int(len(y)),
        "split": split_name,
        "reliability": calibration.reliability(p, y),
    }
    if temperature is not None:
        before = calibration.uncalibrated(p, temperature)
        result["ece_before"] = calibration.expected_calibration_error(before, y)
        result["reliability_before"] = calibration.reliability(before, y)
    return result


def evaluate_sentiment(end_to_end, examples: tf.data.Dataset, split_name: str = "test", temperature=None) -> dict:
    p, y = sentiment_probabilities(end_to_end, examples)
    return sentiment_figures(p, y, split_name, temperature)


def evaluate_sets(end_to_end, tests, temperature=None) -> dict:
    """Every (DataSource, examples) evaluated separately: {"evaluation": {name: figures}, "test": the first}."""
    evaluations = {}
    for source, examples in tests:
        figures = evaluate_sentiment(end_to_end, examples, source.test_split, temperature)
        evaluations[source.name] = {"dataset": source.dataset, **figures}
    first = next(iter(evaluations.values()))
    return {"test": {k: v for k, v in first.items() if not k.startswith("reliability")}, "evaluation": evaluations}


def evaluate_charlm(model, vocabulary, text: str, parts=None) -> dict:
    """Loss over `text` as one stream, state carried. parts: [(name, characters)] summing to
    len(text), e.g. [("validation", 55770), ("test", 55770)]: each part's own figures are added
    under "parts", from the same pass (a later part starts from the state the earlier one left)."""
    step_model = build_step_model(model)
    ids = text_to_char_ids(text, vocabulary).numpy()  # (N,)
    inputs, targets = ids[:-1], ids[1:]
    states = [tf.zeros((1, t.shape[-1])) for t in step_model.inputs[1:]]

    @tf.function(reduce_retracing=True)
    def window_loss(x, y, states):
        outputs = step_model([x, *states], training=False)
        logits, new_states = outputs[0], outputs[1:]  # (1, T, V)
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)[0], new_states  # (T,)

    losses = []
    for start in range(0, len(inputs), STREAM_WINDOW):
        x = inputs[None, start:start + STREAM_WINDOW]
        y = targets[None, start:start + STREAM_WINDOW]
        nll, states = window_loss(tf.constant(x), tf.constant(y), states)
        losses.append(nll.numpy().astype(np.float64))
    losses = np.concatenate(losses)  # (N - 1,): losses[j] is the loss of predicting character j + 1
    result = _stream_figures(losses)
    if parts:
        if sum(n for _, n in parts) != len(ids):
            raise ValueError(f"parts {parts} do not add up to the text's {len(ids)} characters")
        result["parts"], start = {}, 0
        for name, n in parts:
            # Characters [start, start + n) of the text; the first one of the text is never predicted.
            result["parts"][name] = _stream_figures(losses[max(start - 1, 0):start + n - 1])
            start += n
    return result


def charlm_heldout(model, vocabulary, config, data_dir=None, text=None) -> dict:
    """`textlstm evaluate`'s figures: the config's held-out text (given, or read) as one stream,
    with its parts ("validation", "test") when the test split joins several, and what it is."""
    if text is None:
        text = corpus.char_text_splits(config, data_dir)[2]
    result = evaluate_charlm(model, vocabulary, text, corpus.char_heldout_parts(config, data_dir))
    result["splits"] = config.test_split if not config.text_file else "last 5% of the file"
    return result


def _stream_figures(losses) -> dict:
    nats = float(losses.mean())
    return {
        "loss_nats_per_char": nats,
        "bits_per_char": nats / math.log(2),
        "perplexity": math.exp(nats),
        "characters": int(len(losses)),
    }
