"""The two models as graphs that LiteRT's builtin ops can run, from the trained weights.

Why not convert the Keras models: a Keras 3 LSTM converts to a WHILE loop over TensorList ops,
which need the Flex delegate, and the string preprocessing needs it too. Written out from the
layers' weights (the equations of models/lstm_math.py), each graph needs only GATHER, FULLY_CONNECTED,
elementwise ops and, for the classifier, a WHILE loop that carries plain tensors (and, with the
n-gram member, its bigram hashing in MUL, ADD, FLOOR_MOD and SELECT).

    character model:  char_id (1,), h_i, c_i (1, U) per layer -> logits (1, V), h_i_out, c_i_out
                      one character per call; the host runs the sampling loop
    sentiment model:  token_ids (1, L) int32, right-padded -> probabilities (1, C) in the order of
                      the model's labels, positive_probability (1, 1) (P(positive | negative or
                      positive)); the host tokenizes (textlstm/text/python_tokenizer.py)

The classifier reads only the n real words: with right padding, masked steps keep the state, so
a forward direction ends where the words end and a backward one starts there; what padding
would have added to the pooled features is added exactly (a Bidirectional's masked steps
output 0, which a max over the padded width sees; a plain LSTM's repeat its last output).
"""

import tensorflow as tf

from textlstm.data import labels as label_rule
from textlstm.models import lstm_math
from textlstm.models import ngram_member
from textlstm.models.charlm_model import lstm_layers
from textlstm.models.sentiment_model import COMBINED_LSTM_HEAD, is_combined, output_layer, trained_part


def _update(z, c):
    """Pre-activations z (1, 4U), gates [i, f, c, o], and the cell c (1, U) -> (h, c) after the step."""
    zi, zf, zc, zo = tf.split(z, 4, axis=-1)
    c = tf.sigmoid(zf) * c + tf.sigmoid(zi) * tf.tanh(zc)  # (1, U)
    return tf.sigmoid(zo) * tf.tanh(c), c


def _cell(x, h, c, kernel, recurrent_kernel, bias):
    return _update(tf.matmul(x, kernel) + tf.matmul(h, recurrent_kernel) + bias, c)


def _constants(lstm):
    return [tf.constant(w.numpy()) for w in lstm_math.weights_of(lstm)]


def state_names(layers: int) -> list:
    return [f"{kind}{i}" for i in range(layers) for kind in ("h", "c")]


def char_step(model) -> tf.types.experimental.ConcreteFunction:
    """The character model's one-character step (see the module docstring)."""
    embeddings = tf.constant(model.get_layer("embedding").embeddings.numpy())
    cells = [_constants(lstm) for lstm in lstm_layers(model)]
    dense = model.get_layer("logits")
    dense_kernel, dense_bias = tf.constant(dense.kernel.numpy()), tf.constant(dense.bias.numpy())
    units = cells[0][1].shape[0]
    names = state_names(len(cells))
    specs = [tf.TensorSpec([1], tf.int32, name="char_id")] + [tf.TensorSpec([1, units], tf.float32, name=n)
                                                               for n in names]

    @tf.function(input_signature=specs)
    def step(char_id, *states):
        x = tf.gather(embeddings, char_id)  # (1, E)
        out = {}
        for i, weights in enumerate(cells):
            x, c = _cell(x, states[2 * i], states[2 * i + 1], *weights)  # (1, U)
            out[f"h{i}_out"], out[f"c{i}_out"] = x, c
        return {"logits": tf.matmul(x, dense_kernel) + dense_bias, **out}  # (1, V)

    return step.get_concrete_function()


def _directions(model, config, index):
    """[(weights, reverse, zero outputs on masked steps)] of LSTM layer `index`, as lstm_math reads it."""
    return [(_constants(lstm), reverse, zero) for lstm, reverse, zero in lstm_math.directions(model, config, index)]


def _run(x, n, weights, reverse, keep_sequence, length):
    """One direction over the n real steps of x (L, E) -> (outputs (L, U) or None, max, sum, last h)."""
    kernel, recurrent_kernel, bias = weights
    units = recurrent_kernel.shape[0]
    xw = tf.matmul(x, kernel) + bias  # (L, 4U): the input projection of every step at once
    positions = tf.range(length)[:, None]  # (L, 1)

    def body(k, h, c, biggest, total, outputs):
        t = n - 1 - k if reverse else k
        h, c = _update(tf.reshape(tf.gather(xw, t), [1, 4 * units]) + tf.matmul(h, recurrent_kernel), c)  # (1, U)
        if keep_sequence:  # row t of the outputs, without a TensorList: a one-hot blend
            outputs = outputs + tf.cast(tf.equal(positions, t), tf.float32) * h  # (L, U)
        return k + 1, h, c, tf.maximum(biggest, h), total + h, outputs

    zeros = tf.zeros([1, units])
    start = (tf.constant(0), zeros, zeros, tf.fill([1, units], -3.0e38), zeros,
             tf.zeros([length, units]) if keep_sequence else tf.zeros([1, 1]))
    _, h, _, biggest, total, outputs = tf.while_loop(lambda k, *_: k < n, body, start)
    return (outputs if keep_sequence else None), biggest, total, h


def sentiment_classify(end_to_end, config, labels=label_rule.SENTIMENT_LABELS) -> tf.types.experimental.ConcreteFunction:
    """The classifier on token ids (see the module docstring); any depth, direction and pooling."""
    model = trained_part(end_to_end)
    length = config.sequence_length
    embeddings = tf.constant(model.get_layer("embedding").embeddings.numpy())
    layers = [_directions(model, config, i) for i in range(config.lstm_layers)]
    combined = is_combined(model)  # with the n-gram member: its path, then the combiner
    heads = [model.get_layer("dense"), model.get_layer(COMBINED_LSTM_HEAD) if combined else output_layer(model)]
    if combined:
        heads += [model.get_layer("ngram_logits"), output_layer(model)]
        grams = tf.constant(model.get_layer("ngram_embedding").embeddings.numpy())  # (V + K, C)
        vocab_size = embeddings.shape[0]
    head = [(tf.constant(d.kernel.numpy()), tf.constant(d.bias.numpy())) for d in heads]

    @tf.function(input_signature=[tf.TensorSpec([1, length], tf.int32, name="token_ids")])
    def classify(token_ids):
        ids = token_ids[0]  # (L,)
        n = tf.reduce_sum(tf.cast(ids != 0, tf.int32))  # real words: right-padded
        padded = tf.cast(n < length, tf.float32)  # 1.0 when masked steps exist
        x = tf.gather(embeddings, ids)  # (L, E)
        for index, directions in enumerate(layers):
            last_layer = index == len(layers) - 1
            results = [_run(x, n, w, rev, not last_layer, length) + (zero,) for w, rev, zero in directions]
            if not last_layer:
                x = tf.concat([r[0] for r in results], axis=-1)  # (L, U * directions); padded rows 0, masked next
        features = []
        if config.pooling == "last":
            features.append(tf.concat([r[3] for r in results], axis=-1))
        if config.pooling in ("max", "max_mean"):
            # Masked steps output 0 inside a Bidirectional (a max over the padded width sees it),
            # or repeat the last output in a plain LSTM (already in the max).
            maxima = [tf.maximum(r[1], -3.0e38 + padded * 3.0e38) if r[4] else r[1] for r in results]
            pooled = tf.concat(maxima, axis=-1)
            features.append(tf.nn.relu(pooled) if config.pool_relu else pooled)
        if config.pooling in ("mean", "max_mean"):
            features.append(tf.concat([r[2] for r in results], axis=-1) / tf.cast(n, tf.float32))
        hidden = tf.nn.relu(tf.matmul(tf.concat(features, axis=-1), head[0][0]) + head[0][1])  # (1, D)
        logits = tf.matmul(hidden, head[1][0]) + head[1][1]  # (1, 1) or (1, C)
        if combined:  # the n-gram member's masked mean of rows, its Dense, then the combiner
            ids_2 = ngram_member.ngram_ids(token_ids, vocab_size, config.ngram_buckets)  # (1, 2L)
            mean = ngram_member.mean_of_real(tf.gather(grams, ids_2), ids_2)  # (1, C)
            member = tf.matmul(mean, head[2][0]) + head[2][1]  # (1, C)
            logits = tf.matmul(tf.concat([logits, member], axis=-1), head[3][0]) + head[3][1]  # (1, C)
        outputs = tf.sigmoid(logits) if logits.shape[-1] == 1 else tf.nn.softmax(logits)
        answer = {"probabilities": label_rule.class_probability_tensor(outputs)}  # (1, C)
        if label_rule.has_polarity(labels):  # classes of a user's own have none
            answer["positive_probability"] = label_rule.positive_probability_tensor(outputs, labels)[:, None]  # (1, 1)
        return answer

    return classify.get_concrete_function()
