"""The installed `textlstm` console script, end to end."""

import json
import os
import subprocess
import sys

import pytest

import textlstm

TEXTLSTM = os.path.join(os.path.dirname(sys.executable), "textlstm")


def run(args, env, input=None, timeout=300):
    return subprocess.run([TEXTLSTM, *args], env=env, input=input, capture_output=True, text=True, timeout=timeout)


VERBS = ["train", "evaluate", "predict", "generate", "trace", "export", "demo"]


def test_console_script_runs_and_lists_every_verb(cli_env):
    """The installed entry point (not `python -m`): its help names every verb, each verb has its own
    help, and no verb at all is one clear error."""
    r = run(["--help"], cli_env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert all(verb in r.stdout for verb in VERBS), r.stdout
    for verb in VERBS:
        r = run([verb, "--help"], cli_env, timeout=120)
        assert r.returncode == 0 and r.stdout.startswith(f"usage: textlstm {verb}"), (verb, r.stdout, r.stderr)
    r = run([], cli_env, timeout=120)
    assert r.returncode != 0 and r.stderr.strip(), r


@pytest.mark.slow
def test_train_generate_evaluate_charlm(tmp_path, text_file, cli_env):
    out = str(tmp_path / "run")
    r = run(["train", "charlm", "--text-file", text_file, "--out", out, "--quiet", "--set", "epochs=1",
             "--set", "lstm_units=16", "--set", "sequence_length=20", "--set", "batch_size=16"], cli_env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads(r.stdout[: r.stdout.rindex("}") + 1])["heldout"]["loss_nats_per_char"] > 0
    args = ["generate", out, "--prompt", "ROMEO:", "--length", "40", "--seed", "5", "--temperature", "0.9"]
    first, second = run(args, cli_env), run(args, cli_env)
    assert first.returncode == 0 and first.stdout == second.stdout
    expected = textlstm.load_generator(out).generate("ROMEO:", length=40, temperature=0.9, seed=5)
    assert first.stdout == "ROMEO:" + expected + "\n"
    r = run(["evaluate", out, "--json"], cli_env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert set(json.loads(r.stdout)["heldout"]) >= {"loss_nats_per_char", "bits_per_char", "perplexity"}


@pytest.mark.slow
def test_predict_from_arguments_file_and_stdin(sentiment_run, tmp_path, cli_env):
    r = run(["predict", sentiment_run, "a wonderful moving film", "--json"], cli_env)
    assert r.returncode == 0, r.stderr[-2000:]
    row = json.loads(r.stdout)
    p = textlstm.load_sentiment(sentiment_run).predict("a wonderful moving film")
    assert row["label"] == p.label and abs(row["positive_probability"] - p.positive_probability) < 1e-6
    assert list(row["probabilities"]) == ["negative", "positive"]  # every class, in the model's order
    assert row["probabilities"] == pytest.approx(p.probabilities, abs=1e-6)
    assert sum(row["probabilities"].values()) == pytest.approx(1.0)
    lines = tmp_path / "reviews.txt"
    lines.write_text("a wonderful moving film\n\nan awful boring film\n", encoding="utf-8")
    from_file = run(["predict", sentiment_run, "--file", str(lines)], cli_env)
    from_stdin = run(["predict", sentiment_run], cli_env, input=lines.read_text())
    assert from_file.returncode == 0 and from_file.stdout == from_stdin.stdout
    assert len(from_file.stdout.strip().splitlines()) == 2


@pytest.mark.parametrize("args, words", [
    (["train", "charlm", "--out", "x", "--device", "tpu"], ["--device tpu", "no TPU"]),
    (["train", "charlm", "--out", "x", "--set", "epochs=lots"], ["epochs", "int"]),
    (["train", "charlm", "--out", "x", "--text-file", "/no/such/file.txt"], ["not found", "/no/such/file.txt"]),
    (["generate", "/no/such/run"], ["does not exist", "/no/such/run"]),
])
def test_errors_are_one_clear_line(args, words, cli_env):
    r = run(args, cli_env, timeout=120)
    assert r.returncode == 2
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("textlstm ") and "Traceback" not in r.stderr
    for word in words:
        assert word in last


def test_generate_bad_parameter(charlm_run, cli_env):
    r = run(["generate", charlm_run, "--top-p", "1.5"], cli_env, timeout=120)
    assert r.returncode == 2 and "top_p" in r.stderr and "Traceback" not in r.stderr


def test_trace_prints_json_and_writes_npz(charlm_run, sentiment_run, tmp_path, cli_env):
    import numpy as np

    text = "ROMEO:\nlove doth the night.\n"
    r = run(["trace", charlm_run, text, "--json", "--digits", "6"], cli_env)
    assert r.returncode == 0, r.stderr[-2000:]
    trace = json.loads(r.stdout)
    expected = textlstm.load_generator(charlm_run).trace(text)
    assert trace["pieces"] == list(text) and len(trace["layers"]) == 2
    np.testing.assert_allclose(trace["layers"][1]["hidden"], expected.layer(1).hidden, atol=1e-6)
    out = str(tmp_path / "review.npz")
    r = run(["trace", sentiment_run, "--out", out], cli_env, input="a wonderful moving film\n")
    assert r.returncode == 0 and r.stdout == "", r.stderr[-2000:]
    with np.load(out) as saved:
        assert list(saved["pieces"]) == ["a", "wonderful", "moving", "film"] and "0_backward_cell" in saved
    r = run(["trace", sentiment_run, "!!!"], cli_env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1] == "textlstm trace: error: text has no word: it needs at least one " \
        "word: a character that is neither a space nor punctuation"
