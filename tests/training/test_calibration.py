"""Temperature scaling: the fit finds a known temperature, folding it is exact, ECE is what it says."""

import numpy as np
import pytest
import tensorflow as tf

from textlstm.config import SentimentConfig
from textlstm.models import sentiment_model
from textlstm.training import calibration


def _overconfident(n=20_000, temperature=2.5, seed=0):
    """Logits whose calibrated version is z / T: labels drawn from sigmoid(z / T)."""
    rng = np.random.RandomState(seed)
    z = rng.normal(0.0, 4.0, n)
    labels = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-z / temperature))).astype(np.float64)
    return z, labels


def test_fit_recovers_the_temperature_of_an_overconfident_model():
    z, labels = _overconfident(temperature=2.5)
    assert calibration.fit_temperature(z, labels) == pytest.approx(2.5, rel=0.06)
    z, labels = _overconfident(temperature=0.5, seed=1)  # underconfident: T < 1 sharpens
    assert calibration.fit_temperature(z, labels) == pytest.approx(0.5, rel=0.06)


def test_calibration_lowers_ece_on_held_out_data():
    z, labels = _overconfident(temperature=3.0)
    t = calibration.fit_temperature(z[:10_000], labels[:10_000])
    held_z, held_y = z[10_000:], labels[10_000:]
    before = calibration.expected_calibration_error(1 / (1 + np.exp(-held_z)), held_y)
    after = calibration.expected_calibration_error(1 / (1 + np.exp(-held_z / t)), held_y)
    assert before > 0.1 and after < 0.02


def test_ece_by_hand():
    # Two bins used: [0.5, 0.55) holds p=0.5 (conf 0.5, label 1 -> "negative" prediction is wrong) and
    # [0.9, 1.0] holds p=0.95 (right) and p=0.05 (right) -> ECE = 1/3 * |0 - 0.5| + 2/3 * |1 - 0.95|.
    p, y = np.array([0.5, 0.95, 0.05]), np.array([1.0, 1.0, 0.0])
    assert calibration.expected_calibration_error(p, y) == pytest.approx(0.5 / 3 + 2 / 3 * 0.05)
    assert calibration.reliability(p, y) == [[0.5, 0.0, 1], [0.95, 1.0, 2]]


def test_folding_divides_the_logit_exactly_and_round_trips():
    config = SentimentConfig(sequence_length=6, embedding_dim=4, lstm_units=3, dense_units=4)
    model = sentiment_model.build_sentiment_model(config, vocab_size=20)
    ids = tf.constant([[3, 4, 5, 0, 0, 0], [7, 2, 9, 11, 1, 0]])
    p = model(ids, training=False).numpy()[:, 0].astype(np.float64)
    z = np.log(p / (1 - p))
    calibration.fold_temperature(model, 1.7)
    p_folded = model(ids, training=False).numpy()[:, 0]
    np.testing.assert_allclose(p_folded, 1 / (1 + np.exp(-z / 1.7)), atol=1e-6)
    np.testing.assert_allclose(calibration.uncalibrated(p_folded, 1.7), p, atol=1e-5)
    assert ((p_folded > 0.5) == (p > 0.5)).all()  # a temperature never flips a decision


def test_calibrate_model_fits_on_the_weighted_validation_sets():
    config = SentimentConfig(sequence_length=6, embedding_dim=4, lstm_units=3, dense_units=4)
    model = sentiment_model.build_sentiment_model(config, vocab_size=20)
    rng = np.random.RandomState(0)
    sets = {name: tf.data.Dataset.from_tensor_slices(
        (rng.randint(2, 20, (n, 6)).astype("int32"), rng.randint(0, 2, (n, 1)).astype("float32")))
        for name, n in (("long", 50), ("short", 30))}
    logits_before = {name: calibration.logits_of(model, ds.batch(16))[0] for name, ds in sets.items()}
    summary = calibration.calibrate_model(model, sets, {"long": 0.5, "short": 0.5})
    assert summary["fitted_on"] == {"long": 50, "short": 30}
    assert summary["validation_log_loss_after"] <= summary["validation_log_loss_before"] + 1e-12
    t = summary["temperature"]
    for name, ds in sets.items():  # the model now outputs z / T
        np.testing.assert_allclose(calibration.logits_of(model, ds.batch(16))[0], logits_before[name] / t, atol=1e-5)


def test_reliability_diagram_is_written(tmp_path):
    e = {"accuracy": 0.9, "ece": 0.01, "ece_before": 0.05, "dataset": "imdb_reviews", "split": "test",
         "reliability": [[0.6, 0.62, 10], [0.95, 0.94, 90]], "reliability_before": [[0.7, 0.62, 10], [0.99, 0.94, 90]]}
    calibration.plot_reliability({"imdb": e, "sst2": e}, tmp_path / "reliability.png")
    assert (tmp_path / "reliability.png").stat().st_size > 5000


def test_an_uncalibrated_run_claims_no_calibration(sentiment_run):
    """Without `calibrate`, metrics.json has no temperature and no "before calibration" figures."""
    import json
    import os

    metrics = json.load(open(os.path.join(sentiment_run, "metrics.json")))
    assert "calibration" not in metrics
    assert all("ece_before" not in e and "reliability_before" not in e for e in metrics["evaluation"].values())
    assert "ece" in metrics["test"]


def test_softmax_folding_is_exact_and_never_changes_the_decision():
    config = SentimentConfig(sequence_length=6, embedding_dim=4, lstm_units=3, dense_units=4,
                             labels=["negative", "neutral", "positive"])
    model = sentiment_model.build_sentiment_model(config, vocab_size=20)
    ids = tf.constant([[3, 4, 5, 0, 0, 0], [7, 2, 9, 11, 1, 0], [5, 5, 0, 0, 0, 0]])
    rows = tf.data.Dataset.from_tensor_slices((ids, tf.one_hot([0, 1, 2], 3))).batch(3)
    z, _ = calibration.logits_of(model, rows)  # (3, 3)
    p = model(ids, training=False).numpy().astype(np.float64)
    calibration.fold_temperature(model, 1.7)
    folded = model(ids, training=False).numpy()
    expected = np.exp(z / 1.7) / np.exp(z / 1.7).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(folded, expected, atol=1e-6)
    np.testing.assert_allclose(calibration.uncalibrated(folded, 1.7), p, atol=1e-5)
    assert (folded.argmax(axis=1) == p.argmax(axis=1)).all()


def test_three_class_confidence_bins_start_at_one_third():
    rows = np.array([[0.34, 0.33, 0.33], [0.1, 0.8, 0.1], [0.05, 0.05, 0.9]])
    y = np.array([1, 1, 2])  # the first is decided negative: wrong
    points = calibration.reliability(rows, y)
    assert points[0] == [pytest.approx(0.34), 0.0, 1] and [c for _, _, c in points] == [1, 1, 1]
    assert calibration.expected_calibration_error(rows, y) == pytest.approx((0.34 + 0.2 + 0.1) / 3)


def test_a_three_class_temperature_is_recovered():
    rng = np.random.RandomState(3)
    z = rng.normal(0.0, 3.0, (20_000, 3))
    truth = np.exp(z / 2.0) / np.exp(z / 2.0).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(3, p=row) for row in truth])
    assert calibration.fit_temperature(z, np.eye(3)[labels]) == pytest.approx(2.0, rel=0.06)


def test_vector_scaling_recovers_a_temperature_and_bias_per_class():
    rng = np.random.RandomState(4)
    z = rng.normal(0.0, 3.0, (30_000, 3))
    true_t, true_b = np.array([2.0, 1.0, 1.5]), np.array([0.3, -0.5, 0.2])
    logits = z / true_t + true_b
    truth = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.eye(3)[[rng.choice(3, p=row) for row in truth]]
    w = np.ones(len(z))
    t = calibration.fit_temperature(z, labels, w)
    temperatures, biases = calibration.fit_vector(z, labels, w, t)
    np.testing.assert_allclose(temperatures, true_t, rtol=0.08)
    np.testing.assert_allclose(biases, true_b - true_b.mean(), atol=0.06)
    assert calibration.vector_nll(z, labels, w, temperatures, biases) < calibration.weighted_nll(z, labels, w, t)


def test_vector_folding_is_exact_and_before_calibration_gives_the_model_back():
    config = SentimentConfig(sequence_length=6, embedding_dim=4, lstm_units=3, dense_units=4,
                             labels=["negative", "neutral", "positive"])
    model = sentiment_model.build_sentiment_model(config, vocab_size=20)
    ids = tf.constant([[3, 4, 5, 0, 0, 0], [7, 2, 9, 11, 1, 0]])
    z, _ = calibration.logits_of(model, tf.data.Dataset.from_tensor_slices((ids, tf.one_hot([0, 1], 3))).batch(2))
    original = model(ids, training=False).numpy()
    fitted = {"method": "vector", "temperatures": [2.0, 0.5, 1.25], "biases": [0.1, -0.3, 0.2]}
    calibration.fold(model, fitted)
    logits = z / np.array([2.0, 0.5, 1.25]) + np.array([0.1, -0.3, 0.2])
    np.testing.assert_allclose(model(ids, training=False).numpy(),
                               np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), atol=1e-6)
    folded = [w.copy() for w in sentiment_model.output_layer(model).get_weights()]
    with calibration.before_calibration(model, fitted):
        np.testing.assert_allclose(model(ids, training=False).numpy(), original, atol=1e-6)
    for now, then in zip(sentiment_model.output_layer(model).get_weights(), folded):
        np.testing.assert_array_equal(now, then)  # restored bit for bit


def test_vector_scaling_is_kept_only_when_it_lowers_the_validation_loss():
    config = SentimentConfig(sequence_length=6, embedding_dim=4, lstm_units=3, dense_units=4,
                             labels=["negative", "neutral", "positive"])
    model = sentiment_model.build_sentiment_model(config, vocab_size=20)
    rng = np.random.RandomState(0)
    ids = rng.randint(2, 20, (120, 6)).astype("int32")
    rows = np.eye(3, dtype="float32")[rng.randint(0, 3, 120)]
    rows[:40, 1] = -1.0  # a negative / positive source: neutral unknown
    rows[:40] = np.where(rows[:40].max(axis=1, keepdims=True) > 0.5, rows[:40], [[1.0, -1.0, 0.0]])
    sets = {"mixed": tf.data.Dataset.from_tensor_slices((ids, rows))}
    fitted = calibration.calibrate_model(model, sets, {"mixed": 1.0}, method="vector")
    assert fitted["validation_log_loss_after"] <= fitted["validation_log_loss_before"] + 1e-12
    if fitted["method"] == "vector":
        assert fitted["validation_log_loss_after"] < fitted["validation_log_loss_temperature_only"]
        assert len(fitted["temperatures"]) == len(fitted["biases"]) == 3 and abs(sum(fitted["biases"])) < 1e-9


def test_the_vector_gradient_is_the_loss_slope():
    rng = np.random.RandomState(5)
    z, labels = rng.normal(0, 2, (50, 3)), np.eye(3)[rng.randint(0, 3, 50)]
    labels[:10, 1] = -1.0  # unknown class for some rows
    w, params = rng.uniform(0.5, 1.5, 50), rng.normal(0, 0.3, 6)
    _, g = calibration._vector_loss_and_gradient(z, labels, w, params)
    for i in range(6):
        step = np.eye(6)[i] * 1e-6
        up, down = (calibration._vector_loss_and_gradient(z, labels, w, params + s)[0] for s in (step, -step))
        assert g[i] == pytest.approx((up - down) / 2e-6, rel=1e-4, abs=1e-8)
