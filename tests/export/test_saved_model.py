"""TF Serving's contract, proved without its binary: TF-only process, saved_model_cli, core ops, warmup."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import textlstm
from textlstm.export import saved_model

SAVED_MODEL_CLI = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")


def test_versioned_layout_and_next_version(exports, sentiment_run, tmp_path):
    assert exports["sentiment"].endswith(os.sep + "1")
    base = os.path.dirname(exports["sentiment"])
    assert saved_model.next_version(base) == 2
    assert not [d for d in os.listdir(base) if d.startswith(".tmp")]  # nothing left half-written
    for path in exports.values():
        assert os.path.isfile(os.path.join(path, "saved_model.pb"))
        assert os.path.isfile(os.path.join(path, "assets.extra", "tf_serving_warmup_requests"))
    with pytest.raises(textlstm.TextLSTMError, match="already exists"):
        saved_model.export(sentiment_run, base, version=1)


TF_ONLY_CHECK = r"""
import json, sys
sys.modules["textlstm"] = None  # any attempt to import textlstm now fails: TF Serving has no Python
import tensorflow as tf
from tensorflow.python.framework import op_def_registry
sentiment_path, generator_path = sys.argv[1], sys.argv[2]

def all_ops(loaded_path):
    from tensorflow.core.protobuf import saved_model_pb2
    sm = saved_model_pb2.SavedModel()
    sm.ParseFromString(open(loaded_path + "/saved_model.pb", "rb").read())
    ops = set()
    for graph in sm.meta_graphs:
        ops |= {n.op for n in graph.graph_def.node}
        ops |= {n.op for f in graph.graph_def.library.function for n in f.node_def}
    return ops

result = {}
for path in (sentiment_path, generator_path):
    unknown = sorted(op for op in all_ops(path) if op_def_registry.get(op) is None)
    result.setdefault("non_core_ops", []).extend(unknown)

s = tf.saved_model.load(sentiment_path)
out = s.signatures["serving_default"](text=tf.constant(["a wonderful moving film", "an awful boring film"]))
result["probability"] = out["positive_probability"].numpy().tolist()
result["label"] = [x.decode() for x in out["label"].numpy()]

g = tf.saved_model.load(generator_path)
gen = g.signatures["generate"]
kwargs = dict(prompt=tf.constant(["ROMEO:", "JULIET:"]), length=tf.constant(30), temperature=tf.constant(0.9),
              top_k=tf.constant(5), top_p=tf.constant(0.9), seed=tf.constant(7, tf.int64))
a = [x.decode() for x in gen(**kwargs)["text"].numpy()]
b = [x.decode() for x in gen(**kwargs)["text"].numpy()]
result["generated"], result["deterministic"] = a, a == b
default = g.signatures["serving_default"](prompt=tf.constant(["ROMEO:"]))["text"].numpy()
result["default_length"] = len(default[0].decode())
try:  # a bad setting is refused, naming the setting and its range, and nothing is generated
    gen(**dict(kwargs, temperature=tf.constant(float("nan"))))
except tf.errors.InvalidArgumentError as e:
    result["refused"] = e.message
result["signatures"] = {"sentiment": sorted(s.signatures), "generator": sorted(g.signatures)}
print(json.dumps(result))
"""


def test_fresh_tensorflow_only_process(exports, sentiment_run, charlm_run, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    r = subprocess.run([sys.executable, "-c", TF_ONLY_CHECK, exports["sentiment"], exports["generator"]],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["non_core_ops"] == []
    assert result["signatures"] == {"sentiment": ["serving_default"], "generator": ["generate", "serving_default"]}
    keras_p = textlstm.load_sentiment(sentiment_run).predict_proba(["a wonderful moving film", "an awful boring film"])
    np.testing.assert_allclose(result["probability"], keras_p, atol=1e-5)
    assert result["label"] == ["positive" if p > 0.5 else "negative" for p in keras_p]
    generator = textlstm.load_generator(charlm_run)
    expected = generator.generate_batch(["ROMEO:", "JULIET:"], length=30, temperature=0.9, top_k=5, top_p=0.9, seed=7)
    assert result["deterministic"] and result["generated"] == expected
    assert result["default_length"] == saved_model.DEFAULTS["length"]
    assert "temperature must be a number in [0.0, 5.0], got" in result["refused"]


def test_saved_model_cli_show_and_run(exports):
    shown = subprocess.run([SAVED_MODEL_CLI, "show", "--dir", exports["sentiment"], "--all"],
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    text = shown.stdout
    assert "signature_def['serving_default']" in text
    for expected in ("inputs['text'] tensor_info:", "dtype: DT_STRING", "outputs['positive_probability']",
                     "dtype: DT_FLOAT", "outputs['label']", "shape: (-1)"):
        assert expected in text, expected
    gen = subprocess.run([SAVED_MODEL_CLI, "show", "--dir", exports["generator"], "--all"],
                         capture_output=True, text=True, timeout=120).stdout
    for expected in ("signature_def['generate']", "signature_def['serving_default']", "inputs['prompt']",
                     "inputs['length']", "inputs['temperature']", "inputs['top_k']", "inputs['top_p']",
                     "inputs['seed']", "outputs['text']"):
        assert expected in gen, expected
    run = subprocess.run([SAVED_MODEL_CLI, "run", "--dir", exports["sentiment"], "--tag_set", "serve",
                          "--signature_def", "serving_default",
                          "--input_exprs", "text=['a wonderful moving film']"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "positive_probability" in run.stdout


def test_warmup_records_parse_and_run(exports):
    from tensorflow_serving.apis import prediction_log_pb2

    for path in exports.values():
        loaded = tf.saved_model.load(path)
        records = list(tf.data.TFRecordDataset(os.path.join(path, saved_model.WARMUP_FILE)))
        assert records
        for record in records:
            log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
            request = log.predict_log.request
            signature = loaded.signatures[request.model_spec.signature_name or "serving_default"]
            inputs = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
            outputs = signature(**inputs)
            assert outputs and all(v.shape[0] >= 1 for v in outputs.values() if v.shape.rank)


def test_each_weight_is_saved_once(exports, sentiment_run, charlm_run):
    """Keras 3.15 saves weights twice when a model is track()ed; the export must not."""
    import keras

    for kind, run in (("sentiment", sentiment_run), ("generator", charlm_run)):
        reader = tf.train.load_checkpoint(os.path.join(exports[kind], "variables", "variables"))
        saved = sum(int(np.prod(shape)) for shape in reader.get_variable_to_shape_map().values())
        params = keras.saving.load_model(os.path.join(run, "model.keras")).count_params()
        assert params <= saved <= params * 1.05 + 100, (kind, saved, params)


def test_load_export_matches_the_python_api(exports, sentiment_run, charlm_run):
    """textlstm.load_export (what `textlstm predict|generate saved_models/NAME/<version>` uses)."""
    texts = ["a wonderful moving film", "an awful boring film"]
    np.testing.assert_allclose(textlstm.load_export(exports["sentiment"]).predict_proba(texts),
                               textlstm.load_sentiment(sentiment_run).predict_proba(texts), atol=1e-5)
    generated = textlstm.load_export(exports["generator"]).generate_batch(["ROMEO:", ""], length=25, top_k=5, seed=3)
    assert generated == textlstm.load_generator(charlm_run).generate_batch(["ROMEO:", ""], length=25, top_k=5, seed=3)
    with pytest.raises(textlstm.TextLSTMError, match="is a sentiment export, not a charlm one"):
        textlstm.load_export(exports["sentiment"]).generate_batch(["ROMEO:"])
