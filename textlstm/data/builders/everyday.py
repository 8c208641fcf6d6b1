"""What the four everyday-English builders share: features, the split rule, the source folder.

The three sources without an official split are split within each source file (per class,
per domain): the i-th example (0-based, in file order) goes to test if i % 10 == 0, to
validation if i % 10 == 1, else to train, so every split keeps each file's class balance and
the rule needs no random seed.

Each builder reads one folder laid out like `../shared/raw/everyday` (`mpqa.all`, `pros_cons/`,
`mdsd/`, `goemo/`): the manual dir when the caller gives one that holds the files, else the
original release, downloaded and extracted by TFDS.
"""

import tensorflow_datasets as tfds
from etils import epath

from textlstm.data.labels import SENTIMENT_LABELS

SPLITS = ("train", "validation", "test")
VERSION = "1.0.0"
MANUAL_DOWNLOAD_INSTRUCTIONS = """Optional: with no manual dir the original release is downloaded.
Offline, pass a folder laid out like textlstm's `shared/raw/everyday` (`mpqa.all`,
`pros_cons/Integrated{Pros,Cons}.txt`, `mdsd/{books,dvd,electronics,kitchen}.{positive,negative}.review`,
`goemo/group_{train,dev,test}.tsv`) as
`download_config=tfds.download.DownloadConfig(manual_dir=FOLDER)`."""


def features(names=SENTIMENT_LABELS, **more):
    """text, a label of the class `names` (label i is names[i]), and `more` features."""
    return tfds.features.FeaturesDict({"text": tfds.features.Text(),
                                       "label": tfds.features.ClassLabel(names=list(names)), **more})


class EverydayBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """The four builders' common part: version, manual dir, and features from class attributes."""

    VERSION = tfds.core.Version(VERSION)
    MANUAL_DOWNLOAD_INSTRUCTIONS = MANUAL_DOWNLOAD_INSTRUCTIONS
    DESCRIPTION = HOMEPAGE = CITATION = ""
    EXTRA_FEATURES = {}  # features beside text and label
    LABEL_NAMES = SENTIMENT_LABELS  # the label's classes, in id order

    def _info(self):
        return self.dataset_info_from_configs(
            description=self.DESCRIPTION, features=features(self.LABEL_NAMES, **self.EXTRA_FEATURES),
            supervised_keys=("text", "label"), homepage=self.HOMEPAGE, citation=self.CITATION)


def split_of(index: int) -> str:
    """The split of a source file's index-th example (0-based)."""
    return "test" if index % 10 == 0 else "validation" if index % 10 == 1 else "train"


def manual_file(dl_manager, relative: str):
    """MANUAL_DIR/relative when a manual dir was given and holds it, else None (download)."""
    try:
        path = epath.Path(dl_manager.manual_dir) / relative
    except AssertionError:  # no manual dir, or an empty one
        return None
    return path if path.exists() else None


def find(root, relative: str) -> epath.Path:
    """`relative` under an extracted archive `root`, or one or two folders down (archives add top folders)."""
    patterns = (relative, f"*/{relative}", f"*/*/{relative}")  # epath refuses "**": it may walk a bucket
    found = [p for pattern in patterns for p in sorted(epath.Path(root).glob(pattern))]
    if not found:
        raise FileNotFoundError(f"{relative} is not in the downloaded archive {root}")
    return found[0]


def read_text(path, encoding="utf-8") -> str:
    return epath.Path(path).read_bytes().decode(encoding, errors="replace")
