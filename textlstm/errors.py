"""The one exception type textlstm raises for problems a person can fix.

The CLI, the Gradio apps and the Python API all catch `TextLSTMError` and show
its message as it is: one sentence that names the thing at fault (a parameter,
a path, a dataset) and what would be accepted instead. Anything else that
escapes is a bug in textlstm, and gets a traceback.
"""


class TextLSTMError(ValueError):
    """Bad input, a missing file or dataset, an unavailable device."""
