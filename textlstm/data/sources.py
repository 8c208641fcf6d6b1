"""Labelled text sources for the sentiment model, and their mixture.

A source is one TFDS text-classification dataset (or the config's single dataset)
with its feature keys, its three splits, a sampling weight and the number of
tokens its batches are padded to. Several sources train one model: each batch
comes from one source, drawn with probability proportional to its weight, so
long reviews and short sentences keep their own static batch shapes.

    "sources": [
      {"name": "imdb", "dataset": "imdb_reviews", "weight": 0.5, "sequence_length": 500,
       "unlabelled_split": "unsupervised"},
      {"name": "sst2", "dataset": "glue/sst2", "text_key": "sentence", "text_format": "ptb",
       "train_split": "train[:95%]", "validation_split": "train[95%:]", "test_split": "validation",
       "weight": 0.5, "sequence_length": 64}
    ]
"""

import dataclasses
from typing import Optional

import tensorflow as tf

from textlstm.data import catalog
from textlstm.errors import TextLSTMError

TEXT_FORMATS = ("plain", "ptb")


@dataclasses.dataclass
class DataSource:
    name: str  # short label used in metrics.json, history.csv and `textlstm evaluate`
    dataset: str  # a TFDS dataset with a text feature and a 2-class label
    text_key: str = "text"
    label_key: str = "label"
    train_split: str = "train"
    validation_split: str = ""  # "" : this source takes no part in validation
    test_split: str = ""  # "" : not evaluated; GLUE's unlabelled tests (label -1) can't be
    unlabelled_split: str = ""  # texts for language-model pretraining and self-training
    weight: float = 1.0  # share of training batches drawn from this source (normalised over sources)
    sequence_length: Optional[int] = None  # tokens per example in its batches (default: the config's)
    text_format: str = "plain"  # "ptb": Penn-Treebank tokens ("is n't", "`` ''") restored to plain text

    def split_names(self):
        return {"train": self.train_split, "validation": self.validation_split, "test": self.test_split}


def sources_of(config) -> list:
    """The config's sources: its `sources` list, or one source made of its single-dataset keys."""
    if config.sources:
        return [source_from_dict(s, config) for s in config.sources]
    return [DataSource(
        name=config.dataset, dataset=config.dataset, text_key=config.text_key, label_key=config.label_key,
        train_split=config.train_split, validation_split=config.validation_split, test_split=config.test_split,
        unlabelled_split=config.pretrain_split, sequence_length=config.sequence_length,
    )]


def source_from_dict(values, config=None) -> DataSource:
    fields = {f.name for f in dataclasses.fields(DataSource)}
    if not isinstance(values, dict) or not {"name", "dataset"} <= set(values):
        raise TextLSTMError(f"each of config key 'sources' must be an object with 'name' and 'dataset', got {values!r}")
    unknown = sorted(set(values) - fields)
    if unknown:
        raise TextLSTMError(f"unknown key(s) {unknown} in source {values['name']!r}; allowed: {', '.join(sorted(fields))}")
    source = DataSource(**values)
    if source.sequence_length is None and config is not None:
        source.sequence_length = config.sequence_length
    validate_source(source, config)
    return source


def validate_source(source: DataSource, config=None):
    where = f"source {source.name!r}"
    if source.text_format not in TEXT_FORMATS:
        raise TextLSTMError(f"{where}: 'text_format' must be one of {', '.join(TEXT_FORMATS)}; got {source.text_format!r}")
    if not (isinstance(source.weight, (int, float)) and source.weight > 0):
        raise TextLSTMError(f"{where}: 'weight' must be a number > 0, got {source.weight!r}")
    longest = config.sequence_length if config is not None else None
    length = source.sequence_length
    if length is not None and (not isinstance(length, int) or length < 1 or (longest and length > longest)):
        raise TextLSTMError(
            f"{where}: 'sequence_length' must be an integer in [1, {longest or 'sequence_length'}] "
            f"(the config's sequence_length is what the model reads), got {length!r}"
        )


def check_sources(sources):
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise TextLSTMError(f"source names must be unique, got {names}")
    if not any(s.validation_split for s in sources):
        raise TextLSTMError("at least one source needs a 'validation_split': early stopping reads it")


# --- reading ------------------------------------------------------------------------------

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


def unlabelled_texts(source: DataSource, data_dir=None):
    """The texts of the source's unlabelled split (labels never read), or None."""
    if not source.unlabelled_split:
        return None
    builder = catalog.prepared_builder(source.dataset, catalog.resolve_data_dir(data_dir))
    return catalog.load_split(builder, source.unlabelled_split).map(lambda ex: _text(source, ex))


def labelled_sets(config, data_dir=None) -> list:
    """[(DataSource, {"train", "validation", "test"} -> dataset or None)] for every source of the
    config; a `directory` config is one source named "directory"."""
    if config.directory:
        train, validation, test = catalog.classification_splits(config, data_dir)
        folder = DataSource(name="directory", dataset=config.directory, validation_split="validation",
                            test_split="test" if test is not None else "", sequence_length=config.sequence_length)
        return [(folder, {"train": train, "validation": validation, "test": test})]
    return [(s, source_splits(s, data_dir)) for s in sources_of(config)]
