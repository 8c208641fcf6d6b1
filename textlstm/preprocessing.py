"""Deprecated: moved to `textlstm.text.vectorizers` (this path works for one more release)."""

import warnings

from textlstm.artifacts import VOCABULARY_FILE  # noqa: F401  (defined there now)
from textlstm.text.vectorizers import *  # noqa: F401,F403

warnings.warn("textlstm.preprocessing moved to textlstm.text.vectorizers", DeprecationWarning, stacklevel=2)
