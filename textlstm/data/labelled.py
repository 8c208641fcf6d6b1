"""Reading labelled sources: unbatched `tf.data` datasets of (text: string, label: int32 model class id).

A source's own label ids become the model's class ids: as they are when the dataset has as many
classes as the model, else through the source's `label_names` (a class named null is dropped).

Every source of a config (sources.py), or the config's directory of .txt files, which is one
more kind of source (directory.py). Texts come as people type them: Penn-Treebank tokens are
restored where a source has them.
"""

import dataclasses
from typing import Optional

import tensorflow as tf

from textlstm.data import catalog, directory, table
from textlstm.data.labels import SENTIMENT_LABELS
from textlstm.data.sources import DataSource, check_label_names, sources_of
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


def _builder(source, data_dir, labels=SENTIMENT_LABELS):
    builder = catalog.prepared_builder(source.dataset, catalog.resolve_data_dir(data_dir))
    features = builder.info.features
    for key in (source.text_key, source.label_key) + ((source.where,) if source.where else ()):
        if key not in features:
            raise TextLSTMError(
                f"source {source.name!r}: dataset {source.dataset!r} has no feature {key!r}; "
                f"features: {', '.join(features.keys())}"
            )
    num_classes = getattr(features[source.label_key], "num_classes", None)
    if source.label_names is not None:
        check_label_names(source, labels, num_classes)
    elif num_classes != len(labels):
        shown = f" ({', '.join(features[source.label_key].names)})" if num_classes else ""
        raise TextLSTMError(
            f"source {source.name!r}: label {source.label_key!r} of {source.dataset!r} has {num_classes} classes"
            f"{shown}, the model {len(labels)} ({', '.join(labels)}); map them with the source's 'label_names'"
        )
    return builder


def _class_ids(source, labels):
    """(K,) int32: the model's class id of each of the source's label ids, -1 for a dropped class; None: as is."""
    if source.label_names is None:
        return None
    return tf.constant([-1 if name is None else list(labels).index(name) for name in source.label_names], tf.int32)


def _text(source, example):
    """The example's text as people type it: PTB tokens restored where the source has them."""
    text = example[source.text_key]
    return detokenize_ptb(text) if source.text_format == "ptb" else text


def source_splits(source: DataSource, data_dir=None, labels=SENTIMENT_LABELS) -> dict:
    """{"train", "validation", "test"} -> dataset of (text, int32 model class id), or None where the split is ""."""
    builder = _builder(source, data_dir, labels)
    class_ids = _class_ids(source, labels)
    out = {}
    for role, split in source.split_names().items():
        if not split:
            out[role] = None
            continue
        examples = catalog.load_split(builder, split)
        if source.where:
            examples = examples.filter(lambda ex: tf.cast(ex[source.where], tf.bool))
        examples = examples.map(lambda ex: (_text(source, ex), tf.cast(ex[source.label_key], tf.int32)))
        if class_ids is not None:
            examples = examples.map(lambda text, label: (text, tf.gather(class_ids, label)))
            examples = examples.filter(lambda text, label: label >= 0)
        out[role] = examples
    return out


def source_unlabelled_texts(source: DataSource, data_dir=None):
    """The texts of the source's unlabelled split (labels never read), or None."""
    if not source.unlabelled_split:
        return None
    builder = catalog.prepared_builder(source.dataset, catalog.resolve_data_dir(data_dir))
    return catalog.load_split(builder, source.unlabelled_split).map(lambda ex: _text(source, ex))


def with_data_labels(config):
    """The config with the classes its data names: a table's (table.py: sorted, numbers by value), or a
    fine-tuning directory's class folders (alphabetical); other configs keep their `labels`. A user's
    labels are the model's: its answers are spelled as the data spells them."""
    if config.table_file:
        names = table.class_names(*table.read_table(config.table_file), where=f"table file {config.table_file}")
    elif config.directory and config.base_model:
        names = directory.class_folders(config.directory)
    else:
        return config
    return dataclasses.replace(config, labels=names)


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
    return [(s, source_splits(s, data_dir, config.labels)) for s in sources_of(config)]


def classification_splits(config, data_dir: Optional[str] = None):
    """(train, validation, test) datasets of (text, int32 label) of the config's first source; test may be None."""
    if config.directory or config.table_file:
        _, splits = labelled_sets(config, data_dir)[0]
        return splits["train"], splits["validation"], splits["test"]
    splits = source_splits(sources_of(config)[0], data_dir, config.labels)
    return splits["train"], splits["validation"], splits["test"]


def unlabelled_texts(config, data_dir: Optional[str] = None):
    """Texts of the first source's unlabelled split (labels, e.g. IMDB's -1, are not read); None if none."""
    if config.directory or config.table_file:
        return None
    with_texts = [s for s in sources_of(config) if s.unlabelled_split]
    return source_unlabelled_texts(with_texts[0], data_dir) if with_texts else None
