"""Which words pushed the sentiment decision: occlusion, batched.

A word's score is P(positive | review) - P(positive | review without that word):
positive scores pushed towards "positive". Words past the model's window
(`sequence_length` tokens after standardization) are not read, so they score 0.
"""

import re
import string

import numpy as np

# Keras TextVectorization's "lower_and_strip_punctuation", reproduced to count tokens per word.
_PUNCTUATION = re.compile("[%s]" % re.escape(string.punctuation))
OCCLUSION_BATCH = 64  # variants per forward pass


def _tokens_in(chunk: str) -> int:
    return len(_PUNCTUATION.sub("", chunk.lower()).split())


def occlusion_scores(classifier, text: str, window: int):
    """-> (P(positive), [(chunk, score or None), ...]) covering `text` exactly."""
    pieces = re.split(r"(\s+)", text)  # words and the whitespace between them, in order
    words = [i for i, piece in enumerate(pieces) if piece and not piece.isspace()]
    seen, readable = 0, []
    for i in words:
        if seen < window and _tokens_in(pieces[i]) > 0:
            readable.append(i)
        seen += _tokens_in(pieces[i])
    variants = ["".join(p for j, p in enumerate(pieces) if j != i) for i in readable]
    probabilities = [classifier.predict_proba([text])[0]]
    for start in range(0, len(variants), OCCLUSION_BATCH):
        batch = [v if v.strip() else "." for v in variants[start : start + OCCLUSION_BATCH]]
        probabilities.append(classifier.predict_proba(batch))
    base, occluded = float(probabilities[0]), np.concatenate(probabilities[1:] or [np.zeros(0)])
    scores = {i: base - float(p) for i, p in zip(readable, occluded)}
    scale = max([abs(s) for s in scores.values()] + [1e-6])
    highlighted = [(piece, round(scores[i] / scale, 3) if i in scores else None) for i, piece in enumerate(pieces) if piece]
    return base, highlighted
