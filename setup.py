"""setup.cfg holds the metadata; this file only lists the shipped models as data files.

Each file of saved_models/NAME/... installs to <prefix>/share/textlstm/saved_models/NAME/...,
where textlstm.presets finds it by name after a non-editable install (wheel, sdist, git+).
Walked at build time because export version folders (1/, 2/, ...) change with each release.
"""

import os

from setuptools import setup

MODELS = "saved_models"
TARGET = os.path.join("share", "textlstm", "saved_models")


def model_data_files():
    entries = []
    for folder, _, files in sorted(os.walk(MODELS)):
        if files:
            target = os.path.join(TARGET, os.path.relpath(folder, MODELS)) if folder != MODELS else TARGET
            entries.append((os.path.normpath(target), sorted(os.path.join(folder, f) for f in files)))
    return entries


setup(data_files=model_data_files())
