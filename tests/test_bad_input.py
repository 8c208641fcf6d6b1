"""Bad input through every surface: the Python API, the CLI, the Gradio endpoints and the
exported SavedModel signatures. One table; each row either gives a correct result (the same
one as the Python API) or one error naming the parameter and its allowed values, in the same
words everywhere. After every refused request the Gradio app must still answer the next one.
"""

import re

import gradio_http
import pytest
import tensorflow as tf

import textlstm
from textlstm import cli

NAN = float("nan")
NO_WORD = "has no word: it needs at least one word: a character that is neither a space nor punctuation"
TOO_LONG = "must be at most 100,000 characters"
ONE_MB = "a fine film " * 87_382  # 1,048,584 characters

# (case id, review text or batch, expected error words or None for a result)
REVIEWS = [
    ("empty", "", "text[0] " + NO_WORD),
    ("whitespace", " \t\n\u00a0\u3000 ", "text[0] " + NO_WORD),
    ("punctuation-only", " !!! (...) ", "text[0] " + NO_WORD),  # no token: the model's answer would be NaN
    ("1MB", ONE_MB, "text[0] " + TOO_LONG),
    ("invalid-utf8", b"\xff\xfe a wonderful film \xc3", None),
    ("nul-control", "a wonderful\x00 film\x07\x1b[31m\x7f", None),
    ("emoji-cjk-rtl", "\U0001F600 a wonderful film \u4e2d\u6587 \u05e2\u05d1\u05e8\u05d9\u05ea \u200f", None),
    ("html", "<b>great</b> acting <script>alert(1)</script>", None),
    ("mixed-batch-empty", ["a wonderful film " * 3_000, ""], "text[1] " + NO_WORD),
    ("mixed-batch-long", ["a wonderful film", ONE_MB], "text[1] " + TOO_LONG),
    ("batch-short-and-long", ["ok", "a wonderful film " * 5_000], None),
]

# (case id, keyword arguments for generation, expected error words or None)
GENERATION = [
    ("prompt-empty", dict(prompt=""), None),
    ("prompt-whitespace", dict(prompt=" \t\n"), None),
    ("prompt-1MB", dict(prompt=ONE_MB), "prompt " + TOO_LONG),
    ("prompt-invalid-utf8", dict(prompt=b"\xff\xfeROMEO:\xc3"), None),
    ("prompt-nul-control", dict(prompt="ROMEO\x00:\x07"), None),
    ("prompt-emoji-cjk-rtl", dict(prompt="\U0001F600 \u4e2d\u6587 \u05e2\u05d1\u05e8\u05d9\u05ea"), None),
    ("prompt-html", dict(prompt="<p>ROMEO:</p>"), None),
    ("temperature-0", dict(temperature=0), None),
    ("temperature-negative", dict(temperature=-0.5), "temperature must be a number in [0.0, 5.0]"),
    ("temperature-nan", dict(temperature=NAN), "temperature must be a number in [0.0, 5.0]"),
    ("temperature-1e9", dict(temperature=1e9), "temperature must be a number in [0.0, 5.0]"),
    ("top_k-0", dict(top_k=0), None),
    ("top_k-negative", dict(top_k=-1), "top_k must be an integer from 0 to 2,147,483,647"),
    ("top_k-above-vocabulary", dict(top_k=100_000), None),
    ("top_p-0", dict(top_p=0), "top_p must be a number in (0.0, 1.0]"),
    ("top_p-1", dict(top_p=1), None),
    ("top_p-1.5", dict(top_p=1.5), "top_p must be a number in (0.0, 1.0]"),
    ("top_p-nan", dict(top_p=NAN), "top_p must be a number in (0.0, 1.0]"),
    ("length-0", dict(length=0), None),
    ("length-negative", dict(length=-1), "length must be an integer from 0 to 5,000"),
    ("length-above-cap", dict(length=5_001), "length must be an integer from 0 to 5,000"),
    ("seed-negative", dict(seed=-1), "seed must be an integer from 0 to 2,147,483,647"),
    ("seed-huge", dict(seed=2**62), "seed must be an integer from 0 to 2,147,483,647"),
]
DEFAULTS = dict(prompt="ROMEO:", length=20, temperature=0.8, top_k=0, top_p=1.0, seed=7)


def _rows(table):
    return [pytest.param(value, expected, id=case) for case, value, expected in table]


def _as_batch(value):
    return value if isinstance(value, list) else [value]


def _as_str(value):
    """What a str-only surface (argv, JSON) receives for raw bytes: surrogate escapes."""
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


@pytest.fixture(scope="module")
def classifier(sentiment_run):
    return textlstm.load_sentiment(sentiment_run)


@pytest.fixture(scope="module")
def generator(charlm_run):
    return textlstm.load_generator(charlm_run)


def _expected_generation(generator, settings):
    s = dict(DEFAULTS, **settings)
    return generator.generate(s.pop("prompt"), **s)


# --- Python API ---------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", _rows(REVIEWS))
def test_python_api_reviews(classifier, value, expected):
    if expected:
        with pytest.raises(textlstm.TextLSTMError, match="^" + _re(expected)):
            classifier.predict(_as_batch(value))
        return
    probabilities = classifier.predict_proba(_as_batch(value))
    assert len(probabilities) == len(_as_batch(value))
    assert all(0.0 <= p <= 1.0 for p in probabilities)


@pytest.mark.parametrize("settings, expected", _rows(GENERATION))
def test_python_api_generation(generator, settings, expected):
    s = dict(DEFAULTS, **settings)
    if expected:
        with pytest.raises(textlstm.TextLSTMError, match="^" + _re(expected)):
            generator.generate(s.pop("prompt"), **s)
        return
    text = generator.generate(s.pop("prompt"), **s)
    assert len(text) == s["length"] and set(text) <= set(generator.vocabulary.characters)
    if settings.get("top_k") == 100_000:  # a k beyond the vocabulary keeps every character: top-k off
        assert text == _expected_generation(generator, {"top_k": 0})
    if settings.get("temperature") == 0:  # greedy: the seed does not matter
        assert text == _expected_generation(generator, {"temperature": 0, "seed": 99})


def _re(words):
    return re.escape(words)


# --- CLI (in-process: the same argparse + error path as the console script) ---------------


def _cli(capsys, argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("value, expected", _rows(REVIEWS))
def test_cli_reviews(sentiment_run, classifier, capsys, value, expected):
    texts = [_as_str(v) for v in _as_batch(value)]
    code, out, err = _cli(capsys, ["predict", sentiment_run, "--json", *texts])
    if expected:
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"textlstm predict: error: {expected}"), err
        return
    assert code == 0, err
    import json

    rows = [json.loads(line) for line in out.splitlines()]
    want = classifier.predict_proba([v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in _as_batch(value)])
    assert [r["positive_probability"] for r in rows] == pytest.approx(want.tolist(), abs=1e-6)


@pytest.mark.parametrize("settings, expected", _rows(GENERATION))
def test_cli_generation(charlm_run, generator, capsys, settings, expected):
    s = dict(DEFAULTS, **settings)
    argv = ["generate", charlm_run, "--continuation-only", "--prompt", _as_str(s.pop("prompt"))]
    for key, value in s.items():
        argv += [f"--{key.replace('_', '-')}", value]
    code, out, err = _cli(capsys, argv)
    if expected:
        assert code == 2 and expected in err and len(err.strip().splitlines()) == 1, err
        return
    assert code == 0, err
    assert out == _expected_generation(generator, settings) + "\n"


# --- Gradio endpoints (HTTP on 127.0.0.1) ------------------------------------------------
# Raw HTTP rather than gradio_client, which refuses to encode NaN and lone surrogates (what
# invalid UTF-8 becomes in JSON); the server must cope with whatever a client sends.


def _still_serving(server):
    event, outputs = gradio_http.call(server, "classify", ["a wonderful film"])
    assert event == "complete" and outputs[0]["label"] in ("positive", "negative")


@pytest.mark.parametrize("value, expected", _rows([r for r in REVIEWS if not isinstance(r[1], list)]))
def test_gradio_classify(server, classifier, value, expected):
    event, outputs = gradio_http.call(server, "classify", [_as_str(value)])
    if expected:
        words = expected.replace("text[0]", "review")  # the demo's field is called "review"
        assert event == "error" and outputs.startswith(words), outputs
    else:
        assert event == "complete", outputs
        p = classifier.predict_proba([value.decode("utf-8", "replace") if isinstance(value, bytes) else value])[0]
        confidences = {c["label"]: c["confidence"] for c in outputs[0]["confidences"]}
        assert confidences["positive"] == pytest.approx(float(p), abs=1e-5)
    _still_serving(server)


@pytest.mark.parametrize("settings, expected", _rows(GENERATION))
def test_gradio_generate(server, generator, settings, expected):
    s = dict(DEFAULTS, **settings)
    prompt = _as_str(s["prompt"])
    event, outputs = gradio_http.call(server, "generate", [prompt, s["length"], s["temperature"], s["top_k"],
                                                            s["top_p"], s["seed"]])
    if expected:
        assert event == "error" and outputs.startswith(expected), outputs
    else:
        assert event == "complete", outputs
        clean_prompt = textlstm.input_checks.check_prompt(prompt)
        assert outputs[0] == clean_prompt + _expected_generation(generator, settings)
    _still_serving(server)


# --- Exported SavedModel signatures (what TF Serving runs) --------------------------------


@pytest.fixture(scope="module")
def signatures(exports):
    return {"text": tf.saved_model.load(exports["sentiment"]).signatures["serving_default"],
            "generate": tf.saved_model.load(exports["generator"]).signatures["generate"]}


def _graph_expected(expected):
    # The graph names the parameter, not the item: "text[1] has no word" becomes "text has no word".
    return re.sub(r"text\[\d+\]", "text", expected)


@pytest.mark.parametrize("value, expected", _rows(REVIEWS))
def test_export_reviews(signatures, classifier, value, expected):
    batch = [v if isinstance(v, bytes) else v.encode("utf-8") for v in _as_batch(value)]
    if expected:
        with pytest.raises(tf.errors.InvalidArgumentError, match=_re(_graph_expected(expected))):
            signatures["text"](text=tf.constant(batch))
        return
    p = signatures["text"](text=tf.constant(batch))["positive_probability"].numpy()
    want = classifier.predict_proba([b.decode("utf-8", "replace") for b in batch])
    assert p.tolist() == pytest.approx(want.tolist(), abs=1e-5)


@pytest.mark.parametrize("settings, expected", _rows(GENERATION))
def test_export_generate(signatures, generator, settings, expected):
    s = dict(DEFAULTS, **settings)
    prompt = s["prompt"] if isinstance(s["prompt"], bytes) else s["prompt"].encode("utf-8")
    dtypes = dict(length=tf.int32, temperature=tf.float32, top_k=tf.int32, top_p=tf.float32, seed=tf.int64)
    inputs = {k: tf.constant(s[k], dtypes[k]) for k in dtypes}
    if expected:
        with pytest.raises(tf.errors.InvalidArgumentError, match=_re(expected)):
            signatures["generate"](prompt=tf.constant([prompt]), **inputs)
        return
    text = signatures["generate"](prompt=tf.constant([prompt]), **inputs)["text"].numpy()[0].decode("utf-8")
    assert text == _expected_generation(generator, settings)


def test_wordless_pattern_matches_the_python_check():
    """The graph's no-word test and validation.check_texts agree on every BMP character, alone and
    between punctuation."""
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    texts = chars + [f"!{c}." for c in chars]
    graph = tf.strings.regex_full_match(tf.constant([t.encode("utf-8") for t in texts]),
                                        textlstm.text.rules.WORDLESS_PATTERN).numpy()

    def refused(text):
        try:
            textlstm.input_checks.check_texts(text)
        except textlstm.TextLSTMError:
            return True
        return False

    differ = [repr(t) for t, g in zip(texts, graph) if bool(g) != refused(t)]
    assert differ == []


def test_blank_pattern_matches_python_whitespace():
    """The graph's blank test (an RE2 class) and Python's str.isspace() agree on every BMP character."""
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    blank = tf.strings.regex_full_match(tf.constant([c.encode("utf-8") for c in chars]),
                                        textlstm.text.rules.BLANK_PATTERN).numpy()
    differ = [hex(ord(c)) for c, b in zip(chars, blank) if bool(b) != c.isspace()]
    assert differ == []
