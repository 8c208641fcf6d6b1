"""What a model file, an upload or a run can do to the machine: no code from model files
(safe_mode, tested in test_api.py), no pickle, loopback only by default, bounded uploads, and
no writes outside the directories a command is given."""

import os
import socket
import subprocess
import sys

import pytest
from conftest import REPO, TINY_SENTIMENT

from textlstm import webapp

TEXTLSTM = os.path.join(os.path.dirname(sys.executable), "textlstm")


UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "joblib", "cloudpickle", "shelve", "marshal"}


def unsafe_imports(source: str) -> list:
    """The pickle-like modules `source` imports, in any spelling: import x, import x as y, from x import y,
    from x.sub import y, and numpy's allow_pickle=True."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        found += [n for n in names if n.split(".")[0] in UNSAFE_MODULES]
        if isinstance(node, ast.keyword) and node.arg == "allow_pickle" and getattr(node.value, "value", False):
            found.append("allow_pickle=True")
    return found


@pytest.mark.parametrize("source, expected", [
    ("import pickle", ["pickle"]), ("from pickle import loads", ["pickle"]), ("import dill as d", ["dill"]),
    ("from joblib.numpy_pickle import load", ["joblib.numpy_pickle"]), ("import json, shelve", ["shelve"]),
    ("np.load(path, allow_pickle=True)", ["allow_pickle=True"]), ("import json\nfrom os import path", []),
])
def test_the_pickle_check_catches_every_spelling(source, expected):
    assert unsafe_imports(source) == expected


def test_no_pickle_anywhere():
    offenders = []
    for root in ("textlstm", "apps", "benchmarks", "saved_models", "examples"):
        for folder, _, files in os.walk(os.path.join(REPO, root)):
            for name in files:
                path = os.path.join(folder, name)
                if name.endswith((".pkl", ".pickle", ".joblib", ".npy", ".npz")):
                    offenders.append(path)
                elif name.endswith(".py") and unsafe_imports(open(path, encoding="utf-8").read()):
                    offenders.append(path)
    assert offenders == []


def test_demo_listens_on_loopback_unless_told(server):
    assert webapp.default_args().host == "127.0.0.1"
    assert webapp.parse_args(["--host", "0.0.0.0"]).host == "0.0.0.0"
    port = int(server.rstrip("/").rsplit(":", 1)[1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.255.255.255", 1))  # UDP connect sends nothing: it only picks our outward address
        outward = probe.getsockname()[0]
    if outward.startswith("127."):
        pytest.skip(reason="this machine has no non-loopback IPv4 address to try")
    with pytest.raises(OSError):
        socket.create_connection((outward, port), timeout=2).close()


def test_uploads_have_a_size_limit(server, tmp_path):
    from gradio_client import Client, handle_file

    big = tmp_path / "reviews.txt"
    big.write_bytes(b"a wonderful moving film\n" * 300_000)  # 7.2 MB > webapp.MAX_UPLOAD (5 MB)
    with pytest.raises(Exception, match="(?i)exceeds|too large|maximum"):
        Client(server, verbose=False).predict(handle_file(str(big)), api_name="/classify_file")
    small = tmp_path / "small.txt"
    small.write_text("a wonderful moving film\n", encoding="utf-8")
    path, _ = Client(server, verbose=False).predict(handle_file(str(small)), api_name="/classify_file")
    assert os.path.isfile(path)  # and the app still works


def _tree(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, dirs, files in os.walk(root) for f in files)


@pytest.mark.slow
def test_commands_write_only_where_they_are_told(review_dir, tmp_path):
    """train, export, predict and evaluate from an empty working directory, with a fresh HOME and TMPDIR."""
    work, home, tmp = tmp_path / "work", tmp_path / "home", tmp_path / "tmp"
    for d in (work, home, tmp):
        d.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", "MPLCONFIGDIR", "KERAS_HOME")}
    env.update(HOME=str(home), TMPDIR=str(tmp), TF_CPP_MIN_LOG_LEVEL="2")
    sets = [a for k, v in TINY_SENTIMENT.items() for a in ("--set", f"{k}={v}")]
    for argv in (["train", "sentiment", "--directory", review_dir, "--out", "run", *sets, "--quiet"],
                 ["export", "run", "--out", "export"],
                 ["predict", "run", "a wonderful film"],
                 ["predict", "export/1", "a wonderful film"],
                 ["evaluate", "run"]):
        r = subprocess.run([TEXTLSTM, *argv], cwd=work, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, (argv, r.stderr[-2000:])
    assert sorted(os.listdir(work)) == ["export", "run"]  # only the folders the commands were given
    assert _tree(tmp) == []  # every temporary file was removed
    # HOME holds only the libraries' own settings (Keras writes ~/.keras/keras.json on first import).
    assert all(p.startswith((".keras/", ".config/matplotlib/", ".cache/matplotlib/")) for p in _tree(home)), _tree(home)
