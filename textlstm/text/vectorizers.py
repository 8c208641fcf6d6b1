"""Text -> ids with Keras preprocessing layers; vocabularies saved as plain JSON.

Words: `TextVectorization` (lowercase, strip punctuation, split on whitespace: rules.py),
adapted on the training split only. Characters: `tf.strings.unicode_split` +
`StringLookup`. All of these are TensorFlow core ops (regex_replace, string
split, hash-table lookup), so the composed end-to-end models export to a
SavedModel that TF Serving runs without tensorflow-text.
"""

import json

import keras
import tensorflow as tf

from textlstm import artifacts
from textlstm.errors import TextLSTMError
from textlstm.text import rules


def _save_tokens(tokens, path):
    artifacts.atomic_write_text(path, json.dumps(list(tokens), ensure_ascii=False, indent=0))


def load_tokens(path):
    tokens = artifacts.read_json(path, "vocabulary file")
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise TextLSTMError(f"vocabulary file {path} must hold a JSON list of strings")
    return tokens


# --- words ------------------------------------------------------------------------------


def make_word_vectorizer(max_tokens: int, sequence_length: int, vocabulary=None):
    """Id 0 is padding (right-padded to `sequence_length`), id 1 is out-of-vocabulary."""
    return keras.layers.TextVectorization(
        max_tokens=max_tokens,
        output_sequence_length=sequence_length,  # static shape: TPU-friendly, right-padded
        vocabulary=vocabulary,
        standardize=rules.STANDARDIZE,  # Keras' defaults, named: python_tokenizer.py and explanations follow them
        split=rules.SPLIT,
        name="text_vectorization",
    )


def _survives_asset_round_trip(token: str) -> bool:
    # Keras writes the vocabulary asset joined by "\n" but reads it back with
    # str.splitlines(), which also splits on \x85, \u2028, \x0c ... (IMDB has \x85).
    return token.splitlines() == [token]


def adapt_word_vectorizer(vectorizer, texts: tf.data.Dataset):
    vectorizer.adapt(texts.batch(1024))
    vocabulary = vectorizer.get_vocabulary()
    kept = vocabulary[:2] + [t for t in vocabulary[2:] if t and _survives_asset_round_trip(t)]
    if len(kept) != len(vocabulary):  # such tokens become out-of-vocabulary
        vectorizer.set_vocabulary(kept)
    return vectorizer


def save_word_vocabulary(vectorizer, path):
    _save_tokens(vectorizer.get_vocabulary(), path)


def load_word_vectorizer(path, sequence_length: int):
    tokens = load_tokens(path)
    return make_word_vectorizer(len(tokens), sequence_length, vocabulary=tokens)


# --- characters -------------------------------------------------------------------------


class CharVocabulary:
    """The character for each id: 0 is padding (""), 1 is unknown ("[UNK]"), then the characters."""

    PAD_ID = 0
    UNK_ID = 1
    RESERVED = ("", "[UNK]")

    def __init__(self, characters):
        self.characters = list(characters)
        self.tokens = list(self.RESERVED) + self.characters
        self._index = {ch: i for i, ch in enumerate(self.tokens)}

    def __len__(self):
        return len(self.tokens)

    @classmethod
    def from_text(cls, text: str):
        return cls(sorted(set(text)))

    @classmethod
    def load(cls, path):
        tokens = load_tokens(path)
        if tuple(tokens[:2]) != cls.RESERVED:
            raise TextLSTMError(f"character vocabulary {path} must start with {list(cls.RESERVED)}")
        return cls(tokens[2:])

    def save(self, path):
        _save_tokens(self.tokens, path)

    def lookup_layer(self):
        return keras.layers.StringLookup(
            vocabulary=self.characters, mask_token="", oov_token="[UNK]", num_oov_indices=1,
            output_mode="int", name="char_lookup",
        )

    def encode(self, text: str):
        """Python-side ids for a string; unknown characters map to UNK_ID."""
        return [self._index.get(ch, self.UNK_ID) for ch in text]

    def decode(self, ids) -> str:
        return "".join(self.tokens[i] for i in ids if i > self.UNK_ID)


def text_to_char_ids(text: str, vocabulary: CharVocabulary) -> tf.Tensor:
    """A whole corpus split -> int32 ids (T,), with the Keras lookup layer."""
    chars = tf.strings.unicode_split(tf.constant(text), "UTF-8")  # (T,) strings
    return tf.cast(vocabulary.lookup_layer()(chars), tf.int32)
