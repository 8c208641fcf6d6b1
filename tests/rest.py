"""TF Serving's REST JSON <-> tensors, as its predict API defines them, for checking the README.

Row format: {"instances": [...]} -> {"predictions": [...]}; columnar format:
{"inputs": {...}} -> {"outputs": ...}. A signature with one output drops the output's name.
Scalars in "inputs" become 0-d tensors of the signature's dtype.
"""

import tensorflow as tf


def call(loaded, body):
    signature = loaded.signatures[body.get("signature_name", "serving_default")]
    specs = signature.structured_input_signature[1]
    if "instances" in body:
        (name, spec), = specs.items()  # every row-format signature here has one input
        inputs = {name: tf.constant(body["instances"], spec.dtype)}
    else:
        inputs = {k: tf.constant(v, specs[k].dtype) for k, v in body["inputs"].items()}
    outputs = {k: _plain(v.numpy()) for k, v in signature(**inputs).items()}
    if "instances" in body:
        rows = [dict(zip(outputs, values)) for values in zip(*outputs.values())]
        return {"predictions": [r[next(iter(r))] if len(r) == 1 else r for r in rows]}
    return {"outputs": next(iter(outputs.values())) if len(outputs) == 1 else outputs}


def _plain(array):
    """A tensor's values as JSON holds them: strings, floats, and a list per row of a (batch, C) output."""
    def value(x):
        if isinstance(x, list):
            return [value(v) for v in x]
        return x.decode("utf-8") if isinstance(x, bytes) else float(x)

    return [value(x) for x in array.tolist()]
