"""goemotions_sentiment: Reddit comments of GoEmotions (Demszky et al. 2020), by sentiment.

The paper groups its 27 emotions into positive, negative and ambiguous (plus neutral); a comment
is kept when all its emotions fall in the negative group (label negative) or all in the positive
group (label positive). GoEmotions' own train/dev/test split (dev is named validation here).
Sources: the release's `data/{train,dev,test}.tsv` (text, emotion ids, comment id) with
`emotions.txt` and `sentiment_mapping.json`; or, in a manual dir, `goemo/group_{train,dev,test}.tsv`
whose second column already holds the group ids (0 ambiguous, 1 negative, 2 neutral, 3 positive).
"""

import json

from textlstm.data.builders import everyday

BASE = "https://raw.githubusercontent.com/google-research/google-research/master/goemotions/data/"
FILES = {"train": "train", "validation": "dev", "test": "test"}  # our split -> the release's file
GROUPS = {"negative": "1", "positive": "3"}  # group ids of the manual files; 0 ambiguous, 2 neutral
NEUTRAL_GROUP = "2"  # the release's emotion "neutral": no emotion at all


class GoemotionsSentiment(everyday.EverydayBuilder):
    """GoEmotions comments whose emotions are all positive or all negative."""

    DESCRIPTION = ("Reddit comments from GoEmotions (Demszky et al. 2020) with the paper's sentiment grouping "
                   "of its 27 emotions: a comment is kept when its emotions are all in the positive group "
                   "(label positive) or all in the negative group (label negative); ambiguous, neutral and "
                   "mixed comments are left out. GoEmotions' own train/dev/test split (dev is named "
                   "validation here). CC BY 4.0.")
    KEPT = (GROUPS["negative"], GROUPS["positive"])  # the group ids kept, in label order
    HOMEPAGE = "https://github.com/google-research/google-research/tree/master/goemotions"
    CITATION = ("@inproceedings{demszky2020goemotions, title={GoEmotions: A Dataset of Fine-Grained "
                "Emotions}, author={Demszky, Dorottya and others}, booktitle={ACL}, year={2020}}")

    def _split_generators(self, dl_manager):
        manual = {s: everyday.manual_file(dl_manager, f"goemo/group_{f}.tsv") for s, f in FILES.items()}
        if None not in manual.values():
            return {s: self._generate_examples(path, {}) for s, path in manual.items()}
        files = dl_manager.download({**{s: BASE + f"{f}.tsv" for s, f in FILES.items()},
                                     "emotions": BASE + "emotions.txt", "mapping": BASE + "sentiment_mapping.json"})
        groups = _emotion_groups(everyday.read_text(files["emotions"]), everyday.read_text(files["mapping"]))
        return {s: self._generate_examples(files[s], groups) for s in FILES}

    def _generate_examples(self, path, groups):
        """groups: emotion id -> group id for the release's files; {} for group files."""
        for line in everyday.read_text(path).splitlines():
            text, ids, comment_id = line.split("\t")
            group = sorted({groups.get(i, "0") for i in ids.split(",")}) if groups else ids.split(",")
            if len(group) == 1 and group[0] in self.KEPT:
                yield comment_id, {"text": text, "label": self.KEPT.index(group[0])}


def _emotion_groups(emotions_txt: str, mapping_json: str) -> dict:
    """Emotion id (as in the tsv) -> group id: positive and negative per the paper's mapping,
    "neutral" to its own group, everything else (ambiguous) to a group that is never kept."""
    names = emotions_txt.split()
    mapping = json.loads(mapping_json)  # {"positive": [...], "negative": [...], "ambiguous": [...]}
    group_of = {name: GROUPS[g] for g in GROUPS for name in mapping.get(g, [])}
    group_of["neutral"] = NEUTRAL_GROUP
    return {str(i): group_of.get(name, "0") for i, name in enumerate(names)}
