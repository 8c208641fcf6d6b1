"""TFDS builders for the four everyday-English sentiment datasets that TFDS's catalog lacks.

Importing this package registers `mpqa_polarity`, `pros_cons`, `multi_domain_sentiment` and
`goemotions_sentiment` with TFDS (TFDS's documented way for datasets outside its catalog), so
`tfds.load(NAME)` downloads and prepares them from their original releases, or reads a manual
directory laid out like `../shared/raw/everyday` (`--manual_dir` / `download_config`), or a copy
already prepared in the data dir. Every one: features `text` and `label` (negative, positive),
version 1.0.0, the split rule in `everyday.py`.
"""

from textlstm.data.builders.goemotions_sentiment import GoemotionsSentiment
from textlstm.data.builders.mpqa_polarity import MpqaPolarity
from textlstm.data.builders.multi_domain_sentiment import MultiDomainSentiment
from textlstm.data.builders.pros_cons import ProsCons

BUILDERS = (MpqaPolarity, ProsCons, MultiDomainSentiment, GoemotionsSentiment)
NAMES = tuple(b.name for b in BUILDERS)  # what `tfds.builder` knows once this package is imported
