"""A saved sentiment model's probabilities, fast: the batching and trimming every caller shares.

The Python API's SentimentClassifier adds labels, explanations and traces on top; self-training's
teacher and the exports use this directly.
"""

import numpy as np
import tensorflow as tf

from textlstm import loading
from textlstm.data import labels as label_rule
from textlstm.input_checks import check_texts
from textlstm.models import sentiment_model

INFERENCE_BATCH = 256  # reviews per forward pass; bounds memory for big batches


class SentimentPredictor:
    """A saved sentiment model's probabilities, fast: `SentimentPredictor.load(path).class_probabilities(texts)`.

    Same answers as `model` (the end-to-end Keras model): vectorize the batch,
    drop the trailing padding columns where that is exact, pad the batch to a power of two,
    and run the id model XLA-compiled (one compile per length bucket and batch size).
    """

    def __init__(self, model, config=None, metrics=None, folder=None):
        self.model = model  # end-to-end keras.Model: strings (B,) -> P(positive) (B, 1) or class probabilities (B, C)
        self.config = config
        self.metrics = metrics or {}
        self.folder = folder  # the model folder it was loaded from (fine-tuning starts from it), or None
        # The class names in output order, as the model folder records them (config key `labels`)
        self.labels = tuple(getattr(config, "labels", None) or label_rule.SENTIMENT_LABELS)
        self._vectorize = tf.function(
            lambda text: tf.cast(sentiment_model.vectorizer_part(model)(text), tf.int32),
            input_signature=[tf.TensorSpec([None], tf.string)],
        )
        self._any_length = None  # variable_length_model(), built on first use
        self._trim = config is not None and sentiment_model.padding_is_inert(config)
        trained = self.variable_length_model() if self._trim else sentiment_model.trained_part(model)
        self._ids_forward = tf.function(lambda ids: trained(ids, training=False), jit_compile=True)  # (B, 1) or (B, C)

    def variable_length_model(self):
        """The ids -> P(positive) model with an Input of any length (shared by the explanations)."""
        if self._any_length is None:
            self._any_length = sentiment_model.variable_length_copy(self.config, sentiment_model.trained_part(self.model))
        return self._any_length

    def token_ids(self, texts) -> np.ndarray:
        """The model's token ids for checked texts: (N, sequence_length) int32, right-padded with 0."""
        return self._vectorize(tf.constant(texts)).numpy()

    def _forward(self, texts):
        ids = self.token_ids(texts)  # (B, T)
        if self._trim:
            used = int((ids != 0).any(axis=0).nonzero()[0].max(initial=0)) + 1
            ids = ids[:, : sentiment_model.bucketed(used, ids.shape[1])]
        batch = len(texts)
        padded = 1 << (batch - 1).bit_length()  # next power of two
        ids = np.concatenate([ids, np.zeros((padded - batch, ids.shape[1]), ids.dtype)])
        return self._ids_forward(tf.constant(ids)).numpy()[:batch]

    @classmethod
    def load(cls, path):
        folder = loading.model_folder(path)
        config = loading.load_folder_config_of_kind(folder, "sentiment")
        model = loading.load_keras_model(folder)
        return cls(model, config, loading.load_folder_metrics(folder), folder)

    def class_probabilities(self, texts) -> np.ndarray:
        """Every class's probability for each text, shape (N, C) float32, columns in `labels` order."""
        items, _ = check_texts(texts)
        chunks = [self._forward(items[i : i + INFERENCE_BATCH]) for i in range(0, len(items), INFERENCE_BATCH)]
        return self.rows_of(np.concatenate(chunks))

    @staticmethod
    def rows_of(outputs) -> np.ndarray:
        """The model's outputs, (N, 1) P(positive) or (N, C), as class rows (N, C) float32: every
        caller's answer is made by this one rule (the explanations' too)."""
        return label_rule.class_probabilities(outputs).astype(np.float32)

    def predict_proba(self, texts) -> np.ndarray:
        """P(positive | negative or positive) for each text, shape (N,) float32: a two-class model's
        probability of `labels[1]`; a three-way model's positive share of its polar answers."""
        return label_rule.positive_probability(self.class_probabilities(texts), self.labels).astype(np.float32)
