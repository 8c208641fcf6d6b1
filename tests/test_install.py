"""A non-editable install finds the shipped models by name, from any working directory.

Builds a wheel from a copy of this source tree, installs it (no dependencies) into a fresh venv
whose only other packages are this venv's (a .pth line: nothing is downloaded), and runs the
README's commands from an empty temporary directory, where no saved_models/ is in sight.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request

import pytest
from conftest import REPO, free_port

SHIPPED = os.path.join(REPO, "saved_models")
IGNORED = shutil.ignore_patterns(".git", ".venv", "runs", "build", "dist", "*.egg-info", "__pycache__",
                                 ".pytest_cache", "tests", "docs", "examples")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.path.isdir(os.path.join(SHIPPED, "imdb_sentiment")),
                                 reason="no shipped models in this checkout")]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """-> (the fresh venv's bin dir, an empty working directory)."""
    root = tmp_path_factory.mktemp("install")
    source, wheels, venv = root / "source", root / "wheels", root / "venv"
    shutil.copytree(REPO, source, ignore=IGNORED)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(source)], check=True, timeout=300)
    (wheel,) = wheels.glob("textlstm-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    fresh = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                           check=True, capture_output=True, text=True).stdout.strip()
    with open(os.path.join(fresh, "textlstm_test_dependencies.pth"), "w") as f:
        f.write(sysconfig.get_path("purelib") + "\n")  # TensorFlow, Gradio, ... from this venv
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                    "--no-deps", str(wheel)], check=True, timeout=300)
    empty = root / "empty"
    empty.mkdir()
    return venv / "bin", empty


def run(installed, *argv, check=True):
    bin_dir, empty = installed
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TEXTLSTM_MODELS")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    r = subprocess.run([str(bin_dir / argv[0]), *argv[1:]], cwd=empty, env=env, capture_output=True, text=True,
                       timeout=300)
    if check:
        assert r.returncode == 0, r.stderr[-3000:]
    return r


def test_python_api_by_name(installed):
    script = (
        "import textlstm, os\n"
        "assert os.path.dirname(os.path.dirname(textlstm.__file__)).endswith('site-packages'), textlstm.__file__\n"
        "print(sorted(textlstm.known_models()))\n"
        "print(textlstm.load_sentiment('english_sentiment').predict('Not a bad film at all. I was never bored.').label)\n"
        "print(len(textlstm.load_generator('shakespeare_char').generate('ROMEO:', length=30, seed=1)))\n"
    )
    lines = run(installed, "python", "-c", script).stdout.split("\n")
    assert lines[:3] == ["['english_sentiment', 'imdb_sentiment', 'shakespeare_char']", "positive", "30"]


def test_cli_by_name(installed):
    out = run(installed, "textlstm", "predict", "english_sentiment", "A wonderful, moving film.").stdout
    assert out.startswith("positive\t")
    out = run(installed, "textlstm", "generate", "shakespeare_char", "--prompt", "ROMEO:", "--length", "20",
              "--seed", "1").stdout
    assert out.startswith("ROMEO:") and len(out.rstrip("\n")) >= 26
    version = max((d for d in os.listdir(os.path.join(SHIPPED, "english_sentiment")) if d.isdigit()), key=int)
    out = run(installed, "textlstm", "predict", f"english_sentiment/{version}", "A wonderful, moving film.").stdout
    assert out.startswith("positive\t")  # NAME/<version>: the SavedModel export, by name


def test_unknown_name_lists_the_known_ones(installed):
    r = run(installed, "textlstm", "predict", "imdb_sentimnet", "A fine film.", check=False)
    assert r.returncode == 2
    (line,) = [x for x in r.stderr.splitlines() if x.startswith("textlstm ")]  # TensorFlow's start-up chatter aside
    assert "'imdb_sentimnet'" in line and "english_sentiment, imdb_sentiment, shakespeare_char" in line


def test_demo_without_arguments(installed):
    """`textlstm demo` with no argument serves both shipped models, from an empty directory."""
    from gradio_client import Client

    bin_dir, empty = installed
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TEXTLSTM_MODELS"}
    server = subprocess.Popen([str(bin_dir / "textlstm"), "demo", "--port", str(port)], cwd=empty, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 180
        while True:
            assert server.poll() is None, server.stderr.read()[-3000:]
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                assert time.time() < deadline, "the demo did not come up"
                time.sleep(0.5)
        client = Client(url, verbose=False)
        label = client.predict("Not a bad film at all. I was never bored.", api_name="/classify")[0]
        assert label["label"] == "positive"  # english_sentiment, the default (imdb_sentiment: negative)
        text = client.predict("ROMEO:", 20, 0.8, 0, 1.0, 1, api_name="/generate")
        assert text.startswith("ROMEO:")
    finally:
        server.terminate()
        server.wait(timeout=30)

