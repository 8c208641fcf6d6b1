"""The task contract: everything the training loop asks of a model kind, in one place.

A task prepares vocabulary and vectorized datasets (identically on every worker), builds
the trainable model, defines the per-example loss and the sums the loop logs, and finally
writes the inference model and its vocabulary into RUN_DIR. The loop (loop.py) calls only
the hooks below; the optional ones have defaults that leave a plain run plain.

    SentimentTask (sentiment_task.py)   labelled sources -> (Bi)LSTM classifier
    CharLMTask (charlm_task.py)         one character stream -> character language model
    WordLMPretrainTask (pretraining.py) the sentiment model's language-model phase
    NgramMemberTask (ngram_phase.py)    the sentiment model's n-gram member, trained on its own
"""

import dataclasses

import tensorflow as tf

from textlstm.data import pipelines


@dataclasses.dataclass(frozen=True)
class PhaseSettings:
    """What the loop and the optimizer read of a config, for a phase that has no config of its own."""

    epochs: int
    patience: int
    seed: int
    batch_size: int
    sequence_length: int
    learning_rate: float
    clipnorm: float
    weight_decay: float = 0.0  # > 0: AdamW (optimizers.make_optimizer)


class Task:
    kind = ""  # the config kind this task trains ("sentiment", "charlm"); "" for a phase inside another
    metric = "accuracy"  # the history column plotted beside the loss; None: the loss alone
    unit = "examples"  # what units_per_step counts, as metrics.json names its speed: "<unit>_per_second"
    config = None  # the task's config (or PhaseSettings): epochs, patience, seed, batch_size, learning_rate...
    num_train = 0  # training examples, tokens or characters (SentimentTask: {source: examples})
    data_summary: dict = {}  # facts of the data merged into metrics.json["training"] (e.g. pseudo-labels made)

    def __init__(self, config, data_dir=None):
        self.config = config
        self.data_dir = data_dir  # TFDS data dir (None: $TFDS_DATA_DIR, else TFDS's default)

    # --- required: data, model, loss ----------------------------------------------------

    def steps_per_epoch(self) -> int:
        """Training steps in one epoch."""
        raise NotImplementedError

    def train_batches(self, seed) -> tf.data.Dataset:
        """Endless (inputs, targets) batches of the global batch size, shuffled by `seed`."""
        raise NotImplementedError

    def validation_sets(self) -> dict:
        """{name: dataset of (inputs, targets) batches}: every one is read whole each epoch."""
        raise NotImplementedError

    def validation_weights(self) -> dict:
        """{name: weight}: how much each validation set counts in val_loss (normalised by the loop)."""
        return {name: 1.0 for name in self.validation_sets()}

    def build_model(self):
        """A fresh trainable keras.Model (float32 off the strategy at the end, so no side effects)."""
        raise NotImplementedError

    def per_example_loss(self, targets, outputs):
        """(B,) loss of each example, the quantity the optimizer minimises (averaged over the batch)."""
        raise NotImplementedError

    def sums(self, targets, outputs, per_example) -> dict:
        """{"loss", "count"[, "correct"]} summed over the batch: the loop logs loss/count, correct/count."""
        raise NotImplementedError

    def units_per_step(self, batch_size) -> int:
        """How many `unit`s one step of `batch_size` reads (reviews, characters, tokens)."""
        return batch_size

    # --- optional hooks -----------------------------------------------------------------

    def pretraining(self):
        """A Task that runs first (its best model is handed to `transfer`), or None."""
        return None

    def transfer(self, pretrained, model):
        """Copies what `pretraining` learned into `model` before its first epoch."""

    def member(self):
        """A Task trained after this one, on its own (its best model is handed to `combine`), or None."""
        return None

    def combine(self, model, member):
        """(the model to calibrate and save, a summary for metrics.json) from both phases' best models;
        only called when `member` gave a task. Default: the model alone."""
        return model, None

    def initialize(self, model):
        """Fills `model` before its first epoch (fine-tuning: the base model's weights); default: as built."""

    def pretrained_variables(self, model) -> list:
        """The variables `transfer` filled: they train at pretrained_learning_rate_multiplier()."""
        return []

    def pretrained_learning_rate_multiplier(self) -> float:
        """The learning rate of pretrained_variables(), as a fraction of the others'."""
        return 1.0

    def training_forward(self, model):
        """A replacement objective (x, y) -> (outputs, objective, per_example loss), or None for the plain loss."""
        return None

    def calibrate(self, model):
        """Fits a calibration on the validation sets and folds it into `model`: its figures, or None."""
        return None

    # --- required: the run folder ---------------------------------------------------------

    def save_inference_model(self, model, run_dir):
        """Writes the inference model and its vocabulary into run_dir; returns the inference model."""
        raise NotImplementedError

    def test_metrics(self, inference_model, calibrated=None) -> dict:
        """The test figures written to metrics.json; `calibrated` is what `calibrate` folded in, if anything."""
        raise NotImplementedError


class StreamTask(Task):
    """A task whose data is one long id stream (train_ids, validation_ids) cut into windows."""

    def steps_per_epoch(self):
        return self._windows // self.config.batch_size  # one pass over the text

    @property
    def _windows(self):
        return pipelines.num_stream_windows(self.num_train, self.config.sequence_length)

    def train_batches(self, seed):
        c = self.config
        return pipelines.stream_training_batches(self.train_ids, c.sequence_length, c.batch_size, seed)

    def validation_batches(self):
        c = self.config
        return pipelines.stream_eval_batches(self.validation_ids, c.sequence_length, c.batch_size)

    def validation_sets(self):
        return {"": self.validation_batches()}

    def validation_weights(self):
        return {"": 1.0}

    def units_per_step(self, batch_size):
        return batch_size * self.config.sequence_length  # characters or tokens

