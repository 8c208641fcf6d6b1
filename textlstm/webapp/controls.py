"""Sliders and number boxes whose values textlstm.input_checks checks, not Gradio.

Gradio's own bounds check answers an API call with top_p=1.5 by "Value 1.5 is greater than
maximum value 1.0", which names no parameter, and its rounding turns a seed of 1.5 into 2.
`checked()` makes a component pass the value through untouched, so the app's function refuses
it with the sentence every surface uses: "top_p must be a number in (0.0, 1.0], got 1.5". The
browser still shows the same widget with its bounds. (An instance override rather than a
subclass: Gradio writes a .pyi stub next to the module of every component subclass.)
"""


def checked(component):
    component.preprocess = lambda payload: payload
    return component


# Every event that runs a model joins one concurrency group, so the queue's CONCURRENCY slots are
# shared: at most two model calls at once on two cores. (Gradio's default gives each event its own
# slots, so two explanations and two generations could run together and starve each other.)
CONCURRENCY_GROUP = "model"
