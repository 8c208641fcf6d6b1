"""multi_domain_sentiment: the labelled part of Blitzer et al.'s Multi-Domain Sentiment Dataset.

Source: Amazon reviews (ACL 2007) of books, DVDs, electronics and kitchen goods,
`{domain}/{positive,negative}.review` in pseudo-XML; 4-5 stars positive, 1-2 negative. The
text is the review's title, a blank line and its body, HTML entities unescaped. Split:
`everyday.split_of` over each (domain, polarity) file's reviews in order.
"""

import html
import re

import tensorflow_datasets as tfds

from textlstm.data.builders import everyday

URL = "https://www.cs.jhu.edu/~mdredze/datasets/sentiment/domain_sentiment_data.tar.gz"
DOMAINS = ("books", "dvd", "electronics", "kitchen")
POLARITIES = {"negative": 0, "positive": 1}
_REVIEW = re.compile(r"<review>(.*?)</review>", re.S)


def _field(review: str, tag: str) -> str:
    found = re.search(rf"<{tag}>(.*?)</{tag}>", review, re.S)
    return html.unescape(found.group(1).strip()) if found else ""


class MultiDomainSentiment(everyday.EverydayBuilder):
    """Amazon reviews in four domains, 1,000 positive and 1,000 negative each."""

    DESCRIPTION = ("The labelled part of the Multi-Domain Sentiment Dataset (Blitzer, Dredze and Pereira "
                   "2007): Amazon reviews of books, DVDs, electronics and kitchen goods, rated 4-5 stars "
                   "(positive) or 1-2 (negative); text is the review's title, a blank line, and its body.")
    HOMEPAGE = "https://www.cs.jhu.edu/~mdredze/datasets/sentiment/"
    CITATION = ("@inproceedings{blitzer2007biographies, title={Biographies, Bollywood, Boom-boxes and "
                "Blenders: Domain Adaptation for Sentiment Classification}, author={Blitzer, John and "
                "Dredze, Mark and Pereira, Fernando}, booktitle={ACL}, year={2007}}")
    EXTRA_FEATURES = {"domain": tfds.features.ClassLabel(names=list(DOMAINS))}

    def _split_generators(self, dl_manager):
        names = [(d, p) for d in DOMAINS for p in POLARITIES]
        paths = {n: everyday.manual_file(dl_manager, f"mdsd/{n[0]}.{n[1]}.review") for n in names}
        if None in paths.values():
            root = dl_manager.download_and_extract(URL)  # sorted_data_acl/{domain}/{polarity}.review
            paths = {n: everyday.find(root, f"{n[0]}/{n[1]}.review") for n in names}
        return {split: self._generate_examples(paths, split) for split in everyday.SPLITS}

    def _generate_examples(self, paths, split):
        for (domain, polarity), path in sorted(paths.items()):
            for index, review in enumerate(_REVIEW.findall(everyday.read_text(path))):
                if everyday.split_of(index) == split:
                    text = _field(review, "title") + "\n\n" + _field(review, "review_text")
                    yield f"{domain}-{polarity}-{index}", {"text": text, "label": POLARITIES[polarity],
                                                            "domain": domain}
