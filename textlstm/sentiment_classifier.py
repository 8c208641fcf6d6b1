"""Python API for the sentiment model: raw strings in, label and probability out."""

import dataclasses
from typing import Optional

from textlstm import artifacts
from textlstm.data import labels as label_rule
from textlstm.errors import TextLSTMError
from textlstm.input_checks import check_texts
from textlstm.inside import explanations, trace
from textlstm.models.sentiment_predictor import SentimentPredictor


@dataclasses.dataclass(frozen=True)
class SentimentPrediction:
    label: str  # the class of the largest probability: "negative", "neutral" or "positive" for english_sentiment
    # P(positive | negative or positive) in [0, 1] (data/labels.py); None for classes of your own (topics, ...)
    positive_probability: Optional[float]
    probabilities: dict = dataclasses.field(default=None, compare=False)  # {label: probability}, in the model's order

    @property
    def confidence(self) -> float:
        """The probability of the predicted label."""
        if self.probabilities:
            return self.probabilities[self.label]
        return max(self.positive_probability, 1.0 - self.positive_probability)


class SentimentClassifier(SentimentPredictor):
    """`SentimentClassifier.load(path).predict("A fine film.")` -> SentimentPrediction.

    Probabilities come from SentimentPredictor's fast path (same answers as `model`); this adds
    labels, explanations, traces and fine-tuning.
    """

    def __init__(self, model, config=None, metrics=None, folder=None):
        super().__init__(model, config, metrics, folder)
        self._explainers = {}  # method -> explanations.IntegratedGradients / PooledAccount, built on first use
        self._tracer = None  # trace.WordTracer, built on first use

    def fine_tune(self, texts, labels, out=None, epochs=None, validation_split=None, new_words=None, callbacks=None,
                  **overrides):
        """A new SentimentClassifier trained from this one on your labelled texts (at least 20, two or
        more classes in any spelling, each with at least 2 texts: they become the model's labels, sorted,
        numbers by value, words alphabetically), with the small-data recipe: the
        held-out `validation_split` (default 0.2) picks the epoch and refits the calibration; a new
        head learns at 3e-3, the embedding and LSTMs at 0.3 of that. `new_words` (default 500; 0: none)
        frequent new words join the vocabulary. The run folder is `out` (default: a temporary one);
        `save(folder)` keeps the model. Progress: keras `callbacks`; nothing is printed. Any other
        recipe key (training/fine_tuning.py) can be given, e.g. `new_head=False`.
        `from_scratch=True`: the same architecture and recipe without this model's weights (a baseline)."""
        from textlstm.training.tune import fine_tune_sentiment  # the trainer loads only when asked for

        if self.folder is None:
            raise TextLSTMError("fine_tune needs a classifier loaded from a model folder (SentimentClassifier.load)")
        settings = {"epochs": epochs, "validation_fraction": validation_split, "new_words": new_words}
        overrides = {**{k: v for k, v in settings.items() if v is not None}, **overrides}
        return SentimentClassifier.load(fine_tune_sentiment(self.folder, texts, labels, out, callbacks, **overrides))

    def save(self, folder):
        """Writes this model's folder (model.keras, config, vocabulary, metrics, curves) to a new `folder`;
        under a folder of $TEXTLSTM_MODELS it then loads by its name."""
        if self.folder is None:
            raise TextLSTMError("save needs a classifier loaded from a model folder (SentimentClassifier.load)")
        return artifacts.copy_model_folder(self.folder, folder)

    def predict(self, texts):
        """One SentimentPrediction for a string; a list of them for a list of strings."""
        items, single = check_texts(texts)
        predictions = self._predictions(self.class_probabilities(items))
        return predictions[0] if single else predictions

    def _predictions(self, rows):
        """Class rows (N, C) -> [SentimentPrediction]: the label, P(positive) and every probability."""
        names, _ = label_rule.decide(rows, self.labels)
        positive = (label_rule.positive_probability(rows, self.labels).tolist() if label_rule.has_polarity(self.labels)
                    else [None] * len(rows))
        return [SentimentPrediction(name, q, label_rule.as_dict(row, self.labels))
                for name, q, row in zip(names, positive, rows)]

    def explain(self, texts, method="gradients"):
        """Which words pushed the decision: (P(positive), [(piece, score or None), ...]) for a string,
        a list of them for a list. The pieces are the text's words and spaces, in order; scores are
        scaled so the strongest word is ±1, positive towards "positive" (with classes of your own:
        towards the answer, and P(positive) is None); None: not read. method:
        "gradients" (integrated gradients, one batched pass), "occlusion" (a pass per word) or
        "pooling" (the steps the pooled features came from, weighted by their part in the decision)."""
        items, single = check_texts(texts)
        rows, pieces = self._explainer(method).explain_rows(items)
        results = explanations.with_positive_probability(self, rows, pieces)
        return results[0] if single else results

    def predict_and_explain(self, texts, method="gradients"):
        """`predict` and `explain` from one pass: (SentimentPrediction, pieces) for a string, a list of
        them for a list. The prediction is the one `predict` gives for the text alone (what the demo shows)."""
        items, single = check_texts(texts)
        rows, pieces = self._explainer(method).explain_rows(items)
        results = list(zip(self._predictions(rows), pieces))
        return results[0] if single else results

    def _explainer(self, method):
        method = explanations.check_method(method)
        if method not in self._explainers:
            self._explainers[method] = explanations.EXPLAINERS[method](self)
        return self._explainers[method]

    def trace(self, text):
        """Every gate, cell state and hidden state of the LSTMs on the words of `text` the model
        reads (the first sequence_length): a trace.Trace, arrays of shape (words, units)."""
        if self._tracer is None:
            self._tracer = trace.WordTracer(self)
        return self._tracer.trace(text)
