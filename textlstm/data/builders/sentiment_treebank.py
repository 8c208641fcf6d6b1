"""sentiment_treebank: the Stanford Sentiment Treebank (Socher et al. 2013), every labelled phrase.

The PTB-format trees (`trainDevTestTrees_PTB`: one tree a line, every node labelled 0-4) become
examples: train = every distinct phrase of the train trees (the first time a phrase is seen
decides its label), validation / test = the dev / test sentences (each tree's root; a repeated
sentence kept once). `text` is the node's tokens joined by spaces, as tokenised in the trees
(`does n't`, `film .`) with PTB brackets restored (-LRB- -> "("); `is_sentence` marks a root.
Folded to three classes as usual: 0-1 negative, 2 neutral, 3-4 positive (a source's `label_names`).
"""

import re

import numpy as np
import tensorflow_datasets as tfds

from textlstm.data.builders import everyday, three_way

URL = "https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip"
FILES = {"train": "train", "validation": "dev", "test": "test"}  # our split -> the release's file
FIVE_LABELS = ("very negative", "negative", "neutral", "positive", "very positive")
THREE_WAY = ["negative", "negative", "neutral", "positive", "positive"]  # label_names folding 5 -> 3
BRACKETS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}
_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def phrases(tree: str) -> list:
    """[(label, text)] of every node of one PTB tree line, the root first."""
    tokens = _TOKEN.findall(tree)
    out, position = [], 0

    def node():  # at "(": label, then a word or child nodes, then ")"
        nonlocal position
        position += 1
        label = int(tokens[position])
        position += 1
        words, at = [], len(out)
        out.append(None)  # the node's place: parents before children
        while tokens[position] != ")":
            if tokens[position] == "(":
                words += node()
            else:
                words.append(BRACKETS.get(tokens[position], tokens[position]))
                position += 1
        position += 1
        out[at] = (label, " ".join(words))
        return words

    node()
    return out


class SentimentTreebank(three_way.ThreeWayBuilder):
    """SST's phrases (train) and sentences (validation, test), five labels."""

    LABEL_NAMES = FIVE_LABELS
    EXTRA_FEATURES = {"is_sentence": tfds.features.Scalar(dtype=np.bool_)}
    DESCRIPTION = ("Stanford Sentiment Treebank: every distinct labelled phrase of the 8,544 train trees; "
                   "the dev (named validation) and test sentences. Five labels.")
    HOMEPAGE = "https://nlp.stanford.edu/sentiment/"
    CITATION = ("@inproceedings{socher2013recursive, title={Recursive Deep Models for Semantic Compositionality "
                "Over a Sentiment Treebank}, author={Socher, Richard and others}, booktitle={EMNLP}, year={2013}}")

    def _split_generators(self, dl_manager):
        files = {s: everyday.manual_file(dl_manager, f"sst/{f}.txt") for s, f in FILES.items()}
        if None in files.values():
            root = dl_manager.download_and_extract(URL)
            files = {s: everyday.find(root, f"{f}.txt") for s, f in FILES.items()}
        return {s: self._generate_examples(path, every_phrase=s == "train") for s, path in files.items()}

    def _generate_examples(self, path, every_phrase):
        seen = set()
        for line in everyday.read_text(path).splitlines():
            if not line.strip():
                continue
            nodes = phrases(line)
            for i, (label, text) in enumerate(nodes if every_phrase else nodes[:1]):
                if text not in seen:
                    seen.add(text)
                    yield text, {"text": text, "label": label, "is_sentence": i == 0}
