"""A directory of .txt files as a labelled source: keras.utils.text_dataset_from_directory's layout."""

import contextlib
import io
import os

import keras
import tensorflow as tf

from textlstm.errors import TextLSTMError


def _train_root(root):
    return os.path.join(root, "train") if os.path.isdir(os.path.join(root, "train")) else root


def _classes(path):
    return sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)))


def class_folders(root):
    """The class folder names of a directory (of its train/ folder if it has one), alphabetical."""
    if not os.path.isdir(root):
        raise TextLSTMError(f"directory {root!r} does not exist")
    classes = _classes(_train_root(root))
    if len(classes) < 2:
        raise TextLSTMError(f"directory {root!r} must hold at least 2 class subfolders, found {classes}")
    return classes


def directory_splits(config):
    """keras.utils.text_dataset_from_directory layout: DIR/<class>/*.txt.

    DIR/train and DIR/test (the aclImdb layout) are used as such when present;
    otherwise DIR itself is split into train and validation and there is no test. There is one
    class folder per label of the config (`labels`), in alphabetical order: neg/ pos/ for
    negative, positive; negative/ neutral/ positive/ for the three-way labels. (A fine-tuning run's
    labels are its folders' names: labelled.with_data_labels.)
    """
    labels = list(config.labels)
    root = config.directory
    if not os.path.isdir(root):
        raise TextLSTMError(f"directory {root!r} does not exist")
    train_root = _train_root(root)
    test_root = os.path.join(root, "test") if os.path.isdir(os.path.join(root, "test")) else None

    def load(path, **kwargs):
        classes = _classes(path)
        if len(classes) != len(labels):
            raise TextLSTMError(
                f"directory {path!r} must hold exactly {len(labels)} class subfolders, one per label "
                f"({', '.join(labels)}) in alphabetical order, found {classes}"
            )
        with contextlib.redirect_stdout(io.StringIO()):  # Keras prints "Using N files for ..." whatever verbose says
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
