"""Models by name, wherever textlstm is installed (keras-hub's `from_preset` convention).

    textlstm.load_sentiment("imdb_sentiment")        # a name
    textlstm.load_sentiment("runs/my_model")         # a path works everywhere a name does
    textlstm predict imdb_sentiment/3 "A fine film." # NAME/<version>: that model's SavedModel export

A name is looked up in these folders of model folders, first match wins:
1. each folder in $TEXTLSTM_MODELS (os.pathsep-separated): your own models, or a shared copy;
2. saved_models/ of the source tree textlstm runs from (a clone, an editable install);
3. share/textlstm/saved_models under the install prefix, then under the user base: where a wheel's
   data files put the shipped models (`pip install .`, `pip install --user`, `pip install git+...`).
"""

import os
import site
import sys
import sysconfig

from textlstm.artifacts import MODEL_FILE
from textlstm.errors import TextLSTMError

ENVIRONMENT_VARIABLE = "TEXTLSTM_MODELS"
DATA_SUBDIR = os.path.join("share", "textlstm", "saved_models")  # the wheel's data files land here
SOURCE_TREE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "saved_models")


def search_path() -> list:
    """The folders a name is looked up in, in order (missing ones included: see `known_models`)."""
    folders = [f for f in os.environ.get(ENVIRONMENT_VARIABLE, "").split(os.pathsep) if f.strip()]
    folders.append(SOURCE_TREE)
    prefixes = [sysconfig.get_path("data"), sys.prefix, getattr(site, "USER_BASE", None)]
    for prefix in prefixes:
        folder = os.path.join(prefix, DATA_SUBDIR) if prefix else None
        if folder and folder not in folders:
            folders.append(folder)
    return folders


def known_models() -> dict:
    """{name: folder} of every model folder on the search path (the first of each name)."""
    found = {}
    for root in search_path():
        if not os.path.isdir(root):
            continue
        for name in sorted(os.listdir(root)):
            folder = os.path.join(root, name)
            if name not in found and os.path.isfile(os.path.join(folder, MODEL_FILE)):
                found[name] = folder
    return found


def _looks_like_a_name(text) -> bool:
    head = text.replace("\\", "/").split("/")[0]
    return bool(head) and not os.path.isabs(text) and head not in (".", "..") and "." not in head


def resolve(path_or_name, parameter="model") -> str:
    """An existing path as given; else a name (or NAME/<version>) found on the search path.

    Raises one TextLSTMError naming `parameter` and the known names when neither works.
    """
    text = os.fspath(path_or_name) if isinstance(path_or_name, (str, os.PathLike)) else None
    if not isinstance(text, str) or not text.strip():
        raise TextLSTMError(f"{parameter} must be a model name or a path; got {path_or_name!r}")
    if os.path.exists(text) or not _looks_like_a_name(text):
        return text
    name, _, rest = text.replace("\\", "/").partition("/")
    for root in search_path():
        candidate = os.path.join(root, name, *([rest] if rest else []))
        if os.path.isfile(os.path.join(root, name, MODEL_FILE)) and os.path.exists(candidate):
            return candidate
    known = known_models()
    listed = ", ".join(sorted(known)) if known else "none found"
    raise TextLSTMError(
        f"{parameter} {text!r} is neither an existing path nor a known model name; known names: {listed} "
        f"(looked in ${ENVIRONMENT_VARIABLE}, the source tree's saved_models/ and the installed share/textlstm/saved_models)"
    )


def resolve_or_none(path_or_name):
    """`resolve`, or None where it would raise: for optional models such as the demo's defaults."""
    try:
        resolved = resolve(path_or_name)
    except TextLSTMError:
        return None
    return resolved if os.path.exists(resolved) else None
