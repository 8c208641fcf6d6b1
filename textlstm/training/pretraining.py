"""The sentiment model's language-model phase: next word, and optionally previous word.

Forward: an LSTM reads the id stream left to right and predicts the next word. Backward
(`pretrain_directions=2`): a second LSTM, with `go_backwards=True` like a Bidirectional's
backward layer, reads right to left and predicts the previous word. Both share the
embedding and the output layer (as ELMo does), so each direction of the classifier's
BiLSTM, and the embedding, start from a language model (Dai & Le 2015; Peters et al. 2018).

A window of T+1 ids w gives x = w[:-1] and y = w[1:]: the forward LSTM reads x and
predicts y; the backward one reads y from its end, so its k-th output has seen
w[T] ... w[T-k] and predicts w[T-k-1] = reverse(x)[k].
"""

import functools

import numpy as np
import tensorflow as tf

from textlstm.data import labelled
from textlstm.models import sentiment_model
from textlstm.text import vectorizers
from textlstm.training.task import PhaseSettings, StreamTask


class WordLMPretrainTask(StreamTask):
    """Word prediction over the training texts (+ the sources' unlabelled ones) as one id stream."""

    metric = None  # next-word accuracy is not computed: the sampled softmax never forms all logits
    unit = "tokens"

    def __init__(self, sentiment):
        c = sentiment.config
        super().__init__(PhaseSettings(
            epochs=c.pretrain_epochs, patience=c.patience, seed=c.seed + 1,
            batch_size=c.pretrain_batch_size, sequence_length=c.pretrain_sequence_length,
            learning_rate=c.pretrain_learning_rate, clipnorm=c.clipnorm,
        ), sentiment.data_dir)
        self.sentiment_config = c
        self.directions = c.pretrain_directions
        self.vocab_size = sentiment.vocab_size
        self._sentiment = sentiment
        self.model = None

    # The id streams (~17M tokens for IMDB) are built on first use: a resumed run whose
    # pretraining already finished never needs them.
    @functools.cached_property
    def train_ids(self):
        texts = self._sentiment.train_texts
        for source, _ in self._sentiment.sets:
            unlabelled = None if self.sentiment_config.directory else labelled.source_unlabelled_texts(
                source, self.data_dir)
            texts = texts if unlabelled is None else texts.concatenate(unlabelled)
        return _id_stream(texts, self._sentiment.vectorizer.get_vocabulary())

    @functools.cached_property
    def validation_ids(self):
        return _id_stream(self._sentiment.validation_texts, self._sentiment.vectorizer.get_vocabulary())

    @property
    def num_train(self):
        return int(self.train_ids.shape[0])

    def _both_ways(self, ds):
        """(x, y) -> ((x, y), (y, reverse(x))): inputs and targets of both directions."""
        if self.directions == 1:
            return ds
        return ds.map(lambda x, y: ((x, y), (y, tf.reverse(x, axis=[1]))))

    def train_batches(self, seed):
        return self._both_ways(super().train_batches(seed))

    def validation_batches(self):
        return self._both_ways(super().validation_batches())

    def build_model(self):
        self.model = sentiment_model.build_word_lm(self.sentiment_config, self.vocab_size)
        return self.model

    def _sampled_loss(self, targets, hidden):  # (B, T), (B, T, U) -> (B,)
        head = self.model.get_layer("lm_head")
        batch, steps = tf.shape(targets)[0], tf.shape(targets)[1]
        loss = tf.nn.sampled_softmax_loss(
            weights=tf.transpose(head.kernel), biases=head.bias,
            labels=tf.reshape(tf.cast(targets, tf.int64), [-1, 1]),
            inputs=tf.reshape(tf.cast(hidden, tf.float32), [-1, hidden.shape[-1]]),
            num_sampled=self.sentiment_config.pretrain_samples, num_classes=self.vocab_size,
        )  # (B*T,); log-uniform sampling suits a frequency-sorted vocabulary
        return tf.reduce_mean(tf.reshape(loss, [batch, steps]), axis=-1)

    def per_example_loss(self, targets, outputs):  # outputs: [hidden per direction..., logits]
        if self.directions == 1:
            return self._sampled_loss(targets, outputs[0])
        losses = [self._sampled_loss(t, h) for t, h in zip(targets, outputs[:2])]
        return (losses[0] + losses[1]) / 2.0  # mean of the two directions, per example

    def sums(self, targets, outputs, per_example):
        first = targets if self.directions == 1 else targets[0]
        steps = tf.cast(tf.shape(first)[1], tf.float32)
        return {"loss": tf.reduce_sum(per_example) * steps, "count": tf.cast(tf.size(first), tf.float32)}


def _id_stream(texts, vocabulary):
    """All texts -> one int32 id stream (T,), without padding."""
    stream = vectorizers.make_word_vectorizer(len(vocabulary), None, vocabulary=vocabulary)
    pieces = [
        ragged.flat_values.numpy().astype("int32")
        for ragged in texts.batch(1024).map(lambda t: tf.RaggedTensor.from_tensor(stream(t), padding=0))
    ]
    return tf.constant(np.concatenate(pieces))
