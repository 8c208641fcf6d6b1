"""Python API for the sentiment model: raw strings in, label and probability out."""

import dataclasses

import numpy as np
import tensorflow as tf

from textlstm import loading
from textlstm.data.sources import LABEL_NAMES
from textlstm.input_checks import check_texts
from textlstm.inside import explanations, trace
from textlstm.models import sentiment_model

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
    """`SentimentClassifier.load(path).predict("A fine film.")` -> SentimentPrediction.

    Fast path, same answers as `model` (the end-to-end Keras model): vectorize the batch,
    drop the trailing padding columns where that is exact, pad the batch to a power of two,
    and run the id model XLA-compiled (one compile per length bucket and batch size).
    """

    def __init__(self, model, config=None, metrics=None):
        self.model = model  # end-to-end keras.Model: strings (B,) -> P(positive) (B, 1)
        self.config = config
        self.metrics = metrics or {}
        self._vectorize = tf.function(
            lambda text: tf.cast(sentiment_model.vectorizer_part(model)(text), tf.int32),
            input_signature=[tf.TensorSpec([None], tf.string)],
        )
        self._any_length = None  # variable_length_model(), built on first use
        self._trim = config is not None and sentiment_model.padding_is_inert(config)
        trained = self.variable_length_model() if self._trim else sentiment_model.trained_part(model)
        self._ids_forward = tf.function(lambda ids: trained(ids, training=False)[:, 0], jit_compile=True)
        self._explainers = {}  # method -> explanations.IntegratedGradients / PooledAccount, built on first use
        self._tracer = None  # trace.WordTracer, built on first use

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
        return cls(model, config, loading.load_folder_metrics(folder))

    def predict_proba(self, texts) -> np.ndarray:
        """P(positive) for each text, shape (N,) float32."""
        items, _ = check_texts(texts)
        chunks = [self._forward(items[i : i + INFERENCE_BATCH]) for i in range(0, len(items), INFERENCE_BATCH)]
        return np.concatenate(chunks).astype(np.float32)

    def predict(self, texts):
        """One SentimentPrediction for a string; a list of them for a list of strings."""
        items, single = check_texts(texts)
        predictions = [
            SentimentPrediction(LABEL_NAMES[int(p > 0.5)], float(p)) for p in self.predict_proba(items)
        ]
        return predictions[0] if single else predictions

    def explain(self, texts, method="gradients"):
        """Which words pushed the decision: (P(positive), [(piece, score or None), ...]) for a string,
        a list of them for a list. The pieces are the text's words and spaces, in order; scores are
        scaled so the strongest word is ±1, positive towards "positive"; None: not read. method:
        "gradients" (integrated gradients, one batched pass), "occlusion" (a pass per word) or
        "pooling" (the steps the pooled features came from, weighted by their part in the decision)."""
        items, single = check_texts(texts)
        method = explanations.check_method(method)
        if method == "occlusion":
            results = [explanations.occlusion(self, text) for text in items]
        else:
            if method not in self._explainers:
                self._explainers[method] = (explanations.IntegratedGradients if method == "gradients"
                                            else explanations.PooledAccount)(self)
            results = self._explainers[method].explain_batch(items)
        return results[0] if single else results

    def trace(self, text):
        """Every gate, cell state and hidden state of the LSTMs on the words of `text` the model
        reads (the first sequence_length): a trace.Trace, arrays of shape (words, units)."""
        if self._tracer is None:
            self._tracer = trace.WordTracer(self)
        return self._tracer.trace(text)
