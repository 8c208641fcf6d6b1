"""TFDS builders for the sentiment datasets that TFDS's catalog lacks: four everyday-English
binary sets and three with a neutral class.

Importing this package registers `mpqa_polarity`, `pros_cons`, `multi_domain_sentiment` and
`goemotions_sentiment` with TFDS (TFDS's documented way for datasets outside its catalog), so
`tfds.load(NAME)` downloads and prepares them from their original releases, or reads a manual
directory laid out like `../shared/raw/everyday` (`--manual_dir` / `download_config`), or a copy
already prepared in the data dir. Every one: features `text` and `label` (negative, positive),
version 1.0.0, the split rule in `everyday.py`. The three with a neutral class (three_way.py):
`sentiment_treebank` (five labels), `goemotions_three_way` and `airline_tweets` (negative,
neutral, positive), from a manual dir laid out like `../shared/raw/three_way` (GoEmotions:
`../shared/raw/everyday`) or their releases.
"""

from textlstm.data.builders.airline_tweets import AirlineTweets
from textlstm.data.builders.goemotions_sentiment import GoemotionsSentiment
from textlstm.data.builders.goemotions_three_way import GoemotionsThreeWay
from textlstm.data.builders.mpqa_polarity import MpqaPolarity
from textlstm.data.builders.multi_domain_sentiment import MultiDomainSentiment
from textlstm.data.builders.pros_cons import ProsCons
from textlstm.data.builders.sentiment_treebank import SentimentTreebank

BUILDERS = (MpqaPolarity, ProsCons, MultiDomainSentiment, GoemotionsSentiment)
THREE_WAY_BUILDERS = (SentimentTreebank, GoemotionsThreeWay, AirlineTweets)
NAMES = tuple(b.name for b in BUILDERS)  # what `tfds.builder` knows once this package is imported
THREE_WAY_NAMES = tuple(b.name for b in THREE_WAY_BUILDERS)
