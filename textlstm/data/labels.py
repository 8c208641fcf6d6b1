"""Class names, and the one rule that turns a model's probabilities into an answer.

Every surface that shows a sentiment (the Python API, the CLI, the demo, the SavedModel
signature, self-training, evaluation and calibration) decides the label and its confidence
here, so a model with other classes changes one place, not forty.

A model's output is either one column, P(positive) from a sigmoid (the two-class models
trained so far), or one column per class from a softmax. `class_probabilities` turns both
into (N, C) rows that sum to 1; everything else reads those rows:

    label       the class of the largest probability (ties: the first class, so a
                two-class P(positive) of exactly 0.5 is "negative", as it always was)
    confidence  that largest probability
    positive_probability  P(positive | negative or positive): a two-class model's own
                P(positive) (its second class counts as positive); a model with more
                classes renormalised over those two. A model whose classes are a user's
                own (topics, reasons: three or more, without negative and positive) has
                none (`has_polarity`): its surfaces leave it out

The *_tensor functions are the same rules in TensorFlow core ops (training steps, exported
graphs); they import TensorFlow when called, so the LiteRT host reads this module without it.
"""

import numpy as np

from textlstm.errors import TextLSTMError

SENTIMENT_LABELS = ("negative", "positive")  # label 0, label 1: the order of every two-class sentiment set
THREE_WAY_LABELS = ("negative", "neutral", "positive")  # english_sentiment's classes, in its output order
POLAR_EPSILON = 1e-12  # P(positive | not neutral) of a surely neutral text (both ~0): 0.5, no side taken


def class_probabilities(outputs) -> np.ndarray:
    """(N, 1) sigmoid outputs, (N,) P(positive) or (N, C) softmax rows -> (N, C) float64 rows."""
    p = np.asarray(outputs, np.float64)
    if p.ndim == 1:
        p = p[:, None]
    if p.shape[-1] == 1:  # P(positive): the two-class rows [P(negative), P(positive)]
        return np.concatenate([1.0 - p, p], axis=-1)
    return p


def label_ids(probabilities) -> np.ndarray:
    """(N,) index of each row's label: the largest probability, the first class on a tie."""
    return np.argmax(class_probabilities(probabilities), axis=-1)


def decide(probabilities, labels=SENTIMENT_LABELS) -> tuple:
    """([label name per row], (N,) confidence = the probability of that label)."""
    rows = class_probabilities(probabilities)
    check_width(rows.shape[-1], labels)
    ids = np.argmax(rows, axis=-1)
    return [labels[i] for i in ids], rows[np.arange(len(rows)), ids]


def has_polarity(labels) -> bool:
    """Whether P(positive | negative or positive) means something for these classes: two classes
    (the second counts as positive), or classes that include negative and positive."""
    return len(labels) == 2 or set(SENTIMENT_LABELS) <= set(labels)


def check_polarity(labels) -> None:
    if not has_polarity(labels):
        raise TextLSTMError(f"a model answering {', '.join(labels)} has no positive probability (its classes "
                            "are not negative and positive): read its class probabilities")


def positive_probability(probabilities, labels=SENTIMENT_LABELS) -> np.ndarray:
    """(N,) P(positive | negative or positive); a two-class model's second class counts as positive."""
    rows = class_probabilities(probabilities)
    check_width(rows.shape[-1], labels)
    check_polarity(labels)
    if len(labels) == 2:
        return rows[:, 1]
    negative, positive = (rows[:, list(labels).index(name)] for name in SENTIMENT_LABELS)
    return (positive + POLAR_EPSILON) / (negative + positive + 2 * POLAR_EPSILON)


def as_dict(row, labels=SENTIMENT_LABELS) -> dict:
    """One row of probabilities -> {label: probability} (what a demo's label widget shows)."""
    row = class_probabilities(np.asarray(row)[None])[0]
    check_width(len(row), labels)
    return {name: float(p) for name, p in zip(labels, row)}


def is_correct(probabilities, label_indices) -> np.ndarray:
    """(N,) 1.0 where the decided label is the true one (label_indices: int class ids), else 0.0."""
    return (label_ids(probabilities) == np.asarray(label_indices).astype(np.int64)).astype(np.float64)


def class_probability_tensor(outputs: "tf.Tensor") -> "tf.Tensor":
    """class_probabilities in TensorFlow core ops: (B, 1) sigmoid or (B, C) softmax outputs -> (B, C)."""
    import tensorflow as tf

    if outputs.shape[-1] == 1:
        return tf.concat([1.0 - outputs, outputs], axis=-1)  # (B, 2)
    return outputs


def positive_probability_tensor(outputs: "tf.Tensor", labels=SENTIMENT_LABELS) -> "tf.Tensor":
    """positive_probability in TensorFlow core ops: (B, 1) or (B, C) -> (B,)."""
    rows = class_probability_tensor(outputs)  # (B, C)
    check_polarity(labels)
    if len(labels) == 2:
        return rows[:, 1]
    negative, positive = (rows[:, list(labels).index(name)] for name in SENTIMENT_LABELS)
    return (positive + POLAR_EPSILON) / (negative + positive + 2 * POLAR_EPSILON)


def label_id_tensor(probabilities: "tf.Tensor") -> "tf.Tensor":
    """The same rule in TensorFlow core ops (training steps, exported graphs): (B, 1) or (B, C) -> (B,) int32."""
    import tensorflow as tf

    rows = class_probability_tensor(probabilities)  # (B, C)
    return tf.argmax(rows, axis=-1, output_type=tf.int32)  # (B,); argmax takes the first of a tie


def label_tensor(probabilities: "tf.Tensor", labels=SENTIMENT_LABELS) -> "tf.Tensor":
    """(B, 1) or (B, C) -> (B,) label strings, in TensorFlow core ops."""
    import tensorflow as tf

    return tf.gather(tf.constant(list(labels)), label_id_tensor(probabilities))  # (B,)


def check_labels(labels, where="labels") -> None:
    """Two or more distinct, non-empty class names, in the model's output order."""
    names = list(labels) if isinstance(labels, (list, tuple)) else None
    if (names is None or len(names) < 2 or len(set(names)) != len(names)
            or not all(isinstance(n, str) and n.strip() for n in names)):
        raise TextLSTMError(f"{where} must be a list of 2 or more distinct non-empty class names, e.g. "
                            f"{list(THREE_WAY_LABELS)}; got {labels!r}")


def check_width(width: int, labels) -> None:
    if width != len(labels):
        raise TextLSTMError(f"the model gives {width} class probabilities but names {len(labels)} labels "
                            f"({', '.join(labels)})")
