"""Labelled texts a person has at hand: a CSV or TSV file of `text,label` rows, or two Python lists.

Labels are two or more classes in any spelling ("negative"/"positive", 0/1, "food"/"price"/
"service"): sorted (numbers by value, words alphabetically), they are the model's classes in output
order, label 0 first. A held-out slice (`validation_fraction`, stratified, seeded) picks the best
epoch and refits the calibration; there is no test split. Every refusal is one sentence naming the
file or parameter.
"""

import csv
import io
import random

import tensorflow as tf

from textlstm.errors import TextLSTMError
from textlstm.text.rules import has_word

MIN_EXAMPLES = 20  # fewer leave one or two texts per class to hold out: no early stopping to speak of
MIN_PER_CLASS = 2  # one to train on and one to hold out, at the very least
MAX_TABLE_BYTES = 50_000_000  # a table larger than this is not "your few hundred examples"


def read_table(path):
    """(texts, labels as given) from a CSV (or, by extension or sniffing, TSV) file with a header
    naming `text` and `label` columns, or two unnamed columns text, label."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_TABLE_BYTES + 1)
    except OSError as e:
        raise TextLSTMError(f"table file {path} could not be read: {e.strerror or e}") from None
    if len(raw) > MAX_TABLE_BYTES:
        raise TextLSTMError(f"table file {path} is larger than {MAX_TABLE_BYTES:,} bytes")
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise TextLSTMError(f"table file {path} is not valid UTF-8 (byte {e.start}): {e.reason}") from None
    delimiter = "\t" if str(path).lower().endswith((".tsv", ".tab")) or content.split("\n", 1)[0].count("\t") else ","
    rows = [row for row in csv.reader(io.StringIO(content), delimiter=delimiter) if any(cell.strip() for cell in row)]
    if not rows:
        raise TextLSTMError(f"table file {path} holds no rows; expected text,label rows")
    header = [cell.strip().lower() for cell in rows[0]]
    if "text" in header and "label" in header:
        text_at, label_at, rows = header.index("text"), header.index("label"), rows[1:]
    else:
        text_at, label_at = 0, 1
    bad = next((i for i, row in enumerate(rows) if len(row) <= max(text_at, label_at)), None)
    if bad is not None:
        raise TextLSTMError(f"table file {path}: row {bad + 1} has no label; expected text,label rows")
    return [row[text_at] for row in rows], [row[label_at].strip() for row in rows]


def label_ids(labels, where="labels"):
    """Two or more classes in any spelling -> (int ids, [class of 0, class of 1, ...]); else one clear error."""
    names = sorted({str(label).strip() for label in labels}, key=_natural)
    if "" in names:
        raise TextLSTMError(f"{where} has an empty label; every text needs its class")
    if len(names) < 2:
        raise TextLSTMError(f"{where} must hold at least 2 classes, found {len(names)}: "
                            f"{', '.join(repr(n) for n in names)}")
    index = {name: i for i, name in enumerate(names)}
    return [index[str(label).strip()] for label in labels], names


def _natural(name):
    """"0" < "1", "negative" < "positive", "bad" < "good": numbers by value, words alphabetically."""
    try:
        return (0, float(name), "")
    except ValueError:
        return (1, 0.0, name.lower())


def _with_words(texts, labels):
    """The (texts, labels) whose text has a word: a text with no word teaches nothing."""
    kept = [i for i, text in enumerate(texts) if has_word(str(text))]
    return [str(texts[i]) for i in kept], [labels[i] for i in kept]


def class_names(texts, labels, where="labels"):
    """[class of label 0, class of label 1, ...] as the training rows spell them (texts without a word left out)."""
    return label_ids(_with_words(texts, labels)[1], where)[1]


def batch_size(train, validation, largest):
    """Examples per batch for a table's splits: the largest power of two no larger than the smaller
    split (a few dozen examples: small batches), at most `largest`."""
    smaller = max(1, min(int(train.cardinality()), int(validation.cardinality())))
    return min(largest, 1 << (smaller.bit_length() - 1))


def labelled_splits(texts, labels, validation_fraction, seed, where="labels"):
    """(train, validation) datasets of (text, int32 label), stratified; refuses what cannot train."""
    if len(texts) != len(labels):
        raise TextLSTMError(f"texts and labels must have the same length, got {len(texts)} and {len(labels)}")
    texts, labels = _with_words(texts, labels)
    ids, names = label_ids(labels, where)
    if len(texts) < MIN_EXAMPLES:
        raise TextLSTMError(f"{where} has {len(texts)} examples with a word; training needs at least {MIN_EXAMPLES}")
    if len(texts) < MIN_PER_CLASS * len(names):
        raise TextLSTMError(f"{where} has {len(names)} classes for {len(texts)} examples: too many classes for the "
                            f"data, every class needs at least {MIN_PER_CLASS} examples")
    rng = random.Random(seed)
    train, validation = [], []
    for label, name in enumerate(names):
        members = [i for i, y in enumerate(ids) if y == label]
        rng.shuffle(members)
        held = max(1, round(len(members) * validation_fraction))
        if len(members) - held < 1:
            raise TextLSTMError(f"{where} has only {len(members)} example of class {name!r}; every class needs "
                                f"at least {MIN_PER_CLASS} (one to train on, one to hold out)")
        validation += members[:held]
        train += members[held:]

    def dataset(indices):
        indices = sorted(indices)
        return tf.data.Dataset.from_tensor_slices((tf.constant([texts[i] for i in indices], tf.string),
                                                   tf.constant([ids[i] for i in indices], tf.int32)))

    return dataset(train), dataset(validation)
