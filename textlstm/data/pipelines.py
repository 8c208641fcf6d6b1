"""tf.data input pipelines: vectorized, fixed-shape batches ready for any strategy.

Everything string-shaped happens here, on the host, so the trained models see
only int32 ids of a static shape (`drop_remainder=True`): the same graph runs on
CPU, GPU and TPU.
"""

import tensorflow as tf

from textlstm.data import targets

AUTOTUNE = tf.data.AUTOTUNE


def _distribution_options(ds):
    # Every worker builds the same (seeded) dataset; shard it by element, not by file.
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    options.deterministic = True  # same seed -> same batches, on every worker
    return ds.with_options(options)


# --- sentiment --------------------------------------------------------------------------


def vectorize_examples(examples: tf.data.Dataset, vectorizer, length=None, known=(True, True)) -> tf.data.Dataset:
    """(text, class id) -> (ids int32 (L,), target float32), vectorized once and cached.

    known: [bool per model class], the classes the source knows (data/targets.py): two give the
    label as (1,), more a target row (C,).
    length: keep the first L <= T tokens (the vectorizer's T by default); exact, because the
    vectorizer keeps a text's first tokens and pads on the right. Texts with no token at all
    (SST-2 has the phrases "(" and ")") are dropped: a masked mean over no step is 0/0 = NaN.
    """
    ds = examples.batch(1024).map(
        lambda text, label: (tf.cast(vectorizer(text), tf.int32)[:, :length], targets.target_tensor(label, known)),
        num_parallel_calls=AUTOTUNE,
    )
    return ds.unbatch().filter(lambda ids, label: tf.reduce_any(ids != 0)).cache()


def sentiment_batches(ids_and_labels, batch_size: int, seed: int, shuffle: bool, buffer_size: int = 25_000):
    """buffer_size: the number of examples, for a full shuffle (the ids are cached in memory anyway)."""
    ds = ids_and_labels
    if shuffle:
        ds = ds.shuffle(buffer_size, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE)
    return _distribution_options(ds)


def mixture_batches(per_source_batches, weights, seed: int):
    """Endless batches, each from one source, drawn with probability `weights` (normalised).

    Batches of different sources may differ in length (B, L_source): a step sees a few
    static shapes rather than every example padded to the longest source.
    """
    if len(per_source_batches) == 1:
        return per_source_batches[0].repeat()
    total = float(sum(weights))
    ds = tf.data.Dataset.sample_from_datasets(
        [b.repeat() for b in per_source_batches], weights=[w / total for w in weights], seed=seed)
    return _distribution_options(ds.prefetch(AUTOTUNE))


# --- one long id stream (characters, or words for LM pretraining) -----------------------


def num_stream_windows(num_ids: int, sequence_length: int) -> int:
    # Windows of sequence_length + 1 ids, stepping sequence_length, from any offset < sequence_length.
    # Last window of the last offset ends at (L - 1) + (n - 1) * L + L <= num_ids - 1.
    return max(0, (num_ids - sequence_length) // sequence_length)


def stream_training_batches(ids: tf.Tensor, sequence_length: int, batch_size: int, seed: int):
    """Endless (inputs, targets) batches of shape (B, T); each pass over the text starts
    at a fresh random offset, so window boundaries differ from epoch to epoch."""
    ids = tf.convert_to_tensor(ids, tf.int32)
    n = num_stream_windows(int(ids.shape[0]), sequence_length)
    span = tf.range(sequence_length + 1)

    def windows_at(offset):
        starts = offset + tf.range(n) * sequence_length  # (n,)
        return tf.data.Dataset.from_tensor_slices(tf.gather(ids, starts[:, None] + span[None, :]))

    offsets = tf.data.Dataset.random(seed=seed).map(lambda r: tf.cast(r % sequence_length, tf.int32))
    ds = offsets.flat_map(windows_at).shuffle(min(n, 20_000), seed=seed)
    ds = ds.batch(batch_size, drop_remainder=True)
    ds = ds.map(lambda w: (w[:, :-1], w[:, 1:]), num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)
    return _distribution_options(ds)


def stream_eval_batches(ids: tf.Tensor, sequence_length: int, batch_size: int):
    """Non-overlapping windows from offset 0, in order (fast validation during training)."""
    ids = tf.convert_to_tensor(ids, tf.int32)
    n = (int(ids.shape[0]) - 1) // sequence_length  # (n - 1) * L + L <= num_ids - 1
    starts = tf.range(n) * sequence_length
    windows = tf.gather(ids, starts[:, None] + tf.range(sequence_length + 1)[None, :])
    ds = tf.data.Dataset.from_tensor_slices(windows).batch(batch_size, drop_remainder=True)
    ds = ds.map(lambda w: (w[:, :-1], w[:, 1:])).prefetch(AUTOTUNE)
    return _distribution_options(ds)
