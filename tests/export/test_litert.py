"""LiteRT exports in the real standalone interpreter (ai-edge-litert): builtin ops only, the Keras
model's outputs, and the reference hosts' rules."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from conftest import REPO, TINY_SENTIMENT

import textlstm
from textlstm.config import SentimentConfig
from textlstm.errors import TextLSTMError
from textlstm.export import litert, litert_host
from textlstm.export.litert_host import LiteRTClassifier, LiteRTGenerator
from textlstm.models import sentiment_model
from textlstm.text import vectorizers

TEXTLSTM = os.path.join(os.path.dirname(sys.executable), "textlstm")
PASSAGE = "ROMEO:\nBut, soft! what light through yonder window breaks?\nIt is the east.\n\nJULIET:\nAy me!\n"


def only_builtin(folder):
    manifest = json.load(open(os.path.join(folder, "litert.json")))
    for variant, facts in manifest["variants"].items():
        blob = open(os.path.join(folder, facts["file"]), "rb").read()
        ops = litert.operators(blob)  # read from the flatbuffer itself, every subgraph
        assert ops == facts["operators"] and not [op for op in ops if op.startswith("CUSTOM")], (variant, ops)
        assert "WHILE" not in ops or manifest["kind"] == "sentiment"  # the character step has no loop
    return manifest


@pytest.fixture(scope="module")
def char_litert(charlm_run, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("litert") / "char")
    litert.export_litert(charlm_run, out)
    return out


@pytest.fixture(scope="module")
def sentiment_litert(sentiment_run, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("litert") / "sentiment")
    litert.export_litert(sentiment_run, out)
    return out


def test_char_step_matches_keras_and_every_variant_is_builtin(charlm_run, char_litert):
    manifest = only_builtin(char_litert)
    assert set(manifest["variants"]) == {"float32", "float16", "int8"} and manifest["skipped"] == {}
    sizes = {v: f["bytes"] for v, f in manifest["variants"].items()}
    assert sizes["float16"] < sizes["float32"] and sizes["int8"] < sizes["float16"]
    generator = textlstm.load_generator(charlm_run)
    ids = [i for i in generator.vocabulary.encode(PASSAGE) if i > 1]
    units = generator.sampler.units
    keras_logits = generator.sampler.step_model([tf.constant([ids]), *[tf.zeros((1, units))] * 4])[0].numpy()[0]
    logits = LiteRTGenerator(char_litert, "float32").logits_of(ids)  # the states carried by the host
    np.testing.assert_allclose(logits, keras_logits, atol=1e-4)


def test_char_host_follows_the_generators_rules(charlm_run, char_litert):
    generator = textlstm.load_generator(charlm_run)
    host = LiteRTGenerator(char_litert, "float32")
    for prompt in ("ROMEO:", "", "zz\u00e9\u4e2dROMEO"):  # empty -> "\n"; unknown characters dropped
        assert host.generate(prompt, length=40, temperature=0) == generator.generate(prompt, length=40, temperature=0)
    sampled = host.generate("ROMEO:", length=60, temperature=0.9, top_k=5, top_p=0.9, seed=3)
    assert sampled == host.generate("ROMEO:", length=60, temperature=0.9, top_k=5, top_p=0.9, seed=3)
    assert len(sampled) == 60 and set(sampled) <= set(generator.vocabulary.characters)
    assert sampled != host.generate("ROMEO:", length=60, temperature=0.9, top_k=5, top_p=0.9, seed=4)
    assert isinstance(textlstm.load_litert(char_litert, "int8"), LiteRTGenerator)
    for bad in ({"temperature": -1}, {"length": 10**6}, {"top_p": 0}, {"seed": "x"}):
        with pytest.raises(TextLSTMError) as api:
            generator.generate("ROMEO:", **bad)
        with pytest.raises(TextLSTMError) as lite:
            host.generate("ROMEO:", **bad)
        assert str(lite.value) == str(api.value)  # the same sentence on every surface


def test_next_character_loss_is_the_cross_entropy_of_the_next_id():
    rng = np.random.default_rng(2)
    logits, ids = rng.normal(0, 3, (50, 9)).astype("float32"), rng.integers(0, 9, 50)
    expected = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(ids[1:], logits[:-1])).numpy()
    assert litert_host.next_character_loss(logits, ids) == pytest.approx(float(expected), rel=1e-5)


def test_pick_keeps_only_the_top_k_and_the_nucleus():
    rng = np.random.default_rng(0)
    logits = np.array([5.0, 5.0, 3.0, 2.9, 1.0, 0.0, -1.0])  # ids 0, 1 are reserved: never picked
    picks = {litert_host.pick(logits, 1.0, 2, 1.0, rng) for _ in range(300)}
    assert picks == {2, 3}
    picks = {litert_host.pick(logits, 1.0, 0, 0.01, rng) for _ in range(100)}
    assert picks == {2}  # top_p below the first probability keeps the first alone
    assert litert_host.pick(logits, 0.0, 0, 1.0, rng) == 2  # greedy
    assert {litert_host.pick(logits, 1.0, 0, 1.0, rng) for _ in range(2000)} == {2, 3, 4, 5, 6}


def test_sentiment_matches_keras_on_short_long_and_odd_texts(sentiment_run, sentiment_litert):
    manifest = only_builtin(sentiment_litert)
    assert set(manifest["variants"]) == {"float32", "float16", "int8"}
    classifier = textlstm.load_sentiment(sentiment_run)
    texts = ["great fun", "awful boring film", "Great, GREAT... fun!!", "x", "great " * 200, "\u00c9cole\xa0great"]
    expected = classifier.model(tf.constant(texts)).numpy()[:, 0]
    np.testing.assert_allclose(LiteRTClassifier(sentiment_litert).predict_proba(texts), expected, atol=1e-4)
    int8 = textlstm.load_litert(sentiment_litert, "int8").predict_proba(texts)
    assert np.abs(int8 - expected).max() < litert.QUANTIZED_PROBABILITY_BOUND
    for bad in ("", "!!!", ["ok", 3]):
        with pytest.raises(TextLSTMError) as api:
            classifier.predict(bad)
        with pytest.raises(TextLSTMError) as lite:
            LiteRTClassifier(sentiment_litert).predict_proba(bad)
        assert str(lite.value) == str(api.value)


CONFIGS = [dict(bidirectional=b, pooling=p, lstm_layers=n, pool_relu=r)
           for b, p, n, r in [(True, "max", 1, False), (True, "max", 1, True), (True, "mean", 2, False),
                              (True, "last", 1, False), (True, "max_mean", 2, False), (False, "max", 1, False),
                              (False, "last", 2, False), (False, "max_mean", 1, False)]]


@pytest.mark.parametrize("overrides", CONFIGS, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_classifier_graph_equals_keras_for_every_shape_of_model(overrides, tmp_path):
    """Random weights (no training): depth, direction and pooling, padded and full-width inputs."""
    config = SentimentConfig(**{**TINY_SENTIMENT, **overrides})
    words = [f"w{i}" for i in range(40)]
    vectorizer = vectorizers.make_word_vectorizer(config.max_tokens, config.sequence_length,
                                                    vocabulary=words)
    model = sentiment_model.build_sentiment_model(config, len(vectorizer.get_vocabulary()))
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    end_to_end = sentiment_model.build_end_to_end(vectorizer, model)
    texts = ["w1 w2 w3", "w5", " ".join(words[:config.sequence_length]), "w7 nope w9 w1 w1 w2"]
    expected = end_to_end(tf.constant(texts)).numpy()[:, 0]
    function = litert.litert_graphs.sentiment_classify(end_to_end, config)
    module = tf.Module()
    module.f = function
    tf.saved_model.save(module, str(tmp_path / "sm"), signatures={"classify": function})
    blob = litert.convert(str(tmp_path / "sm"), "classify", "float32")
    assert not [op for op in litert.operators(blob) if op.startswith("CUSTOM")]
    (tmp_path / "float32.tflite").write_bytes(blob)
    (tmp_path / "vocabulary.json").write_text(json.dumps(vectorizer.get_vocabulary()))
    manifest = {"kind": "sentiment", "signature": "classify", "vocabulary": "vocabulary.json",
                "sequence_length": config.sequence_length, "variants": {"float32": {"file": "float32.tflite"}}}
    got = LiteRTClassifier(str(tmp_path), manifest=manifest).predict_proba(texts)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_export_refuses_what_it_cannot_do(charlm_run, char_litert, tmp_path):
    with pytest.raises(TextLSTMError, match="already exists"):
        litert.export_litert(charlm_run, char_litert)
    with pytest.raises(TextLSTMError, match="variants must be among float32, float16, int8"):
        litert.export_litert(charlm_run, str(tmp_path / "x"), ("int4",))
    assert not os.path.exists(tmp_path / "x")
    with pytest.raises(TextLSTMError, match="no litert.json"):
        LiteRTGenerator(str(tmp_path))
    with pytest.raises(TextLSTMError, match="of a charlm model, not of a sentiment model"):
        LiteRTClassifier(char_litert)
    litert.export_litert(charlm_run, str(tmp_path / "f32"), ("float32",))
    with pytest.raises(TextLSTMError, match="variant must be one of float32"):
        LiteRTGenerator(str(tmp_path / "f32"), "int8")
    assert [n for n in os.listdir(tmp_path) if n.startswith(".tmp")] == []  # nothing half-written


def test_cli_exports_litert_and_names_wrong_flags(charlm_run, tmp_path, cli_env):
    out = str(tmp_path / "lite")
    r = subprocess.run([TEXTLSTM, "export", charlm_run, "--format", "litert", "--out", out, "--variants", "int8"],
                       env=cli_env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "int8: " in r.stdout and "builtin operators: " in r.stdout and "Exported to" in r.stdout
    assert sorted(os.listdir(out)) == ["int8.tflite", "litert.json", "vocabulary.json"]
    r = subprocess.run([TEXTLSTM, "export", charlm_run, "--format", "litert", "--out", out + "2", "--version", "3"],
                       env=cli_env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "--version applies to --format savedmodel only" in r.stderr


def test_a_fresh_process_runs_the_host_without_tensorflow(char_litert, sentiment_litert):
    """What a device has: the interpreter and NumPy. TensorFlow imports are made to fail."""
    script = f"""
import sys
class NoTensorFlow:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras"):
            raise ImportError("no TensorFlow on this device")
sys.meta_path.insert(0, NoTensorFlow())
from textlstm.export.litert_host import LiteRTClassifier, LiteRTGenerator
print(len(LiteRTGenerator({char_litert!r}, "int8").generate("ROMEO:", length=25, seed=1)))
print(LiteRTClassifier({sentiment_litert!r}, "int8").predict_proba(["great fun"]).shape)
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["25", "(1,)"]


@pytest.mark.slow
def test_shipped_models_export_to_builtin_litert_files_that_agree_with_keras(tmp_path):
    shipped = os.path.join(REPO, "saved_models")
    for name in ("shakespeare_char", "imdb_sentiment"):
        folder = os.path.join(shipped, name)  # committed: every clone has them (test_shipped_models)
        litert.export_litert(folder, str(tmp_path / name))  # checks each variant against Keras
        manifest = only_builtin(str(tmp_path / name))
        assert set(manifest["variants"]) == {"float32", "float16", "int8"}, manifest["skipped"]
        sizes = {v: f["bytes"] for v, f in manifest["variants"].items()}
        assert sizes["float32"] / sizes["int8"] >= 3.5  # the bar for the int8 file
    generator = textlstm.load_generator(os.path.join(shipped, "shakespeare_char"))
    host = LiteRTGenerator(str(tmp_path / "shakespeare_char"))
    assert host.generate("ROMEO:", length=120, temperature=0) == generator.generate("ROMEO:", length=120, temperature=0)
    classifier = textlstm.load_sentiment(os.path.join(shipped, "imdb_sentiment"))
    reviews = ["A beautiful, moving film with a terrific cast.", "Dull, far too long and badly acted. Avoid."]
    np.testing.assert_allclose(LiteRTClassifier(str(tmp_path / "imdb_sentiment")).predict_proba(reviews),
                               classifier.predict_proba(reviews), atol=1e-4)


def test_the_readme_host_loop_runs_as_written(char_litert):
    """docs/litert.md's device example, on the tiny model's files: the docs cannot drift."""
    section = open(os.path.join(REPO, "docs", "litert.md"), encoding="utf-8").read()
    code = section[section.index("```python\n") + 10:section.index("\n```", section.index("```python\n"))]
    assert 'folder = "exports/shakespeare_litert"' in code
    code = code.replace('"exports/shakespeare_litert"', repr(char_litert))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert len(r.stdout) == 201  # 200 characters and print's newline
