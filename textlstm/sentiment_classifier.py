"""Python API for the sentiment model: raw strings in, label and probability out."""

import dataclasses

import numpy as np
import tensorflow as tf

from textlstm import loading
from textlstm.data import LABEL_NAMES
from textlstm.validation import check_texts

INFERENCE_BATCH = 256  # reviews per forward pass; bounds memory for big batches


@dataclasses.dataclass(frozen=True)
class SentimentPrediction:
    label: str  # "positive" or "negative"
    positive_probability: float  # P(positive) in [0, 1]

    @property
    def confidence(self) -> float:
        """The probability of the predicted label."""
        return max(self.positive_probability, 1.0 - self.positive_probability)


class SentimentClassifier:
    """`SentimentClassifier.load(path).predict("A fine film.")` -> SentimentPrediction."""

    def __init__(self, model, config=None, metrics=None):
        self.model = model  # end-to-end keras.Model: strings (B,) -> P(positive) (B, 1)
        self.config = config
        self.metrics = metrics or {}
        self._forward = tf.function(
            lambda text: self.model(text, training=False)[:, 0],
            input_signature=[tf.TensorSpec([None], tf.string)],
        )

    @classmethod
    def load(cls, path):
        folder = loading.model_folder(path)
        model = loading.load_keras_model(folder)
        return cls(model, loading.load_folder_config(folder), loading.load_folder_metrics(folder))

    def predict_proba(self, texts) -> np.ndarray:
        """P(positive) for each text, shape (N,) float32."""
        items, _ = check_texts(texts)
        chunks = [
            self._forward(tf.constant(items[i : i + INFERENCE_BATCH])).numpy()
            for i in range(0, len(items), INFERENCE_BATCH)
        ]
        return np.concatenate(chunks).astype(np.float32)

    def predict(self, texts):
        """One SentimentPrediction for a string; a list of them for a list of strings."""
        items, single = check_texts(texts)
        predictions = [
            SentimentPrediction(LABEL_NAMES[int(p > 0.5)], float(p)) for p in self.predict_proba(items)
        ]
        return predictions[0] if single else predictions
