"""Sentiment classifier: ids -> class probabilities, and the raw-string end-to-end wrapper.

    token ids (B, T) -> Embedding(mask_zero) -> [Bi]LSTM x N -> pooling -> Dense -> output head

The output head reads the config's `labels`: two classes are one sigmoid column P(second class)
named "positive_probability" (the same function as a two-way softmax, with one logit instead of
two, and how every two-class folder was saved), three or more a softmax over the classes named
"probabilities". data/labels.py reads both as (B, C) rows.

With `ngram_buckets` > 0 a second member, a bag of word unigrams and hashed bigrams
(ngram_member.py), reads the same ids; the two members' logits meet in the output Dense.

Every LSTM is cuDNN-eligible (default tanh/sigmoid activations, bias on, no
recurrent_dropout, no unroll; masks are right-padded because TextVectorization
pads at the end), so a GPU gets the fused kernel.
"""

import dataclasses

import keras
from keras import layers

from textlstm.models import ngram_member

SIGMOID_OUTPUT = "positive_probability"  # two classes: Dense(1, sigmoid)
SOFTMAX_OUTPUT = "probabilities"  # three or more: Dense(C, softmax)
OUTPUT_LAYERS = (SIGMOID_OUTPUT, SOFTMAX_OUTPUT)
COMBINED_LSTM_HEAD = "lstm_logits"  # with the n-gram member: the LSTM's head, linear, into the combiner


def output_name(num_classes: int) -> str:
    return SIGMOID_OUTPUT if num_classes == 2 else SOFTMAX_OUTPUT


def head_shape(num_classes: int) -> tuple:
    """(width, activation) of the output: one sigmoid column for two classes, a softmax for more."""
    return (1, "sigmoid") if num_classes == 2 else (num_classes, "softmax")


def head_layers(config) -> tuple:
    """The classifier head, after the pooled LSTM features: what `new_head` starts fresh."""
    return ("dense", output_name(len(config.labels)))


def lstm_only(config):
    """The config of the (Bi)LSTM member alone: the model the main training phase trains."""
    return dataclasses.replace(config, ngram_buckets=0) if config.ngram_buckets else config


def is_combined(model: keras.Model) -> bool:
    """True for a model with the n-gram member beside the LSTM (its LSTM head is "lstm_logits")."""
    return COMBINED_LSTM_HEAD in {layer.name for layer in model.layers}


def output_layer(model: keras.Model):
    """The model's last Dense (sigmoid or softmax): the layer calibration folds a temperature into."""
    return next(model.get_layer(name) for name in OUTPUT_LAYERS if name in {l.name for l in model.layers})


def build_sentiment_model(config, vocab_size: int, variable_length: bool = False) -> keras.Model:
    """variable_length: Input (B, None) for inference on trimmed batches; training uses (B, T)."""
    ids = keras.Input(shape=(None if variable_length else config.sequence_length,), dtype="int32", name="token_ids")
    probability = _classify(config, ids, lambda name, make: make(name), vocab_size=vocab_size)
    return keras.Model(ids, probability, name="sentiment_lstm")


def _classify(config, ids, layer, vocab_size=None, on_embedded=None, on_sequence=None, on_ngrams=None):
    """The classifier's graph on `ids`; layer(name, make) gives each layer (make(name) builds a new one).
    on_embedded / on_sequence / on_ngrams: applied to the embedded words / the last LSTM's outputs /
    the n-gram member's embedded n-grams (twins that perturb them there: adversarial training, explanations)."""
    x = layer("embedding", lambda n: layers.Embedding(vocab_size, config.embedding_dim, mask_zero=True, name=n,
                                                      trainable=not config.freeze_embedding))(ids)  # (B, T, E)
    if on_embedded is not None:
        x = on_embedded(x)
    x = layer("embedding_dropout", lambda n: layers.SpatialDropout1D(config.dropout, name=n))(x)  # whole channels
    for i in range(config.lstm_layers):
        last = i == config.lstm_layers - 1
        lstm = lambda n: layers.LSTM(config.lstm_units, return_sequences=not (last and config.pooling == "last"), name=n)
        if config.bidirectional:
            x = layer(f"bilstm_{i}", lambda n: layers.Bidirectional(lstm(f"lstm_{i}"), name=n))(x)  # (B, T, 2U)
        else:
            x = layer(f"lstm_{i}", lstm)(x)  # (B, T, U)
    if on_sequence is not None:
        x = on_sequence(x)
    pooled = []
    if config.pooling in ("max", "max_mean"):
        # Masked (padded) steps repeat the last real output, so for a forward LSTM this is the
        # max over real steps exactly; a backward direction adds its zero initial output.
        max_pooled = layer("max_pool", lambda n: layers.GlobalMaxPooling1D(name=n))(x)  # (B, U*dirs)
        if config.pool_relu:
            max_pooled = layer("max_pool_relu", lambda n: layers.ReLU(name=n))(max_pooled)
        pooled.append(max_pooled)
    if config.pooling in ("mean", "max_mean"):
        pooled.append(layer("mean_pool", lambda n: layers.GlobalAveragePooling1D(name=n))(x))  # real steps only
    if pooled:
        x = pooled[0] if len(pooled) == 1 else layer("pool_concat", lambda n: layers.Concatenate(name=n))(pooled)
    x = layer("head_dropout", lambda n: layers.Dropout(config.dropout, name=n))(x)
    x = layer("dense", lambda n: layers.Dense(config.dense_units, activation="relu", name=n))(x)  # (B, D)
    # float32 even under mixed precision: a probability needs the precision.
    classes = len(config.labels)
    width, activation = head_shape(classes)
    output = lambda n: layers.Dense(width, activation=activation, dtype="float32", name=n)
    if not config.ngram_buckets:
        return layer(output_name(classes), output)(x)  # (B, 1) or (B, C)
    # With the n-gram member: both members' logits, then the combiner, a Dense initialised to their
    # weighted sum (ngram_member.combined_initial_weights); calibration folds into it.
    lstm_logits = layer(COMBINED_LSTM_HEAD, lambda n: layers.Dense(width, dtype="float32", name=n))(x)  # (B, C)
    ngram_logits = ngram_member.member_logits(config, ids, layer, vocab_size, width, on_ngrams)  # (B, C)
    both = layer("member_logits", lambda n: layers.Concatenate(name=n))([lstm_logits, ngram_logits])  # (B, 2C)
    return layer(output_name(classes), output)(both)  # (B, 1) or (B, C)


def build_ngram_member(config, vocab_size: int, variable_length: bool = False) -> keras.Model:
    """The n-gram member alone, for its own training: ids -> probabilities, the loss the LSTM trains on."""
    ids = keras.Input(shape=(None if variable_length else config.sequence_length,), dtype="int32", name="token_ids")
    width, activation = head_shape(len(config.labels))
    logits = ngram_member.member_logits(config, ids, lambda name, make: make(name), vocab_size, width)  # (B, C)
    out = layers.Activation(activation, dtype="float32", name=output_name(len(config.labels)))(logits)
    return keras.Model(ids, out, name="ngram_member")


def build_word_lm(config, vocab_size: int) -> keras.Model:
    """Pretraining model: ids (B, T) -> [hidden (B, T, U), logits (B, T, V)]; with
    `pretrain_directions=2`, [x, y] -> [forward hidden, backward hidden (right to left), logits].

    Same embedding and LSTM shapes as the classifier's directions. Training uses a sampled
    softmax on the hidden states with the `lm_head` weights, so the full logits output is
    never computed there (tf.function prunes it).
    """
    directions = getattr(config, "pretrain_directions", 1)
    inputs = [keras.Input(shape=(None,), dtype="int32", name=f"token_ids_{d}") for d in ("forward", "backward")]
    inputs = inputs[:directions]
    embedding = layers.Embedding(vocab_size, config.embedding_dim, mask_zero=True, name="embedding")
    dropout = config.dropout if config.pretrain_dropout is None else config.pretrain_dropout
    units = config.pretrain_lstm_units or config.lstm_units
    hidden = []
    for d, ids in enumerate(inputs):
        suffix = "" if d == 0 else "_backward"
        x = embedding(ids)  # (B, T, E)
        x = layers.SpatialDropout1D(dropout, name=f"embedding_dropout{suffix}")(x)
        for i in range(config.lstm_layers):
            x = layers.LSTM(units, return_sequences=True, go_backwards=d == 1, name=f"lstm{suffix}_{i}")(x)  # (B, T, U)
            x = layers.Dropout(dropout, name=f"dropout{suffix}_{i}")(x)
        hidden.append(x)
    head = layers.Dense(vocab_size, dtype="float32", name="lm_head")  # shared by both directions
    logits = head(hidden[0])  # (B, T, V)
    return keras.Model(inputs[0] if directions == 1 else inputs, [*hidden, logits], name="word_lm")


def transferable(lm: keras.Model, classifier: keras.Model, lstms: bool = True) -> list:
    """[(LM layer, classifier layer)] whose weights carry over: the embedding, and (lstms=True) each
    LSTM whose shapes match (forward LSTMs into forward directions, backward into backward)."""
    pairs = [(lm.get_layer("embedding"), classifier.get_layer("embedding"))]
    names = {layer.name for layer in lm.layers} if lstms else set()
    for layer in classifier.layers:
        if not layer.name.startswith(("lstm_", "bilstm_")):
            continue
        index = layer.name.split("_")[-1]
        if isinstance(layer, layers.Bidirectional):
            targets = [(f"lstm_{index}", layer.forward_layer), (f"lstm_backward_{index}", layer.backward_layer)]
        else:
            targets = [(f"lstm_{index}", layer)]
        for source_name, target in targets:
            if source_name in names:
                source = lm.get_layer(source_name)
                if [w.shape for w in source.weights] == [w.shape for w in target.weights]:
                    pairs.append((source, target))
    return pairs


def transfer_pretrained(lm: keras.Model, classifier: keras.Model, lstms: bool = True) -> list:
    """Copies the LM's embedding and matching LSTMs into the classifier; returns the target names."""
    pairs = transferable(lm, classifier, lstms)
    for source, target in pairs:
        target.set_weights(source.get_weights())
    return [target.name for _, target in pairs]


def build_end_to_end(vectorizer, model: keras.Model) -> keras.Model:
    """Raw strings (B,) -> P(positive) (B, 1) or class probabilities (B, C): the model that is saved and served."""
    text = keras.Input(shape=(), dtype="string", name="text")
    ids = vectorizer(text)  # (B, T) int64, right-padded
    probability = model(ids)  # (B, 1)
    return keras.Model(text, probability, name="sentiment_end_to_end")


LENGTH_BUCKET = 32  # trimmed lengths round up to this: few distinct shapes, few XLA compiles


def bucketed(length: int, limit: int) -> int:
    """`length` rounded up to a multiple of LENGTH_BUCKET, at most `limit` (the padded width)."""
    return min(limit, -(-length // LENGTH_BUCKET) * LENGTH_BUCKET)


def variable_length_copy(config, trained: keras.Model) -> keras.Model:
    """The same weights behind an input of any length (trained models have a fixed-width Input)."""
    copy = build_sentiment_model(config, trained.get_layer("embedding").input_dim, variable_length=True)
    copy.set_weights(trained.get_weights())
    return copy


def padding_is_inert(config) -> bool:
    """True when trailing padding cannot change the output, so inference may skip it.

    Masked steps repeat the last real output (forward LSTM) and mean pooling is mask-aware;
    only a backward direction feeding a max pool sees the padded steps' zero outputs, and a
    ReLU after that max pool makes them inert too: max(m, 0) = max(max(m, 0), 0).
    """
    return config.pool_relu or not (config.bidirectional and config.pooling in ("max", "max_mean"))


def trained_part(end_to_end: keras.Model) -> keras.Model:
    """The ids -> probability model inside a loaded end-to-end model."""
    return next(layer for layer in end_to_end.layers if isinstance(layer, keras.Model))


def vectorizer_part(end_to_end: keras.Model):
    return next(layer for layer in end_to_end.layers if isinstance(layer, layers.TextVectorization))
