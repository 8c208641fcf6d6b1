"""airline_tweets: Twitter US Airline Sentiment (Figure Eight "Data for Everyone", February 2015).

14,640 tweets to six US airlines, each labelled negative, neutral or positive by annotators
(`label_confidence`: their agreement), with the airline and, for negative tweets, the reason.
The i-th row (0-based, file order) goes to test if i % 10 == 0, validation if i % 10 == 1, else
train (everyday.split_of). CC BY-NC-SA 4.0: non-commercial; a model trained on it says so.
The file needs an account to download: pass it in the manual dir (`airline/Tweets.csv`).
"""

import csv
import io

import numpy as np
import tensorflow_datasets as tfds

from textlstm.data.builders import everyday, three_way

AIRLINES = ("American", "Delta", "Southwest", "United", "US Airways", "Virgin America")


class AirlineTweets(three_way.ThreeWayBuilder):
    """Tweets to US airlines: negative / neutral / positive, airline, negative reason, agreement."""

    EXTRA_FEATURES = {"airline": tfds.features.ClassLabel(names=list(AIRLINES)),
                      "negative_reason": tfds.features.Text(),
                      "label_confidence": tfds.features.Scalar(dtype=np.float32)}
    DESCRIPTION = ("Twitter US Airline Sentiment (Figure Eight, February 2015): tweets to six US airlines, "
                   "negative / neutral / positive, with the airline, the negative reason and the annotators' "
                   "agreement. CC BY-NC-SA 4.0 (non-commercial).")
    HOMEPAGE = "https://www.kaggle.com/datasets/crowdflower/twitter-airline-sentiment"

    def _split_generators(self, dl_manager):
        path = everyday.manual_file(dl_manager, "airline/Tweets.csv")
        if path is None:
            raise FileNotFoundError("airline_tweets needs airline/Tweets.csv in the manual dir: "
                                    + three_way.MANUAL_DOWNLOAD_INSTRUCTIONS)
        return {split: self._generate_examples(path, split) for split in everyday.SPLITS}

    def _generate_examples(self, path, split):
        rows = csv.DictReader(io.StringIO(everyday.read_text(path)))
        for i, row in enumerate(rows):
            if everyday.split_of(i) == split:
                yield i, {"text": row["text"], "label": row["airline_sentiment"], "airline": row["airline"],
                          "negative_reason": row["negativereason"] or "",
                          "label_confidence": float(row["airline_sentiment_confidence"] or 0.0)}
