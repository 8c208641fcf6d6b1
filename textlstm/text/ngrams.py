"""Word bigrams as ids, from the ids of their words: the n-gram member's hashing constants, defined once.

A bigram is (previous * MULTIPLIER + word) mod K, shifted past the V word ids, so an embedding's rows
are the V words and then the K bigram buckets; a bigram with padding in it is padding (id 0).
models/ngram_member.py computes it in the graph (integer keras.ops); config.py checks V against
largest_vocabulary() before a run starts. No TensorFlow here: the config imports it.
"""

MULTIPLIER = 31337  # a prime: (previous * MULTIPLIER + word) mod K spreads the pairs over the buckets
INT32_LIMIT = 2**31 - 1  # previous * MULTIPLIER + word must not overflow int32 (LiteRT has no int64 MUL)


def largest_vocabulary() -> int:
    """The most word ids a hashed bigram can be made of without int32 overflow (68,526)."""
    return INT32_LIMIT // (MULTIPLIER + 1)
