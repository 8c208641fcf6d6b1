"""textlstm: LSTM text models on Keras 3 + TensorFlow, end to end.

    import textlstm
    textlstm.load_sentiment("imdb_sentiment").predict("A moving, funny film.")
    textlstm.load_generator("shakespeare_char").generate("ROMEO:", length=200, seed=1)
    textlstm.train("charlm", out="runs/my_model", text_file="my.txt", epochs=5)
"""

__version__ = "0.1.0"

import warnings  # noqa: E402

# Keras warns that GlobalMaxPooling1D drops the LSTM's mask. That is intended here:
# masked steps repeat the last real output, so the max is unchanged (see models/sentiment_model.py).
warnings.filterwarnings("ignore", message=r"Layer 'max_pool' \(of type GlobalMaxPooling1D\) was passed an input with a mask")

from textlstm.config import CharLMConfig, SentimentConfig  # noqa: E402
from textlstm.errors import TextLSTMError  # noqa: E402


def load_sentiment(path):
    """A SentimentClassifier from a model name (textlstm.known_models()), a run dir or a model folder."""
    from textlstm.sentiment_classifier import SentimentClassifier

    return SentimentClassifier.load(path)


def load_generator(path):
    """A TextGenerator from a model name (textlstm.known_models()), a run dir or a model folder."""
    from textlstm.text_generator import TextGenerator

    return TextGenerator.load(path)


def load_export(path):
    """An ExportedModel: a TF Serving version dir (saved_models/NAME/<version>, or NAME/<version>) run in-process."""
    from textlstm.export.exported_model import ExportedModel

    return ExportedModel.load(path)


def load_litert(path, variant="float32"):
    """The reference host (LiteRTGenerator or LiteRTClassifier) of a folder that
    `textlstm export MODEL --format litert --out PATH` wrote; needs only ai-edge-litert and NumPy."""
    from textlstm.export import litert_host

    return litert_host.load(path, variant)


def known_models():
    """{name: folder} of the models loadable by name here (shipped ones and $TEXTLSTM_MODELS)."""
    from textlstm.presets import known_models as found

    return found()


def train(kind, out, config=None, data_dir=None, device="auto", verbose=None, **overrides):
    """Trains a "sentiment" or "charlm" model into `out`; returns its metrics.

    `config` is a config dataclass or a JSON path; keyword overrides set fields,
    e.g. `train("charlm", "runs/x", text_file="my.txt", epochs=5)`.
    """
    from textlstm import config as config_lib
    from textlstm.training.loop import train as run

    if config is None:
        config = config_lib.default_config(kind)
    elif not isinstance(config, (SentimentConfig, CharLMConfig)):
        config = config_lib.load_config(config)
    if config.kind != kind:
        raise TextLSTMError(f"config is for {config.kind!r}, not {kind!r}")
    config = config_lib.apply_overrides(config, overrides)
    return run(config, out, data_dir=data_dir, device=device, verbose=verbose)


def train_from_file(text_file, out, data_dir=None, device="auto", verbose=None, **overrides):
    """A character model trained on any UTF-8 text file."""
    return train("charlm", out, data_dir=data_dir, device=device, verbose=verbose, text_file=text_file, **overrides)


__all__ = [
    "CharLMConfig", "SentimentConfig", "TextLSTMError",
    "known_models", "load_export", "load_generator", "load_sentiment", "train", "train_from_file",
]
