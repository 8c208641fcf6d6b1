"""Damaged or missing files and killed exports: one clear error naming the path, nothing lost.

Every case goes through the Python API and the CLI; the CLI must answer with one line (no
traceback) that names the path.
"""

import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest

import textlstm
from textlstm import artifacts, cli
from textlstm.export import saved_model


def _truncate(path, keep=0.5):
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[: int(len(data) * keep)])


def _damaged_copy(src, tmp_path, damage):
    folder = tmp_path / "model"
    shutil.copytree(src, folder)
    damage(folder)
    return folder


KERAS_DAMAGE = [
    ("model.keras truncated", lambda f: _truncate(f / "model.keras"), "model.keras"),
    ("model.keras garbage", lambda f: (f / "model.keras").write_bytes(b"not a zip at all" * 100), "model.keras"),
    ("model.keras empty", lambda f: (f / "model.keras").write_bytes(b""), "model.keras"),
    ("model.keras missing", lambda f: (f / "model.keras").unlink(), "no model.keras in"),
    ("config.json missing", lambda f: (f / "config.json").unlink(), "no config.json in"),
    ("config.json garbage", lambda f: (f / "config.json").write_text("{kind: ", encoding="utf-8"), "config.json"),
]


@pytest.mark.parametrize("damage, words", [pytest.param(d, w, id=i) for i, d, w in KERAS_DAMAGE])
def test_damaged_model_folder(sentiment_run, tmp_path, capsys, damage, words):
    folder = _damaged_copy(sentiment_run, tmp_path, damage)
    with pytest.raises(textlstm.TextLSTMError, match=words) as e:
        textlstm.load_sentiment(folder)
    assert str(folder) in str(e.value) and "\n" not in str(e.value)
    assert cli.main(["predict", str(folder), "a fine film"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(folder) in err[0] and words in err[0]


SAVED_MODEL_DAMAGE = [
    ("variables missing", lambda f: shutil.rmtree(f / "variables"), "missing variables/variables.index"),
    ("saved_model.pb truncated", lambda f: _truncate(f / "saved_model.pb", 0.3), "could not load SavedModel"),
    ("variables data truncated", lambda f: _truncate(next((f / "variables").glob("variables.data-*")), 0.5),
     "could not load SavedModel"),
]


@pytest.mark.parametrize("damage, words", [pytest.param(d, w, id=i) for i, d, w in SAVED_MODEL_DAMAGE])
def test_damaged_saved_model(exports, tmp_path, capsys, damage, words):
    folder = _damaged_copy(exports["sentiment"], tmp_path, damage)
    with pytest.raises(textlstm.TextLSTMError, match=words) as e:
        textlstm.load_export(folder)
    assert str(folder) in str(e.value) and "\n" not in str(e.value)
    assert cli.main(["predict", str(folder), "a fine film"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(folder) in err[0]


@pytest.mark.parametrize("command", ["predict", "generate", "evaluate", "export"])
def test_wrong_path(tmp_path, capsys, command):
    missing = str(tmp_path / "no" / "such" / "model")
    argv = {"predict": [missing, "a fine film"], "generate": [missing], "evaluate": [missing],
            "export": [missing, "--out", str(tmp_path / "out")]}[command]
    assert cli.main([command, *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"textlstm {command}: error: model path does not exist: {missing}"]
    assert not os.path.exists(tmp_path / "out")  # a failed export writes nothing


def test_wrong_kind_of_model(sentiment_run, charlm_run):
    with pytest.raises(textlstm.TextLSTMError, match="holds a character model, not a sentiment model"):
        textlstm.load_sentiment(charlm_run)
    with pytest.raises(textlstm.TextLSTMError, match="holds a sentiment model, not a character model"):
        textlstm.load_generator(sentiment_run)


# An export that SIGKILLs itself at a given stage: mid-write (the archive is partly on disk) or
# just before the rename that would publish the finished version.
KILLED_EXPORT = r"""
import os, signal, sys
from textlstm.export import saved_model
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
if sys.argv[1] == "writing":
    saved_model.write_warmup = die  # runs after write_out: variables and saved_model.pb exist, warmup not
else:
    os.replace = die
saved_model.export(sys.argv[2], sys.argv[3])
"""


@pytest.mark.slow
def test_killed_export_leaves_the_previous_version_serving(sentiment_run, tmp_path, cli_env):
    base = tmp_path / "imdb_sentiment"
    saved_model.export(sentiment_run, str(base))
    for stage in ("writing", "renaming"):
        r = subprocess.run([sys.executable, "-c", KILLED_EXPORT, stage, sentiment_run, str(base)],
                           env=cli_env, capture_output=True, text=True, timeout=300)
        assert r.returncode == -signal.SIGKILL, r.stderr[-2000:]
        assert sorted(n for n in os.listdir(base) if not n.startswith(".")) == ["1"]  # no partial version 2
        assert [n for n in os.listdir(base) if n.startswith(artifacts.TMP_PREFIX)]  # its temp folder, hidden
        p = textlstm.load_export(base / "1").predict_proba(["a wonderful moving film"])
        expected = textlstm.load_sentiment(sentiment_run).predict_proba(["a wonderful moving film"])
        np.testing.assert_allclose(p, expected, atol=1e-5)  # version 1 still gives the model's answer
        assert p[0] > 0.5  # and it is the answer a person gives
    assert saved_model.export(sentiment_run, str(base)).endswith(os.sep + "2")
    assert sorted(os.listdir(base)) == ["1", "2"]  # the killed exports' temp folders are gone
