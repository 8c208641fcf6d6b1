"""Finding and loading a saved model folder, with one clear error when it can't be done.

A model folder (a run dir, a shipped `saved_models/NAME`, or a name: see presets.py) holds model.keras,
config.json, vocabulary.json and metrics.json. Models load with Keras
`safe_mode=True`: a file carrying a Lambda layer's code is refused, not run.
"""

import os

from textlstm import artifacts, presets
from textlstm.artifacts import MODEL_FILE
from textlstm.config import load_config
from textlstm.errors import TextLSTMError

KIND_NAMES = {"sentiment": "a sentiment model", "charlm": "a character model"}  # config.kind, as errors say it


def model_folder(path) -> str:
    """The folder holding model.keras, given that folder, the .keras file itself, or a model name."""
    path = presets.resolve(path)
    if os.path.isfile(path) and path.endswith(".keras"):
        return os.path.dirname(os.path.abspath(path))
    if not os.path.exists(path):
        raise TextLSTMError(f"model path does not exist: {path}")
    if not os.path.isfile(os.path.join(path, MODEL_FILE)):
        raise TextLSTMError(f"no {MODEL_FILE} in {path}: expected a run dir or a saved_models/ folder")
    return path


def load_keras_model(folder):
    import keras

    path = os.path.join(folder, MODEL_FILE)
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except ValueError as e:
        if "safe_mode" in str(e) or "lambda" in str(e).lower():
            raise TextLSTMError(
                f"refusing to load {path}: it contains a Lambda layer (arbitrary code), which "
                "safe_mode=True does not run; textlstm models never need one"
            ) from None
        raise TextLSTMError(f"could not load model {path}: {first_line(e)}") from None
    except Exception as e:  # truncated zip, corrupted weights, wrong format...
        raise TextLSTMError(f"could not load model {path} (corrupted or not a Keras model file): {first_line(e)}") from None


def load_folder_config(folder):
    path = os.path.join(folder, artifacts.CONFIG_FILE)
    if not os.path.isfile(path):
        raise TextLSTMError(f"no {artifacts.CONFIG_FILE} in {folder}")
    return load_config(path)


def load_folder_config_of_kind(folder, kind):
    """The folder's config, or one clear error if it holds the other kind of model."""
    config = load_folder_config(folder)
    if config.kind != kind:
        raise TextLSTMError(f"{folder} holds {KIND_NAMES[config.kind]}, not {KIND_NAMES[kind]}")
    return config


def load_folder_metrics(folder) -> dict:
    """The folder's metrics.json, or {} when it has none (or a damaged one): figures are optional."""
    try:
        return artifacts.read_json(os.path.join(folder, artifacts.METRICS_FILE), "metrics file")
    except TextLSTMError:
        return {}


def first_line(error) -> str:
    """An exception's first non-blank line, at most 300 characters: the part of it a person reads."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[0].strip()[:300] if lines else type(error).__name__
