"""The label rule (data/labels.py): one place decides a label and its confidence, for 2 and 3 classes."""

import numpy as np
import pytest
import tensorflow as tf

from textlstm.data import labels
from textlstm.errors import TextLSTMError

THREE = ("negative", "neutral", "positive")


def test_a_sigmoid_column_is_two_rows_that_sum_to_one():
    rows = labels.class_probabilities(np.array([[0.8], [0.1]], np.float32))
    np.testing.assert_allclose(rows, [[0.2, 0.8], [0.9, 0.1]], atol=1e-7)
    np.testing.assert_allclose(labels.class_probabilities([0.8, 0.1]), rows)


def test_two_classes_decide_as_p_above_one_half():
    names, confidence = labels.decide([0.8, 0.3, 0.5])
    assert names == ["positive", "negative", "negative"]  # exactly 0.5 stays negative, as it always was
    np.testing.assert_allclose(confidence, [0.8, 0.7, 0.5])
    np.testing.assert_allclose(labels.positive_probability([0.8, 0.3]), [0.8, 0.3])


def test_three_classes_decide_by_the_largest_and_keep_p_positive_given_polar():
    p = np.array([[0.1, 0.7, 0.2], [0.6, 0.1, 0.3], [0.2, 0.2, 0.6]])
    names, confidence = labels.decide(p, THREE)
    assert names == ["neutral", "negative", "positive"]
    np.testing.assert_allclose(confidence, [0.7, 0.6, 0.6])
    np.testing.assert_allclose(labels.positive_probability(p, THREE), [2 / 3, 1 / 3, 0.75])
    assert labels.as_dict(p[0], THREE) == pytest.approx({"negative": 0.1, "neutral": 0.7, "positive": 0.2})
    np.testing.assert_array_equal(labels.is_correct(p, [1, 2, 2]), [1.0, 0.0, 1.0])


def test_a_users_two_labels_read_the_second_as_positive():
    assert labels.decide([0.9], ("bad", "good"))[0] == ["good"]
    assert labels.as_dict([0.9], ("bad", "good")) == pytest.approx({"bad": 0.1, "good": 0.9})


def test_the_graph_rule_matches_the_numpy_rule():
    p = np.array([[0.1, 0.7, 0.2], [0.5, 0.1, 0.4], [0.3, 0.3, 0.4]], np.float32)
    got = labels.label_tensor(tf.constant(p), THREE).numpy().astype(str).tolist()
    assert got == labels.decide(p, THREE)[0]
    sigmoid = np.array([[0.7], [0.5], [0.2]], np.float32)
    got = labels.label_tensor(tf.constant(sigmoid)).numpy().astype(str).tolist()
    assert got == labels.decide(sigmoid)[0] == ["positive", "negative", "negative"]


def test_a_width_that_does_not_match_the_names_is_one_clear_sentence():
    with pytest.raises(TextLSTMError, match="gives 3 class probabilities but names 2 labels"):
        labels.decide(np.full((1, 3), 1 / 3))
