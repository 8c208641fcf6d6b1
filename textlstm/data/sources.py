"""What a labelled source is, and the checks a config's sources pass (no TensorFlow here).

A source is one TFDS text-classification dataset (or the config's single dataset)
with its feature keys, its three splits, a sampling weight and the number of
tokens its batches are padded to. Several sources train one model: each batch
comes from one source, drawn with probability proportional to its weight, so
long reviews and short sentences keep their own static batch shapes. `labelled.py`
reads them; config.py checks them when a config loads.

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
    # The model's label for each of the dataset's label ids, in order; null drops that class's examples
    # (SST's five: ["negative", "negative", null, "positive", "positive"]). None: the ids are the model's.
    label_names: Optional[list] = None
    # A boolean feature an example must have true to be read (SST's "is_sentence": whole sentences,
    # not the fragments of their trees); None: every example.
    where: Optional[str] = None

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


def check_label_names(source: DataSource, labels, num_classes=None):
    """A source's `label_names` name only the model's labels (or null), one per dataset label id."""
    where = f"source {source.name!r}: 'label_names'"
    names = source.label_names
    if not isinstance(names, list) or not names or any(n is not None and n not in labels for n in names):
        raise TextLSTMError(f"{where} must list, for each of the dataset's label ids, one of the model's labels "
                            f"({', '.join(labels)}) or null; got {names!r}")
    if num_classes is not None and len(names) != num_classes:
        raise TextLSTMError(f"{where} lists {len(names)} names, but the dataset's label has {num_classes} classes")


def check_sources(sources, labels=None):
    for source in sources:
        if source.label_names is not None:
            check_label_names(source, labels)
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise TextLSTMError(f"source names must be unique, got {names}")
    if not any(s.validation_split for s in sources):
        raise TextLSTMError("at least one source needs a 'validation_split': early stopping reads it")
