"""Shared fixtures: tiny corpora the tests make themselves, and tiny trained runs.

Nothing here needs ../shared/tfds or the network; tests that use the real
datasets ask for `real_data_dir`, which skips with a reason when it is absent.
"""

import os
import random
import socket

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # every test's one path to the clone
SHARED = os.path.join(os.path.dirname(REPO), "shared")  # the prepared data beside the clone, when there is one
SHARED_TFDS = os.path.join(SHARED, "tfds")
TEST_DATA = os.path.join(REPO, "tests", "fixtures")  # small files the tests ship (fake dataset sources)


def repo_path(*parts) -> str:
    """A path inside the clone: repo_path("benchmarks", "everyday.py"), repo_path("saved_models")."""
    return os.path.join(REPO, *parts)


def load_script(name: str):
    """A benchmark script as a module: load_script("everyday") runs benchmarks/everyday.py's top level."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", repo_path("benchmarks", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

# Tiny hyperparameters: seconds per run, yet every code path (stacked LSTMs, bidirectional, masks).
TINY_CHARLM = dict(sequence_length=20, embedding_dim=8, lstm_units=32, lstm_layers=2, dropout=0.1,
                   batch_size=16, epochs=2, learning_rate=0.01, patience=2)
TINY_SENTIMENT = dict(max_tokens=200, sequence_length=24, embedding_dim=16, lstm_units=8, lstm_layers=1,
                      dense_units=8, dropout=0.1, batch_size=8, epochs=2, learning_rate=0.01, patience=2)

POSITIVE = ["a wonderful moving film", "great acting and a superb story", "i loved it, brilliant",
            "delightful, funny and warm", "an excellent, beautiful movie"]
NEGATIVE = ["an awful boring film", "terrible acting and a dull story", "i hated it, dreadful",
            "tedious, stupid and cold", "a bad, ugly waste of time"]
NEUTRAL = ["the meeting is at noon", "the train leaves at six on tuesday", "paris is in france",
           "the report has ten pages", "we moved the desk to the second floor"]
THREE_WAY = ["negative", "neutral", "positive"]  # the tiny three-way run's labels, its class folders' names


def make_play(n_lines: int, seed: int = 0) -> str:
    """Pseudo-play text with speakers and verse: enough structure for a char LM to learn."""
    rng = random.Random(seed)
    speakers = ["ROMEO", "JULIET", "FRIAR", "NURSE"]
    words = "love night day sweet death fair heart doth thou art my the and of to".split()
    lines = []
    for _ in range(n_lines):
        lines.append(f"{rng.choice(speakers)}:\n" + " ".join(rng.choice(words) for _ in range(rng.randint(4, 9))) + ".\n")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def text_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "play.txt"
    path.write_text(make_play(800), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def review_dir(tmp_path_factory):
    """DIR/train/{neg,pos} and DIR/test/{neg,pos}: the aclImdb layout."""
    root = tmp_path_factory.mktemp("reviews")
    rng = random.Random(1)
    for split, n in (("train", 120), ("test", 40)):
        for label, phrases in (("neg", NEGATIVE), ("pos", POSITIVE)):
            folder = root / split / label
            folder.mkdir(parents=True)
            for i in range(n):
                text = " ".join(rng.sample(phrases, 2)) + f" review {i}"
                (folder / f"{i}.txt").write_text(text, encoding="utf-8")
    return str(root)


@pytest.fixture(scope="session")
def review_dir3(tmp_path_factory):
    """DIR/{train,test}/{negative,neutral,positive}/*.txt: three class folders."""
    root = tmp_path_factory.mktemp("reviews3")
    rng = random.Random(3)
    for split, n in (("train", 100), ("test", 30)):
        for label, phrases in zip(THREE_WAY, (NEGATIVE, NEUTRAL, POSITIVE)):
            folder = root / split / label
            folder.mkdir(parents=True)
            for i in range(n):
                (folder / f"{i}.txt").write_text(" ".join(rng.sample(phrases, 2)) + f" item {i}", encoding="utf-8")
    return str(root)


@pytest.fixture(scope="session")
def charlm_run(tmp_path_factory, text_file):
    import textlstm

    out = str(tmp_path_factory.mktemp("runs") / "charlm")
    textlstm.train("charlm", out, text_file=text_file, verbose=0, **TINY_CHARLM)
    return out


@pytest.fixture(scope="session")
def sentiment_run(tmp_path_factory, review_dir):
    import textlstm

    out = str(tmp_path_factory.mktemp("runs") / "sentiment")
    textlstm.train("sentiment", out, directory=review_dir, verbose=0, **TINY_SENTIMENT)
    return out


@pytest.fixture(scope="session")
def sentiment3_run(tmp_path_factory, review_dir3):
    """A tiny three-way model (negative, neutral, positive) made like the shipped one: a BiLSTM and
    the n-gram member combined, vector-calibrated; every surface's three-way test reads it."""
    import textlstm

    out = str(tmp_path_factory.mktemp("runs") / "sentiment3")
    textlstm.train("sentiment", out, directory=review_dir3, verbose=0, labels=THREE_WAY, calibrate=True,
                   calibration="vector", ngram_buckets=101, pooling="max_mean", pool_relu=True,
                   **{**TINY_SENTIMENT, "epochs": 3})
    return out


@pytest.fixture(scope="session")
def real_data_dir():
    if not os.path.isdir(os.path.join(SHARED_TFDS, "imdb_reviews")):
        pytest.skip(reason=f"the prepared TFDS data dir {SHARED_TFDS} is absent (fresh clone without ../shared)")
    return SHARED_TFDS


@pytest.fixture
def cli_env(tmp_path):
    """Environment for running the installed `textlstm` console script."""
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env.pop("TF_CONFIG", None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(sentiment_run, charlm_run):
    """The demo on the tiny models, launched as `textlstm demo` would, on a free loopback port."""
    from textlstm import webapp

    demo = webapp.build_app(sentiment_run, charlm_run)
    args = webapp.parse_args(["--port", str(free_port())])
    webapp.launch(demo, args, prevent_thread_lock=True, quiet=True)  # as the CLI does: same limits
    yield f"http://127.0.0.1:{args.port}/"
    demo.close()


@pytest.fixture(scope="session")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


@pytest.fixture(scope="session")
def exports(tmp_path_factory, sentiment_run, charlm_run):
    """Both tiny models exported as TF Serving version 1."""
    from textlstm.export import saved_model

    base = tmp_path_factory.mktemp("exports")
    return {
        "sentiment": saved_model.export(sentiment_run, str(base / "imdb_sentiment")),
        "generator": saved_model.export(charlm_run, str(base / "shakespeare_char")),
    }


# Restaurant sentences by aspect: each class has words of its own, the rest is shared filler.
ASPECTS = {
    "ambience": ["cosy room", "loud music", "dim lights", "lovely terrace", "noisy hall"],
    "anecdotes": ["my birthday", "our anniversary", "a first date", "my sister visited", "after the match"],
    "food": ["tasty pasta", "fresh bread", "spicy curry", "bland soup", "crisp pizza"],
    "price": ["cheap bill", "pricey wine", "fair cost", "expensive menu", "good value"],
    "service": ["rude waiter", "quick staff", "slow waiter", "kind staff", "attentive host"],
}
FILLER = ["we went there and", "honestly the", "on friday the", "i think the", "last week the"]
ASPECT_TEXTS = {"ambience": "a cosy room with dim lights", "anecdotes": "we went for my birthday",
                "food": "the pasta was tasty and fresh", "price": "the bill was cheap, good value",
                "service": "the waiter was rude and slow"}


def aspect_rows(classes, per_class=14, seed=0):
    """[(text, aspect)] with `per_class` texts of each of `classes`, shuffled."""
    rng = random.Random(seed)
    rows = [(f"{rng.choice(FILLER)} {rng.choice(ASPECTS[c])} {rng.choice(ASPECTS[c])}", c)
            for c in classes for _ in range(per_class)]
    rng.shuffle(rows)
    return rows


def tensorflow_only(script, path, texts, cwd):
    """Runs `script` (reads a SavedModel at argv[1], texts as JSON at argv[2], prints a JSON line) in a
    fresh Python that imports TensorFlow alone, from `cwd`, without PYTHONPATH -> that JSON."""
    import json
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "-c", script, path, json.dumps(texts)], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])
