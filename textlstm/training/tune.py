"""Fine-tuning from Python: texts (and labels) in memory -> an ordinary run folder.

What `SentimentClassifier.fine_tune` and `TextGenerator.fine_tune` call. The data is written into
the run folder first (training_data.tsv, training_text.txt), so the run is one any other command can
repeat or resume, and its config.json names it. Nothing is printed: progress goes to the Keras
callbacks the caller passes.
"""

import csv
import dataclasses
import io
import math
import os
import tempfile

from textlstm import artifacts
from textlstm.config import CharLMConfig, SentimentConfig, apply_overrides
from textlstm.data import table
from textlstm.errors import TextLSTMError
from textlstm.models import sentiment_model
from textlstm.text.rules import words
from textlstm.training import loop
from textlstm.training.fine_tuning import RECIPE, fine_tune_config

TABLE_FILE = "training_data.tsv"  # the labelled texts of a fine-tuning run, inside its folder
TEXT_FILE = "training_text.txt"  # the text of a character fine-tuning run


def fine_tune_sentiment(base, texts, labels, out=None, callbacks=None, from_scratch=False, **overrides) -> str:
    """Trains a sentiment run from `base` (a model folder or name) on (texts, labels); returns its folder.
    from_scratch: the same architecture and recipe without the base's weights and vocabulary (the
    vocabulary comes from `texts`): the baseline fine-tuning is measured against."""
    if isinstance(texts, (str, bytes)) or not isinstance(texts, (list, tuple)):
        raise TextLSTMError(f"texts must be a list of strings, got {type(texts).__name__}")
    if not all(isinstance(t, str) for t in texts):
        raise TextLSTMError("texts must be a list of strings")
    if isinstance(labels, (str, bytes)) or len(labels) != len(texts):
        raise TextLSTMError(f"labels must be a list as long as texts ({len(texts)}), got {labels!r:.80}")
    # Two classes, enough texts with a word, both classes held out: one clear error before anything is written.
    fraction = overrides.get("validation_fraction") or RECIPE["sentiment"]["validation_fraction"]
    train, held_out = table.labelled_splits(list(texts), list(labels), fraction, 0)
    out = out or tempfile.mkdtemp(prefix="textlstm-fine-tune-")
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\n").writerows([("text", "label"), *zip(texts, labels)])
    path = os.path.join(out, TABLE_FILE)
    overrides = {"table_file": path, **overrides}
    if "batch_size" not in overrides:  # the table is not written yet: fine_tune_config cannot read it
        overrides["batch_size"] = table.batch_size(train, held_out, RECIPE["sentiment"]["batch_size"])
    config = _without_base(fine_tune_config("sentiment", base, overrides), from_scratch)
    if "sequence_length" not in overrides:  # short texts, a short window: the steps cost, padding or not
        config = apply_overrides(config, {"sequence_length": _window_for(texts, config.sequence_length)})
    artifacts.atomic_write_text(path, buffer.getvalue())
    loop.train(config, out, verbose=0, callbacks=callbacks)
    return out


def fine_tune_generator(base, text, out=None, callbacks=None, from_scratch=False, **overrides) -> str:
    """Trains a character run from `base` on `text` (the last 10% held out); returns its folder.
    from_scratch: the base's architecture and the recipe, with fresh weights (the baseline)."""
    if not isinstance(text, str):
        raise TextLSTMError(f"text must be a string, got {type(text).__name__}")
    out = out or tempfile.mkdtemp(prefix="textlstm-fine-tune-")
    path = os.path.join(out, TEXT_FILE)
    if "batch_size" not in overrides:  # the held-out 5% gives (5% of the text) / sequence_length windows
        windows = int(len(text) * 0.05) // int(overrides.get("sequence_length", CharLMConfig.sequence_length))
        overrides = {"batch_size": _power_of_two(windows, RECIPE["charlm"]["batch_size"]), **overrides}
    config = _without_base(fine_tune_config("charlm", base, {"text_file": path, **overrides}), from_scratch)
    artifacts.atomic_write_text(path, text)
    loop.train(config, out, verbose=0, callbacks=callbacks)
    return out


def held_out_slice(config):
    """(texts, label ids, [class of 0, class of 1, ...]) of a table run's held-out slice: the texts its
    metrics.json["fine_tuning"] scores before and after."""
    texts, labels = table.read_table(config.table_file)  # read once: names and slice from the same rows
    names = table.class_names(texts, labels)
    _, held_out = table.labelled_splits(texts, labels, config.validation_fraction, config.seed)
    rows = [(t.decode("utf-8"), int(y)) for t, y in held_out.as_numpy_iterator()]
    return [t for t, _ in rows], [y for _, y in rows], names


def _without_base(config, from_scratch):
    if not from_scratch:
        return config
    changes = {"base_model": None}
    if config.kind == "sentiment":  # the whole network new: the from-scratch rate, not the new head's 3e-3
        # (at 3e-3, from scratch on Pros & Cons, N = 300, fell from 82.7 to 77.7: a baseline at its best)
        changes.update(new_words=0, new_head=False, pretrained_learning_rate_multiplier=1.0,
                       learning_rate=SentimentConfig.learning_rate)
    return dataclasses.replace(config, **changes)


def _window_for(texts, limit):
    """Tokens per example: the longest of 99% of the texts, rounded up to a length bucket, at most `limit`
    (the base model's window)."""
    lengths = sorted(len(words(t)) for t in texts)
    longest = lengths[min(len(lengths) - 1, int(len(lengths) * 0.99))] if lengths else 1
    return sentiment_model.bucketed(max(longest, 1), limit)


def _power_of_two(n, largest):
    """The largest power of two <= n, at most `largest` (at least 1)."""
    return max(1, min(largest, 2 ** int(math.log2(n)) if n >= 1 else 1))
