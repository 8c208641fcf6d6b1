"""A demo fine-tuning, run in a child process so the server's own requests never wait behind it.

The Fine-tune tab calls `start(...)`: it writes the job's spec into a fresh workspace folder and
starts `python -m textlstm.webapp.fine_tune_job WORKSPACE/job.json` at a lower CPU priority. The
child makes the Python API's `fine_tune` call with a callback that rewrites progress.json, then
writes result.json: the tuned model's folder, or the one sentence that refused the data. The
server polls the progress (`Job.updates`), and kills the child when the visitor leaves or the run
passes TIMEOUT. Nothing of a killed run is loaded: result.json is written last.
"""

import os
import subprocess
import sys
import time

import keras

from textlstm import artifacts
from textlstm.data import corpus, table
from textlstm.errors import TextLSTMError
from textlstm.sentiment_classifier import SentimentClassifier
from textlstm.text_generator import TextGenerator

NICENESS = 10  # the child yields the CPU to /classify and /generate: their answers stay quick while it trains
TIMEOUT = 20 * 60  # seconds: a demo fine-tuning still running after this is stopped
POLL = 0.5  # seconds between looks at the progress file; also the callback's least interval between writes
SPEC_FILE, PROGRESS_FILE, RESULT_FILE, LOG_FILE = "job.json", "progress.json", "result.json", "job.log"
MODEL_DIR = "model"  # the run folder of the tuned model, inside the workspace


class ProgressFile(keras.callbacks.Callback):
    """Keeps `path` at {"epoch", "epochs", "step", "steps", "logs"}: the latest step, every POLL seconds."""

    def __init__(self, path):
        super().__init__()
        self.path, self.last, self.epoch = path, 0.0, 0

    def _write(self, step, logs, force=False):
        now = time.monotonic()
        if force or now - self.last >= POLL:
            self.last = now
            logs = {k: float(v) for k, v in (logs or {}).items() if isinstance(v, (int, float)) or hasattr(v, "numpy")}
            artifacts.write_json(self.path, {"epoch": self.epoch, "epochs": self.params["epochs"], "step": step,
                                             "steps": self.params["steps"], "logs": logs})

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._write(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._write(self.params["steps"], logs, force=True)


class Job:
    """One child process fine-tuning into `workspace`/model."""

    def __init__(self, workspace, process):
        self.workspace, self.process, self.started = workspace, process, time.monotonic()

    @property
    def model_folder(self):
        return os.path.join(self.workspace, MODEL_DIR)

    def updates(self):
        """Yields the progress dict (or None before the first step) every POLL seconds while the child runs."""
        while self.process.poll() is None:
            if time.monotonic() - self.started > TIMEOUT:
                self.kill()
                raise TextLSTMError(f"fine-tuning stopped: the demo allows {TIMEOUT // 60} minutes; "
                                    "try fewer examples or epochs")
            yield _read(os.path.join(self.workspace, PROGRESS_FILE))
            time.sleep(POLL)

    def result(self) -> str:
        """The tuned model's folder once the child has finished; its refusal as a TextLSTMError otherwise."""
        self.process.wait()
        result = _read(os.path.join(self.workspace, RESULT_FILE))
        if result is None:
            raise TextLSTMError(f"fine-tuning stopped unexpectedly (exit code {self.process.returncode}); "
                                f"its log is {os.path.join(self.workspace, LOG_FILE)}")
        if "error" in result:
            raise TextLSTMError(result["error"])
        return self.model_folder

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start(kind, base, data_path, workspace, overrides=None) -> Job:
    """Starts fine-tuning `base` (a model folder) of `kind` ("sentiment": a CSV/TSV table; "charlm": a
    UTF-8 text file) on `data_path`, into `workspace`/model, with the recipe's `overrides`."""
    spec = {"kind": kind, "base": base, "data": data_path, "overrides": overrides or {}}
    spec_path = os.path.join(workspace, SPEC_FILE)
    artifacts.write_json(spec_path, spec)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    with open(os.path.join(workspace, LOG_FILE), "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", __name__, spec_path], stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT, env=env)
    return Job(workspace, process)


def _read(path):
    try:
        return artifacts.read_json(path, "progress file")
    except TextLSTMError:  # not written yet
        return None


def _run(spec, workspace):
    """The child's work: the Python API's fine_tune, its progress into PROGRESS_FILE."""
    out, progress = os.path.join(workspace, MODEL_DIR), [ProgressFile(os.path.join(workspace, PROGRESS_FILE))]
    if spec["kind"] == "sentiment":
        texts, labels = table.read_table(spec["data"])
        base = SentimentClassifier.load(spec["base"])
        base.fine_tune(texts, labels, out=out, callbacks=progress, **spec["overrides"])
    else:
        text = corpus.read_text_file(spec["data"])
        TextGenerator.load(spec["base"]).fine_tune(text, out=out, callbacks=progress, **spec["overrides"])
    return out


def main(argv=None):
    spec_path = (argv or sys.argv[1:])[0]
    workspace = os.path.dirname(os.path.abspath(spec_path))
    os.nice(NICENESS)
    try:
        result = {"model": _run(artifacts.read_json(spec_path, "job spec"), workspace)}
    except TextLSTMError as e:
        result = {"error": str(e)}
    artifacts.write_json(os.path.join(workspace, RESULT_FILE), result)  # last: a killed child leaves none


if __name__ == "__main__":
    main()
