"""What the three builders with a neutral class share: their labels and their manual folder.

Each reads a folder laid out like `../shared/raw/three_way` (`sst/{train,dev,test}.txt`,
`airline/Tweets.csv`), or for GoEmotions one like `../shared/raw/everyday` (`goemo/`): the
manual dir when the caller gives one that holds the files, else the original release where
one can be downloaded without an account (SST and GoEmotions; the airline tweets need the file).
"""

from textlstm.data.builders import everyday

THREE_WAY_LABELS = ("negative", "neutral", "positive")  # label 0, 1, 2
MANUAL_DOWNLOAD_INSTRUCTIONS = """Pass a folder laid out like textlstm's `shared/raw/three_way`
(`sst/{train,dev,test}.txt`: SST's trainDevTestTrees_PTB; `airline/Tweets.csv`: Twitter US Airline
Sentiment, Figure Eight "Data for Everyone") as
`download_config=tfds.download.DownloadConfig(manual_dir=FOLDER)`; SST is downloaded without one."""


class ThreeWayBuilder(everyday.EverydayBuilder, skip_registration=True):
    """Negative / neutral / positive labels (a builder may name others) and the three-way manual folder."""

    MANUAL_DOWNLOAD_INSTRUCTIONS = MANUAL_DOWNLOAD_INSTRUCTIONS
    LABEL_NAMES = THREE_WAY_LABELS
