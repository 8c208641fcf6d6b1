"""What a run leaves on disk: the file names of a model folder, written atomically, read with one clear error.

Every writer goes through `write_atomically`: a hidden `.tmp-*` file or folder beside the
target, renamed into place, so a reader (or a resumed run) sees the old version or the new
one, never half of it; training deletes `.tmp-*` leftovers of a killed run.
"""

import json
import os
import platform
import secrets
import shutil

from textlstm.errors import TextLSTMError

# A model folder (a run dir, or saved_models/NAME): what each file holds.
MODEL_FILE = "model.keras"  # the end-to-end Keras model (raw strings in for sentiment)
CONFIG_FILE = "config.json"  # the resolved config dataclass
VOCABULARY_FILE = "vocabulary.json"  # the tokens, id order, as a JSON list
EXPORT_LABELS_FILE = "assets.extra/labels.json"  # in a SavedModel version: the `probabilities` columns
METRICS_FILE = "metrics.json"  # test figures, training cost, environment
HISTORY_FILE = "history.csv"  # one row per epoch
CURVES_PLOT = "curves.png"  # loss and accuracy per epoch
RELIABILITY_PLOT = "reliability.png"  # accuracy against confidence per evaluation set, before/after calibration
TMP_PREFIX = ".tmp-"  # half-written files and folders: never read, removed when found
# What a model folder is, without what its run needed (backups, best weights, TensorBoard logs).
MODEL_FOLDER_FILES = (MODEL_FILE, CONFIG_FILE, VOCABULARY_FILE, METRICS_FILE, HISTORY_FILE, CURVES_PLOT,
                      RELIABILITY_PLOT, "MODEL_CARD.md")


def write_atomically(path, write):
    """Calls `write(tmp)` for a hidden temp path beside `path` (a file or a folder), then renames it
    into place; on any failure the temp path is removed and the old `path` is untouched."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    # Unique per writer; keeps the target's ending: Keras picks the format from ".keras", ".weights.h5".
    tmp = os.path.join(directory, f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}-{os.path.basename(path)}")
    try:
        write(tmp)
        os.replace(tmp, path)  # atomic on POSIX: readers see the old file or the new one
    except BaseException:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.exists(tmp):
            os.unlink(tmp)
        raise


def copy_model_folder(source, target):
    """The model files of `source` (a run dir) into a new folder `target`, which appears whole or not at all."""
    if os.path.exists(target):
        raise TextLSTMError(f"{target} already exists; choose a new folder to save the model in")

    def write(tmp):
        os.makedirs(tmp)
        for name in MODEL_FOLDER_FILES:
            if os.path.isfile(os.path.join(source, name)):
                shutil.copy2(os.path.join(source, name), os.path.join(tmp, name))

    write_atomically(target, write)
    return target


def atomic_write_bytes(path, data: bytes):
    def write(tmp):
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    write_atomically(path, write)


def atomic_write_text(path, text: str):
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path, obj):
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def read_json(path, what="file"):
    """The JSON value in `path`, or one TextLSTMError naming `what` and the path."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise TextLSTMError(f"{what} not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise TextLSTMError(f"{what} {path} is not valid JSON: {e}") from None
    except OSError as e:
        raise TextLSTMError(f"{what} {path} could not be read: {e.strerror or e}") from None


def pyplot():
    """matplotlib.pyplot on the headless Agg backend (no display on servers and CI), imported on first use."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path, dpi=80):
    """A matplotlib figure as a PNG at `path`, written atomically, then closed."""
    write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
    pyplot().close(fig)


def environment_info() -> dict:
    """Hardware and library versions, recorded beside every measured figure."""
    import keras
    import tensorflow as tf

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "gpus": gpus,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
