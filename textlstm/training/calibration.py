"""Calibrated confidence: temperature scaling (Guo et al. 2017), folded into the model.

After training, one temperature T is fitted on the validation sets (minimum weighted
log-loss of sigmoid(z / T), z the model's logit) and folded into the last Dense layer:
its kernel and bias are divided by T, so sigmoid(W'x + b') = sigmoid((Wx + b) / T)
exactly, with no new layer. model.keras, the SavedModel export, the Python API and the
demo therefore all give the calibrated probability. T > 0 never flips a decision.

Expected calibration error (ECE): the confidence max(p, 1 - p) in 10 equal-width bins
from 0.5 to 1.0; ECE = sum over bins of (share of examples) * |accuracy - mean confidence|.
"""

import numpy as np
import tensorflow as tf

from textlstm import artifacts
from textlstm.data import labels as label_rule

OUTPUT_LAYER = "positive_probability"  # Dense(1, sigmoid): the layer the temperature folds into
ECE_BINS = 10
LOGIT_CLIP = 1e-7  # probabilities are float32: keep logit(p) finite


def logits_of(model, ids_batches) -> tuple:
    """(logits (N,), labels (N,)) of an ids -> probability model over (ids, label) batches."""
    import keras

    layer = model.get_layer(OUTPUT_LAYER)
    features = keras.Model(model.inputs, layer.input)  # (B, D): what the output layer reads
    kernel, bias = layer.get_weights()  # (D, 1), (1,)
    run = tf.function(lambda ids: features(ids, training=False), reduce_retracing=True)
    logits, labels = [], []
    for ids, label in ids_batches:
        logits.append((run(ids).numpy().astype(np.float64) @ kernel.astype(np.float64) + bias)[:, 0])
        labels.append(label.numpy().reshape(-1))
    return np.concatenate(logits), np.concatenate(labels).astype(np.float64)


def _weighted_nll(logits, labels, weights, temperature):
    z = logits / temperature
    # log(1 + e^-z) for y = 1, log(1 + e^z) for y = 0, computed stably
    nll = np.logaddexp(0.0, -z) * labels + np.logaddexp(0.0, z) * (1.0 - labels)
    return float(np.sum(weights * nll) / np.sum(weights))


def fit_temperature(logits, labels, weights=None) -> float:
    """The T in [0.05, 20] that minimises the weighted log-loss (golden-section search on log T)."""
    weights = np.ones_like(logits) if weights is None else weights
    lo, hi = np.log(0.05), np.log(20.0)
    golden = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
    fa, fb = (_weighted_nll(logits, labels, weights, np.exp(t)) for t in (a, b))
    for _ in range(80):  # the log-loss is unimodal in log T; 80 steps shrink the interval by 1e-16
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - golden * (hi - lo)
            fa = _weighted_nll(logits, labels, weights, np.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + golden * (hi - lo)
            fb = _weighted_nll(logits, labels, weights, np.exp(b))
    return float(np.exp((lo + hi) / 2.0))


def fold_temperature(model, temperature: float):
    """Divides the output layer's kernel and bias by T: the model now outputs sigmoid(z / T)."""
    layer = model.get_layer(OUTPUT_LAYER)
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel / temperature, bias / temperature])


def reliability(probabilities, labels, bins: int = ECE_BINS) -> list:
    """Per bin of confidence max(p, 1 - p) in [0.5, 1]: [mean confidence, accuracy, count], empty
    bins left out: the points of the reliability diagram, and what ECE sums."""
    p = np.asarray(probabilities, np.float64)
    confidence = label_rule.class_probabilities(p).max(axis=-1)  # the decided label's: max(p, 1 - p)
    correct = label_rule.is_correct(p, labels)
    which = np.minimum(((confidence - 0.5) / 0.5 * bins).astype(int), bins - 1)  # 0.5 .. 1.0 in `bins` bins
    return [[float(confidence[which == b].mean()), float(correct[which == b].mean()), int((which == b).sum())]
            for b in range(bins) if (which == b).any()]


def expected_calibration_error(probabilities, labels, bins: int = ECE_BINS) -> float:
    """Sum over bins of (share of examples) * |accuracy - mean confidence|."""
    points = reliability(probabilities, labels, bins)
    total = sum(count for _, _, count in points)
    return float(sum(count / total * abs(accuracy - confidence) for confidence, accuracy, count in points))


def uncalibrated(probabilities, temperature: float):
    """The probabilities before folding T in: sigmoid(T * logit(p))."""
    p = np.clip(np.asarray(probabilities, np.float64), LOGIT_CLIP, 1.0 - LOGIT_CLIP)
    return 1.0 / (1.0 + np.exp(-temperature * np.log(p / (1.0 - p))))


def calibrate_model(model, validation_ids: dict, weights: dict, batch_size: int = 256) -> dict:
    """Fits T on every validation set, each weighted by its source weight (shared out over its
    examples, as in model selection), folds it into `model`; returns what was fitted."""
    all_logits, all_labels, all_weights, counts = [], [], [], {}
    for name, ids in validation_ids.items():
        logits, labels = logits_of(model, ids.batch(batch_size))
        all_logits.append(logits)
        all_labels.append(labels)
        all_weights.append(np.full(len(logits), weights[name] / len(logits)))
        counts[name or "validation"] = len(logits)
    logits, labels, w = (np.concatenate(a) for a in (all_logits, all_labels, all_weights))
    temperature = fit_temperature(logits, labels, w)
    fold_temperature(model, temperature)
    return {
        "temperature": temperature,
        "fitted_on": counts,
        "validation_log_loss_before": _weighted_nll(logits, labels, w, 1.0),
        "validation_log_loss_after": _weighted_nll(logits, labels, w, temperature),
    }


def plot_reliability(evaluations: dict, path):
    """One panel per evaluation set: accuracy against confidence, before and after calibration."""
    plt = artifacts.pyplot()

    names = [n for n, e in evaluations.items() if "reliability" in e]
    if not names:
        return
    fig, axes = plt.subplots(1, len(names), figsize=(4.6 * len(names), 4.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        e = evaluations[name]
        ax.plot([0.5, 1.0], [0.5, 1.0], ":", color="gray", label="perfect calibration")
        for key, style, label in (("reliability_before", "s--", "before"), ("reliability", "o-", "after")):
            if key in e:
                points = np.array(e[key])
                ece = e["ece_before" if key == "reliability_before" else "ece"]
                ax.plot(points[:, 0], points[:, 1], style, label=f"{label} (ECE {ece:.3f})")
        ax.set_xlim(0.5, 1.0)
        ax.set_ylim(0.0, 1.02)
        ax.set_xlabel("confidence max(p, 1 - p)")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{name}: {e.get('dataset', '')} {e.get('split', '')}".strip())
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    artifacts.save_figure(fig, path)
