"""`textlstm export MODEL --format litert --out DIR`: LiteRT files that run on builtin ops alone.

    DIR/float32.tflite, float16.tflite, int8.tflite   the graphs of litert_graphs.py
    DIR/vocabulary.json                               the model's own vocabulary file
    DIR/litert.json                                   signature, inputs, outputs, sizes, checks

float16 stores the weights as float16 (computed in float32); int8 is dynamic-range quantization
(int8 weights, activations quantized on the fly). Every file is checked before it is written:
its operators must all be builtin (no Flex, no custom op), it must load and run in the
standalone `ai-edge-litert` interpreter, and on probe inputs it must agree with the Keras model:
float32 within FLOAT32_TOLERANCE, the others within the sanity bounds below. A variant that fails
is not written, and litert.json says why. The folder is written aside and renamed into place.
"""

import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from textlstm import artifacts, loading
from textlstm.artifacts import VOCABULARY_FILE, write_json
from textlstm.data import labels as label_rule
from textlstm.errors import TextLSTMError
from textlstm.export import litert_graphs, litert_host
from textlstm.models import charlm_model
from textlstm.models.sentiment_predictor import SentimentPredictor

FLOAT32_TOLERANCE = 1e-4  # logits / probabilities: the same predictions as Keras
QUANTIZED_LOSS_BOUND = 0.05  # nats/char on the probe passage; the benchmark measures the full held-out text
QUANTIZED_PROBABILITY_BOUND = 0.05  # on the probe reviews; the benchmark measures IMDB test accuracy
PROBE_PASSAGE = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
                 "First Citizen:\nYou are all resolved rather to die than to famish?\n\nROMEO:\n"
                 "But, soft! what light through yonder window breaks?\nIt is the east, and Juliet is the sun.\n")
PROBE_REVIEWS = ["A moving, funny and beautifully acted film.", "Dull, far too long and badly written.",
                 "Not a bad film at all.", "I expected more.", "The plot drags, but the last hour is superb. " * 40]


def convert(saved_model_dir, signature, variant) -> bytes:
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir, signature_keys=[signature])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]  # no SELECT_TF_OPS: no Flex
    if variant in ("float16", "int8"):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # alone: dynamic-range int8 weights
    if variant == "float16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def operators(blob: bytes) -> list:
    """Every operator code of the flatbuffer, in all subgraphs: builtin names, "CUSTOM:<name>" else."""
    schema = litert_host.flatbuffer_schema()
    model = schema.Model.GetRootAsModel(blob, 0)
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    found = []
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())  # the schema keeps both fields
        name = names.get(builtin, str(builtin))
        found.append(f"CUSTOM:{code.CustomCode().decode()}" if name == "CUSTOM" else name)
    return sorted(set(found))


def export_litert(run_dir, out_dir, variants=litert_host.VARIANTS) -> dict:
    """Writes out_dir (which must not exist yet); returns its manifest."""
    folder = loading.model_folder(run_dir)
    config = loading.load_folder_config(folder)
    unknown = [v for v in variants if v not in litert_host.VARIANTS]
    if unknown or not variants:
        raise TextLSTMError(f"variants must be among {', '.join(litert_host.VARIANTS)}, got {list(variants)}")
    if os.path.exists(out_dir):
        raise TextLSTMError(f"{out_dir} already exists; choose a new --out for the LiteRT files")
    manifest = {}

    def write(tmp):
        os.makedirs(tmp)
        manifest.update((_export_generator if config.kind == "charlm" else _export_classifier)(
            folder, config, tmp, variants))
        manifest["source"] = os.path.abspath(folder)
        write_json(os.path.join(tmp, litert_host.MANIFEST), manifest)
        if not manifest["variants"]:
            raise TextLSTMError("no LiteRT variant passed its checks: " + "; ".join(
                f"{v}: {why}" for v, why in manifest["skipped"].items()))

    artifacts.write_atomically(out_dir, write)
    return manifest


def _write_variants(function, signature, tmp, variants, check):
    """Converts, checks and writes each variant; -> (written {variant: facts}, skipped {variant: why})."""
    module = tf.Module()
    module.f = function
    written, skipped = {}, {}
    with tempfile.TemporaryDirectory() as saved:
        tf.saved_model.save(module, saved, signatures={signature: function})
        for variant in variants:
            blob = convert(saved, signature, variant)
            ops = operators(blob)
            custom = [op for op in ops if op.startswith("CUSTOM")]
            if custom:
                skipped[variant] = f"needs operators outside LiteRT's builtins: {', '.join(custom)}"
                continue
            path = os.path.join(tmp, f"{variant}.tflite")
            with open(path, "wb") as f:
                f.write(blob)
            problem, figures = check(variant)
            if problem:
                os.unlink(path)
                skipped[variant] = problem
                continue
            written[variant] = {"file": f"{variant}.tflite", "bytes": len(blob), "operators": ops, "check": figures}
    return written, skipped


def _export_generator(folder, config, tmp, variants):
    model, vocabulary, _ = charlm_model.load_folder(folder)
    shutil.copyfile(os.path.join(folder, VOCABULARY_FILE), os.path.join(tmp, VOCABULARY_FILE))
    names = litert_graphs.state_names(config.lstm_layers)
    manifest = {"kind": "charlm", "signature": "step", "vocabulary": VOCABULARY_FILE, "states": names,
                "units": config.lstm_units,
                "inputs": {"char_id": "int32 (1,)", **{n: f"float32 (1, {config.lstm_units})" for n in names}},
                "outputs": {"logits": f"float32 (1, {len(vocabulary)})",
                            **{f"{n}_out": f"float32 (1, {config.lstm_units})" for n in names}}}
    ids = vocabulary.encode(PROBE_PASSAGE)
    ids = [i for i in ids if i > 1] or [2]
    step_model = charlm_model.build_step_model(model)
    zeros = [tf.zeros((1, config.lstm_units))] * len(names)
    reference = step_model([tf.constant([ids], tf.int32), *zeros], training=False)[0].numpy()[0]  # (T, V)

    def check(variant):
        host = litert_host.LiteRTGenerator(tmp, variant, manifest=_with_file(manifest, variant))
        logits = host.logits_of(ids)  # (T, V)
        figures = {"probe_characters": len(ids) - 1, "max_abs_logit_difference": float(np.abs(logits - reference).max()),
                   "probe_loss_keras": litert_host.next_character_loss(reference, ids),
                   "probe_loss": litert_host.next_character_loss(logits, ids)}
        if variant == "float32" and figures["max_abs_logit_difference"] > FLOAT32_TOLERANCE:
            return f"logits differ from Keras by {figures['max_abs_logit_difference']:.2g} > {FLOAT32_TOLERANCE}", figures
        gap = abs(figures["probe_loss"] - figures["probe_loss_keras"])
        if gap > QUANTIZED_LOSS_BOUND:
            return f"probe loss differs from Keras by {gap:.3f} nats/char > {QUANTIZED_LOSS_BOUND}", figures
        return None, figures

    written, skipped = _write_variants(litert_graphs.char_step(model), "step", tmp, variants, check)
    return {**manifest, "variants": written, "skipped": skipped}


def _with_file(manifest, variant):
    """The manifest a host needs to check one variant before litert.json exists."""
    return {**manifest, "variants": {variant: {"file": f"{variant}.tflite"}}}


def _export_classifier(folder, config, tmp, variants):
    predictor = SentimentPredictor.load(folder)
    end_to_end, labels = predictor.model, list(predictor.labels)
    shutil.copyfile(os.path.join(folder, VOCABULARY_FILE), os.path.join(tmp, VOCABULARY_FILE))
    manifest = {"kind": "sentiment", "signature": "classify", "vocabulary": VOCABULARY_FILE,
                "sequence_length": config.sequence_length, "labels": labels,
                "inputs": {"token_ids": f"int32 (1, {config.sequence_length}), right-padded with 0"},
                "outputs": {"probabilities": f"float32 (1, {len(labels)}), in the order of labels",
                            **({"positive_probability": "float32 (1, 1)"} if label_rule.has_polarity(labels) else {})}}
    reference = label_rule.class_probabilities(end_to_end(tf.constant(PROBE_REVIEWS), training=False).numpy())

    def check(variant):
        host = litert_host.LiteRTClassifier(tmp, variant, manifest=_with_file(manifest, variant))
        gap = float(np.abs(host.class_probabilities(PROBE_REVIEWS) - reference).max())
        figures = {"probe_reviews": len(PROBE_REVIEWS), "max_abs_probability_difference": gap}
        bound = FLOAT32_TOLERANCE if variant == "float32" else QUANTIZED_PROBABILITY_BOUND
        if gap > bound:
            return f"probabilities differ from Keras by {gap:.2g} > {bound}", figures
        return None, figures

    written, skipped = _write_variants(litert_graphs.sentiment_classify(end_to_end, config, labels), "classify", tmp,
                                       variants, check)
    return {**manifest, "variants": written, "skipped": skipped}
