"""The bag-of-n-grams member: word unigrams and hashed bigrams, averaged, a linear softmax.

    token ids (B, T) -> [unigram ids (B, T) ; bigram ids (B, T)] -> Embedding(V + K, C) (B, 2T, C)
                     -> mean over the real n-grams (B, C) -> Dense(C): logits, a linear model of the n-gram counts

It reads the same token ids as the (Bi)LSTM, so one vectorizer serves both members and the saved
model still takes raw strings. A bigram is hashed in the graph from the ids of its two words
(text/ngrams.py), so the Embedding's rows are the V words and then the K bigram buckets.
Integer arithmetic in keras.ops, so the model loads with
safe_mode and LiteRT runs it with builtin operators (MUL, ADD, FLOOR_MOD, SELECT).

Word n-grams and the LSTM are right on different texts (the issue's measurement: the BiLSTM's
probabilities averaged with a separately trained TF-IDF logistic regression gained 1.1 points of
macro-recall; the same path trained jointly with the LSTM gained 0.2). So the member trains on its
own, in a phase of its own (training/ngram_phase.py), and the two are combined after training.
"""

import numpy as np
from keras import layers, ops

from textlstm.text.ngrams import MULTIPLIER


def ngram_ids(ids, vocab_size: int, buckets: int):
    """(B, T) word ids -> (B, 2T): the ids themselves, then each word's bigram with the word before it
    (text/ngrams.py's rule)."""
    previous = ops.pad(ids, [[0, 0], [1, 0]])[:, :-1]  # (B, T): 0 before the first word
    hashed = ops.mod(previous * MULTIPLIER + ids, buckets) + vocab_size  # (B, T) in [V, V + K)
    real = ops.logical_and(ops.greater(previous, 0), ops.greater(ids, 0))  # both words are words
    return ops.concatenate([ids, ops.where(real, hashed, ops.zeros_like(ids))], axis=1)  # (B, 2T)


def member_logits(config, ids, layer, vocab_size=None, width=1, on_embedded=None):
    """The member's logits (B, width) on token ids; layer(name, make) and on_embedded (applied to the
    embedded n-grams) as in sentiment_model._classify (vocab_size None: a twin of a built model,
    whose embedding has V + K rows)."""
    if vocab_size is None:
        vocab_size = layer("ngram_embedding", None).input_dim - config.ngram_buckets
    grams = ngram_ids(ops.cast(ids, "int32"), vocab_size, config.ngram_buckets)  # (B, 2T)
    rows = vocab_size + config.ngram_buckets
    x = layer("ngram_embedding", lambda n: layers.Embedding(rows, width, name=n))(grams)  # (B, 2T, C)
    if on_embedded is not None:
        x = on_embedded(x)
    return layer("ngram_logits", lambda n: layers.Dense(width, dtype="float32", name=n))(mean_of_real(x, grams))


def mean_of_real(rows, grams):
    """(B, 2T, C) embedded n-grams, (B, 2T) their ids -> (B, C) the mean over the real ones (padding, id 0,
    counts for nothing); a text with none (no word at all) gets 0, so the member says its bias."""
    real = ops.cast(ops.greater(grams, 0), rows.dtype)  # (B, 2T)
    return ops.sum(rows * ops.expand_dims(real, -1), axis=1) / ops.maximum(ops.sum(real, axis=1, keepdims=True), 1.0)


def token_scores(gram_scores, length: int):
    """(B, 2T) scores of the unigrams then the bigrams -> (B, T) per word: a bigram's score is shared
    equally by its two words (bigram t is words t - 1 and t; bigram 0 is always padding)."""
    words, pairs = gram_scores[:, :length], gram_scores[:, length:]  # (B, T) each
    earlier = ops.pad(pairs[:, 1:], [[0, 0], [0, 1]])  # (B, T): bigram t + 1's share goes to word t
    return words + 0.5 * pairs + 0.5 * earlier


def combined_initial_weights(width: int, member_weight: float) -> list:
    """The combiner's kernel (2 width, width) and bias: (1 - w) * LSTM logits + w * n-gram logits."""
    eye = np.eye(width, dtype="float32")
    return [np.concatenate([(1.0 - member_weight) * eye, member_weight * eye]), np.zeros(width, "float32")]
