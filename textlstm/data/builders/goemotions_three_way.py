"""goemotions_three_way: GoEmotions comments (Demszky et al. 2020) as negative / neutral / positive.

The files and rules of goemotions_sentiment, with the neutral group kept as well: a comment is
kept when its emotions are all negative (label negative), it has none (the release's "neutral":
label neutral) or they are all positive (label positive); ambiguous and mixed ones are left out.
"""

from textlstm.data.builders import goemotions_sentiment, three_way


class GoemotionsThreeWay(goemotions_sentiment.GoemotionsSentiment):
    """GoEmotions comments whose emotions are all negative, none, or all positive."""

    KEPT = (goemotions_sentiment.GROUPS["negative"], goemotions_sentiment.NEUTRAL_GROUP,
            goemotions_sentiment.GROUPS["positive"])
    LABEL_NAMES = three_way.THREE_WAY_LABELS
    DESCRIPTION = ("Reddit comments from GoEmotions (Demszky et al. 2020) by the paper's sentiment grouping: "
                   "negative, neutral (no emotion) or positive; ambiguous and mixed comments are left out. "
                   "GoEmotions' own train/dev/test split (dev is named validation here). CC BY 4.0.")
