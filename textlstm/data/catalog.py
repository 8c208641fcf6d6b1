"""Raw data from TFDS, a folder of .txt files, or a text file: no vectorization here.

Sentiment data comes back as unbatched `tf.data` datasets of (text: string,
label: int32 in {0, 1}); character data as Python strings, one per split.
The data dir is `data_dir`, else $TFDS_DATA_DIR, else TFDS's default, so a user
with internet gets the normal download and an offline machine points at a
prepared copy.
"""

import os
from typing import Optional

import tensorflow as tf

from textlstm.errors import TextLSTMError

LABEL_NAMES = ("negative", "positive")  # label 0, label 1


def resolve_data_dir(data_dir: Optional[str] = None) -> Optional[str]:
    return data_dir or os.environ.get("TFDS_DATA_DIR") or None


def prepared_builder(name: str, data_dir: Optional[str]):
    """A TFDS builder whose data is on disk, downloading it if TFDS can."""
    import tensorflow_datasets as tfds

    import textlstm.data.builders  # noqa: F401  registers the everyday-English builders TFDS's catalog lacks

    where = data_dir or "TFDS's default data dir (~/tensorflow_datasets)"
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        raise TextLSTMError(
            f"TFDS has no dataset named {name!r}; see https://www.tensorflow.org/datasets/catalog"
        ) from None
    if builder.is_prepared():
        return builder
    try:
        builder.download_and_prepare()
    except Exception as e:  # offline, blocked host, manual download needed...
        reason = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        raise TextLSTMError(
            f"dataset {name!r} is not prepared in {where} and could not be downloaded ({reason}). "
            f"Fix: pass --data-dir (or set TFDS_DATA_DIR) to a TFDS data dir that holds {name!r}, "
            "or run once with internet access so TFDS can download it."
        ) from None
    return builder


def load_split(builder, split: str):
    try:
        return builder.as_dataset(split=split, shuffle_files=False)
    except (ValueError, KeyError) as e:
        splits = ", ".join(sorted(builder.info.splits.keys()))
        raise TextLSTMError(
            f"split {split!r} does not exist in {builder.name!r} (splits: {splits}): {e}"
        ) from None


# --- sentiment: (text, label) examples -------------------------------------------------


def classification_splits(config, data_dir: Optional[str] = None):
    """(train, validation, test) datasets of (text, int32 label) of the config's first source; test may be None."""
    if config.directory:
        return _directory_splits(config)
    from textlstm.data import sources  # sources reads through this module

    splits = sources.source_splits(sources.sources_of(config)[0], data_dir)
    return splits["train"], splits["validation"], splits["test"]


def unlabelled_texts(config, data_dir: Optional[str] = None):
    """Texts of the first source's unlabelled split (labels, e.g. IMDB's -1, are not read); None if none."""
    if config.directory:
        return None
    from textlstm.data import sources

    with_texts = [s for s in sources.sources_of(config) if s.unlabelled_split]
    return sources.unlabelled_texts(with_texts[0], data_dir) if with_texts else None


def _directory_splits(config):
    """keras.utils.text_dataset_from_directory layout: DIR/<class>/*.txt.

    DIR/train and DIR/test (the aclImdb layout) are used as such when present;
    otherwise DIR itself is split into train and validation and there is no test.
    """
    import keras

    root = config.directory
    if not os.path.isdir(root):
        raise TextLSTMError(f"directory {root!r} does not exist")
    train_root = os.path.join(root, "train") if os.path.isdir(os.path.join(root, "train")) else root
    test_root = os.path.join(root, "test") if os.path.isdir(os.path.join(root, "test")) else None

    def load(path, **kwargs):
        classes = sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)))
        if len(classes) != 2:
            raise TextLSTMError(
                f"directory {path!r} must hold exactly 2 class subfolders (label 0 and 1 in "
                f"alphabetical order), found {classes}"
            )
        ds = keras.utils.text_dataset_from_directory(
            path, batch_size=None, class_names=classes, seed=config.seed, verbose=False, **kwargs
        )
        cast = lambda d: d.map(lambda t, y: (t, tf.cast(y, tf.int32)))  # noqa: E731
        return tuple(cast(d) for d in ds) if isinstance(ds, (list, tuple)) else cast(ds)

    train, validation = load(
        train_root, validation_split=config.validation_fraction, subset="both"
    )
    test = load(test_root, shuffle=False) if test_root else None
    return train, validation, test


# --- character LM: one long string per split -------------------------------------------


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


def _text_file_splits(path: str):
    """First 90% trains, next 5% validates, last 5% tests (tiny_shakespeare's proportions)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise TextLSTMError(f"text file not found: {path}") from None
    except UnicodeDecodeError as e:
        raise TextLSTMError(f"text file {path} is not valid UTF-8 (byte {e.start}): {e.reason}") from None
    if len(text) < 1000:
        raise TextLSTMError(f"text file {path} has {len(text)} characters; at least 1000 are needed")
    a, b = int(len(text) * 0.9), int(len(text) * 0.95)
    return text[:a], text[a:b], text[b:]
