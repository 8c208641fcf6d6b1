"""Keras `TextVectorization`'s default word ids, reproduced in plain Python (no TensorFlow).

For hosts that run the sentiment model without TensorFlow (the LiteRT file on a device):
the same ids the SavedModel's own layer computes, rule for rule:

    lower:  ASCII letters only (tf.strings.lower without an encoding; "É" stays "É")
    strip:  the 32 ASCII punctuation characters, Keras' DEFAULT_STRIP_REGEX (= string.punctuation)
    split:  on runs of ASCII whitespace " \\t\\n\\v\\f\\r" only (tf.strings.split); no-break spaces,
            \\x85 and \\u2028 stay inside words
    lookup: the vocabulary's index; 1 ([UNK]) for other words; 0 pads on the right
    length: the first `sequence_length` words

Tests check it against the Keras layer on all 25,000 IMDB test reviews and on odd input.
"""

import json
import re
import string

import numpy as np

PAD_ID, UNK_ID = 0, 1
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_STRIP = str.maketrans("", "", string.punctuation)
_WHITESPACE = re.compile("[ \t\n\v\f\r]+")


def standardize(text: str) -> str:
    return text.translate(_LOWER).translate(_STRIP)


def split(text: str) -> list:
    return [word for word in _WHITESPACE.split(text) if word]


class WordTokenizer:
    def __init__(self, tokens, sequence_length: int):
        """tokens: the vocabulary list ("" and "[UNK]" first), as vocabulary.json holds it."""
        self.tokens = list(tokens)
        self.sequence_length = int(sequence_length)
        self._index = {token: i for i, token in enumerate(self.tokens) if i > UNK_ID}

    @classmethod
    def load(cls, vocabulary_path, sequence_length: int):
        with open(vocabulary_path, encoding="utf-8") as f:
            return cls(json.load(f), sequence_length)

    def words(self, text: str) -> list:
        return split(standardize(text))

    def encode(self, text: str) -> np.ndarray:
        """text -> int32 ids (sequence_length,), right-padded with 0."""
        ids = [self._index.get(word, UNK_ID) for word in self.words(text)[:self.sequence_length]]
        out = np.zeros(self.sequence_length, np.int32)
        out[:len(ids)] = ids
        return out
