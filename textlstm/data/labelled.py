"""Reading labelled sources: unbatched `tf.data` datasets of (text: string, label: int32 in {0, 1}).

Every source of a config (sources.py), or the config's directory of .txt files, which is one
more kind of source (directory.py). Texts come as people type them: Penn-Treebank tokens are
restored where a source has them.
"""

from typing import Optional

import tensorflow as tf

from textlstm.data import catalog, directory, table
from textlstm.data.sources import DataSource, sources_of
from textlstm.errors import TextLSTMError

# Penn-Treebank tokenisation (SST, PTB) -> the text a person types. Standardisation strips
# punctuation, so "is n't" would become the two tokens "is nt" where a user's "isn't" is "isnt".
_PTB_RULES = [
    (r"\s+(n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1"),  # does n't -> doesn't, film 's -> film's
    (r"(?i)\bca n't\b", "can't"),
    (r"``\s*|\s*''", '"'),
    (r"-lrb-\s*", "("), (r"\s*-rrb-", ")"), (r"-lsb-\s*", "["), (r"\s*-rsb-", "]"),
    (r"\s+([.,!?;:%)\]])", r"\1"),  # no space before closing punctuation
    (r"\s+$", ""), (r"^\s+", ""),
]


def detokenize_ptb(text: tf.Tensor) -> tf.Tensor:
    """Penn-Treebank-tokenised strings -> ordinary text, with TensorFlow string ops (any shape)."""
    for pattern, rewrite in _PTB_RULES:
        text = tf.strings.regex_replace(text, pattern, rewrite)
    return text


def _builder(source, data_dir):
    builder = catalog.prepared_builder(source.dataset, catalog.resolve_data_dir(data_dir))
    features = builder.info.features
    for key in (source.text_key, source.label_key):
        if key not in features:
            raise TextLSTMError(
                f"source {source.name!r}: dataset {source.dataset!r} has no feature {key!r}; "
                f"features: {', '.join(features.keys())}"
            )
    num_classes = getattr(features[source.label_key], "num_classes", None)
    if num_classes != 2:
        raise TextLSTMError(
            f"source {source.name!r}: label {source.label_key!r} of {source.dataset!r} has {num_classes} classes; "
            "textlstm's sentiment model is binary (2 classes)"
        )
    return builder


def _text(source, example):
    """The example's text as people type it: PTB tokens restored where the source has them."""
    text = example[source.text_key]
    return detokenize_ptb(text) if source.text_format == "ptb" else text


def source_splits(source: DataSource, data_dir=None) -> dict:
    """{"train", "validation", "test"} -> dataset of (text, int32 label), or None where the split is ""."""
    builder = _builder(source, data_dir)
    out = {}
    for role, split in source.split_names().items():
        if not split:
            out[role] = None
            continue
        out[role] = catalog.load_split(builder, split).map(
            lambda ex: (_text(source, ex), tf.cast(ex[source.label_key], tf.int32)))
    return out


def source_unlabelled_texts(source: DataSource, data_dir=None):
    """The texts of the source's unlabelled split (labels never read), or None."""
    if not source.unlabelled_split:
        return None
    builder = catalog.prepared_builder(source.dataset, catalog.resolve_data_dir(data_dir))
    return catalog.load_split(builder, source.unlabelled_split).map(lambda ex: _text(source, ex))


def labelled_sets(config, data_dir=None) -> list:
    """[(DataSource, {"train", "validation", "test"} -> dataset or None)] for every source of the
    config; a `directory` config is one source named "directory", a `table_file` one named "table"."""
    if config.table_file:
        texts, labels = table.read_table(config.table_file)
        train, validation = table.labelled_splits(texts, labels, config.validation_fraction, config.seed,
                                                  where=f"table file {config.table_file}")
        rows = DataSource(name="table", dataset=config.table_file, validation_split="validation",
                          sequence_length=config.sequence_length)
        return [(rows, {"train": train, "validation": validation, "test": None})]
    if config.directory:
        train, validation, test = directory.directory_splits(config)
        folder = DataSource(name="directory", dataset=config.directory, validation_split="validation",
                            test_split="test" if test is not None else "", sequence_length=config.sequence_length)
        return [(folder, {"train": train, "validation": validation, "test": test})]
    return [(s, source_splits(s, data_dir)) for s in sources_of(config)]


def classification_splits(config, data_dir: Optional[str] = None):
    """(train, validation, test) datasets of (text, int32 label) of the config's first source; test may be None."""
    if config.directory or config.table_file:
        _, splits = labelled_sets(config, data_dir)[0]
        return splits["train"], splits["validation"], splits["test"]
    splits = source_splits(sources_of(config)[0], data_dir)
    return splits["train"], splits["validation"], splits["test"]


def unlabelled_texts(config, data_dir: Optional[str] = None):
    """Texts of the first source's unlabelled split (labels, e.g. IMDB's -1, are not read); None if none."""
    if config.directory or config.table_file:
        return None
    with_texts = [s for s in sources_of(config) if s.unlabelled_split]
    return source_unlabelled_texts(with_texts[0], data_dir) if with_texts else None
