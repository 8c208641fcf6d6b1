"""What differs between the two model kinds, behind one small interface for the loop.

A task prepares vocabulary and vectorized datasets (identically on every worker),
builds the trainable model, defines the per-example loss and the sums the loop
logs, and finally writes the inference model and its vocabulary into RUN_DIR.
"""

import functools
import os
import types

import keras
import numpy as np
import tensorflow as tf

from textlstm import charlm_model, data, evaluation, pipelines, preprocessing, self_training, sentiment_model
from textlstm.errors import TextLSTMError

MODEL_FILE = "model.keras"


class SentimentTask:
    metric = "accuracy"

    def __init__(self, config, data_dir=None):
        self.config = config
        self.data_dir = data_dir
        train, validation, self.test_examples = data.classification_splits(config, data_dir)
        self.train_texts = train.map(lambda text, label: text)
        self.validation_texts = validation.map(lambda text, label: text)
        self.vectorizer = preprocessing.make_word_vectorizer(config.max_tokens, config.sequence_length)
        preprocessing.adapt_word_vectorizer(self.vectorizer, self.train_texts)
        self.vocab_size = self.vectorizer.vocabulary_size()
        self.data_summary = {}
        if config.teacher:  # after adapt: the vocabulary (and so a pretrained LM) comes from labelled texts only
            pseudo_labelled, self.data_summary = self_training.pseudo_labelled_examples(config, data_dir)
            train = train.concatenate(pseudo_labelled)
        self.train_ids = pipelines.vectorize_examples(train, self.vectorizer)
        self.validation_ids = pipelines.vectorize_examples(validation, self.vectorizer)
        self.num_train = sum(1 for _ in self.train_ids)  # also fills the cache
        self.num_validation = sum(1 for _ in self.validation_ids)
        if self.num_train < config.batch_size or self.num_validation < config.batch_size:
            raise TextLSTMError(
                f"batch_size {config.batch_size} is larger than the training ({self.num_train}) or "
                f"validation ({self.num_validation}) examples; lower it with --set batch_size=N"
            )

    def steps_per_epoch(self):
        return self.num_train // self.config.batch_size

    def train_batches(self, seed):
        return pipelines.sentiment_batches(
            self.train_ids, self.config.batch_size, seed, shuffle=True, buffer_size=self.num_train
        ).repeat()

    def validation_batches(self):
        return pipelines.sentiment_batches(self.validation_ids, self.config.batch_size, 0, shuffle=False)

    def build_model(self):
        return sentiment_model.build_sentiment_model(self.config, self.vocab_size)

    def per_example_loss(self, labels, probabilities):  # (B, 1), (B, 1) -> (B,)
        return keras.losses.binary_crossentropy(labels, probabilities)

    def sums(self, labels, probabilities, per_example):
        correct = tf.cast(tf.equal(tf.cast(probabilities > 0.5, tf.float32), labels), tf.float32)
        return {"loss": tf.reduce_sum(per_example), "correct": tf.reduce_sum(correct),
                "count": tf.cast(tf.shape(labels)[0], tf.float32)}

    @staticmethod
    def units_per_step(batch_size):
        return batch_size  # reviews

    def save_inference_model(self, model, run_dir, tmp_dir):
        end_to_end = sentiment_model.build_end_to_end(self.vectorizer, model)
        preprocessing.save_word_vocabulary(self.vectorizer, os.path.join(run_dir, preprocessing.VOCABULARY_FILE))
        save_model_atomically(end_to_end, os.path.join(run_dir, MODEL_FILE), tmp_dir)
        return end_to_end

    def pretraining(self):
        """The language-model phase that runs first, or None."""
        return WordLMPretrainTask(self) if self.config.pretrain_epochs > 0 else None

    def transfer(self, lm, classifier):
        sentiment_model.transfer_pretrained(lm, classifier)

    def test_metrics(self, end_to_end):
        if self.test_examples is None:
            return {"note": "no test split (directory without test/)"}
        return {"test": evaluation.evaluate_sentiment(end_to_end, self.test_examples, self.config.test_split)}


class StreamBatches:
    """Batches for tasks whose data is one long id stream (train_ids, validation_ids)."""

    def steps_per_epoch(self):
        return self._windows // self.config.batch_size  # one pass over the text

    def train_batches(self, seed):
        c = self.config
        return pipelines.stream_training_batches(self.train_ids, c.sequence_length, c.batch_size, seed)

    def validation_batches(self):
        c = self.config
        return pipelines.stream_eval_batches(self.validation_ids, c.sequence_length, c.batch_size)


class CharLMTask(StreamBatches):
    metric = "accuracy"

    def __init__(self, config, data_dir=None):
        self.config = config
        train_text, validation_text, self.test_text = data.char_text_splits(config, data_dir)
        self.vocabulary = preprocessing.CharVocabulary.from_text(train_text)
        self.vocab_size = len(self.vocabulary)
        self.train_ids = preprocessing.text_to_char_ids(train_text, self.vocabulary)
        self.validation_ids = preprocessing.text_to_char_ids(validation_text, self.vocabulary)
        self.num_train = int(self.train_ids.shape[0])
        windows = pipelines.num_stream_windows(self.num_train, config.sequence_length)
        val_windows = (int(self.validation_ids.shape[0]) - 1) // config.sequence_length
        if windows < config.batch_size or val_windows < config.batch_size:
            raise TextLSTMError(
                f"the text gives {windows} training and {val_windows} validation windows of "
                f"{config.sequence_length} characters, fewer than batch_size {config.batch_size}; "
                "lower batch_size or sequence_length with --set"
            )
        self._windows = windows

    def build_model(self):
        return charlm_model.build_charlm(self.config, self.vocab_size)

    def per_example_loss(self, targets, logits):  # (B, T), (B, T, V) -> (B,)
        token_loss = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
        return tf.reduce_mean(token_loss, axis=-1)

    def sums(self, targets, logits, per_example):
        tokens = tf.cast(tf.size(targets), tf.float32)
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), targets), tf.float32)
        seq_len = tf.cast(tf.shape(targets)[1], tf.float32)
        # loss per character: per_example is a mean over T, so re-weight by T.
        return {"loss": tf.reduce_sum(per_example) * seq_len, "correct": tf.reduce_sum(correct), "count": tokens}

    def units_per_step(self, batch_size):
        return batch_size * self.config.sequence_length  # characters

    def save_inference_model(self, model, run_dir, tmp_dir):
        self.vocabulary.save(os.path.join(run_dir, preprocessing.VOCABULARY_FILE))
        save_model_atomically(model, os.path.join(run_dir, MODEL_FILE), tmp_dir)
        return model

    def test_metrics(self, model):
        result = evaluation.evaluate_charlm(model, self.vocabulary, self.test_text)
        result["splits"] = self.config.test_split if not self.config.text_file else "last 5% of the file"
        return {"heldout": result}


class WordLMPretrainTask(StreamBatches):
    """Next-word prediction over the training texts (+ unlabelled ones) as one id stream."""

    metric = None

    def __init__(self, sentiment: SentimentTask):
        c = sentiment.config
        self.config = types.SimpleNamespace(
            kind="word_lm", epochs=c.pretrain_epochs, patience=c.patience, seed=c.seed + 1,
            batch_size=c.pretrain_batch_size, sequence_length=c.pretrain_sequence_length,
            learning_rate=c.pretrain_learning_rate, clipnorm=c.clipnorm,
        )
        self.sentiment_config = c
        self.vocab_size = sentiment.vocab_size
        self._sentiment = sentiment
        self.model = None

    # The id streams (~17M tokens for IMDB) are built on first use: a resumed run whose
    # pretraining already finished never needs them.
    @functools.cached_property
    def train_ids(self):
        texts = self._sentiment.train_texts
        unlabelled = data.unlabelled_texts(self.sentiment_config, self._sentiment.data_dir)
        if unlabelled is not None:
            texts = texts.concatenate(unlabelled)
        return _id_stream(texts, self._sentiment.vectorizer.get_vocabulary())

    @functools.cached_property
    def validation_ids(self):
        return _id_stream(self._sentiment.validation_texts, self._sentiment.vectorizer.get_vocabulary())

    @property
    def num_train(self):
        return int(self.train_ids.shape[0])

    @property
    def _windows(self):
        return pipelines.num_stream_windows(self.num_train, self.config.sequence_length)

    def build_model(self):
        self.model = sentiment_model.build_word_lm(self.sentiment_config, self.vocab_size)
        return self.model

    def per_example_loss(self, targets, outputs):  # (B, T), [hidden (B, T, U), logits] -> (B,)
        hidden = outputs[0]
        head = self.model.get_layer("lm_head")
        batch, steps = tf.shape(targets)[0], tf.shape(targets)[1]
        loss = tf.nn.sampled_softmax_loss(
            weights=tf.transpose(head.kernel), biases=head.bias,
            labels=tf.reshape(tf.cast(targets, tf.int64), [-1, 1]),
            inputs=tf.reshape(tf.cast(hidden, tf.float32), [-1, hidden.shape[-1]]),
            num_sampled=self.sentiment_config.pretrain_samples, num_classes=self.vocab_size,
        )  # (B*T,); log-uniform sampling suits a frequency-sorted vocabulary
        return tf.reduce_mean(tf.reshape(loss, [batch, steps]), axis=-1)

    def sums(self, targets, outputs, per_example):
        steps = tf.cast(tf.shape(targets)[1], tf.float32)
        return {"loss": tf.reduce_sum(per_example) * steps, "count": tf.cast(tf.size(targets), tf.float32)}

    def units_per_step(self, batch_size):
        return batch_size * self.config.sequence_length  # tokens


def _id_stream(texts, vocabulary):
    """All texts -> one int32 id stream (T,), without padding."""
    stream = preprocessing.make_word_vectorizer(len(vocabulary), None, vocabulary=vocabulary)
    pieces = [
        ragged.flat_values.numpy().astype("int32")
        for ragged in texts.batch(1024).map(lambda t: tf.RaggedTensor.from_tensor(stream(t), padding=0))
    ]
    return tf.constant(np.concatenate(pieces))


TASKS = {"sentiment": SentimentTask, "charlm": CharLMTask}


def save_model_atomically(model, path, tmp_dir):
    tmp = os.path.join(tmp_dir, ".tmp-" + os.path.basename(path))
    model.save(tmp)
    os.replace(tmp, path)
