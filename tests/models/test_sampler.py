"""Sampling: determinism, greedy, top-k/top-p, streaming == generate, stop strings, prompt rule."""

import numpy as np
import pytest
import tensorflow as tf

import textlstm
from textlstm.errors import TextLSTMError


@pytest.fixture(scope="module")
def generator(charlm_run):
    return textlstm.load_generator(charlm_run)


def test_same_seed_same_text(generator):
    a = generator.generate("ROMEO:", length=60, temperature=1.0, seed=7)
    b = generator.generate("ROMEO:", length=60, temperature=1.0, seed=7)
    c = generator.generate("ROMEO:", length=60, temperature=1.0, seed=8)
    assert a == b and len(a) == 60 and a != c


def test_temperature_zero_is_greedy(generator):
    text = generator.generate("JULIET:\n", length=30, temperature=0, seed=1)
    assert text == generator.generate("JULIET:\n", length=30, temperature=0, seed=999)
    # top_k=1 at any temperature is the same argmax path.
    assert text == generator.generate("JULIET:\n", length=30, temperature=1.5, top_k=1, seed=5)
    # and it is the argmax of the training model's logits, step by step
    vocab, model = generator.vocabulary, generator.model
    ids = vocab.encode("JULIET:\n")
    for ch in text[:5]:
        logits = model(np.array([ids], "int32"), training=False).numpy()[0, -1]
        logits[:2] = -np.inf
        assert vocab.tokens[int(np.argmax(logits))] == ch
        ids.append(vocab.encode(ch)[0])


def test_top_p_tiny_is_greedy_and_top_k_limits_choices(generator):
    greedy = generator.generate("FRIAR:", length=25, temperature=0)
    assert generator.generate("FRIAR:", length=25, temperature=1.0, top_p=1e-6, seed=3) == greedy
    sampler = generator.sampler
    logits = tf.constant(np.random.RandomState(0).randn(1, generator.vocabulary.__len__()), tf.float32)
    allowed = set(np.argsort(-(logits.numpy()[0, 2:]))[:3] + 2)
    picks = {int(sampler.pick(logits, tf.constant(1.0), tf.constant(3), tf.constant(1.0),
                              tf.constant(s, tf.int64), tf.constant(0, tf.int64))[0]) for s in range(60)}
    assert picks <= allowed and len(picks) > 1


def test_stream_equals_generate(generator):
    kwargs = dict(length=70, temperature=0.9, top_k=10, top_p=0.95, seed=11)
    pieces = list(generator.stream("NURSE:", chunk_size=8, **kwargs))
    assert len(pieces) > 1
    assert "".join(pieces) == generator.generate("NURSE:", **kwargs)


def test_stop_string_cuts_before_it(generator):
    full = generator.generate("ROMEO:", length=200, temperature=0.5, seed=2)
    stop = full[90:93]  # present by construction; may also occur earlier
    cut = generator.generate("ROMEO:", length=200, temperature=0.5, seed=2, stop=stop)
    assert cut == full.split(stop, 1)[0] and len(cut) <= 90
    # streamed in chunks smaller than the stop string: never leaks its first half
    streamed = "".join(generator.stream("ROMEO:", length=200, temperature=0.5, seed=2, stop=stop, chunk_size=2))
    assert streamed == cut


def test_batch_rows_match_single_prompts(generator):
    batch = generator.generate_batch(["ROMEO:", "", "JULIET: love"], length=40, temperature=0.8, seed=4)
    assert len(batch) == 3 and all(len(t) == 40 for t in batch)
    assert batch[0] == generator.generate("ROMEO:", length=40, temperature=0.8, seed=4)


def test_prompt_rule_drops_unknown_characters(generator):
    plain = generator.generate("ROMEO:", length=30, temperature=0.7, seed=9)
    assert generator.generate("RO\u00e9ME\U0001f600O:", length=30, temperature=0.7, seed=9) == plain
    assert generator.generate(b"RO\xffMEO:", length=30, temperature=0.7, seed=9) == plain  # invalid UTF-8
    # empty prompt == prompt "\n"
    assert generator.generate("", length=20, seed=1) == generator.generate("\n", length=20, seed=1)
    assert generator.generate("ROMEO:", length=0) == ""


def test_only_vocabulary_characters_are_emitted(generator):
    text = generator.generate("", length=300, temperature=2.0, seed=0)
    assert set(text) <= set(generator.vocabulary.characters)


@pytest.mark.parametrize("kwargs, name", [
    (dict(length=-1), "length"), (dict(length=10**6), "length"), (dict(temperature=-0.1), "temperature"),
    (dict(temperature=float("nan")), "temperature"), (dict(top_k=-1), "top_k"), (dict(top_p=0), "top_p"),
    (dict(top_p=1.5), "top_p"), (dict(seed=-5), "seed"), (dict(seed=2**40), "seed"),
])
def test_bad_parameters_name_themselves(generator, kwargs, name):
    with pytest.raises(TextLSTMError, match=name):
        generator.generate("ROMEO:", **kwargs)


def test_generation_runs_in_one_graph(generator):
    """The whole prompt -> text path is a single concrete function (no Python per character)."""
    graph_def = generator.sampler.generate_text.get_concrete_function().graph.as_graph_def()
    ops = {node.op for node in graph_def.node}
    ops |= {node.op for function in graph_def.library.function for node in function.node_def}
    assert "While" in ops or "StatelessWhile" in ops
    out = generator.sampler.generate_text(tf.constant(["ROMEO:"]), tf.constant(25), tf.constant(0.8),
                                          tf.constant(0), tf.constant(1.0), tf.constant(4, tf.int64))
    assert out.numpy()[0].decode() == generator.generate("ROMEO:", length=25, temperature=0.8, seed=4)
