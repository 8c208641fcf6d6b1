"""The sentiment task: labelled sources (and derived ones) -> the (Bi)LSTM classifier.

Vocabulary from the real labelled training texts only; then, as more training sources, a
teacher's pseudo-labels (self_training.py) and counterfactual negations (data/negation.py);
an optional language-model phase first (pretraining.py); calibration on the validation sets
last. Each source keeps its own static batch length.
"""

import dataclasses
import os

import numpy as np

import tensorflow as tf

from textlstm import artifacts
from textlstm.data import labelled, negation, pipelines, sources, targets
from textlstm.data import labels as label_rule
from textlstm.errors import TextLSTMError
from textlstm.models import sentiment_model
from textlstm.text import vectorizers
from textlstm.training import adversarial, calibration, evaluation, fine_tuning, ngram_phase, self_training
from textlstm.training.pretraining import WordLMPretrainTask
from textlstm.training.task import Task


class SentimentTask(Task):
    kind = "sentiment"
    unit = "reviews"

    def __init__(self, config, data_dir=None):
        config = labelled.with_data_labels(config)  # a table's classes are the model's (loop saves task.config)
        super().__init__(config, data_dir)
        self.sets = labelled.labelled_sets(config, data_dir)  # [(DataSource, {"train", "validation", "test"})]
        self.train_texts = _concatenate([split["train"].map(lambda text, label: text) for _, split in self.sets])
        self.validation_texts = _concatenate(
            [split["validation"].map(lambda text, label: text) for _, split in self.sets if split["validation"]])
        self.data_summary = {}  # what the base model and the derived sources added, for metrics.json
        self.base = fine_tuning.BaseModel.load(config) if config.base_model else None
        if self.base:  # its vocabulary (and new words after it): its embedding rows are indexed by it
            texts = [t.decode("utf-8", "replace") for t in self.train_texts.as_numpy_iterator()]
            added = fine_tuning.new_words(texts, self.base.tokens, config.new_words) if config.new_words else []
            tokens = self.base.tokens + added
            self.vectorizer = vectorizers.make_word_vectorizer(len(tokens), config.sequence_length, tokens)
            self.data_summary.update(base_model=self.base.folder, new_words=len(added))
        else:
            self.vectorizer = vectorizers.make_word_vectorizer(config.max_tokens, config.sequence_length)
            vectorizers.adapt_word_vectorizer(self.vectorizer, self.train_texts)
        self.vocab_size = self.vectorizer.vocabulary_size()
        trains = [split["train"] for _, split in self.sets]
        if config.teacher:  # after adapt: the vocabulary (and so a pretrained LM) comes from labelled texts only
            pseudo_labelled, summary = self_training.pseudo_labelled_examples(config, data_dir)
            self.data_summary.update(summary)
            first = next((i for i, (s, _) in enumerate(self.sets) if s.unlabelled_split), 0)  # where the texts came from
            trains[first] = trains[first].concatenate(pseudo_labelled)
        if config.negation_weight > 0:  # after adapt: the vocabulary comes from the real texts alone
            polar = tuple(config.labels.index(name) for name in label_rule.SENTIMENT_LABELS)
            edited, count = negation.counterfactual_dataset([split["train"] for _, split in self.sets], config.seed, polar)
            self.data_summary["counterfactual_negations"] = count
            if count:  # none to make (no short text with a polar word): no such source
                source = sources.DataSource(name="negations", dataset="counterfactual negations (textlstm/data/negation.py)",
                                            weight=config.negation_weight, sequence_length=negation.SEQUENCE_LENGTH,
                                            label_names=list(label_rule.SENTIMENT_LABELS))
                self.sets.append((source, {"train": edited, "validation": None, "test": None}))
                trains.append(edited)
        known = {s.name: targets.known_classes(s.label_names, config.labels) for s, _ in self.sets}
        self.train_ids = [pipelines.vectorize_examples(t, self.vectorizer, s.sequence_length, known[s.name])
                          for t, (s, _) in zip(trains, self.sets)]
        self.validation_ids = {s.name: pipelines.vectorize_examples(split["validation"], self.vectorizer,
                                                                     s.sequence_length, known[s.name])
                               for s, split in self.sets if split["validation"]}
        self.num_train = {s.name: sum(1 for _ in ids) for (s, _), ids in zip(self.sets, self.train_ids)}  # fills caches
        self.num_validation = {name: sum(1 for _ in ids) for name, ids in self.validation_ids.items()}
        self.class_weights = None  # config.class_weight "balanced": from the classes of what trains (cached ids)
        if config.class_weight == "balanced":
            self.class_weights = targets.balanced_weights(_class_counts(self.train_ids, len(config.labels)))
            self.data_summary["class_weights"] = dict(zip(config.labels, (round(w, 4) for w in self.class_weights)))
        smallest = min([*self.num_train.values(), *self.num_validation.values()])
        if smallest < config.batch_size:
            raise TextLSTMError(
                f"batch_size {config.batch_size} is larger than the training ({self.num_train}) or "
                f"validation ({self.num_validation}) examples of a source; lower it with --set batch_size=N"
            )

    def steps_per_epoch(self):
        return self.config.steps_per_epoch or sum(self.num_train.values()) // self.config.batch_size

    def train_batches(self, seed):
        per_source = [
            pipelines.sentiment_batches(ids, self.config.batch_size, seed, shuffle=True,
                                        buffer_size=self.num_train[s.name])
            for ids, (s, _) in zip(self.train_ids, self.sets)
        ]
        return pipelines.mixture_batches(per_source, [s.weight for s, _ in self.sets], seed)

    def validation_sets(self):
        return {name: pipelines.sentiment_batches(ids, self.config.batch_size, 0, shuffle=False)
                for name, ids in self.validation_ids.items()}

    def validation_weights(self):
        return {s.name: s.weight for s, split in self.sets if split["validation"]}

    def variable_length(self) -> bool:
        """Sources of different lengths: one graph for every batch length, (B, None)."""
        return any(s.sequence_length != self.config.sequence_length for s, _ in self.sets)

    def build_model(self):
        """The (Bi)LSTM; with `ngram_buckets`, the member trains after it and `combine` joins them."""
        config = sentiment_model.lstm_only(self.config)
        return sentiment_model.build_sentiment_model(config, self.vocab_size, variable_length=self.variable_length())

    def member(self):
        return ngram_phase.NgramMemberTask(self) if self.config.ngram_buckets else None

    def combine(self, model, member):
        """Both members in the saved model's graph, the member's share chosen on the validation sets."""
        combined = ngram_phase.combine(self.config, model, member, self.vocab_size, self.variable_length())
        summary = ngram_phase.choose_weight(combined, self.validation_ids, self.validation_weights(),
                                            fixed=self.config.ngram_weight)
        return combined, summary

    def per_example_loss(self, labels, probabilities):  # (B, 1) or (B, C) targets and outputs -> (B,)
        loss = targets.per_example_loss(labels, probabilities)
        return loss if self.class_weights is None else loss * targets.example_weights(labels, self.class_weights)

    def training_forward(self, model):
        """The adversarial objective when `adversarial_epsilon` > 0; None: the plain loss."""
        if self.config.adversarial_epsilon == 0:
            return None
        return adversarial.adversarial_forward(self.config, model, self.per_example_loss)

    def sums(self, labels, probabilities, per_example):
        return {"loss": tf.reduce_sum(per_example), "correct": tf.reduce_sum(targets.correct(labels, probabilities)),
                "count": tf.cast(tf.shape(labels)[0], tf.float32)}

    def calibrate(self, model):
        """Fits a temperature (or one per class) on the validation sets and folds it into `model`; None if not configured."""
        if not self.config.calibrate:
            return None
        return calibration.calibrate_model(model, self.validation_ids, self.validation_weights(),
                                           method=self.config.calibration)

    def save_inference_model(self, model, run_dir):
        end_to_end = sentiment_model.build_end_to_end(self.vectorizer, model)
        vectorizers.save_word_vocabulary(self.vectorizer, os.path.join(run_dir, artifacts.VOCABULARY_FILE))
        artifacts.write_atomically(os.path.join(run_dir, artifacts.MODEL_FILE), end_to_end.save)
        return end_to_end

    def pretraining(self):
        """The language-model phase that runs first, or None."""
        return WordLMPretrainTask(self) if self.config.pretrain_epochs > 0 else None

    def transfer(self, lm, classifier):
        """The language model's embedding (and LSTMs, with pretrain_transfer "all") into the classifier."""
        sentiment_model.transfer_pretrained(lm, classifier, lstms=self.config.pretrain_transfer == "all")

    def initialize(self, classifier):
        """Fine-tuning: the base model's weights (new words' rows: the mean word vector; a new head: fresh)."""
        if self.base:
            fresh = sentiment_model.head_layers(self.config) if self.config.new_head else ()
            fine_tuning.copy_weights(self.base.model, classifier, fresh=fresh)

    def pretrained_variables(self, classifier):
        """The variables a language model or a base model filled: they take the slower rate."""
        if self.base:
            return fine_tuning.slow_variables(classifier)
        if self.config.pretrain_epochs == 0:
            return []
        lm = sentiment_model.build_word_lm(self.config, self.vocab_size)
        pairs = sentiment_model.transferable(lm, classifier, lstms=self.config.pretrain_transfer == "all")
        return [v for _, target in pairs for v in target.trainable_variables]

    def pretrained_learning_rate_multiplier(self):
        return self.config.pretrained_learning_rate_multiplier

    def test_metrics(self, end_to_end, calibrated=None):
        tests = [(s, split["test"]) for s, split in self.sets if split["test"] is not None]
        labels = self.config.labels
        metrics = evaluation.evaluate_sets(end_to_end, tests, calibrated, labels) if tests else {
            "note": "no test split (a table, or a directory without test/)"}
        if self.base:  # the held-out slice, before (the base model, if it has the same classes) and after
            held_out = [(dataclasses.replace(s, test_split=s.validation_split), split["validation"])  # named as such
                        for s, split in self.sets if split["validation"] is not None]
            metrics["fine_tuning"] = {"base_model": self.base.folder}
            base_labels = list(self.base.config.labels)
            if base_labels == list(labels) or len(base_labels) == len(labels) == 2:  # two classes: in their order
                metrics["fine_tuning"]["held_out_before"] = evaluation.evaluate_sets(
                    self.base.end_to_end, held_out, labels=labels)["evaluation"]
            elif len(labels) == 2 and set(label_rule.SENTIMENT_LABELS) <= set(base_labels):  # a three-way base
                metrics["fine_tuning"]["held_out_before"] = evaluation.evaluate_polar(
                    self.base.end_to_end, held_out, base_labels)
            metrics["fine_tuning"]["held_out_after"] = evaluation.evaluate_sets(
                end_to_end, held_out, calibrated, labels)["evaluation"]
        return metrics


def _class_counts(train_ids, num_classes) -> list:
    """Training examples per model class over (ids, target) datasets: (1,) labels (two classes) or (C,)
    target rows, where a class a source does not know is -1, never counted."""
    counts = np.zeros(num_classes, np.int64)
    for ids in train_ids:
        for _, target in ids.batch(4096).as_numpy_iterator():
            counts += np.bincount(target[:, 0].astype(int), minlength=2) if num_classes == 2 else (target > 0.5).sum(0)
    return counts.tolist()


def _concatenate(datasets):
    out = datasets[0]
    for ds in datasets[1:]:
        out = out.concatenate(ds)
    return out
