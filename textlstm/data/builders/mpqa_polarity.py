"""mpqa_polarity: MPQA opinion polarity (Wiebe et al. 2005), short news phrases, as in SentEval.

Source: SentEval's `mpqa.all` (in Sida Wang's `datasmall_NB_ACL12.zip`): one `LABEL TEXT` per
line, latin-1, lower-cased and PTB-tokenized; 0 negative, 1 positive. Split: `everyday.split_of`
over each class's lines in file order.
"""

from textlstm.data.builders import everyday

URL = "https://dl.fbaipublicfiles.com/senteval/senteval_data/datasmall_NB_ACL12.zip"


class MpqaPolarity(everyday.EverydayBuilder):
    """MPQA opinion polarity phrases: 3,312 positive, 7,294 negative."""

    DESCRIPTION = ("MPQA opinion polarity subtask: 3,312 positive and 7,294 negative phrases from news "
                   "articles, lower-cased and PTB-tokenized (as in SentEval).")
    HOMEPAGE = "https://mpqa.cs.pitt.edu/"
    CITATION = ("@article{wiebe2005annotating, title={Annotating expressions of opinions and emotions in "
                "language}, author={Wiebe, Janyce and Wilson, Theresa and Cardie, Claire}, journal={Language "
                "Resources and Evaluation}, year={2005}}")

    def _split_generators(self, dl_manager):
        path = everyday.manual_file(dl_manager, "mpqa.all") or everyday.find(
            dl_manager.download_and_extract(URL), "mpqa.all")
        return {split: self._generate_examples(path, split) for split in everyday.SPLITS}

    def _generate_examples(self, path, split):
        seen = {"0": 0, "1": 0}  # per-class index: the split rule runs within each class
        for line_number, line in enumerate(everyday.read_text(path, "latin-1").splitlines()):
            label, _, text = line.partition(" ")  # three lines have an empty text: kept, as released
            index, seen[label] = seen[label], seen[label] + 1
            if everyday.split_of(index) == split:
                yield line_number, {"text": text.strip(), "label": int(label)}
