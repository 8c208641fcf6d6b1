"""Which words pushed the sentiment decision, mapped back to the words the user typed.

Three methods, same output: (P(positive), [(piece, score or None), ...]) where the pieces are the
text's words and the whitespace between them, in order, and a word's score is its push towards
"positive" (negative: towards "negative"), scaled so the strongest word is ±1. P(positive) is
P(positive | negative or positive) (data/labels.py). Each explainer's `explain_rows` gives every
class's probability instead, computed in the explanation's own pass by the model's own layers
(SentimentPredictor.rows_of): the answer the API gives, with no second pass.

What is explained: a two-class model's P(positive); a model with a neutral class, its polarity
P(positive) - P(negative), the quantity a word moves towards one side or the other. There the
scale is at least STRONG_WORD: when no word moves the polarity that much, every score stays under
±1 and `strongest` says so, which is how the demo tells a plain statement's "no strong words" from
a real push.

- "gradients" (default): integrated gradients (Sundararajan, Taly & Yan 2017) along the word
  vectors, from all-zero vectors (same words, same mask, no meaning) to the review's own. The
  path's STEPS points are one batch: one forward and one backward pass, the LSTMs' backward pass
  written out (models/lstm_math.py) because TensorFlow's own is ~20x slower here; the model's own
  forward pass on the review itself, in the same compiled call, gives the answer.
  A token's score is sum_e x_e * mean_k dP/dx_e(alpha_k x); with many points the scores add up
  to P(review) - P(zero vectors) (tests check it). With the n-gram member, its embedded unigrams and
  bigrams take the same path, and a bigram's score is shared by its two words. One point (the midpoint) is the default: it
  agrees with occlusion more than the exact integral does, at the least cost.
- "occlusion": P(review) - P(review without the word), one forward pass per word: the reference
  the gradients are checked against (benchmarks/explanations.py).
- "pooling": which words the classifier's pooled features came from. A max-pooled feature is taken
  from one step, a mean-pooled one from every step in equal parts; each feature's contribution to
  the decision's log-odds (the feature times the log-odds' gradient with respect to it, through
  the dense head) goes to the steps it came from. A step's score is sum_j S_tj * dz/dS_tj over the
  last LSTM's outputs S, since the gradient of a max reaches only its winning step.

Words past the model's window (`sequence_length` tokens) are not read: their score is None.
"""

import keras
import numpy as np
import tensorflow as tf

from textlstm.data import labels as label_rule
from textlstm.errors import TextLSTMError
from textlstm.models import lstm_math, ngram_member, sentiment_model
from textlstm.text.rules import has_word, words_of

METHODS = ("gradients", "occlusion", "pooling")
STEPS = 1  # path points: 1 (the midpoint) agrees with occlusion best and costs least (benchmarks/explanations.py)
GRADIENT_ROWS = 512  # path points per backward pass (reviews x STEPS): bounds memory
OCCLUSION_BATCH = 64  # variants per forward pass
STRONG_WORD = 0.1  # a word that moves P(positive) - P(negative) less than this is not a strong word


def strongest(pieces) -> float:
    """The largest |score| of an explanation's pieces: 1.0 when some word is strong, below 1 when none is."""
    return max([abs(score) for _, score in pieces if score is not None], default=0.0)


def _targets(labels):
    """(explained(outputs, answered) -> (B,), scale floor) for a model's labels: P(positive), the
    polarity, or, for classes of a user's own, the probability of the class each text was answered
    (answered: (B,) int class ids)."""
    if len(labels) == 2:
        def probability(out, answered):  # (B, 1) -> (B,)
            return out[:, 0]

        return probability, 1e-6
    if not label_rule.has_polarity(labels):
        def answer(out, answered):  # (B, C) -> (B,) P(the answer)
            return tf.gather(out, answered, batch_dims=1)

        return answer, STRONG_WORD
    negative, positive = (list(labels).index(name) for name in label_rule.SENTIMENT_LABELS)

    def polarity(out, answered):  # (B, C) -> (B,) P(positive) - P(negative)
        return out[:, positive] - out[:, negative]

    return polarity, STRONG_WORD


def _log(p):
    """log p, finite where a sure model's p rounds to 0 in float32 (its gradient there is 0, not NaN)."""
    return tf.math.log(tf.maximum(p, 1e-30))


def check_method(method):
    if method not in METHODS:
        raise TextLSTMError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    return method


def _scaled(pieces, token_piece, token_scores, window, floor=1e-6):
    """Per-piece scores (None where unread) scaled so the strongest is ±1 (or by `floor`, if larger)."""
    scores = {i: float(token_scores[k]) for k, i in enumerate(token_piece[:window])}
    scale = max([abs(s) for s in scores.values()] + [floor])
    return [(piece, round(scores[i] / scale, 3) if i in scores else None) for i, piece in enumerate(pieces)]


def _pieces(texts, token_scores, window, floor=1e-6):
    """[pieces with scaled scores] per text, from per-token scores (N, T)."""
    return [_scaled(*words_of(text), scores, window, floor) for text, scores in zip(texts, token_scores)]


def with_positive_probability(classifier, rows, pieces):
    """(class rows (N, C), pieces) -> [(P(positive | negative or positive), pieces)]: what `explain` returns
    (None for classes of a user's own)."""
    if not label_rule.has_polarity(classifier.labels):
        return [(None, each) for each in pieces]
    return [(float(p), each) for p, each in zip(label_rule.positive_probability(rows, classifier.labels), pieces)]


def _power_of_4(n):
    """1, 4, 16, 64, ...: batch sizes an explanation pads to (each new shape costs a compile and memory)."""
    size = 1
    while size < n:
        size *= 4
    return size


class GivenValues(keras.layers.Layer):
    """[computed (B, T, D) with its mask, given (B, T, D)] -> given, with the computed mask. Inside a
    tf.function the computed values are then never evaluated (graph pruning): the head runs alone."""

    def call(self, inputs):
        return inputs[1]

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else mask[0]


def _head(net, config):
    """[ids, the last LSTM's outputs(, the embedded n-grams)] -> P(positive): the model's own pooling and
    dense layers alone (and with the n-gram member, its mean and Dense on the n-gram vectors given)."""
    ids_in = keras.Input(shape=(None,), dtype="int32")
    given = keras.Input(shape=(None, config.lstm_units * (2 if config.bidirectional else 1)))
    inputs, on_ngrams = [ids_in, given], None
    if config.ngram_buckets:
        grams = keras.Input(shape=(None, net.get_layer("ngram_embedding").output_dim))
        inputs, on_ngrams = inputs + [grams], lambda x: GivenValues()([x, grams])
    return keras.Model(inputs, sentiment_model._classify(
        config, ids_in, lambda name, make: net.get_layer(name), on_sequence=lambda x: GivenValues()([x, given]),
        on_ngrams=on_ngrams))


def _gram_vectors(net, config, ids):
    """(B, T) ids -> (B, 2T, C) the n-gram member's embedded unigrams and bigrams, padding zeroed; None
    without the member. What a word contributes through them is scored like its word vector."""
    if not config.ngram_buckets:
        return None
    layer = net.get_layer("ngram_embedding")
    grams = ngram_member.ngram_ids(ids, layer.input_dim - config.ngram_buckets, config.ngram_buckets)  # (B, 2T)
    return layer(grams) * tf.cast(grams != 0, tf.float32)[..., None]


def _pooled(config):
    if config is None or config.pooling == "last":
        raise TextLSTMError("gradient explanations need a pooled model (pooling max, mean or max_mean)")


def trimmed_ids(classifier, texts):
    """Vectorized texts, trailing padding cut where that is exact (see padding_is_inert)."""
    ids = classifier.token_ids(texts)  # (B, window)
    used = int((ids != 0).sum(axis=1).max(initial=0))
    # Without a ReLU after the max pool, a backward LSTM's zero outputs on padding join the max:
    # one padded step does exactly what many do, so keep at least one.
    keep = used if sentiment_model.padding_is_inert(classifier.config) else used + 1
    return ids[:, : sentiment_model.bucketed(keep, ids.shape[1])]


class IntegratedGradients:
    """`IntegratedGradients(classifier).explain_rows(texts)` -> (class rows (N, C), [pieces] per text).

    The LSTMs run by hand (models/lstm_math.py: forward, then backpropagation through time written out);
    the pooling and dense head are the model's own layers, differentiated by TensorFlow.
    """

    def __init__(self, classifier, steps=STEPS):  # steps: path points (midpoints of equal parts)
        self.classifier, self.steps = classifier, steps
        config = classifier.config
        _pooled(config)
        self.window = config.sequence_length
        net = classifier.variable_length_model()
        embedding, head = net.get_layer("embedding"), _head(net, config)
        explained, self.floor = _targets(classifier.labels)
        alphas = tf.constant([(k + 0.5) / steps for k in range(steps)])  # (S,): the path's points

        def along(values, batch):  # (B, ..., X) -> (R, ..., X): each review's values at every path point
            scaled = tf.reshape(alphas, [1, -1] + [1] * (len(values.shape) - 1)) * values[:, None]
            return tf.reshape(scaled, tf.concat([[batch * steps], tf.shape(values)[1:]], axis=0))

        def mean_gradient(values, gradient, batch):  # (B, ..., X), (R, ..., X) -> (B, ...): x * mean_k df/dx
            gradient = tf.reshape(gradient, tf.concat([[batch, steps], tf.shape(values)[1:]], axis=0))
            return tf.reduce_sum(values * tf.reduce_mean(gradient, axis=1), axis=-1)

        def attribute(ids):  # (B, T) int32 -> (the model's outputs (B, 1) or (B, C), token scores (B, T))
            batch, length = tf.shape(ids)[0], tf.shape(ids)[1]
            mask = tf.cast(ids != 0, tf.float32)  # (B, T)
            vectors = embedding(ids) * mask[..., None]  # (B, T, E)
            rows = tf.repeat(ids, steps, axis=0)  # (R = B*S, T)
            path = along(vectors, batch)  # (R, T, E)
            sequence, states = lstm_math.stack_forward(net, config, path, tf.repeat(mask, steps, axis=0))  # (R, T, D)
            grams = _gram_vectors(net, config, ids)  # (B, 2T, C) or None: the n-gram member's inputs, same path
            watched = [sequence] + ([along(grams, batch)] if grams is not None else [])
            answer = net(ids, training=False)  # the answer: the model's own layers on the text itself
            answered = tf.repeat(tf.argmax(answer, axis=-1, output_type=tf.int32), steps)  # (R,)
            with tf.GradientTape() as tape:
                tape.watch(watched)
                out = head([rows, *watched], training=False)  # (R, 1) or (R, C)
                f = explained(out, answered)  # (R,)
            gradients = tape.gradient(f, watched)
            d_path = lstm_math.stack_backward(net, config, states, gradients[0])  # (R, T, E)
            scores = mean_gradient(vectors, d_path, batch)  # (B, T)
            if grams is not None:
                scores += ngram_member.token_scores(mean_gradient(grams, gradients[1], batch), length)
            return answer, scores

        self._attribute = tf.function(attribute, jit_compile=True, reduce_retracing=True)

    def scores(self, texts):
        """(class rows (N, C), token scores (N, T)) for texts already checked."""
        ids = trimmed_ids(self.classifier, texts)
        per_pass = max(1, GRADIENT_ROWS // self.steps)
        outputs, scores = [], []
        for start in range(0, len(texts), per_pass):
            chunk = ids[start : start + per_pass]
            n = len(chunk)
            filler = np.zeros((_power_of_4(n) - n, ids.shape[1]), ids.dtype)  # few shapes, few compiles
            filler[:, 0] = 1  # one (unknown) token each: no 0/0 in the masked mean
            out, s = self._attribute(tf.constant(np.concatenate([chunk, filler])))
            outputs.append(out.numpy()[:n])
            scores.append(s.numpy()[:n])
        return self.classifier.rows_of(np.concatenate(outputs)), np.concatenate(scores)

    def explain_rows(self, texts):
        """(class rows (N, C), [pieces] per text): the answer and its explanation, one pass."""
        rows, scores = self.scores(texts)
        return rows, _pieces(texts, scores, self.window, self.floor)


class PooledAccount:
    """`PooledAccount(classifier).explain_rows(texts)` -> (class rows (N, C), [pieces] per text): the
    "pooling" method of the module docstring, one forward pass and a backward pass through the head."""

    def __init__(self, classifier):
        self.classifier, config = classifier, classifier.config
        _pooled(config)
        net = classifier.variable_length_model()
        embedding, head = net.get_layer("embedding"), _head(net, config)
        labels = classifier.labels
        polar = ([labels.index(name) for name in label_rule.SENTIMENT_LABELS] if len(labels) > 2
                 and label_rule.has_polarity(labels) else None)

        def account(ids):  # (B, T) int32 -> step scores (B, T)
            mask = tf.cast(ids != 0, tf.float32)  # (B, T)
            sequence, _ = lstm_math.stack_forward(net, config, embedding(ids) * mask[..., None], mask)  # (B, T, D)
            grams = _gram_vectors(net, config, ids)  # the n-gram member's contributions are linear: x * dz/dx exactly
            watched = [sequence] + ([grams] if grams is not None else [])
            with tf.GradientTape() as tape:
                tape.watch(watched)
                out = head([ids, *watched], training=False)  # (B, 1) or (B, C)
                if len(labels) == 2:
                    log_odds = _log(out[:, 0]) - _log(1.0 - out[:, 0])  # (B,)
                elif polar is None:  # classes of a user's own: log P(answer) / (1 - P(answer))
                    p = tf.reduce_max(out, axis=-1)
                    log_odds = _log(p) - _log(1.0 - p)
                else:  # log P(positive) / P(negative)
                    log_odds = _log(out[:, polar[1]]) - _log(out[:, polar[0]])
            gradients = tape.gradient(log_odds, watched)
            scores = tf.reduce_sum(sequence * gradients[0], axis=-1)  # (B, T)
            if grams is not None:
                scores += ngram_member.token_scores(tf.reduce_sum(grams * gradients[1], axis=-1), tf.shape(ids)[1])
            return scores

        self._account = tf.function(account, reduce_retracing=True)  # not XLA: no compile per text length

    def explain_rows(self, texts):
        scores = self._account(tf.constant(trimmed_ids(self.classifier, texts)))
        window = self.classifier.config.sequence_length  # the answer: the fast path's (compiled), bit for bit
        return self.classifier.class_probabilities(texts), _pieces(texts, scores.numpy(), window)


def _occlusion_value(classifier, rows, answered) -> np.ndarray:
    """(N,) what occlusion explains, from class rows (N, C): P(positive), P(positive) - P(negative),
    or, for classes of a user's own, P(answered) (the class the whole text was answered)."""
    if len(classifier.labels) == 2:
        return rows[:, 1]
    if not label_rule.has_polarity(classifier.labels):
        return rows[:, answered]
    negative, positive = (list(classifier.labels).index(name) for name in label_rule.SENTIMENT_LABELS)
    return rows[:, positive] - rows[:, negative]


def occlusion(classifier, text: str):
    """-> (class row (C,), pieces): a word's score is how much the explained value falls without it. A
    review left with no word at all says nothing either way: it counts as P = 0.5 (polarity 0)."""
    pieces, token_piece = words_of(text)
    readable = token_piece[: classifier.config.sequence_length]
    variants = ["".join(p for j, p in enumerate(pieces) if j != i) for i in readable]
    scored = [k for k, v in enumerate(variants) if has_word(v)]
    row = classifier.class_probabilities([text])[0]
    answered = int(np.argmax(row))
    _, floor = _targets(classifier.labels)
    nothing = 0.5 if len(classifier.labels) == 2 else 1.0 / len(row) if not label_rule.has_polarity(
        classifier.labels) else 0.0  # what a text with no word left says: no side, no class
    occluded = np.full(len(variants), nothing)
    for start in range(0, len(scored), OCCLUSION_BATCH):
        batch = scored[start : start + OCCLUSION_BATCH]
        occluded[batch] = _occlusion_value(classifier, classifier.class_probabilities([variants[k] for k in batch]),
                                           answered)
    base = _occlusion_value(classifier, row[None], answered)[0]
    return row, _scaled(pieces, token_piece, base - occluded, classifier.config.sequence_length, floor)


class Occlusion:
    """`Occlusion(classifier).explain_rows(texts)`: `occlusion` for each text, the same interface as the others."""

    def __init__(self, classifier):
        self.classifier = classifier

    def explain_rows(self, texts):
        results = [occlusion(self.classifier, text) for text in texts]
        return np.stack([row for row, _ in results]), [pieces for _, pieces in results]


EXPLAINERS = {"gradients": IntegratedGradients, "occlusion": Occlusion, "pooling": PooledAccount}
