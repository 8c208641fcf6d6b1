"""A TF Serving export (saved_models/NAME/<version>/) used from Python or the CLI, TensorFlow alone.

    textlstm.load_export("saved_models/imdb_sentiment/1").predict_proba(["A fine film."])

The same signatures a TF Serving client calls, run in-process: a way to check an export without
a server. Inputs are checked in Python first (textlstm.input_checks) so that the caller gets a
TextLSTMError; the graph would refuse them with the same sentence anyway.
"""

import os

import numpy as np

from textlstm import input_checks, presets
from textlstm.artifacts import EXPORT_LABELS_FILE, read_json
from textlstm.data.labels import SENTIMENT_LABELS, check_polarity, class_probabilities
from textlstm.errors import TextLSTMError
from textlstm.loading import first_line

REQUIRED_FILES = ("saved_model.pb", os.path.join("variables", "variables.index"))


def is_export(path) -> bool:
    """A SavedModel version dir, given as a path or as NAME/<version> (presets.py)?"""
    path = presets.resolve_or_none(path)
    return path is not None and os.path.isfile(os.path.join(path, "saved_model.pb"))


class ExportedModel:
    def __init__(self, path, loaded):
        self.path = path
        self.signatures = loaded.signatures
        self._loaded = loaded  # keeps the variables the signatures use alive
        self.kind = "charlm" if "generate" in self.signatures else "sentiment"

    @classmethod
    def load(cls, path):
        path = presets.resolve(path, parameter="SavedModel path")
        if not os.path.isdir(path):
            raise TextLSTMError(f"SavedModel path does not exist: {path}")
        missing = [f for f in REQUIRED_FILES if not os.path.isfile(os.path.join(path, f))]
        if missing:
            raise TextLSTMError(f"incomplete SavedModel {path}: missing {', '.join(missing)} "
                                "(an interrupted copy? re-run textlstm export)")
        import tensorflow as tf

        try:
            loaded = tf.saved_model.load(path)
        except Exception as e:  # truncated variables, corrupted saved_model.pb, ...
            raise TextLSTMError(f"could not load SavedModel {path} (corrupted?): {first_line(e)}") from None
        if "serving_default" not in loaded.signatures:
            raise TextLSTMError(f"{path} has no serving_default signature: not a textlstm export")
        return cls(path, loaded)

    def _require(self, kind):
        if self.kind != kind:
            raise TextLSTMError(f"{self.path} is a {self.kind} export, not a {kind} one")

    def _classify(self, texts) -> dict:
        import tensorflow as tf

        self._require("sentiment")
        items, _ = input_checks.check_texts(texts)
        return self.signatures["serving_default"](text=tf.constant(items))

    def predict_proba(self, texts) -> np.ndarray:
        """P(positive | negative or positive) for each text, shape (N,) float32, via serving_default."""
        check_polarity(self.labels)  # classes of a user's own have none
        return self._classify(texts)["positive_probability"].numpy()

    def class_probabilities(self, texts) -> np.ndarray:
        """Every class's probability for each text, shape (N, C) float32, in the order of `labels`."""
        out = self._classify(texts)
        if "probabilities" in out:
            return out["probabilities"].numpy()
        return class_probabilities(out["positive_probability"].numpy()).astype(np.float32)  # older exports: (N,) -> (N, 2)

    @property
    def labels(self) -> list:
        """The class names of the `probabilities` columns (assets.extra/labels.json; older exports: two)."""
        path = os.path.join(self.path, EXPORT_LABELS_FILE)
        return read_json(path, "export labels") if os.path.isfile(path) else list(SENTIMENT_LABELS)

    def generate_batch(self, prompts, length=200, temperature=0.8, top_k=0, top_p=1.0, seed=None) -> list:
        """The continuation of each prompt (without the prompt), via the generate signature."""
        import tensorflow as tf

        self._require("charlm")
        prompts = input_checks.check_prompts(prompts)
        p = input_checks.generation_params(length, temperature, top_k, top_p, seed)
        out = self.signatures["generate"](
            prompt=tf.constant(prompts), length=tf.constant(p["length"], tf.int32),
            temperature=tf.constant(p["temperature"], tf.float32), top_k=tf.constant(p["top_k"], tf.int32),
            top_p=tf.constant(p["top_p"], tf.float32), seed=tf.constant(p["seed"], tf.int64))
        return [t.decode("utf-8", errors="replace") for t in out["text"].numpy()]
