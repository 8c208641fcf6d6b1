"""Deprecated: the TFDS builders moved to `textlstm.data.builders` (this path works for one more release)."""

import warnings

from textlstm.data.builders import *  # noqa: F401,F403  registers the builders with TFDS

warnings.warn("textlstm.datasets moved to textlstm.data.builders", DeprecationWarning, stacklevel=2)
