"""The character model's corpus: one long Python string per split, from TFDS or a text file."""

from typing import Optional

from textlstm.data.catalog import load_split, prepared_builder, resolve_data_dir
from textlstm.errors import TextLSTMError

MIN_TEXT = 1000  # characters: fewer leave the 5% validation and test slices a sentence or two


def char_text_splits(config, data_dir: Optional[str] = None):
    """(train, validation, test) text of the character corpus, as Python strings."""
    if config.text_file:
        return _text_file_splits(config.text_file)
    builder = _char_builder(config, data_dir)
    return tuple(_split_text(builder, config, split)
                 for split in (config.train_split, config.validation_split, config.test_split))


def char_heldout_parts(config, data_dir: Optional[str] = None):
    """[(split, characters)] of a test split that joins several ("validation+test"), so the
    held-out stream can be scored per part too; None for one split or a text file."""
    names = config.test_split.split("+")
    if config.text_file or len(names) < 2:
        return None
    builder = _char_builder(config, data_dir)
    return [(name, len(_split_text(builder, config, name))) for name in names]


def _char_builder(config, data_dir):
    builder = prepared_builder(config.dataset, resolve_data_dir(data_dir))
    if config.text_key not in builder.info.features:
        raise TextLSTMError(f"dataset {config.dataset!r} has no feature {config.text_key!r}")
    return builder


def _split_text(builder, config, split: str) -> str:
    # A split spec like "validation+test" yields the examples in order; join them.
    pieces = [ex[config.text_key] for ex in load_split(builder, split).as_numpy_iterator()]
    return b"".join(pieces).decode("utf-8")


def read_text_file(path: str) -> str:
    """A UTF-8 text file's contents, at least MIN_TEXT characters; else one sentence naming the file."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise TextLSTMError(f"text file not found: {path}") from None
    except UnicodeDecodeError as e:
        raise TextLSTMError(f"text file {path} is not valid UTF-8 (byte {e.start}): {e.reason}") from None
    if len(text) < MIN_TEXT:
        raise TextLSTMError(f"text file {path} has {len(text)} characters; at least {MIN_TEXT:,} are needed")
    return text


def _text_file_splits(path: str):
    """First 90% trains, next 5% validates, last 5% tests (tiny_shakespeare's proportions)."""
    text = read_text_file(path)
    a, b = int(len(text) * 0.9), int(len(text) * 0.95)
    return text[:a], text[a:b], text[b:]
