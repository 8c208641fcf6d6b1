"""Self-training: a trained sentiment model (the teacher) labels unlabelled reviews.

The reviews the teacher is sure of join the training set with the teacher's label,
and a new classifier (the student) learns from both. With IMDB's 50,000
`unsupervised` reviews this more than doubles the labelled data; the student's
dropout is the noise that lets it learn more than the teacher knew (Xie et al.
2020, "Self-training with Noisy Student"; He et al. 2020, "Revisiting
Self-Training for Neural Sequence Generation").

Only the teacher's *predictions* are used, never its weights, and the validation
split stays human-labelled, so early stopping still measures real accuracy.
"""

import time

import numpy as np
import tensorflow as tf

from textlstm.data import labelled
from textlstm.data import labels as label_rule
from textlstm.errors import TextLSTMError
from textlstm.models.sentiment_predictor import SentimentPredictor
from textlstm.text.rules import has_word

LABEL_BATCH = 1024  # unlabelled reviews per class_probabilities call: bounds host memory


def pseudo_labelled_examples(config, data_dir=None):
    """(dataset of (text, int32 label), summary dict) from `config.teacher` on `config.pretrain_split`."""
    texts = labelled.unlabelled_texts(config, data_dir)
    if texts is None:
        raise TextLSTMError(
            "config key 'teacher' needs unlabelled reviews: a TFDS dataset and 'pretrain_split' naming "
            "its unlabelled split (e.g. \"unsupervised\"); a directory of .txt files has none"
        )
    start = time.perf_counter()
    try:
        teacher = SentimentPredictor.load(config.teacher)
    except TextLSTMError as e:
        raise TextLSTMError(f"config key 'teacher': {e}") from None
    kept_texts, kept_labels, total = [], [], 0
    for chunk in texts.batch(LABEL_BATCH).as_numpy_iterator():  # (N,) bytes
        total += len(chunk)
        decoded = [t.decode("utf-8", errors="replace") for t in chunk]
        present = np.array([has_word(t) for t in decoded])  # a review with no word has no label to learn
        if not present.any():
            continue
        chunk = chunk[present]
        # The teacher's own answer over all its classes: a three-way teacher's surely neutral review
        # is no negative or positive example, however one-sided P(positive | not neutral) is.
        rows = teacher.class_probabilities([t for t, keep in zip(decoded, present) if keep])  # (N, C_teacher)
        decided, confidence = label_rule.decide(rows, teacher.labels)
        sure = (confidence >= config.teacher_confidence) & np.isin(decided, config.labels)
        kept_texts.extend(chunk[sure])
        kept_labels.extend(np.array([config.labels.index(d) for d, s in zip(decided, sure) if s], np.int32))
    if not kept_texts:
        raise TextLSTMError(
            f"the teacher is sure of none of the {total} unlabelled reviews at teacher_confidence "
            f"{config.teacher_confidence}; lower it with --set teacher_confidence=0.8"
        )
    labels = np.asarray(kept_labels, np.int32)
    summary = {
        "teacher": config.teacher,
        "unlabelled_reviews": total,
        "pseudo_labelled_reviews": len(labels),
        "pseudo_labelled_positive_share": float(labels.mean()),
        "teacher_confidence": config.teacher_confidence,
        "labelling_seconds": time.perf_counter() - start,
    }
    teacher_training = teacher.metrics.get("training", {})
    if "wall_time_seconds" in teacher_training:  # the teacher's classifier epochs are part of the student's cost
        summary["teacher_classifier_wall_time_seconds"] = teacher_training["wall_time_seconds"]
    examples = tf.data.Dataset.from_tensor_slices((tf.constant(kept_texts, tf.string), labels))
    return examples, summary
