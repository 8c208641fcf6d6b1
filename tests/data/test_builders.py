"""The TFDS builders of textlstm/data/builders/: four everyday-English sets, three with a neutral class.

- tfds.testing.DatasetBuilderTestCase on the fake source files in tests/fixtures/everyday (laid out
  like the manual dir ../shared/raw/everyday) and tests/fixtures/three_way (like ../shared/raw/three_way):
  registration, generation, splits, features;
- the download path, with TFDS's download manager answering from fake release files;
- where ../shared exists: each builder run on ../shared/raw gives exactly the examples
  of the prepared copy in ../shared/tfds.
"""

import collections
import json
import os
import sys
from unittest import mock

import pytest
import tensorflow_datasets as tfds
from conftest import SHARED, TEST_DATA

from textlstm import datasets
from textlstm.data import builders
from textlstm.data.builders import everyday, goemotions_sentiment, multi_domain_sentiment, sentiment_treebank

FAKE = os.path.join(TEST_DATA, "everyday")
FAKE_THREE_WAY = os.path.join(TEST_DATA, "three_way")
RAW_FOLDER = {name: "everyday" for name in (*datasets.NAMES, "goemotions_three_way")}  # under ../shared/raw
RAW_FOLDER.update(sentiment_treebank="three_way", airline_tweets="three_way")


class _Case(tfds.testing.DatasetBuilderTestCase):
    __test__ = False  # a base: pytest collects the four below
    EXAMPLE_DIR = FAKE  # the harness gives it as the manual dir: builders with instructions read it
    SKIP_CHECKSUMS = True  # nothing is downloaded here


class MpqaPolarityTest(_Case):
    __test__ = True
    DATASET_CLASS = datasets.MpqaPolarity
    SPLITS = {"train": 16, "validation": 4, "test": 4}  # 12 phrases per class: i % 10 == 0 test, == 1 validation


class ProsConsTest(_Case):
    __test__ = True
    DATASET_CLASS = datasets.ProsCons
    SPLITS = {"train": 16, "validation": 4, "test": 4}  # 12 + 12 entries; an empty <Pros> is left out


class MultiDomainSentimentTest(_Case):
    __test__ = True
    DATASET_CLASS = datasets.MultiDomainSentiment
    SPLITS = {"train": 8, "validation": 8, "test": 8}  # 3 reviews in each of 8 files


class GoemotionsSentimentTest(_Case):
    __test__ = True
    DATASET_CLASS = datasets.GoemotionsSentiment
    SPLITS = {"train": 4, "validation": 2, "test": 2}  # only comments of group 1 alone or 3 alone


class GoemotionsThreeWayTest(_Case):
    __test__ = True
    DATASET_CLASS = builders.GoemotionsThreeWay
    SPLITS = {"train": 5, "validation": 2, "test": 3}  # comments of group 1, 2 or 3 alone


class SentimentTreebankTest(_Case):
    __test__ = True
    EXAMPLE_DIR = FAKE_THREE_WAY
    DATASET_CLASS = builders.SentimentTreebank
    SPLITS = {"train": 17, "validation": 2, "test": 1}  # 9 + 9 nodes, "." seen twice; dev roots once


class AirlineTweetsTest(_Case):
    __test__ = True
    EXAMPLE_DIR = FAKE_THREE_WAY
    DATASET_CLASS = builders.AirlineTweets
    SPLITS = {"train": 8, "validation": 2, "test": 2}  # 12 rows: i % 10 == 0 test, == 1 validation


def _examples(builder, split):
    return [{k: (v.decode() if isinstance(v, bytes) else v.item()) for k, v in ex.items()}
            for ex in tfds.as_numpy(builder.as_dataset(split=split))]


def _prepare(cls, tmp_path, manual_dir):
    builder = cls(data_dir=str(tmp_path))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
    return builder


def test_split_rule_and_names():
    assert [everyday.split_of(i) for i in range(12)] == ["test", "validation"] + ["train"] * 8 + ["test", "validation"]
    assert datasets.NAMES == ("mpqa_polarity", "pros_cons", "multi_domain_sentiment", "goemotions_sentiment")
    for cls in datasets.BUILDERS:
        assert str(cls.VERSION) == "1.0.0"
        assert tfds.builder_cls(cls.name) is cls  # registered by importing textlstm.data.builders


def test_texts_labels_and_domains_as_the_sources_say(tmp_path):
    mdsd = _prepare(datasets.MultiDomainSentiment, tmp_path, FAKE)
    test = _examples(mdsd, "test")
    books = [e for e in test if e["domain"] == 0 and e["label"] == 1]
    # title, blank line, body; HTML entities unescaped; the first review of each file is test
    assert [e["text"] for e in books] == ['A great books item #0\n\nThis books item was great & I said so "twice".']
    pros = _examples(_prepare(datasets.ProsCons, tmp_path, FAKE), "validation")
    assert {"Digital is where it's at", "fast shutter"} == {e["text"] for e in pros if e["label"] == 1}  # the empty 7th entry is not counted
    assert "Good image quality, 3x optical zoom" in {e["text"] for e in _examples(_prepare(
        datasets.ProsCons, tmp_path / "again", FAKE), "train")}


def test_goemotions_download_maps_emotions_to_the_papers_groups(tmp_path):
    """No manual dir: the release's emotion ids, emotions.txt and sentiment_mapping.json."""
    release = tmp_path / "release"
    release.mkdir()
    (release / "emotions.txt").write_text("admiration\nanger\nconfusion\njoy\nneutral\n")
    (release / "sentiment_mapping.json").write_text(json.dumps(
        {"positive": ["admiration", "joy"], "negative": ["anger"], "ambiguous": ["confusion"]}))
    rows = {"train": "Love it\t0,3\tt1\nHate it\t1\tt2\nHuh\t2\tt3\nMeh\t4\tt4\nBoth\t0,1\tt5\n",
            "dev": "Nice\t3\td1\n", "test": "Ugh\t1\te1\n"}
    for name, text in rows.items():
        (release / f"{name}.tsv").write_text(text)

    def download(self, urls):
        return {k: release / url.rsplit("/", 1)[1] for k, url in urls.items()}

    builder = goemotions_sentiment.GoemotionsSentiment(data_dir=str(tmp_path / "data"))
    with mock.patch.object(tfds.download.DownloadManager, "download", download):
        builder.download_and_prepare()  # no manual dir: the download path
    train = sorted((e["text"], e["label"]) for e in _examples(builder, "train"))
    assert train == [("Hate it", 0), ("Love it", 1)]  # ambiguous, neutral and mixed comments left out
    assert [(e["text"], e["label"]) for e in _examples(builder, "validation")] == [("Nice", 1)]


def test_multi_domain_download_finds_files_inside_the_archive_folder(tmp_path):
    archive = tmp_path / "extracted" / "sorted_data_acl"
    for domain in multi_domain_sentiment.DOMAINS:
        (archive / domain).mkdir(parents=True)
        for polarity in ("positive", "negative"):
            with open(os.path.join(FAKE, "mdsd", f"{domain}.{polarity}.review"), encoding="utf-8") as f:
                (archive / domain / f"{polarity}.review").write_text(f.read())
    builder = multi_domain_sentiment.MultiDomainSentiment(data_dir=str(tmp_path / "data"))
    with mock.patch.object(tfds.download.DownloadManager, "download_and_extract", lambda self, url: tmp_path / "extracted"):
        builder.download_and_prepare()
    assert builder.info.splits["train"].num_examples == 8


def test_pros_cons_download_says_how_to_open_its_rar_archive(monkeypatch, tmp_path):
    """TFDS cannot extract RAR: without the optional `rarfile` package the builder says what to do."""
    from textlstm.data.builders import pros_cons

    monkeypatch.setitem(sys.modules, "rarfile", None)  # import rarfile -> ImportError
    with pytest.raises(RuntimeError, match="pip install rarfile.*or extract it yourself"):
        pros_cons._extract_rar(tmp_path / "pros-cons.rar", tmp_path)


def test_treebank_phrases_labels_and_sentences(tmp_path):
    nodes = sentiment_treebank.phrases("(3 (2 It) (4 (4 (2 's) (3 (2 a) (3 lovely))) (2 .)))")
    assert nodes[0] == (3, "It 's a lovely .") and (4, "'s a lovely") in nodes and len(nodes) == 9  # root first
    sst = _prepare(builders.SentimentTreebank, tmp_path, FAKE_THREE_WAY)
    validation = _examples(sst, "validation")
    assert [(e["text"], e["label"], e["is_sentence"]) for e in sorted(validation, key=lambda e: e["text"])] == [
        ("The meeting ( is long )", 2, True), ("Truly great", 4, True)]  # PTB brackets restored; a repeat kept once
    train = {e["text"]: e for e in _examples(sst, "train")}
    assert train["dreadful"]["label"] == 0 and not train["dreadful"]["is_sentence"]
    assert train["The film is dreadful ."]["is_sentence"] and sentiment_treebank.THREE_WAY[1] == "negative"
    assert sst.info.features["label"].names == list(sentiment_treebank.FIVE_LABELS)


def test_airline_tweets_keep_airline_reason_and_agreement(tmp_path):
    tweets = {e["text"]: e for e in _examples(_prepare(builders.AirlineTweets, tmp_path, FAKE_THREE_WAY), "test")}
    first = tweets['@American tweet number 0, "negative"']  # row 0: test
    assert (first["label"], first["airline"], first["negative_reason"]) == (0, 0, "Late Flight")
    assert first["label_confidence"] == pytest.approx(0.5)
    assert tweets['@USAirways tweet number 10, "neutral"']["negative_reason"] == ""  # row 10: test


def test_airline_tweets_without_the_file_say_where_it_goes(tmp_path):
    with pytest.raises(Exception, match="airline/Tweets.csv in the manual dir"):
        builders.AirlineTweets(data_dir=str(tmp_path)).download_and_prepare()


@pytest.mark.slow
@pytest.mark.parametrize("name", datasets.NAMES + builders.THREE_WAY_NAMES)
def test_builder_on_the_original_files_gives_the_prepared_copy(name, tmp_path):
    raw, prepared = os.path.join(SHARED, "raw", RAW_FOLDER[name]), os.path.join(SHARED, "tfds", name, "1.0.0")
    if not (os.path.isdir(raw) and os.path.isdir(prepared)):
        pytest.skip(reason=f"needs ../shared/raw/{RAW_FOLDER[name]} and ../shared/tfds (the prepared data beside the clone)")
    mine = _prepare(tfds.builder_cls(name), tmp_path, raw)
    reference = tfds.builder_from_directory(prepared)
    assert mine.info.features.get_serialized_info() == reference.info.features.get_serialized_info()
    for split in everyday.SPLITS:
        key = lambda e: tuple(sorted((k, round(v, 4) if isinstance(v, float) else v) for k, v in e.items()))  # noqa: E731
        assert collections.Counter(map(key, _examples(mine, split))) == collections.Counter(
            map(key, _examples(reference, split))), split
