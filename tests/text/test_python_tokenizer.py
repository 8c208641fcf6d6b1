"""The plain-Python tokenizer gives the ids of Keras' TextVectorization, input for input."""

import random
import string

import numpy as np
import pytest
import tensorflow as tf

from textlstm.text import vectorizers
from textlstm.text.python_tokenizer import WordTokenizer
from textlstm.text.rules import split, standardize

WORDS = ["the", "film", "great", "école", "don't", "a\xa0b", "[unk]", "x"]
ODD = ["", "   ", "ÉCOLE Straße Ünïcode", "a\xa0b c\x85d e\u2028f g\u3000h", "Hello,world!!", "don't DON'T",
       "[UNK] unk", "tab\tsep\nnew\rline\vvt\fff", "\x1c\x1fx\x1e", "😀 great 😀", "A" * 50, "the " * 30,
       "-- . ,", "l'école", "The\u0301 film", "FILM\r\nfilm"]


@pytest.fixture(scope="module")
def pair():
    vectorizer = vectorizers.make_word_vectorizer(len(WORDS) + 2, 12, vocabulary=["", "[UNK]"] + WORDS)
    return vectorizer, WordTokenizer(vectorizer.get_vocabulary(), 12)


def keras_ids(vectorizer, text):
    return vectorizer(tf.constant([text])).numpy()[0]


@pytest.mark.parametrize("text", ODD)
def test_odd_inputs(pair, text):
    vectorizer, tokenizer = pair
    np.testing.assert_array_equal(tokenizer.encode(text), keras_ids(vectorizer, text))


def test_random_strings_from_a_hard_alphabet(pair):
    vectorizer, tokenizer = pair
    alphabet = string.printable + "\xa0\x85\u2028éÉßİ😀\u0301" + "".join(WORDS)
    rng = random.Random(7)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(300)]
    texts += [" ".join(rng.choice(WORDS + ["The", "FILM!", "great."]) for _ in range(rng.randint(1, 20)))
              for _ in range(200)]
    expected = vectorizer(tf.constant(texts)).numpy()
    for text, row in zip(texts, expected):
        np.testing.assert_array_equal(tokenizer.encode(text), row, err_msg=repr(text))


def test_the_rules_spelled_out():
    assert standardize("ÉCOLE, Don't!") == "École dont"  # ASCII letters only are lowered
    assert split(" a\tb\xa0c \x85d ") == ["a", "b\xa0c", "\x85d"]  # ASCII whitespace only
