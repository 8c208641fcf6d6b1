"""The TF Serving REST examples of docs/serving.md, run against the shipped exports: the docs cannot drift."""

import json
import os
import re

import pytest
import rest
import tensorflow as tf
from conftest import repo_path

README = open(repo_path("docs", "serving.md"), encoding="utf-8").read()  # linked from the README
EXAMPLE = re.compile(
    r"curl -s localhost:8501/v1/models/(\w+):predict -d @- <<'JSON'\n(.*?)\nJSON\n```.*?```json\n(.*?)\n```", re.S)
EXAMPLES = EXAMPLE.findall(README)


def _close(documented, actual):
    if isinstance(documented, dict):
        return documented.keys() == actual.keys() and all(_close(documented[k], actual[k]) for k in documented)
    if isinstance(documented, list):
        return len(documented) == len(actual) and all(_close(d, a) for d, a in zip(documented, actual))
    if isinstance(documented, float):
        return abs(documented - actual) < 1e-4
    return documented == actual


def test_readme_has_rest_examples():
    assert EXAMPLES, "docs/serving.md lost its TF Serving REST examples"


@pytest.mark.parametrize("model, request_body, response_body", EXAMPLES, ids=[m for m, _, _ in EXAMPLES])
def test_documented_request_gives_documented_response(model, request_body, response_body):
    base = repo_path("saved_models", model)
    export = os.path.join(base, str(max((int(d) for d in os.listdir(base) if d.isdigit()), default=1)))  # TF Serving's pick
    assert os.path.isdir(export), f"README documents {model}, which is not shipped"
    body = json.loads(request_body)
    assert set(body) <= {"signature_name", "instances", "inputs"}
    actual = rest.call(tf.saved_model.load(export), body)
    assert json.loads(json.dumps(actual)) == actual  # it is what a JSON response can hold
    assert _close(json.loads(response_body), actual), actual
