"""Calibrated confidence: temperature scaling (Guo et al. 2017), folded into the model.

After training, one temperature T is fitted on the validation sets (minimum weighted
log-loss of sigmoid(z / T) or softmax(z / T), z the model's logits) and folded into the last
Dense layer: its kernel and bias are divided by T, so the layer's activation of W'x + b' is
that of (Wx + b) / T exactly, with no new layer. model.keras, the SavedModel export, the
Python API and the demo therefore all give the calibrated probability. T > 0 never changes
a decision. With `calibration: "vector"` (three or more classes) each class c gets its own
temperature T_c and bias b_c, z'_c = z_c / T_c + b_c, fitted from the scalar T on the same
log-loss and folded the same way (column c of the kernel divided by T_c): it can move a
close decision, and is kept only if it lowers the validation log-loss. A softmax model's
log-loss is the masked one it was trained with (data/targets.py): a two-class source's
examples score P(their class | their source's classes).

Expected calibration error (ECE): the confidence (the decided label's probability) in 10
equal-width bins from 1/C to 1.0 (C classes: 0.5 for two); ECE = sum over bins of (share of
examples) * |accuracy - mean confidence|.
"""

import contextlib

import numpy as np
import tensorflow as tf

from textlstm import artifacts
from textlstm.data import labels as label_rule
from textlstm.models import sentiment_model

ECE_BINS = 10
VECTOR_STEPS = 2000  # full-batch Adam steps for vector scaling: 2C parameters, converged well before
VECTOR_RATE = 0.02  # Adam's step on log(1 / T_c) and b_c
LOGIT_CLIP = 1e-7  # probabilities are float32: keep logit(p) finite


def features_of(model, ids_batches) -> tuple:
    """(what the output layer reads (N, D) float64, targets (N, ...) float64) of an ids -> probability
    model over (ids, target) batches."""
    import keras

    features = keras.Model(model.inputs, sentiment_model.output_layer(model).input)  # (B, D)
    run = tf.function(lambda ids: features(ids, training=False), reduce_retracing=True)
    values, labels = [], []
    for ids, label in ids_batches:
        values.append(run(ids).numpy().astype(np.float64))
        labels.append(label.numpy())
    return np.concatenate(values), np.concatenate(labels).astype(np.float64)


def logits_of(model, ids_batches) -> tuple:
    """(logits, targets) of an ids -> probability model over (ids, target) batches: (N,) and (N,)
    for a sigmoid head, (N, C) and (N, C) target rows for a softmax one."""
    features, labels = features_of(model, ids_batches)
    kernel, bias = sentiment_model.output_layer(model).get_weights()  # (D, 1) or (D, C), (1,) or (C,)
    logits = features @ kernel.astype(np.float64) + bias
    if logits.shape[-1] == 1:
        return logits[:, 0], labels.reshape(-1)
    return logits, labels


def validation_arrays(model, validation_ids: dict, weights: dict, read=logits_of, batch_size: int = 256) -> tuple:
    """(values, targets, example weights, {set: examples}): `read` (logits_of or features_of) over every
    validation set, each set weighted by its source weight shared out over its examples, as in model
    selection."""
    values, labels, example_weights, counts = [], [], [], {}
    for name, ids in validation_ids.items():
        v, y = read(model, ids.batch(batch_size))
        values.append(v)
        labels.append(y)
        example_weights.append(np.full(len(v), weights[name] / len(v)))
        counts[name or "validation"] = len(v)
    return (*(np.concatenate(a) for a in (values, labels, example_weights)), counts)


def weighted_nll(logits, labels, weights, temperature):
    """The weighted mean log-loss of logits / temperature: (N,) sigmoid or (N, C) masked-softmax logits."""
    z = logits / temperature
    if z.ndim == 1:  # log(1 + e^-z) for y = 1, log(1 + e^z) for y = 0, computed stably
        nll = np.logaddexp(0.0, -z) * labels + np.logaddexp(0.0, z) * (1.0 - labels)
    else:  # -log softmax over the known classes (targets >= 0) at the true class (target 1)
        known = np.where(labels >= 0, z, -np.inf)
        top = known.max(axis=-1, keepdims=True)
        log_known = top[:, 0] + np.log(np.exp(known - top).sum(axis=-1))
        nll = log_known - (z * (labels > 0.5)).sum(axis=-1)
    return float(np.sum(weights * nll) / np.sum(weights))


def fit_temperature(logits, labels, weights=None) -> float:
    """The T in [0.05, 20] that minimises the weighted log-loss (golden-section search on log T)."""
    weights = np.ones(len(logits)) if weights is None else weights  # (N,): one per example, either head
    lo, hi = np.log(0.05), np.log(20.0)
    golden = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
    fa, fb = (weighted_nll(logits, labels, weights, np.exp(t)) for t in (a, b))
    for _ in range(80):  # the log-loss is unimodal in log T; 80 steps shrink the interval by 1e-16
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - golden * (hi - lo)
            fa = weighted_nll(logits, labels, weights, np.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + golden * (hi - lo)
            fb = weighted_nll(logits, labels, weights, np.exp(b))
    return float(np.exp((lo + hi) / 2.0))


def _vector_loss_and_gradient(logits, labels, weights, params):
    """The weighted masked log-loss of softmax(z / T_c + b_c), params = [log(1 / T_c)..., b_c...],
    and its gradient (the softmax over the known classes minus the target, chained)."""
    classes = logits.shape[-1]
    inverse = np.exp(params[:classes])
    z = logits * inverse + params[classes:]  # (N, C)
    known = np.where(labels >= 0.0, z, -np.inf)
    top = known.max(axis=-1, keepdims=True)
    e = np.exp(known - top)  # (N, C): 0 at unknown classes
    log_known = top[:, 0] + np.log(e.sum(axis=-1))
    share = weights / weights.sum()  # (N,)
    loss = float(np.sum(share * (log_known - (z * (labels > 0.5)).sum(axis=-1))))
    dz = (e / e.sum(axis=-1, keepdims=True) - (labels > 0.5)) * share[:, None]  # (N, C)
    return loss, np.concatenate([(dz * logits).sum(axis=0) * inverse, dz.sum(axis=0)])


def fit_vector(logits, labels, weights, temperature) -> tuple:
    """(T_c list, b_c list) minimising the weighted log-loss, from (T, 0): full-batch Adam in float64."""
    z, y, w = (np.asarray(a, np.float64) for a in (logits, labels, weights))
    classes = z.shape[-1]
    params = np.concatenate([np.full(classes, -np.log(temperature)), np.zeros(classes)])
    m, v = np.zeros_like(params), np.zeros_like(params)
    for step in range(1, VECTOR_STEPS + 1):  # Adam by hand: 2C numbers, no optimizer state to build
        _, g = _vector_loss_and_gradient(z, y, w, params)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        params = params - VECTOR_RATE * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-12)
    biases = params[classes:] - params[classes:].mean()  # softmax ignores a shift shared by every class
    return [float(t) for t in np.exp(-params[:classes])], [float(b) for b in biases]


def vector_nll(logits, labels, weights, temperatures, biases) -> float:
    params = np.concatenate([-np.log(np.asarray(temperatures, np.float64)), np.asarray(biases, np.float64)])
    return _vector_loss_and_gradient(np.asarray(logits, np.float64), np.asarray(labels, np.float64),
                                     np.asarray(weights, np.float64), params)[0]


def _scales(fitted, classes) -> tuple:
    """(1 / T per output column, bias added per column) of a fitted calibration."""
    if fitted.get("method", "temperature") == "vector":
        return 1.0 / np.asarray(fitted["temperatures"]), np.asarray(fitted["biases"])
    return np.full(classes, 1.0 / fitted["temperature"]), np.zeros(classes)


def fold(model, fitted: dict):
    """Folds a fitted calibration into the output layer: column c of kernel and bias divided by T_c, b_c added."""
    layer = sentiment_model.output_layer(model)
    kernel, bias = layer.get_weights()
    inverse, shift = _scales(fitted, kernel.shape[-1])
    layer.set_weights([kernel * inverse, bias * inverse + shift])


def fold_temperature(model, temperature: float):
    """Divides the output layer's kernel and bias by T: the model now outputs sigmoid(z / T) or softmax(z / T)."""
    fold(model, {"method": "temperature", "temperature": temperature})


def _output_layer_within(model):
    """The output Dense of an ids model, or of the ids model inside an end-to-end one."""
    try:
        return sentiment_model.output_layer(model)
    except StopIteration:
        inner = next(layer for layer in model.layers if hasattr(layer, "layers") and layer.layers)
        return _output_layer_within(inner)


@contextlib.contextmanager
def before_calibration(model, fitted: dict):
    """The model as it was before `fitted` was folded in, for the `with` block; then exactly as it is."""
    layer = _output_layer_within(model)
    saved = layer.get_weights()
    inverse, shift = _scales(fitted, saved[0].shape[-1])
    layer.set_weights([saved[0] / inverse, (saved[1] - shift) / inverse])
    try:
        yield model
    finally:
        layer.set_weights(saved)


def reliability(probabilities, labels, bins: int = ECE_BINS) -> list:
    """Per bin of confidence (the decided label's probability, in [1/C, 1]): [mean confidence,
    accuracy, count], empty bins left out: the points of the reliability diagram, and what ECE sums."""
    p = np.asarray(probabilities, np.float64)
    rows = label_rule.class_probabilities(p)
    confidence = rows.max(axis=-1)  # max(p, 1 - p) for two classes
    correct = label_rule.is_correct(p, labels)
    lowest = 1.0 / rows.shape[-1]
    which = np.clip(((confidence - lowest) / (1.0 - lowest) * bins).astype(int), 0, bins - 1)
    return [[float(confidence[which == b].mean()), float(correct[which == b].mean()), int((which == b).sum())]
            for b in range(bins) if (which == b).any()]


def expected_calibration_error(probabilities, labels, bins: int = ECE_BINS) -> float:
    """Sum over bins of (share of examples) * |accuracy - mean confidence|."""
    points = reliability(probabilities, labels, bins)
    total = sum(count for _, _, count in points)
    return float(sum(count / total * abs(accuracy - confidence) for confidence, accuracy, count in points))


def uncalibrated(probabilities, temperature: float):
    """The probabilities before folding T in: sigmoid(T * logit(p)), or softmax(T * log p) for rows."""
    p = np.clip(np.asarray(probabilities, np.float64), LOGIT_CLIP, 1.0 - LOGIT_CLIP)
    if p.ndim == 2 and p.shape[-1] > 1:
        z = temperature * np.log(p)
        z = np.exp(z - z.max(axis=-1, keepdims=True))
        return z / z.sum(axis=-1, keepdims=True)
    return 1.0 / (1.0 + np.exp(-temperature * np.log(p / (1.0 - p))))


def calibrate_model(model, validation_ids: dict, weights: dict, batch_size: int = 256, method="temperature") -> dict:
    """Fits T (and with method "vector" then T_c, b_c) on every validation set, each weighted by its
    source weight (shared out over its examples, as in model selection), folds it into `model`;
    returns what was fitted."""
    logits, labels, w, counts = validation_arrays(model, validation_ids, weights, batch_size=batch_size)
    temperature = fit_temperature(logits, labels, w)
    fitted = {"method": "temperature", "temperature": temperature, "fitted_on": counts,
              "validation_log_loss_before": weighted_nll(logits, labels, w, 1.0),
              "validation_log_loss_after": weighted_nll(logits, labels, w, temperature)}
    if method == "vector":
        temperatures, biases = fit_vector(logits, labels, w, temperature)
        after = vector_nll(logits, labels, w, temperatures, biases)
        if after < fitted["validation_log_loss_after"]:  # never worse than the one temperature it started from
            fitted.update(method="vector", temperatures=temperatures, biases=biases,
                          validation_log_loss_temperature_only=fitted["validation_log_loss_after"],
                          validation_log_loss_after=after)
    fold(model, fitted)
    return fitted


def plot_reliability(evaluations: dict, path):
    """One panel per evaluation set: accuracy against confidence, before and after calibration."""
    plt = artifacts.pyplot()

    names = [n for n, e in evaluations.items() if "reliability" in e]
    if not names:
        return
    fig, axes = plt.subplots(1, len(names), figsize=(4.6 * len(names), 4.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        e = evaluations[name]
        lowest = e.get("lowest_confidence", 0.5)  # 1/C
        ax.plot([lowest, 1.0], [lowest, 1.0], ":", color="gray", label="perfect calibration")
        for key, style, label in (("reliability_before", "s--", "before"), ("reliability", "o-", "after")):
            if key in e:
                points = np.array(e[key])
                ece = e["ece_before" if key == "reliability_before" else "ece"]
                ax.plot(points[:, 0], points[:, 1], style, label=f"{label} (ECE {ece:.3f})")
        ax.set_xlim(lowest, 1.0)
        ax.set_ylim(0.0, 1.02)
        ax.set_xlabel("confidence (the decided label's probability)")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{name}: {e.get('dataset', '')} {e.get('split', '')}".strip())
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    artifacts.save_figure(fig, path)
