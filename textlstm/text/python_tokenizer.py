"""Keras `TextVectorization`'s default word ids, reproduced in plain Python (no TensorFlow).

For hosts that run the sentiment model without TensorFlow (the LiteRT file on a device):
the same ids the SavedModel's own layer computes, rule for rule:

    words:  rules.words (lower ASCII, strip ASCII punctuation, split on ASCII whitespace)
    lookup: the vocabulary's index; 1 ([UNK]) for other words; 0 pads on the right
    length: the first `sequence_length` words

Tests check it against the Keras layer on all 25,000 IMDB test reviews and on odd input.
"""

import numpy as np

from textlstm import artifacts
from textlstm.text import rules

PAD_ID, UNK_ID = 0, 1


class WordTokenizer:
    def __init__(self, tokens, sequence_length: int):
        """tokens: the vocabulary list ("" and "[UNK]" first), as vocabulary.json holds it."""
        self.tokens = list(tokens)
        self.sequence_length = int(sequence_length)
        self._index = {token: i for i, token in enumerate(self.tokens) if i > UNK_ID}

    @classmethod
    def load(cls, vocabulary_path, sequence_length: int):
        return cls(artifacts.read_json(vocabulary_path, "vocabulary file"), sequence_length)

    def words(self, text: str) -> list:
        return rules.words(text)

    def encode(self, text: str) -> np.ndarray:
        """text -> int32 ids (sequence_length,), right-padded with 0."""
        ids = [self._index.get(word, UNK_ID) for word in self.words(text)[:self.sequence_length]]
        out = np.zeros(self.sequence_length, np.int32)
        out[:len(ids)] = ids
        return out
