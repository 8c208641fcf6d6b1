"""Hyperparameters of the two model kinds, as dataclasses saved as JSON with the model.

Every default carries its reason. `load_config` + `apply_overrides` give the
CLI's `--config FILE` and `--set key=value`; the resolved config is written to
RUN_DIR/config.json so a run can be repeated exactly.
"""

import dataclasses
import json
import typing
from typing import Optional

from textlstm import artifacts
from textlstm.data import labels as label_rule
from textlstm.data import sources
from textlstm.errors import TextLSTMError
from textlstm.text import ngrams


@dataclasses.dataclass
class SentimentConfig:
    kind: str = "sentiment"
    # --- data ---
    dataset: str = "imdb_reviews"  # any TFDS text-classification dataset
    text_key: str = "text"
    label_key: str = "label"
    train_split: str = "train[:90%]"  # validation is carved from train: test is never used for tuning
    validation_split: str = "train[90%:]"
    test_split: str = "test"
    directory: Optional[str] = None  # class-subfolder .txt tree instead of TFDS (text_dataset_from_directory)
    validation_fraction: float = 0.1  # with `directory` or `table_file`: share held out for validation
    table_file: Optional[str] = None  # a CSV/TSV of text,label rows instead of TFDS (textlstm/data/table.py)
    # Several labelled TFDS sources mixed batch by batch (textlstm/sources.py); None: the keys above
    # are the one source. With sources, each names its own splits, weight and unlabelled split.
    sources: Optional[list] = None
    steps_per_epoch: Optional[int] = None  # batches per epoch; None: all training examples once, on average
    # The model's classes in output order (data/labels.py decides with them); a source whose labels are
    # spelt otherwise, or has fewer or more of them, maps them with its `label_names`. Two: the sigmoid
    # head; three or more: a softmax, and a source that knows only some classes teaches only those.
    labels: list = dataclasses.field(default_factory=lambda: list(label_rule.SENTIMENT_LABELS))
    # --- preprocessing ---
    max_tokens: int = 20000  # vocabulary size (words); covers ~97% of IMDB tokens
    sequence_length: int = 400  # tokens per review; median IMDB review is ~230 words
    # --- model ---
    embedding_dim: int = 128
    lstm_units: int = 64  # per direction
    lstm_layers: int = 1
    bidirectional: bool = True
    pooling: str = "max"  # max | mean | last | max_mean: pooling over the masked LSTM outputs
    # ReLU on the max-pooled features: max(x, 0) is the same with or without the backward LSTM's
    # zero outputs on padded steps, so inference may skip trailing padding exactly (False: older models)
    pool_relu: bool = False
    dense_units: int = 64
    dropout: float = 0.4  # on the embeddings and before the head: IMDB overfits within 2-3 epochs
    # --- training ---
    batch_size: int = 64  # global batch; per-replica batch = batch_size / replicas
    epochs: int = 4
    learning_rate: float = 1e-3  # Adam
    clipnorm: float = 1.0  # LSTMs occasionally spike early in training
    patience: int = 2  # early stopping on validation loss, in epochs
    seed: int = 1337  # shuffling and initialisation: same seed, same run
    # "balanced": each class's examples weigh total / (classes x its count) in the loss (sklearn's rule),
    # so a rare label of a user's own counts as much as a common one; None: every example alike.
    class_weight: Optional[str] = None
    # --- optional language-model pretraining on unlabelled text (Dai & Le 2015) ---
    # The embedding and (forward) LSTMs first learn to predict the next word of the
    # training texts plus `pretrain_split`; the classifier then starts from them.
    pretrain_epochs: int = 0  # 0: no pretraining
    pretrain_split: str = "unsupervised"  # IMDB's 50,000 unlabelled reviews; "" = training texts only
    pretrain_sequence_length: int = 100  # tokens per LM window (truncated BPTT)
    pretrain_batch_size: int = 128
    pretrain_learning_rate: float = 2e-3
    pretrain_samples: int = 1024  # sampled-softmax negatives: a full 20k-word softmax costs ~13x the LSTM
    pretrain_lstm_units: Optional[int] = None  # the LM's LSTM size (default: lstm_units); LSTMs transfer only if equal
    pretrain_dropout: Optional[float] = None  # the LM's dropout (default: dropout)
    freeze_embedding: bool = False  # keep the (pretrained) embedding fixed: it is most of the weights and overfits
    # 2: a backward language model (reading right to left) too, for the BiLSTM's backward direction
    pretrain_directions: int = 1
    pretrain_transfer: str = "all"  # all: embedding and matching LSTMs; embedding: the word vectors only (ablation)
    # Pretrained layers take this fraction of each optimizer step, the new head the full step
    # (discriminative fine-tuning, Howard & Ruder 2018): the pretrained features change slowly.
    pretrained_learning_rate_multiplier: float = 1.0  # 0: frozen (a linear probe of the pretrained features)
    # Adversarial training (Miyato et al. 2017; textlstm/adversarial.py): the loss on each text plus
    # the loss after its embedded words are pushed `adversarial_epsilon` word-vector norms the worst way.
    adversarial_epsilon: float = 0.0  # 0: off; Miyato et al.'s 5.0 on normalised embeddings ~ 0.3 here; ~2.5x the step time
    # Counterfactual negations (textlstm/negation.py): short training texts with a negation put in or
    # taken out and the label flipped, drawn as one more source with this weight; 0: off. The data
    # alone does not teach "not bad": it is as common in negative texts as in positive ones.
    negation_weight: float = 0.0
    # --- optional second member: a bag of word unigrams and hashed bigrams (models/ngram_member.py) ---
    # It trains on its own after the (Bi)LSTM (training/ngram_phase.py); their logits are summed.
    ngram_buckets: int = 0  # hashed bigram buckets, e.g. 65521 (a prime); 0: the (Bi)LSTM alone
    ngram_epochs: int = 6  # an upper bound: early stopping on the validation loss, as for the LSTM
    ngram_learning_rate: float = 3e-3  # Adam's step on a linear model of ~250k x C weights
    ngram_weight_decay: float = 0.0  # > 0: AdamW's decoupled decay (per step, x learning rate)
    ngram_weight: Optional[float] = None  # the member's share of the summed logits; None: the best on validation
    # --- calibration ---
    calibrate: bool = False  # fit a temperature on the validation sets and fold it into the last layer
    # "vector": a temperature and a bias per class (three or more classes; Guo et al.'s vector scaling),
    # for a model one temperature cannot fit on every kind of text: SST's sentences want a softer answer
    # than GoEmotions' comments. Folded into the same Dense layer; it may move a close decision.
    calibration: str = "temperature"
    # --- optional self-training: a trained model labels the `pretrain_split` reviews it is sure of ---
    teacher: Optional[str] = None  # a trained sentiment model folder (run dir or saved_models/NAME); None: off
    teacher_confidence: float = 0.9  # keep a review if the teacher gives its label P >= this; IMDB's teacher
    # is that sure of 77% of validation reviews, and 96.6% right on them
    # --- optional fine-tuning: start from a trained model instead of from scratch (training/fine_tuning.py) ---
    base_model: Optional[str] = None  # a sentiment model folder or name whose vocabulary and weights start the run
    new_words: int = 0  # with base_model: add up to this many frequent new words as embedding rows; 0: keep its vocabulary
    new_head: bool = False  # with base_model: the dense head starts from fresh weights (ULMFiT's new head), not the base's


@dataclasses.dataclass
class CharLMConfig:
    kind: str = "charlm"
    # --- data ---
    dataset: str = "tiny_shakespeare"  # a TFDS dataset whose splits are one long string each
    text_key: str = "text"
    train_split: str = "train"
    validation_split: str = "validation"
    test_split: str = "validation+test"  # nanoGPT's held-out 10%: TFDS validation then test
    text_file: Optional[str] = None  # any UTF-8 file instead of TFDS: last 10% held out
    # --- model ---
    sequence_length: int = 100  # characters per training window (truncated BPTT length)
    embedding_dim: int = 64  # 65 characters need few dimensions
    lstm_units: int = 448  # this CPU's sweet spot: 512 steps ~1.7x slower (no AVX-512); see the model card
    lstm_layers: int = 2
    dropout: float = 0.3  # between layers: tiny_shakespeare (1M chars) overfits a 3M-parameter LSTM
    # --- training ---
    batch_size: int = 64
    epochs: int = 40  # an upper bound: early stopping ends the run when validation stops improving
    learning_rate: float = 2e-3  # Adam's (peak) step size
    # plateau: halve after every epoch without a new best validation loss; cosine: decay over all
    # `epochs` to final_learning_rate_fraction x learning_rate (textlstm/optimizers.py)
    learning_rate_schedule: str = "plateau"
    final_learning_rate_fraction: float = 0.01  # cosine's floor: the last epochs take small, averaging steps
    weight_decay: float = 0.0  # > 0: AdamW's decoupled decay per step (x learning rate); 0: Adam
    clipnorm: float = 5.0  # as in char-rnn: guards against exploding gradients
    patience: int = 3
    seed: int = 1337
    # Fine-tuning: a character model folder or name whose weights start the run; characters it has
    # never seen get new embedding and softmax rows (training/fine_tuning.py). None: from scratch.
    base_model: Optional[str] = None


CONFIG_CLASSES = {"sentiment": SentimentConfig, "charlm": CharLMConfig}
SCHEDULES = ("plateau", "cosine")  # learning_rate_schedule values (textlstm/optimizers.py)
AnyConfig = typing.Union[SentimentConfig, CharLMConfig]


def _check_ngram_member(config):
    words = config.max_tokens + config.new_words
    if not isinstance(config.ngram_buckets, int) or config.ngram_buckets < 0:
        raise TextLSTMError(f"config key 'ngram_buckets' must be an integer >= 0, got {config.ngram_buckets!r}")
    if config.ngram_buckets and words > ngrams.largest_vocabulary():
        raise TextLSTMError(f"config key 'ngram_buckets' needs at most {ngrams.largest_vocabulary():,} words "
                            f"(max_tokens + new_words), got {words:,}: a hashed bigram must fit in int32")
    if config.ngram_epochs < 1 or not config.ngram_learning_rate > 0 or not config.ngram_weight_decay >= 0:
        raise TextLSTMError("config keys 'ngram_epochs' >= 1, 'ngram_learning_rate' > 0 and "
                            "'ngram_weight_decay' >= 0 are required")
    if config.ngram_weight is not None and not 0.0 <= config.ngram_weight <= 1.0:
        raise TextLSTMError(f"config key 'ngram_weight' must be in [0, 1] or null, got {config.ngram_weight!r}")


def default_config(kind: str) -> AnyConfig:
    if kind not in CONFIG_CLASSES:
        raise TextLSTMError(f"model kind must be one of {sorted(CONFIG_CLASSES)}, got {kind!r}")
    return CONFIG_CLASSES[kind]()


def config_from_dict(values: dict) -> AnyConfig:
    kind = values.get("kind")
    config = default_config(kind)
    return apply_overrides(config, {k: v for k, v in values.items() if k != "kind"})


def load_config(path) -> AnyConfig:
    values = artifacts.read_json(path, "config file")
    if not isinstance(values, dict):
        raise TextLSTMError(f"config file {path} must hold a JSON object")
    return config_from_dict(values)


def _coerce(name: str, field_type, value):
    """Turns a `--set` string (or a JSON value) into the field's declared type."""
    optional = typing.get_origin(field_type) is typing.Union
    base = typing.get_args(field_type)[0] if optional else field_type
    if optional and (value is None or (isinstance(value, str) and value.lower() in ("none", "null", ""))):
        return None
    try:
        if base is bool:
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "1", "yes"):
                return True
            if str(value).lower() in ("false", "0", "no"):
                return False
            raise ValueError
        if base is int and isinstance(value, float) and not value.is_integer():
            raise ValueError
        if base is list:
            value = json.loads(value) if isinstance(value, str) else value
            if not isinstance(value, list):
                raise ValueError
            return value
        return base(value)
    except (TypeError, ValueError):  # json.JSONDecodeError is a ValueError
        raise TextLSTMError(f"config key {name!r} must be of type {base.__name__}, got {value!r}") from None


def apply_overrides(config: AnyConfig, overrides: dict) -> AnyConfig:
    fields = {f.name: f for f in dataclasses.fields(config)}
    changes = {}
    for key, value in overrides.items():
        if key not in fields or key == "kind":
            allowed = ", ".join(name for name in fields if name != "kind")
            raise TextLSTMError(f"unknown config key {key!r} for {config.kind}; allowed keys: {allowed}")
        changes[key] = _coerce(key, fields[key].type, value)
    config = dataclasses.replace(config, **changes)
    validate_config(config)
    return config


def parse_set_arguments(pairs) -> dict:
    """`["epochs=3", "dropout=0.2"]` -> {"epochs": "3", "dropout": "0.2"}."""
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise TextLSTMError(f"--set expects key=value, got {pair!r}")
        out[key.strip()] = value.strip()
    return out


def validate_config(config: AnyConfig) -> None:
    positive = ["sequence_length", "embedding_dim", "lstm_units", "lstm_layers", "batch_size", "epochs"]
    if isinstance(config, SentimentConfig):
        positive += ["max_tokens", "dense_units"]
        if config.pooling not in ("max", "mean", "last", "max_mean"):
            raise TextLSTMError(
                f"config key 'pooling' must be one of max, mean, last, max_mean; got {config.pooling!r}"
            )
        if config.pretrain_epochs < 0 or config.pretrain_samples < 1:
            raise TextLSTMError("config keys 'pretrain_epochs' >= 0 and 'pretrain_samples' >= 1 are required")
        if not 0.5 <= config.teacher_confidence < 1.0:
            raise TextLSTMError(
                f"config key 'teacher_confidence' must be in [0.5, 1), got {config.teacher_confidence}"
            )
        if config.max_tokens < 3:
            raise TextLSTMError("config key 'max_tokens' must be at least 3 (padding, unknown and one word)")
        if config.pretrain_directions not in (1, 2):
            raise TextLSTMError(f"config key 'pretrain_directions' must be 1 or 2, got {config.pretrain_directions}")
        if config.pretrain_transfer not in ("all", "embedding"):
            raise TextLSTMError(f"config key 'pretrain_transfer' must be one of all, embedding; got {config.pretrain_transfer!r}")
        if config.pretrain_directions == 2 and not config.bidirectional:
            raise TextLSTMError("config key 'pretrain_directions' 2 needs 'bidirectional': true")
        if not 0.0 <= config.pretrained_learning_rate_multiplier <= 1.0:
            raise TextLSTMError("config key 'pretrained_learning_rate_multiplier' must be in [0, 1] (0: frozen), "
                                f"got {config.pretrained_learning_rate_multiplier}")
        if config.class_weight not in (None, "balanced"):
            raise TextLSTMError(f"config key 'class_weight' must be null or \"balanced\", got {config.class_weight!r}")
        if config.calibration not in ("temperature", "vector"):
            raise TextLSTMError(f"config key 'calibration' must be one of temperature, vector; got {config.calibration!r}")
        if config.calibration == "vector" and len(config.labels) < 3:
            raise TextLSTMError("config key 'calibration' vector needs 3 or more labels; two classes use temperature")
        if not config.negation_weight >= 0.0:
            raise TextLSTMError(f"config key 'negation_weight' must be >= 0, got {config.negation_weight}")
        if not config.adversarial_epsilon >= 0.0:
            raise TextLSTMError(f"config key 'adversarial_epsilon' must be >= 0, got {config.adversarial_epsilon}")
        if config.steps_per_epoch is not None and config.steps_per_epoch < 1:
            raise TextLSTMError(f"config key 'steps_per_epoch' must be a positive integer, got {config.steps_per_epoch}")
        given = [key for key in ("sources", "directory", "table_file") if getattr(config, key) is not None]
        if len(given) > 1:
            raise TextLSTMError(f"config keys {' and '.join(repr(k) for k in given)} exclude each other: give one")
        if config.new_words < 0 or (config.new_words and not config.base_model):
            raise TextLSTMError("config key 'new_words' must be >= 0, and applies with 'base_model' only")
        if config.new_head and not config.base_model:
            raise TextLSTMError("config key 'new_head' applies with 'base_model' only")
        _check_ngram_member(config)
        if not 0.0 < config.validation_fraction < 1.0:
            raise TextLSTMError(f"config key 'validation_fraction' must be in (0, 1), got {config.validation_fraction}")
        label_rule.check_labels(config.labels, "config key 'labels'")
        if config.teacher and len(config.labels) != 2:
            raise TextLSTMError("config key 'teacher' (self-training) needs two 'labels': its pseudo-labels "
                                "are negative or positive")
        if config.negation_weight > 0 and not set(label_rule.SENTIMENT_LABELS) <= set(config.labels):
            raise TextLSTMError("config key 'negation_weight' > 0 needs 'labels' with negative and positive: "
                                "a counterfactual negation flips one into the other")
        if config.sources is not None:
            if not config.sources:
                raise TextLSTMError("config key 'sources' must list at least one source (or be null)")
            sources.check_sources(sources.sources_of(config), config.labels)
    for name in positive:
        if getattr(config, name) < 1:
            raise TextLSTMError(f"config key {name!r} must be a positive integer, got {getattr(config, name)}")
    if not 0.0 <= config.dropout < 1.0:
        raise TextLSTMError(f"config key 'dropout' must be in [0, 1), got {config.dropout}")
    if not config.learning_rate > 0:
        raise TextLSTMError(f"config key 'learning_rate' must be > 0, got {config.learning_rate}")
    if isinstance(config, CharLMConfig):
        if config.learning_rate_schedule not in SCHEDULES:
            raise TextLSTMError(f"config key 'learning_rate_schedule' must be one of {', '.join(SCHEDULES)}; "
                                f"got {config.learning_rate_schedule!r}")
        if not 0.0 <= config.final_learning_rate_fraction <= 1.0:
            raise TextLSTMError("config key 'final_learning_rate_fraction' must be in [0, 1], "
                                f"got {config.final_learning_rate_fraction}")
        if not 0.0 <= config.weight_decay < 1.0:
            raise TextLSTMError(f"config key 'weight_decay' must be in [0, 1), got {config.weight_decay}")
    if config.patience < 0:
        raise TextLSTMError(f"config key 'patience' must be >= 0, got {config.patience}")


def config_to_dict(config: AnyConfig) -> dict:
    return dataclasses.asdict(config)
