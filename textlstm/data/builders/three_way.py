"""What the three builders with a neutral class share: their labels and their manual folder.

Each reads a folder laid out like `../shared/raw/three_way` (`sst/{train,dev,test}.txt`,
`airline/Tweets.csv`), or for GoEmotions one like `../shared/raw/everyday` (`goemo/`): the
manual dir when the caller gives one that holds the files, else the original release where
one can be downloaded without an account (SST and GoEmotions; the airline tweets need the file).
"""

import tensorflow_datasets as tfds

from textlstm.data.builders import everyday

THREE_WAY_LABELS = ("negative", "neutral", "positive")  # label 0, 1, 2
MANUAL_DOWNLOAD_INSTRUCTIONS = """Pass a folder laid out like textlstm's `shared/raw/three_way`
(`sst/{train,dev,test}.txt`: SST's trainDevTestTrees_PTB; `airline/Tweets.csv`: Twitter US Airline
Sentiment, Figure Eight "Data for Everyone") as
`download_config=tfds.download.DownloadConfig(manual_dir=FOLDER)`; SST is downloaded without one."""


def label_feature(names=THREE_WAY_LABELS):
    return tfds.features.ClassLabel(names=list(names))


def features3(names=THREE_WAY_LABELS, **more):
    """text, a label of `names`, and `more` features."""
    return tfds.features.FeaturesDict({"text": tfds.features.Text(), "label": label_feature(names), **more})


class ThreeWayBuilder(everyday.EverydayBuilder, skip_registration=True):
    """The features: text, a label of LABEL_NAMES, and EXTRA_FEATURES."""

    MANUAL_DOWNLOAD_INSTRUCTIONS = MANUAL_DOWNLOAD_INSTRUCTIONS
    LABEL_NAMES = THREE_WAY_LABELS

    def _info(self):
        return self.dataset_info_from_configs(
            description=self.DESCRIPTION, features=features3(self.LABEL_NAMES, **self.EXTRA_FEATURES), supervised_keys=("text", "label"),
            homepage=self.HOMEPAGE, citation=self.CITATION)
