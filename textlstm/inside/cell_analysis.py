"""What a trace's numbers mean: gate saturation, and cells that track a property of the text.

Gate saturation (Karpathy, Johnson & Fei-Fei 2015, "Visualizing and Understanding Recurrent
Networks", section 4.2): for each unit, the fraction of steps its gate is left-saturated (< 0.1,
nearly shut) and right-saturated (> 0.9, nearly open). A forget gate right-saturated almost
always is a unit that remembers across long spans; one left-saturated is a unit that forgets.

Interpretable cells: each cell state c_t of the character model, over a passage, correlated
(Pearson) with simple properties computed from the text alone. The property list is fixed in
advance (PROPERTIES) and is not tuned to any model.
"""

import re

import numpy as np

LEFT, RIGHT = 0.1, 0.9  # a gate below LEFT is shut, above RIGHT open (the paper's thresholds)
GATES = ("forget_gate", "input_gate", "output_gate")
PUNCTUATION = set(".,;:!?")
OPENERS, CLOSERS = "([{\"", ")]}\""


def gate_saturation(trace):
    """-> [{"layer", "direction", gate: (left (units,), right (units,)), ...}] per LayerTrace."""
    return [{"layer": t.layer, "direction": t.direction,
             **{g: ((getattr(t, g) < LEFT).mean(axis=0), (getattr(t, g) > RIGHT).mean(axis=0)) for g in GATES}}
            for t in trace.layers]


def _speaker_lines(text):
    """1 on every character of a line that names a speaker: a line ending in ':' that starts the
    text or follows an empty line ("ROMEO:", "First Citizen:"), as tiny_shakespeare sets them."""
    marks = np.zeros(len(text))
    for match in re.finditer(r"(?:^|(?<=\n\n))[^\n]*:(?=\n|$)", text):
        marks[match.start() : match.end()] = 1
    return marks


def _line_position(text):
    """How many characters since the last newline (0 on the newline itself)."""
    out, column = np.zeros(len(text)), 0
    for i, ch in enumerate(text):
        column = 0 if ch == "\n" else column + 1
        out[i] = column
    return out


def _inside_brackets_or_quotes(text):
    """1 between an opening bracket or double quote and its closing one (a line ends quotes)."""
    out, depth, quoted = np.zeros(len(text)), 0, False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch == "\n":
            quoted = False
        out[i] = float(depth > 0 or quoted or ch in OPENERS + CLOSERS)
    return out


PROPERTIES = {  # name -> text -> one value per character, for the state just after reading it
    "inside a speaker-name line": _speaker_lines,
    "position within the line": _line_position,
    "inside brackets or quotes": _inside_brackets_or_quotes,
    "just read a newline": lambda text: np.array([float(ch == "\n") for ch in text]),
    "just read punctuation": lambda text: np.array([float(ch in PUNCTUATION) for ch in text]),
}


def _correlations(values, properties):
    """values (steps, units), properties (steps, P) -> Pearson r (units, P); 0 where constant."""
    v = values - values.mean(axis=0)
    p = properties - properties.mean(axis=0)
    norm = np.sqrt((v * v).sum(axis=0))[:, None] * np.sqrt((p * p).sum(axis=0))[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (v.T @ p) / norm
    return np.nan_to_num(r)


def interpretable_cells(trace, top=10):
    """The `top` cells (layer, direction, unit) whose state best follows one of PROPERTIES over
    the traced text: [{"layer", "direction", "unit", "property", "correlation"}], strongest first."""
    text = "".join(trace.pieces)
    names = list(PROPERTIES)
    properties = np.stack([PROPERTIES[n](text) for n in names], axis=1)  # (steps, P)
    found = []
    for t in trace.layers:
        r = _correlations(t.cell, properties)  # (units, P)
        best = np.abs(r).argmax(axis=1)
        for unit, k in enumerate(best):
            found.append({"layer": t.layer, "direction": t.direction, "unit": unit, "property": names[k],
                          "correlation": round(float(r[unit, k]), 3)})
    return sorted(found, key=lambda c: -abs(c["correlation"]))[:top]
