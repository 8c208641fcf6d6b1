"""The one place where user-supplied values are checked, for every surface.

The Python API, the CLI and the Gradio apps call these; each failure is a
TextLSTMError naming the parameter and what it accepts. The exported SavedModel
signatures check the same rules inside the graph (export/saved_model.py builds its assertion
messages from `rule()` below), so TF Serving answers a bad request with the same
sentence instead of a result.
"""

import math
import numbers
import os
import re

from textlstm.errors import TextLSTMError
from textlstm.text import rules

MAX_LENGTH = 5_000  # characters generated per request: ~2 s at batch 1 on a 2-core CPU
MAX_TEMPERATURE = 5.0  # beyond ~2 the samples are noise already
MAX_SEED = 2**31 - 1  # fits every surface: JSON, Gradio numbers, int32 proto fields
MAX_TEXT_CHARS = 100_000  # per input; IMDB's longest review is ~14k; the model reads the first 400 words
MAX_BATCH = 10_000  # inputs per call
PROMPT_CONTEXT = 2_000  # only the last 2,000 prompt characters condition the generator
_SURROGATE = re.compile("[\ud800-\udfff]")


# name -> (kind, low, high, low_open): the allowed values of every generation setting.
RANGES = {
    "length": ("integer", 0, MAX_LENGTH, False),
    "temperature": ("number", 0.0, MAX_TEMPERATURE, False),  # 0 means greedy
    "top_k": ("integer", 0, MAX_SEED, False),  # 0 turns top-k off; k >= vocabulary keeps every character
    "top_p": ("number", 0.0, 1.0, True),  # 1 turns nucleus sampling off; 0 would keep nothing
    "seed": ("integer", 0, MAX_SEED, False),
}
BLANK_RULE = "needs at least one non-space character"


def batch_rule(name) -> str:
    return f"{name} must hold from 1 to {MAX_BATCH:,} strings"


def size_rule(name) -> str:
    return f"{name} must be at most {MAX_TEXT_CHARS:,} characters"


def rule(name) -> str:
    """'temperature must be a number in [0.0, 5.0]': the sentence every surface uses."""
    kind, low, high, low_open = RANGES[name]
    if kind == "integer":
        return f"{name} must be an integer from {low} to {high:,}"
    return f"{name} must be a number in {'(' if low_open else '['}{low}, {high}]"


def _integral(name, value):
    _, low, high, _ = RANGES[name]
    return _integer(value, low, high, rule(name))


def _integer(value, low, high, message):
    """value as an int in [low, high], else one TextLSTMError: '{message}, got {value}'."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TextLSTMError(f"{message}, got {value!r}")
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        raise TextLSTMError(f"{message}, got {value!r}")
    value = int(value)
    if not low <= value <= high:
        raise TextLSTMError(f"{message}, got {value}")
    return value


def _real(name, value):
    _, low, high, low_open = RANGES[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise TextLSTMError(f"{rule(name)}, got {value!r}")
    value = float(value)
    if value > high or value < low or (low_open and value == low):
        raise TextLSTMError(f"{rule(name)}, got {value}")
    return value


def check_integer(name, value, low, high):
    """An integer setting in [low, high]: 'epochs must be an integer from 1 to 50, got 0'."""
    return _integer(value, low, high, f"{name} must be an integer from {low:,} to {high:,}")


def check_index(name, value, count):
    """An index from 0 to count - 1 (a layer, a cell): 'cell must be an integer from 0 to 447, got 448'."""
    return _integer(value, 0, count - 1, f"{name} must be an integer from 0 to {count - 1:,}")


def check_length(length):
    return _integral("length", length)


def check_temperature(temperature):
    return _real("temperature", temperature)


def check_top_k(top_k):
    return _integral("top_k", top_k)


def check_top_p(top_p):
    return _real("top_p", top_p)


def check_seed(seed):
    """None draws a fresh random seed; otherwise the same seed gives the same text."""
    if seed is None:
        return int.from_bytes(os.urandom(4), "little") & MAX_SEED
    return _integral("seed", seed)


def _as_text(name, value):
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")  # invalid bytes become U+FFFD
    if not isinstance(value, str):
        raise TextLSTMError(f"{name} must be a string, got {type(value).__name__}")
    if _SURROGATE.search(value):
        # Lone surrogates: what invalid UTF-8 becomes in argv (surrogateescape) or a JSON "\ud800";
        # they cannot be encoded for TensorFlow, so they become U+FFFD like invalid bytes do.
        value = _SURROGATE.sub("\ufffd", value)
    if len(value) > MAX_TEXT_CHARS:
        raise TextLSTMError(f"{size_rule(name)}, got {len(value):,}")
    return value


def check_prompt(prompt):
    """Any string, empty included (an empty prompt starts from a newline)."""
    return _as_text("prompt", prompt)


def check_prompts(prompts):
    """A list of prompts (each may be empty) for a batch."""
    if isinstance(prompts, (str, bytes)) or not isinstance(prompts, (list, tuple)):
        raise TextLSTMError(f"prompts must be a list of strings, got {type(prompts).__name__}")
    if not 1 <= len(prompts) <= MAX_BATCH:
        raise TextLSTMError(f"{batch_rule('prompts')}, got {len(prompts):,}")
    return [check_prompt(p) for p in prompts]


def check_stop(stop):
    if stop is None or stop == "":
        return None
    return _as_text("stop", stop)


def check_texts(texts, name="text"):
    """A string or a list of strings, each with at least one word (see rules.WORD_RULE)."""
    single = isinstance(texts, (str, bytes))
    items = [texts] if single else texts
    if not isinstance(items, (list, tuple)):
        raise TextLSTMError(f"{name} must be a string or a list of strings, got {type(texts).__name__}")
    if not 1 <= len(items) <= MAX_BATCH:
        raise TextLSTMError(f"{batch_rule(name)}, got {len(items):,}")
    cleaned = []
    for i, item in enumerate(items):
        label = name if single else f"{name}[{i}]"
        value = _as_text(label, item)
        if not rules.has_word(value):
            raise TextLSTMError(f"{label} has no word: it {rules.WORD_RULE}")
        cleaned.append(value)
    return cleaned, single


def check_upload(name, path, limit):
    """An uploaded file's path, if the file is there and at most `limit` bytes: 'table must be a file of
    at most 1 MB, got 3.2 MB'."""
    if not path or not isinstance(path, (str, os.PathLike)) or not os.path.isfile(path):
        raise TextLSTMError(f"{name} must be an uploaded file of at most {_megabytes(limit)}, got none")
    size = os.path.getsize(path)
    if size > limit:
        raise TextLSTMError(f"{name} must be a file of at most {_megabytes(limit)}, got {_megabytes(size)}")
    return os.fspath(path)


def _megabytes(size):
    return f"{size / 1e6:.1f} MB".replace(".0 MB", " MB")


MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
MODEL_NAME_RULE = "name must be 1 to 64 letters, digits, _ or -, starting with a letter or digit"


def check_model_name(name):
    """A name to save a model under (a folder name that loads by name: no dot, no slash)."""
    if not isinstance(name, str) or not MODEL_NAME.fullmatch(name.strip()):
        raise TextLSTMError(f"{MODEL_NAME_RULE}, got {name!r}")
    return name.strip()


def generation_params(length, temperature, top_k, top_p, seed):
    return {
        "length": check_length(length),
        "temperature": check_temperature(temperature),
        "top_k": check_top_k(top_k),
        "top_p": check_top_p(top_p),
        "seed": check_seed(seed),
    }
