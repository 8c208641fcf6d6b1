"""The character model's held-out figures: one stream, state carried, split into parts."""

import numpy as np
import pytest

from textlstm.config import CharLMConfig
from textlstm.models import charlm_model
from textlstm.text import vectorizers
from textlstm.training import evaluation


@pytest.fixture(scope="module")
def model_and_vocabulary():
    text = "To be, or not to be, that is the question:\n" * 60
    vocabulary = vectorizers.CharVocabulary.from_text(text)
    config = CharLMConfig(embedding_dim=8, lstm_units=16, lstm_layers=2)
    return charlm_model.build_charlm(config, len(vocabulary)), vocabulary, text


def test_parts_come_from_the_same_pass_with_the_state_carried(model_and_vocabulary):
    model, vocabulary, text = model_and_vocabulary
    n = len(text)
    whole = evaluation.evaluate_charlm(model, vocabulary, text, parts=[("first", 1000), ("second", n - 1000)])
    first, second = whole["parts"]["first"], whole["parts"]["second"]
    assert (first["characters"], second["characters"]) == (999, n - 1000)  # the very first char is not predicted
    mean = (first["loss_nats_per_char"] * 999 + second["loss_nats_per_char"] * (n - 1000)) / (n - 1)
    assert mean == pytest.approx(whole["loss_nats_per_char"], rel=1e-9)
    # The first part alone is the same as scoring its text alone.
    alone = evaluation.evaluate_charlm(model, vocabulary, text[:1000])
    assert alone["loss_nats_per_char"] == pytest.approx(first["loss_nats_per_char"], rel=1e-5)
    # The second part starts from the carried state, not from zero: scoring its text alone differs.
    fresh = evaluation.evaluate_charlm(model, vocabulary, text[999:])
    assert not np.isclose(fresh["loss_nats_per_char"], second["loss_nats_per_char"], rtol=1e-7)


def test_parts_must_cover_the_text(model_and_vocabulary):
    model, vocabulary, text = model_and_vocabulary
    with pytest.raises(ValueError, match="do not add up"):
        evaluation.evaluate_charlm(model, vocabulary, text, parts=[("a", 10), ("b", 10)])
