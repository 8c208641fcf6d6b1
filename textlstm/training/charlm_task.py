"""The character task: one text stream -> the character language model (next-character loss)."""

import os

import keras
import tensorflow as tf

from textlstm import artifacts
from textlstm.data import corpus, pipelines
from textlstm.errors import TextLSTMError
from textlstm.models import charlm_model
from textlstm.text import vectorizers
from textlstm.training import evaluation, fine_tuning
from textlstm.training.task import StreamTask


class CharLMTask(StreamTask):
    kind = "charlm"
    unit = "characters"

    def __init__(self, config, data_dir=None):
        super().__init__(config, data_dir)
        train_text, validation_text, self.test_text = corpus.char_text_splits(config, data_dir)
        self.base = fine_tuning.BaseModel.load(config) if config.base_model else None
        self.data_summary = {}
        if self.base:  # its characters keep their ids; the text's new ones get rows after them
            known = self.base.tokens[2:]
            added = sorted(set(train_text) - set(known))
            self.vocabulary = vectorizers.CharVocabulary(known + added)
            self.data_summary = {"base_model": self.base.folder, "new_characters": len(added)}
        else:
            self.vocabulary = vectorizers.CharVocabulary.from_text(train_text)
        self.vocab_size = len(self.vocabulary)
        self.train_ids = vectorizers.text_to_char_ids(train_text, self.vocabulary)
        self.validation_ids = vectorizers.text_to_char_ids(validation_text, self.vocabulary)
        self.num_train = int(self.train_ids.shape[0])
        windows = pipelines.num_stream_windows(self.num_train, config.sequence_length)
        val_windows = (int(self.validation_ids.shape[0]) - 1) // config.sequence_length
        if windows < config.batch_size or val_windows < config.batch_size:
            raise TextLSTMError(
                f"the text gives {windows} training and {val_windows} validation windows of "
                f"{config.sequence_length} characters, fewer than batch_size {config.batch_size}; "
                "lower batch_size or sequence_length with --set"
            )

    def build_model(self):
        return charlm_model.build_charlm(self.config, self.vocab_size)

    def initialize(self, model):
        """Fine-tuning: the base model's weights; new characters' rows start at the mean embedding and
        at the rarest known character's logit."""
        if self.base:
            fine_tuning.copy_weights(self.base.model, model, output="logits")

    def pretrained_variables(self, model):
        return fine_tuning.slow_variables(model) if self.base else []

    def pretrained_learning_rate_multiplier(self):
        return fine_tuning.CHARLM_LSTM_RATE

    def per_example_loss(self, targets, logits):  # (B, T), (B, T, V) -> (B,)
        token_loss = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
        return tf.reduce_mean(token_loss, axis=-1)

    def sums(self, targets, logits, per_example):
        tokens = tf.cast(tf.size(targets), tf.float32)
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), targets), tf.float32)
        seq_len = tf.cast(tf.shape(targets)[1], tf.float32)
        # loss per character: per_example is a mean over T, so re-weight by T.
        return {"loss": tf.reduce_sum(per_example) * seq_len, "correct": tf.reduce_sum(correct), "count": tokens}

    def save_inference_model(self, model, run_dir):
        self.vocabulary.save(os.path.join(run_dir, artifacts.VOCABULARY_FILE))
        artifacts.write_atomically(os.path.join(run_dir, artifacts.MODEL_FILE), model.save)
        return model

    def test_metrics(self, model, calibrated=None):  # no calibration: always None
        metrics = {"heldout": evaluation.charlm_heldout(model, self.vocabulary, self.config, self.data_dir,
                                                        self.test_text)}
        if self.base:  # the base model on the same held-out text: what fine-tuning gained
            base_vocabulary = vectorizers.CharVocabulary(self.base.tokens[2:])
            metrics["fine_tuning"] = {"base_model": self.base.folder, "heldout_before": evaluation.charlm_heldout(
                self.base.model, base_vocabulary, self.config, self.data_dir, self.test_text)}
        return metrics
