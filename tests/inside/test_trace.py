"""trace(): every gate and state of the LSTMs, equal to what Keras' own layers compute."""

import json

import keras
import numpy as np
import pytest
from conftest import make_play
from test_explanations import tiny_classifier

import textlstm
from textlstm.errors import TextLSTMError
from textlstm.input_checks import MAX_TEXT_CHARS, PROMPT_CONTEXT
from textlstm.inside.trace import FIELDS
from textlstm.models import charlm_model, sentiment_model

REVIEW = "Not a bad film at all... I was never bored! The acting, though, is awful."


def keras_char_outputs(generator, text):
    """Each LSTM layer's own output sequence (1, T, U), by Keras, for the characters of `text`."""
    model, lstms = generator.model, charlm_model.lstm_layers(generator.model)
    probe = keras.Model(model.inputs, [lstm.output[0] for lstm in lstms])
    return [o.numpy()[0] for o in probe(np.array([generator.vocabulary.encode(text)]), training=False)]


def keras_word_outputs(classifier, text):
    """Each (Bi)LSTM layer's own output (T, U or 2U) on the *padded* ids the model really reads."""
    config, net = classifier.config, sentiment_model.trained_part(classifier.model)
    names = [f"bilstm_{i}" if config.bidirectional else f"lstm_{i}" for i in range(config.lstm_layers)]
    probe = keras.Model(net.inputs, [net.get_layer(n).output for n in names])
    ids = classifier.token_ids([text])  # (1, sequence_length), right-padded
    outputs = probe(ids, training=False)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return [o.numpy()[0, : int((ids != 0).sum())] for o in outputs]


def check_cell_equations(trace):
    for t in trace.layers:
        before = np.concatenate([np.zeros((1, t.units)), t.cell[:-1]]) if t.direction == "forward" else \
            np.concatenate([t.cell[1:], np.zeros((1, t.units))])
        np.testing.assert_allclose(t.cell, t.forget_gate * before + t.input_gate * t.candidate, atol=1e-5)
        np.testing.assert_allclose(t.hidden, t.output_gate * np.tanh(t.cell), atol=1e-5)
        assert all(getattr(t, f).shape == (trace.steps, t.units) for f in FIELDS)


def test_char_trace_equals_keras_layers(charlm_run):
    generator = textlstm.load_generator(charlm_run)
    text = make_play(3, seed=5)  # characters the tiny model knows
    trace = generator.trace(text)
    assert trace.pieces == list(text) and trace.unit == "character" and not trace.note
    for t, expected in zip(trace.layers, keras_char_outputs(generator, text), strict=True):
        np.testing.assert_allclose(t.hidden, expected, atol=1e-5)
    check_cell_equations(trace)


@pytest.mark.parametrize("overrides", [dict(bidirectional=True, lstm_layers=2, pooling="max_mean"),
                                       dict(bidirectional=False, lstm_layers=2, pooling="max")])
def test_word_trace_equals_keras_layers_on_padded_input(overrides):
    classifier = tiny_classifier(**overrides)
    text = "Not a bad film at all... I was never bored!"
    trace = classifier.trace(text)
    assert trace.pieces == ["Not", "a", "bad", "film", "at", "all...", "I", "was", "never", "bored!"]
    assert trace.tokens[:3] == ["not", "a", "bad"] and trace.tokens[-1] == "[UNK]"  # "bored" is not in WORDS
    for index, expected in enumerate(keras_word_outputs(classifier, text)):
        halves = [trace.layer(index, d).hidden for d in (("forward", "backward") if overrides["bidirectional"]
                                                           else ("forward",))]
        np.testing.assert_allclose(np.concatenate(halves, axis=-1), expected, atol=1e-5)
    check_cell_equations(trace)


def test_long_texts_are_cut_as_prediction_cuts_them_and_say_so(charlm_run):
    generator = textlstm.load_generator(charlm_run)
    text = "ROMEO:\n" + "a" * (PROMPT_CONTEXT + 500)
    trace = generator.trace(text)
    assert trace.steps == PROMPT_CONTEXT and "last 2,000 characters" in trace.note and "first 507" in trace.note
    classifier = tiny_classifier(bidirectional=True)
    words = " ".join(["great"] * 30)  # the tiny model reads 12 words
    trace = classifier.trace(words)
    assert trace.steps == 12 and "first 12 words" in trace.note and "last 18" in trace.note
    assert "skipped" in generator.trace("ROMEO\u2603:").note  # a character outside the vocabulary


def test_bad_input_gets_one_clear_error(charlm_run):
    generator, classifier = textlstm.load_generator(charlm_run), tiny_classifier(bidirectional=True)
    for tracer, bad, words in [(generator, "", "text needs at least one non-space character"),
                               (generator, "   \n", "text needs at least one non-space character"),
                               (generator, "x" * (MAX_TEXT_CHARS + 1), "at most 100,000 characters"),
                               (generator, 42, "must be a string"),
                               (classifier, "", "text has no word"),
                               (classifier, "!!!", "text has no word")]:
        with pytest.raises(TextLSTMError, match=words):
            tracer.trace(bad)
    trace = classifier.trace(REVIEW)
    for layer, direction, words in [(1, "forward", "layer must be an integer from 0 to 0, got 1"),
                                    (-1, "forward", "layer must be an integer from 0 to 0, got -1"),
                                    ("0", "forward", "layer must be an integer"),
                                    (0, "sideways", "direction must be one of forward, backward; got 'sideways'")]:
        with pytest.raises(TextLSTMError, match=words):
            trace.layer(layer, direction)
    with pytest.raises(TextLSTMError, match="fields must be among"):
        trace.to_dict(fields=["gate"])


def test_json_and_npz_hold_the_same_numbers(tmp_path):
    trace = tiny_classifier(bidirectional=True).trace(REVIEW)
    as_json = json.loads(json.dumps(trace.to_dict(digits=6)))
    assert as_json["pieces"] == trace.pieces and len(as_json["layers"]) == 2
    np.testing.assert_allclose(as_json["layers"][1]["cell"], trace.layer(0, "backward").cell, atol=1e-6)
    path = trace.save(str(tmp_path / "trace.npz"))
    with np.load(path) as saved:
        np.testing.assert_array_equal(saved["0_backward_forget_gate"], trace.layer(0, "backward").forget_gate)
        assert list(saved["pieces"]) == trace.pieces
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trace.npz"]  # no temporary file left
