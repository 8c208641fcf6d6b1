"""SavedModel exports that TF Serving loads as they are: versioned, atomic, warmed up.

    saved_models/NAME/<version>/   <- what TF Serving's --model_base_path=saved_models/NAME serves
      saved_model.pb, variables/, assets/ (vocabulary tables)
      assets.extra/tf_serving_warmup_requests

Signatures (every op is a TensorFlow core op; no Python, textlstm or custom ops needed):
  sentiment  serving_default: text (string [batch]) -> probabilities (float32 [batch, C]: every
                              class, in the order of the model's labels, also in
                              assets.extra/labels.json), label (string [batch]: the most probable
                              class), positive_probability (float32 [batch]: P(positive | negative
                              or positive), the model's only probability for two classes)
  generator  serving_default: prompt (string [batch]) -> text (string [batch]); 200 characters,
                              temperature 0.8, no top-k/top-p, a fresh seed per request
             generate: prompt, length, temperature, top_k, top_p, seed -> text
Every input is checked inside the graph against the rules of textlstm/input_checks.py, with the
same sentences: a bad request fails with InvalidArgumentError "assertion failed: [temperature must
be a number in [0.0, 5.0], got] [nan]" (TF Serving returns it as the error) and computes nothing.
A version is written into a hidden temporary directory beside its final place and renamed into
place, so an interrupted export never leaves a partial version for TF Serving to pick up.
"""

import os
import re
import shutil

import keras
import tensorflow as tf

from textlstm import artifacts, input_checks, loading
from textlstm.data import labels as label_rule
from textlstm.errors import TextLSTMError
from textlstm.models import charlm_model, sentiment_model
from textlstm.models.sampler import CharSampler
from textlstm.models.sentiment_predictor import SentimentPredictor
from textlstm.text import rules

DEFAULTS = {"length": 200, "temperature": 0.8, "top_k": 0, "top_p": 1.0}
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
WARMUP_PROMPTS = ["ROMEO:", "First Citizen:\n"]
WARMUP_REVIEWS = ["A moving, funny and beautifully acted film.", "Dull, far too long and badly written."]


def next_version(base_dir) -> int:
    versions = [int(d) for d in os.listdir(base_dir) if re.fullmatch(r"\d+", d)] if os.path.isdir(base_dir) else []
    return max(versions, default=0) + 1


def _sentiment_archive(folder):
    predictor = SentimentPredictor.load(folder)
    model, labels = predictor.model, predictor.labels
    # No archive.track(model): add_endpoint tracks what the endpoints use, and an explicit
    # track() makes Keras 3.15 save every weight twice (Keras variables + their tf.Variables).
    archive = keras.export.ExportArchive()
    archive.track(sentiment_model.vectorizer_part(model))  # its vocabulary table (no weights)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serving_default(text):
        with tf.control_dependencies(_text_checks(text, "text", allow_blank=False)):
            text = tf.identity(text)
        outputs = model(text, training=False)  # (B, 1) or (B, C)
        answer = {"probabilities": label_rule.class_probability_tensor(outputs),  # (B, C); the rules of data/labels.py
                  "label": label_rule.label_tensor(outputs, labels)}  # (B,)
        if label_rule.has_polarity(labels):  # classes of a user's own have none
            answer["positive_probability"] = label_rule.positive_probability_tensor(outputs, labels)  # (B,)
        return answer

    archive.add_endpoint("serving_default", serving_default)
    requests = [("serving_default", {"text": tf.constant(WARMUP_REVIEWS)})]
    return archive, requests, {artifacts.EXPORT_LABELS_FILE: list(labels)}


def _text_checks(texts, name, allow_blank):
    """input_checks.check_texts / check_prompts as graph assertions, one after another (B = batch)."""
    count = tf.size(texts)
    chars = tf.strings.length(texts, unit="UTF8_CHAR")  # (B,) an invalid byte counts as one, like U+FFFD
    conditions = [
        (tf.logical_and(count >= 1, count <= input_checks.MAX_BATCH), [input_checks.batch_rule(name) + ", got", count]),
        (tf.reduce_all(chars <= input_checks.MAX_TEXT_CHARS), [input_checks.size_rule(name) + ", got", tf.reduce_max(chars)]),
    ]
    if not allow_blank:
        wordless = tf.strings.regex_full_match(texts, rules.WORDLESS_PATTERN)  # (B,)
        conditions.append((tf.logical_not(tf.reduce_any(wordless)),
                      [f"{name} has no word: it {rules.WORD_RULE}; at index", tf.where(wordless)[:, 0]]))
    checks = []
    for ok, message in conditions:  # chained, so the first broken rule is the one reported
        with tf.control_dependencies(checks[-1:]):
            checks.append(tf.debugging.Assert(ok, message))
    return checks


def _setting_checks(checks, **values):
    """input_checks.RANGES as graph assertions after `checks`; NaN fails every comparison, so it is refused."""
    checks = list(checks)
    for name, value in values.items():
        _, low, high, low_open = input_checks.RANGES[name]
        low, high = tf.constant(low, value.dtype), tf.constant(high, value.dtype)
        ok = tf.logical_and(value > low if low_open else value >= low, value <= high)
        with tf.control_dependencies(checks[-1:]):
            checks.append(tf.debugging.Assert(ok, [input_checks.rule(name) + ", got", value]))
    return checks


def _generator_archive(folder):
    sampler = CharSampler(*charlm_model.load_folder(folder)[:2])
    archive = keras.export.ExportArchive()  # no track(model): see _sentiment_archive
    archive.track(sampler.lookup)  # its hash table (no weights) is used inside nested tf.functions

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="prompt")])
    def serving_default(prompt):
        with tf.control_dependencies(_text_checks(prompt, "prompt", allow_blank=True)):
            prompt = tf.identity(prompt)
        seed = tf.cast(tf.timestamp() * 1e6, tf.int64) % input_checks.MAX_SEED  # fresh text per request
        text = sampler.generate_text(prompt, tf.constant(DEFAULTS["length"]), tf.constant(DEFAULTS["temperature"]),
                                     tf.constant(DEFAULTS["top_k"]), tf.constant(DEFAULTS["top_p"]), seed)
        return {"text": text}

    @tf.function(input_signature=[
        tf.TensorSpec([None], tf.string, name="prompt"), tf.TensorSpec([], tf.int32, name="length"),
        tf.TensorSpec([], tf.float32, name="temperature"), tf.TensorSpec([], tf.int32, name="top_k"),
        tf.TensorSpec([], tf.float32, name="top_p"), tf.TensorSpec([], tf.int64, name="seed"),
    ])
    def generate(prompt, length, temperature, top_k, top_p, seed):
        checks = _setting_checks(_text_checks(prompt, "prompt", allow_blank=True), length=length,
                                 temperature=temperature, top_k=top_k, top_p=top_p, seed=seed)
        with tf.control_dependencies(checks):  # every input waits for the checks: nothing runs on bad values
            inputs = [tf.identity(x) for x in (prompt, length, temperature, top_k, top_p, seed)]
        return {"text": sampler.generate_text(*inputs)}

    archive.add_endpoint("serving_default", serving_default)
    archive.add_endpoint("generate", generate)
    requests = [
        ("serving_default", {"prompt": tf.constant(WARMUP_PROMPTS)}),
        ("generate", {"prompt": tf.constant(WARMUP_PROMPTS[:1]), "length": tf.constant(50),
                      "temperature": tf.constant(0.8), "top_k": tf.constant(0), "top_p": tf.constant(1.0),
                      "seed": tf.constant(1, tf.int64)}),
    ]
    return archive, requests, {}


def write_warmup(path, requests):
    """TF Serving's warmup file: a TFRecord of PredictionLog, one per request."""
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for signature, inputs in requests:
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(signature_name=signature),
            )
            for name, value in inputs.items():
                request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())


def _remove_abandoned(out_dir):
    """Deletes the temporary folders of exports that were killed (their process is gone)."""
    for name in os.listdir(out_dir):
        match = re.fullmatch(re.escape(artifacts.TMP_PREFIX) + r"(\d+)-.*", name)  # the writer's pid
        if match and not _alive(int(match.group(1))):
            shutil.rmtree(os.path.join(out_dir, name), ignore_errors=True)


def _alive(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def export(run_dir, out_dir, version=None) -> str:
    """Writes run_dir's model as out_dir/<version>/; returns that path."""
    folder = loading.model_folder(run_dir)
    kind = loading.load_folder_config(folder).kind
    if version is None:
        version = next_version(out_dir)
    if not isinstance(version, int) or version < 1:
        raise TextLSTMError(f"--version must be a positive integer, got {version!r}")
    final = os.path.join(out_dir, str(version))
    if os.path.exists(final):
        raise TextLSTMError(f"{final} already exists; choose another --version or leave it out for the next one")
    archive, requests, extras = (_sentiment_archive if kind == "sentiment" else _generator_archive)(folder)
    os.makedirs(out_dir, exist_ok=True)
    _remove_abandoned(out_dir)

    def write(tmp):  # its name is not an integer, so TF Serving ignores it until the rename
        archive.write_out(tmp, verbose=False)
        write_warmup(os.path.join(tmp, WARMUP_FILE), requests)
        for name, value in extras.items():
            artifacts.write_json(os.path.join(tmp, name), value)

    artifacts.write_atomically(final, write)
    return final
