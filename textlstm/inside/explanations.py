"""Which words pushed the sentiment decision, mapped back to the words the user typed.

Three methods, same output: (P(positive), [(piece, score or None), ...]) where the pieces are the
text's words and the whitespace between them, in order, and a word's score is its push towards
"positive" (negative: towards "negative"), scaled so the strongest word is ±1. P(positive) is
P(positive | negative or positive) (data/labels.py). What is explained: a two-class model's
P(positive); a model with a neutral class, its polarity P(positive) - P(negative), the quantity a
word moves towards one side or the other. There the scale is at least STRONG_WORD: when no word
moves the polarity that much, every score stays under ±1 and `strongest` says so, which is how the
demo tells a plain statement's "no strong words" from a real push.

- "gradients" (default): integrated gradients (Sundararajan, Taly & Yan 2017) along the word
  vectors, from all-zero vectors (same words, same mask, no meaning) to the review's own. The
  path's STEPS points and the review itself are one batch: one forward and one backward pass,
  the LSTMs' backward pass written out (models/lstm_math.py) because TensorFlow's own is ~20x slower here.
  A token's score is sum_e x_e * mean_k dP/dx_e(alpha_k x); with many points the scores add up
  to P(review) - P(zero vectors) (tests check it). One point (the midpoint) is the default: it
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
from textlstm.models import lstm_math, sentiment_model
from textlstm.text.rules import has_word, words_of

METHODS = ("gradients", "occlusion", "pooling")
STEPS = 1  # path points: 1 (the midpoint) agrees with occlusion best and costs least (benchmarks/explanations.py)
GRADIENT_ROWS = 512  # path points per backward pass (reviews x (STEPS + 1)): bounds memory
OCCLUSION_BATCH = 64  # variants per forward pass
STRONG_WORD = 0.1  # a word that moves P(positive) - P(negative) less than this is not a strong word


def strongest(pieces) -> float:
    """The largest |score| of an explanation's pieces: 1.0 when some word is strong, below 1 when none is."""
    return max([abs(score) for _, score in pieces if score is not None], default=0.0)


def _targets(labels):
    """(explained(outputs) -> (B,), reported(outputs) -> (B,) P(positive), scale floor) for a model's labels."""
    if len(labels) == 2:
        def probability(out):  # (B, 1) -> (B,)
            return out[:, 0]

        return probability, probability, 1e-6
    negative, positive = (list(labels).index(name) for name in label_rule.SENTIMENT_LABELS)

    def polarity(out):  # (B, C) -> (B,) P(positive) - P(negative)
        return out[:, positive] - out[:, negative]

    def positive_share(out):  # (B, C) -> (B,) P(positive | negative or positive)
        return label_rule.positive_probability_tensor(out, labels)

    return polarity, positive_share, STRONG_WORD


def check_method(method):
    if method not in METHODS:
        raise TextLSTMError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    return method


def _scaled(pieces, token_piece, token_scores, window, floor=1e-6):
    """Per-piece scores (None where unread) scaled so the strongest is ±1 (or by `floor`, if larger)."""
    scores = {i: float(token_scores[k]) for k, i in enumerate(token_piece[:window])}
    scale = max([abs(s) for s in scores.values()] + [floor])
    return [(piece, round(scores[i] / scale, 3) if i in scores else None) for i, piece in enumerate(pieces)]


def _results(texts, probabilities, token_scores, window, floor=1e-6):
    """[(P(positive), pieces with scaled scores)] per text, from per-token scores (N, T)."""
    return [(float(p), _scaled(*words_of(text), scores, window, floor))
            for text, p, scores in zip(texts, probabilities, token_scores)]


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
    """[ids, the last LSTM's outputs] -> P(positive): the model's own pooling and dense layers alone."""
    ids_in = keras.Input(shape=(None,), dtype="int32")
    given = keras.Input(shape=(None, config.lstm_units * (2 if config.bidirectional else 1)))
    return keras.Model([ids_in, given], sentiment_model._classify(
        config, ids_in, lambda name, make: net.get_layer(name), on_sequence=lambda x: GivenValues()([x, given])))


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
    """`IntegratedGradients(classifier).explain_batch(texts)` -> [(P(positive), pieces), ...].

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
        explained, reported, self.floor = _targets(classifier.labels)
        alphas = tf.constant([(k + 0.5) / steps for k in range(steps)] + [1.0])  # (S+1,): the path, then the review

        def attribute(ids):  # (B, T) int32 -> (P(positive) (B,), token scores (B, T))
            batch, length = tf.shape(ids)[0], tf.shape(ids)[1]
            mask = tf.cast(ids != 0, tf.float32)  # (B, T)
            vectors = embedding(ids) * mask[..., None]  # (B, T, E)
            rows = tf.repeat(ids, steps + 1, axis=0)  # (R = B*(S+1), T)
            path = tf.reshape(alphas[None, :, None, None] * vectors[:, None], [batch * (steps + 1), length, -1])  # (R, T, E)
            sequence, states = lstm_math.stack_forward(net, config, path, tf.repeat(mask, steps + 1, axis=0))  # (R, T, D)
            with tf.GradientTape() as tape:
                tape.watch(sequence)
                out = head([rows, sequence], training=False)  # (R, 1) or (R, C)
                f = explained(out)  # (R,)
            d_path = lstm_math.stack_backward(net, config, states, tape.gradient(f, sequence))  # (R, T, E)
            d_path = tf.reshape(d_path, [batch, steps + 1, length, -1])[:, :steps]  # (B, S, T, E)
            scores = tf.reduce_sum(vectors * tf.reduce_mean(d_path, axis=1), axis=-1)  # (B, T)
            return tf.reshape(reported(out), [batch, steps + 1])[:, steps], scores

        self._attribute = tf.function(attribute, jit_compile=True, reduce_retracing=True)

    def scores(self, texts):
        """(P(positive) (N,), token scores (N, T)) for texts already checked."""
        ids = trimmed_ids(self.classifier, texts)
        per_pass = max(1, GRADIENT_ROWS // (self.steps + 1))
        probabilities, scores = [], []
        for start in range(0, len(texts), per_pass):
            chunk = ids[start : start + per_pass]
            n = len(chunk)
            filler = np.zeros((_power_of_4(n) - n, ids.shape[1]), ids.dtype)  # few shapes, few compiles
            filler[:, 0] = 1  # one (unknown) token each: no 0/0 in the masked mean
            p, s = self._attribute(tf.constant(np.concatenate([chunk, filler])))
            probabilities.append(p.numpy()[:n])
            scores.append(s.numpy()[:n])
        return np.concatenate(probabilities), np.concatenate(scores)

    def explain_batch(self, texts):
        return _results(texts, *self.scores(texts), self.window, self.floor)


class PooledAccount:
    """`PooledAccount(classifier).explain_batch(texts)` -> [(P(positive), pieces), ...]: the
    "pooling" method of the module docstring, one forward pass and a backward pass through the head."""

    def __init__(self, classifier):
        self.classifier, config = classifier, classifier.config
        _pooled(config)
        net = classifier.variable_length_model()
        embedding, head = net.get_layer("embedding"), _head(net, config)
        _, reported, _ = _targets(classifier.labels)
        polar = [list(classifier.labels).index(name) for name in label_rule.SENTIMENT_LABELS] if len(
            classifier.labels) > 2 else None

        def account(ids):  # (B, T) int32 -> (P(positive) (B,), step scores (B, T))
            mask = tf.cast(ids != 0, tf.float32)  # (B, T)
            sequence, _ = lstm_math.stack_forward(net, config, embedding(ids) * mask[..., None], mask)  # (B, T, D)
            with tf.GradientTape() as tape:
                tape.watch(sequence)
                out = head([ids, sequence], training=False)  # (B, 1) or (B, C)
                if polar is None:
                    log_odds = tf.math.log(out[:, 0]) - tf.math.log1p(-out[:, 0])  # (B,)
                else:  # log P(positive) / P(negative)
                    log_odds = tf.math.log(out[:, polar[1]]) - tf.math.log(out[:, polar[0]])
            return reported(out), tf.reduce_sum(sequence * tape.gradient(log_odds, sequence), axis=-1)

        self._account = tf.function(account, reduce_retracing=True)

    def explain_batch(self, texts):
        p, scores = self._account(tf.constant(trimmed_ids(self.classifier, texts)))
        return _results(texts, p.numpy(), scores.numpy(), self.classifier.config.sequence_length)


def _occlusion_value(classifier, texts) -> np.ndarray:
    """(N,) what occlusion explains: P(positive), or P(positive) - P(negative) with a neutral class."""
    rows = classifier.class_probabilities(texts)
    if len(classifier.labels) == 2:
        return rows[:, 1]
    negative, positive = (list(classifier.labels).index(name) for name in label_rule.SENTIMENT_LABELS)
    return rows[:, positive] - rows[:, negative]


def occlusion(classifier, text: str):
    """-> (P(positive), pieces): a word's score is how much the explained value falls without it. A
    review left with no word at all says nothing either way: it counts as P = 0.5 (polarity 0)."""
    pieces, token_piece = words_of(text)
    readable = token_piece[: classifier.config.sequence_length]
    variants = ["".join(p for j, p in enumerate(pieces) if j != i) for i in readable]
    scored = [k for k, v in enumerate(variants) if has_word(v)]
    base = float(_occlusion_value(classifier, [text])[0])
    _, _, floor = _targets(classifier.labels)
    occluded = np.full(len(variants), 0.5 if len(classifier.labels) == 2 else 0.0)
    for start in range(0, len(scored), OCCLUSION_BATCH):
        batch = scored[start : start + OCCLUSION_BATCH]
        occluded[batch] = _occlusion_value(classifier, [variants[k] for k in batch])
    return float(classifier.predict_proba([text])[0]), _scaled(pieces, token_piece, base - occluded,
                                                                classifier.config.sequence_length, floor)
