"""Sentiment test figures by hand: macro-recall, macro-F1, the confusion matrix, a source's known part."""

import numpy as np
import pytest

from textlstm.training import evaluation

THREE = ["negative", "neutral", "positive"]


def test_macro_figures_and_the_confusion_matrix_by_hand():
    rows = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.4, 0.1, 0.5]])
    y = np.array([0, 1, 1, 2, 0])  # decided: 0, 0, 1, 2, 2
    f = evaluation.sentiment_figures(rows, y, labels=THREE)
    assert f["confusion"] == {"labels": THREE, "matrix": [[1, 0, 1], [1, 1, 0], [0, 0, 1]]}
    assert f["recall"] == {"negative": 0.5, "neutral": 0.5, "positive": 1.0}
    assert f["macro_recall"] == pytest.approx(2 / 3) and f["accuracy"] == pytest.approx(0.6)
    f1 = [2 * 0.5 * 0.5 / 1.0, 2 * 1.0 * 0.5 / 1.5, 2 * 0.5 * 1.0 / 1.5]  # precision 1/2, 1, 1/2
    assert f["macro_f1"] == pytest.approx(np.mean(f1))
    assert f["lowest_confidence"] == pytest.approx(1 / 3)
    assert f["loss"] == pytest.approx(-np.log([0.7, 0.3, 0.5, 0.7, 0.4]).mean())


def test_a_polar_source_is_scored_on_p_positive_given_polar():
    rows = np.array([[0.2, 0.7, 0.1], [0.05, 0.8, 0.15]])  # neutral wins both, but the source has no neutral
    part, y = evaluation.known_part(rows, np.array([0, 2]), [True, False, True])
    np.testing.assert_allclose(part, [[2 / 3, 1 / 3], [0.25, 0.75]])
    np.testing.assert_array_equal(y, [0, 1])
    f = evaluation.sentiment_figures(part, y, labels=["negative", "positive"])
    assert f["accuracy"] == 1.0 and f["confusion"]["matrix"] == [[1, 0], [0, 1]]
