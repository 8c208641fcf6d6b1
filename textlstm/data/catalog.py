"""TFDS by name: a prepared builder (downloading when TFDS can) and its splits, with clear errors.

The data dir is `data_dir`, else $TFDS_DATA_DIR, else TFDS's default, so a user
with internet gets the normal download and an offline machine points at a
prepared copy.
"""

import os
from typing import Optional

import tensorflow_datasets as tfds

import textlstm.data.builders  # noqa: F401  registers the everyday-English builders TFDS's catalog lacks
from textlstm.errors import TextLSTMError


def resolve_data_dir(data_dir: Optional[str] = None) -> Optional[str]:
    return data_dir or os.environ.get("TFDS_DATA_DIR") or None


def prepared_builder(name: str, data_dir: Optional[str]):
    """A TFDS builder whose data is on disk, downloading it if TFDS can."""
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
