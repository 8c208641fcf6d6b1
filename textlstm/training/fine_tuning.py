"""Fine-tuning: a run that starts from a trained model (a shipped name or a folder), not from scratch.

The run keeps the base model's architecture and vocabulary, copies its weights before the first
epoch (a sentiment model's head starts fresh: `new_head`), and trains on the new data with the
small-data recipe below: a held-out slice for early stopping, a short schedule, the embedding and
LSTMs at 0.3 of the head's learning rate (discriminative fine-tuning, Howard & Ruder 2018), and the
calibration refitted on the held-out slice. What the base model never saw gets rows of its own:
new characters always (an embedding row, a softmax row), frequent new words when `new_words` > 0
(an embedding row each). The result is an ordinary run folder whose config.json names its
`base_model`.
"""

import dataclasses
import os

from textlstm import config as config_lib
from textlstm import loading
from textlstm.artifacts import VOCABULARY_FILE
from textlstm.data import table
from textlstm.errors import TextLSTMError
from textlstm.models import sentiment_model
from textlstm.text import rules, vectorizers

# The base model's shapes: a fine-tuned model must have the same to take its weights. (Not the
# sentiment model's sequence_length: its LSTMs read any length, so short texts may use a short window.)
ARCHITECTURE = {
    "sentiment": ("embedding_dim", "lstm_units", "lstm_layers", "bidirectional", "pooling",
                  "pool_relu", "dense_units", "dropout", "freeze_embedding", "ngram_buckets"),
    "charlm": ("embedding_dim", "lstm_units", "lstm_layers", "dropout"),
}
# The small-data recipe: the defaults of a fine-tuning run (any of them can be overridden).
RECIPE = {
    # Measured on Pros & Cons and GoEmotions at N = 300, 3 seeds (docs/fine-tuning.md): the first recipe
    # (12 epochs, patience 3, 1e-3, 0.1x, the base's head, no new words) gave 78.1 and 70.8; this one 82.2 and 72.7.
    "sentiment": dict(
        epochs=30,  # an upper bound: early stopping on the held-out slice ends most runs in 8-15
        patience=6,  # 60 held-out texts give a noisy loss: a bad epoch or two is not the end
        batch_size=16,  # 300 examples give ~16 steps per epoch
        learning_rate=3e-3,  # the new head's; halved after every epoch without a better held-out loss
        pretrained_learning_rate_multiplier=0.3,  # embedding and LSTMs: 9e-4; 0.1 left them too slow to move
        new_head=True,  # +0.4 to +1.4 points over keeping the IMDB head: the new labels are not IMDB's
        new_words=500,  # the data's frequent words the base vocabulary lacks: +0.4 on Pros & Cons
        validation_fraction=0.2,  # 60 of 300 examples, 20 of 100: enough to pick an epoch and fit one temperature
        calibrate=True,  # the base model's temperature does not fit the new texts
        # Each class weighs the same in the loss, however few its examples: a user's labels are rarely
        # even (airline complaint reasons: 2% to 30% each). english_sentiment -> own labels, N = 300,
        # macro-F1: complaint reasons 0.182 -> 0.246, product domains 0.772 -> 0.806, airline
        # sentiment 0.642 -> 0.713 (benchmarks/fine_tuning.py --part own, seed 0; docs/fine-tuning.md).
        class_weight="balanced",
        # A base with the n-gram member trains a new one on the new data. A few hundred examples are
        # ~15 steps an epoch: the from-scratch 6 epochs at 3e-3 left it near chance on product topics
        # (english_sentiment -> Multi-domain's 4 domains, N = 300: macro-F1 0.25-0.41 with the member as
        # it was, 0.76 with 60 epochs at 1e-2, 0.77 at 3e-2; benchmarks/fine_tuning.py --part own).
        ngram_epochs=60,  # an upper bound: the member stops early on the held-out loss like the LSTM
        ngram_learning_rate=3e-2,
        # what a from-scratch recipe adds does not apply: the base model already has it
        teacher=None, pretrain_epochs=0, negation_weight=0.0, adversarial_epsilon=0.0, sources=None,
        steps_per_epoch=None,
    ),
    "charlm": dict(
        epochs=10,
        patience=2,
        batch_size=32,  # 100,000 characters give ~28 steps per epoch
        learning_rate=1e-3,  # half the from-scratch peak: the weights are already good
        learning_rate_schedule="plateau",
    ),
}
SLOW_LAYERS = ("embedding", "lstm_", "bilstm_")  # the pretrained feature layers: the slower rate
CHARLM_LSTM_RATE = 0.3  # the character model's embedding and LSTMs: a new style still needs them to move


def fine_tune_config(kind, base, overrides=None):
    """The config of a run starting from `base` (a name or folder): its architecture, the recipe, and
    `overrides` (data keys such as directory / table_file / text_file, and any recipe key)."""
    folder = loading.model_folder(base)
    base_config = loading.load_folder_config(folder)
    check_kind(base_config, kind, base)
    config = config_lib.default_config(kind)
    inherited = {key: getattr(base_config, key) for key in ARCHITECTURE[kind]}
    if kind == "sentiment":  # defaults the overrides may change
        inherited.update(max_tokens=base_config.max_tokens, sequence_length=base_config.sequence_length)
    config = dataclasses.replace(config, **inherited, **RECIPE[kind], base_model=os.path.abspath(folder))
    config = config_lib.apply_overrides(config, overrides or {})
    if kind == "sentiment" and config.table_file and "batch_size" not in (overrides or {}):
        # a few dozen examples (the CLI's --table-file): batches no larger than the held-out slice
        train, held_out = table.labelled_splits(*table.read_table(config.table_file), config.validation_fraction,
                                                config.seed, where=f"table file {config.table_file}")
        config = dataclasses.replace(config, batch_size=table.batch_size(train, held_out, config.batch_size))
    return config


def check_kind(base_config, kind, base):
    if base_config.kind != kind:
        wanted = loading.KIND_NAMES
        raise TextLSTMError(f"base model {base} is {wanted[base_config.kind]}; fine-tuning {wanted[kind]} "
                            f"needs {wanted[kind]} to start from")


@dataclasses.dataclass
class BaseModel:
    folder: str
    config: object
    model: object  # the keras.Model whose weights start the run (the sentiment model's ids -> P part)
    tokens: list  # its vocabulary, id order
    end_to_end: object  # the model as saved (raw strings in, for sentiment): scores the held-out slice before

    @classmethod
    def load(cls, config):
        folder = loading.model_folder(config.base_model)
        base_config = loading.load_folder_config(folder)
        check_kind(base_config, config.kind, config.base_model)
        different = [k for k in ARCHITECTURE[config.kind] if getattr(base_config, k) != getattr(config, k)]
        if different:
            raise TextLSTMError(f"config key(s) {different} differ from base model {config.base_model}'s; a "
                                "fine-tuned model keeps its base model's architecture")
        if config.kind == "sentiment" and list(base_config.labels) != list(config.labels) and not config.new_head:
            raise TextLSTMError(f"base model {config.base_model} answers {', '.join(base_config.labels)}, this run "
                                f"{', '.join(config.labels)}: other classes need a new head (config key 'new_head': true)")
        end_to_end = loading.load_keras_model(folder)
        model = sentiment_model.trained_part(end_to_end) if config.kind == "sentiment" else end_to_end
        tokens = vectorizers.load_tokens(os.path.join(folder, VOCABULARY_FILE))
        return cls(folder, base_config, model, tokens, end_to_end)


def new_words(texts, tokens, limit, min_count=2):
    """Up to `limit` words of `texts` the vocabulary lacks, most frequent first (seen >= min_count times)."""
    known, counts = set(tokens), {}
    for text in texts:
        for word in rules.words(text):
            if word not in known:
                counts[word] = counts.get(word, 0) + 1
    ranked = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return ranked[:limit]


def copy_weights(base, model, grown=("embedding",), output=None, fresh=()):
    """Every layer of `model` but those named in `fresh` takes its namesake's weights in `base`. A
    layer in `grown` may have more rows (new words or characters): the base rows are copied, each new
    row is the mean of the base rows. `output`: the softmax layer, whose new columns are the base's mean and new biases its
    smallest (a new character starts as unlikely as the rarest known one)."""
    # A base with the n-gram member (models/ngram_member.py): the LSTM's own head is "lstm_logits";
    # the member itself trains anew on the new data, in its own phase (training/ngram_phase.py).
    renamed = {sentiment_model.output_layer(model).name: sentiment_model.COMBINED_LSTM_HEAD} if (
        sentiment_model.is_combined(base) and not sentiment_model.is_combined(model)) else {}
    for layer in model.layers:
        if not layer.weights or layer.name in fresh:
            continue
        source = base.get_layer(renamed.get(layer.name, layer.name))
        old, new = source.get_weights(), layer.get_weights()
        if [w.shape for w in old] == [w.shape for w in new]:
            layer.set_weights(old)
        elif layer.name in grown:  # embedding (V, E): rows
            table = new[0]
            table[:old[0].shape[0]] = old[0]
            table[old[0].shape[0]:] = old[0][2:].mean(axis=0)  # not padding or [UNK]
            layer.set_weights([table])
        elif layer.name == output:  # logits: kernel (U, V), bias (V,)
            kernel, bias = new
            known = old[0].shape[1]
            kernel[:, :known], bias[:known] = old
            kernel[:, known:] = old[0][:, 2:].mean(axis=1, keepdims=True)
            bias[known:] = old[1][2:].min()
            layer.set_weights([kernel, bias])
        else:
            raise TextLSTMError(f"layer {layer.name!r} has other shapes than in the base model")


def slow_variables(model):
    """The pretrained feature layers' variables: they take pretrained_learning_rate_multiplier."""
    return [v for layer in model.layers if layer.name.startswith(SLOW_LAYERS) for v in layer.trainable_variables]

