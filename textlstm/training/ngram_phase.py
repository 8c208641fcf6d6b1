"""The sentiment model's n-gram member: trained on its own, then combined with the (Bi)LSTM.

With `ngram_buckets` > 0 a run has two phases after any language-model phase: the (Bi)LSTM
trains as always, then the bag-of-n-grams member (models/ngram_member.py) trains on the same
batches with the same masked loss, in RUN_DIR/ngram_member with its own backups and early
stopping. Then `combine` builds the saved model, both members and the output Dense that sums
their logits, (1 - w) * LSTM + w * n-grams, with the w of the grid below that gives the lowest
validation log-loss (the loop's weighted val_loss); calibration then folds into the same Dense.

Why two phases and not one model trained jointly: the gain is in the members' disagreement
(an LSTM and word n-grams are right on different texts), and a joint loss lets the stronger
member leave the weaker one little to learn (measured in the issue: +0.2 points jointly, +1.1
for a member trained on its own).
"""

import keras

from textlstm.models import ngram_member, sentiment_model
from textlstm.training import calibration
from textlstm.training.task import PhaseSettings, Task

WEIGHTS = tuple(round(0.05 * i, 2) for i in range(21))  # the member's share tried: 0 (LSTM alone) to 1


class NgramMemberTask(Task):
    """The member alone on the sentiment task's batches, loss and validation sets."""

    unit = "reviews"

    def __init__(self, sentiment):
        c = sentiment.config
        super().__init__(PhaseSettings(
            epochs=c.ngram_epochs, patience=c.patience, seed=c.seed + 2, batch_size=c.batch_size,
            sequence_length=c.sequence_length, learning_rate=c.ngram_learning_rate, clipnorm=c.clipnorm,
            weight_decay=c.ngram_weight_decay,
        ), sentiment.data_dir)
        self.sentiment = sentiment

    def steps_per_epoch(self):
        return self.sentiment.steps_per_epoch()

    def train_batches(self, seed):
        return self.sentiment.train_batches(seed)

    def validation_sets(self):
        return self.sentiment.validation_sets()

    def validation_weights(self):
        return self.sentiment.validation_weights()

    def build_model(self):
        s = self.sentiment
        return sentiment_model.build_ngram_member(s.config, s.vocab_size, variable_length=s.variable_length())

    def per_example_loss(self, targets, outputs):
        return self.sentiment.per_example_loss(targets, outputs)

    def sums(self, targets, outputs, per_example):
        return self.sentiment.sums(targets, outputs, per_example)


def combine(config, lstm: keras.Model, member: keras.Model, vocab_size: int, variable_length: bool) -> keras.Model:
    """The saved model's graph with the LSTM's and the member's weights, the combiner at w = 0.5."""
    combined = sentiment_model.build_sentiment_model(config, vocab_size, variable_length=variable_length)
    out = sentiment_model.output_layer(combined).name
    width = sentiment_model.head_shape(len(config.labels))[0]
    for layer in combined.layers:
        if not layer.weights:
            continue
        if layer.name == out:
            layer.set_weights(ngram_member.combined_initial_weights(width, 0.5))
        elif layer.name == sentiment_model.COMBINED_LSTM_HEAD:  # the LSTM's own output layer, without its activation
            layer.set_weights(sentiment_model.output_layer(lstm).get_weights())
        elif layer.name.startswith("ngram_"):
            layer.set_weights(member.get_layer(layer.name).get_weights())
        else:
            layer.set_weights(lstm.get_layer(layer.name).get_weights())
    return combined


def choose_weight(combined: keras.Model, validation_ids: dict, weights: dict, fixed=None) -> dict:
    """Sets the combiner to the member weight w with the lowest weighted validation log-loss (or to
    `fixed`); returns {"weight": w, "validation_log_loss": {w: loss}}."""
    layer = sentiment_model.output_layer(combined)
    width = layer.get_weights()[1].shape[0]
    # One pass: what the combiner reads is both members' logits side by side, (N, 2 width).
    both, labels, example_weights, _ = calibration.validation_arrays(combined, validation_ids, weights,
                                                                     read=calibration.features_of)
    lstm, member = both[:, :width], both[:, width:]
    if width == 1:  # a sigmoid head: (N,) logits and labels, as calibration reads them
        lstm, member, labels = lstm[:, 0], member[:, 0], labels.reshape(-1)
    losses = {w: calibration.weighted_nll((1 - w) * lstm + w * member, labels, example_weights, 1.0)
              for w in WEIGHTS}
    chosen = fixed if fixed is not None else min(losses, key=losses.get)
    layer.set_weights(ngram_member.combined_initial_weights(width, chosen))
    return {"weight": chosen, "validation_log_loss": {str(w): round(loss, 5) for w, loss in losses.items()}}
