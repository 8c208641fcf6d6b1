"""Test-set figures, computed through the same models that are shipped.

Sentiment: accuracy, log-loss, ECE, macro-averaged recall and F1 and the confusion matrix
of the end-to-end model (raw strings in) over every test example, no remainder dropped. A
source that knows only some of the model's classes (a negative / positive set read by a
three-way model) is scored on those: the probabilities renormalised over them, which for
negative and positive is the model's positive_probability. Character LM: loss in nats/char
over the held-out text as one continuous stream, the LSTM state carried from one window
into the next, reported with bits/char and perplexity.
"""

import math

import numpy as np
import tensorflow as tf

from textlstm.data import corpus, targets
from textlstm.data import labels as label_rule
from textlstm.models.charlm_model import build_step_model
from textlstm.text.vectorizers import text_to_char_ids
from textlstm.training import calibration

STREAM_WINDOW = 1024  # characters per call when streaming the held-out text; state is carried


def class_rows(end_to_end, examples: tf.data.Dataset) -> tuple:
    """(probabilities (N, C), class ids (N,)) of the end-to-end model over every example."""
    predict = tf.function(lambda text: end_to_end(text, training=False), reduce_retracing=True)
    rows, labels = [], []
    for text, label in examples.batch(500).prefetch(tf.data.AUTOTUNE):
        rows.append(label_rule.class_probabilities(predict(text).numpy()))  # (B, C)
        labels.append(label.numpy().astype(np.int64))
    return np.concatenate(rows), np.concatenate(labels)


def sentiment_probabilities(end_to_end, examples: tf.data.Dataset, labels=label_rule.SENTIMENT_LABELS) -> tuple:
    """(P(positive | negative or positive) (N,), class ids (N,)) over every example."""
    rows, y = class_rows(end_to_end, examples)
    return label_rule.positive_probability(rows, labels), y


def sentiment_figures(p, y, split_name: str = "test", before=None, labels=label_rule.SENTIMENT_LABELS) -> dict:
    """Accuracy, log-loss, ECE, macro-recall, macro-F1 and the confusion matrix (rows: the true class,
    columns: the decided one) of probabilities p ((N,) P(positive) or (N, C) rows) for class ids y;
    with the probabilities the model gave before calibration, also the ECE and reliability it had."""
    rows, y = label_rule.class_probabilities(p), np.asarray(y).astype(np.int64)
    decided = label_rule.label_ids(rows)
    classes = rows.shape[-1]
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (y, decided), 1)
    recall = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
    precision = np.diag(confusion) / np.maximum(confusion.sum(axis=0), 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    result = {
        "accuracy": float(label_rule.is_correct(rows, y).mean()),
        "loss": float(-np.log(np.clip(rows[np.arange(len(y)), y], 1e-7, 1.0)).mean()),
        "ece": calibration.expected_calibration_error(rows, y),
        "macro_recall": float(recall.mean()),
        "macro_f1": float(f1.mean()),
        "recall": {name: float(r) for name, r in zip(labels, recall)},
        "confusion": {"labels": list(labels), "matrix": confusion.tolist()},
        "examples": int(len(y)),
        "split": split_name,
        "lowest_confidence": 1.0 / classes,
        "reliability": calibration.reliability(rows, y),
    }
    if before is not None:
        result["ece_before"] = calibration.expected_calibration_error(before, y)
        result["reliability_before"] = calibration.reliability(before, y)
    return result


def known_part(rows, y, known) -> tuple:
    """The probabilities renormalised over a source's known classes, and its class ids among them."""
    if all(known):
        return rows, y
    kept = np.flatnonzero(known)
    part = rows[:, kept]
    position = {int(class_id): i for i, class_id in enumerate(kept)}
    return part / np.maximum(part.sum(axis=-1, keepdims=True), 1e-12), np.array([position[int(c)] for c in y])


def rows_before(end_to_end, examples, rows, calibrated):
    """The (N, C) probabilities before calibration: a temperature is undone on the rows exactly; a
    temperature and bias per class cannot be, so the model runs again with them taken out."""
    if not calibrated:
        return None
    if calibrated.get("method", "temperature") == "temperature":
        before = calibration.uncalibrated(rows if rows.shape[-1] > 2 else rows[:, 1], calibrated["temperature"])
        return label_rule.class_probabilities(before)
    with calibration.before_calibration(end_to_end, calibrated):
        return class_rows(end_to_end, examples)[0]


def evaluate_sets(end_to_end, tests, calibrated=None, labels=label_rule.SENTIMENT_LABELS) -> dict:
    """Every (DataSource, examples) evaluated separately, on the classes it knows (labels: the
    model's): {"evaluation": {name: figures}, "test": the first}. calibrated: metrics.json's
    "calibration" (what was folded into the model), for the ECE before it."""
    evaluations = {}
    for source, examples in tests:
        known = targets.known_classes(source.label_names, labels)
        rows, y = class_rows(end_to_end, examples)
        before = rows_before(end_to_end, examples, rows, calibrated)
        rows, part = known_part(rows, y, known)
        before = None if before is None else known_part(before, y, known)[0]
        names = [name for name, k in zip(labels, known) if k]
        figures = sentiment_figures(rows, part, source.test_split, before, names)
        evaluations[source.name] = {"dataset": source.dataset, **figures}
    first = next(iter(evaluations.values()))
    return {"test": {k: v for k, v in first.items() if not k.startswith("reliability")}, "evaluation": evaluations}


def evaluate_polar(end_to_end, tests, labels) -> dict:
    """{name: figures} of a model with other classes (a three-way base model) on two-class examples
    (0 the first class, 1 the second), read through its P(positive | negative or positive)."""
    evaluations = {}
    for source, examples in tests:
        p, y = sentiment_probabilities(end_to_end, examples, labels)
        evaluations[source.name] = {"dataset": source.dataset, **sentiment_figures(p, y, source.test_split)}
    return evaluations


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
