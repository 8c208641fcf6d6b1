"""A source maps its labels onto the model's (`label_names`); the model folder records its labels."""

import os

import pytest
import tensorflow_datasets as tfds
from conftest import TEST_DATA

from textlstm import config as config_lib
from textlstm.data import builders, labelled
from textlstm.data.sources import DataSource
from textlstm.errors import TextLSTMError

FOLD = ["negative", "negative", None, "positive", "positive"]  # SST's five labels; neutral dropped


@pytest.fixture(scope="module")
def sst_dir(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("tfds"))
    builders.SentimentTreebank(data_dir=data_dir).download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=os.path.join(TEST_DATA, "three_way")))
    return data_dir


def test_five_labels_fold_onto_two_and_neutral_is_dropped(sst_dir):
    source = DataSource(name="sst", dataset="sentiment_treebank", validation_split="validation", label_names=FOLD)
    got = {t.decode(): int(y) for t, y in labelled.source_splits(source, sst_dir)["validation"].as_numpy_iterator()}
    assert got == {"Truly great": 1}  # "The meeting ( is long )" is neutral: left out


def test_a_dataset_with_other_classes_needs_label_names(sst_dir):
    source = DataSource(name="sst", dataset="sentiment_treebank", validation_split="validation")
    with pytest.raises(TextLSTMError, match="has 5 classes .*very negative.*map them with the source's 'label_names'"):
        labelled.source_splits(source, sst_dir)
    with pytest.raises(TextLSTMError, match="lists 2 names, but the dataset's label has 5 classes"):
        labelled.source_splits(DataSource(name="sst", dataset="sentiment_treebank", label_names=["negative", "positive"]),
                               sst_dir)


def test_label_names_and_labels_are_checked_when_a_config_loads():
    bad = {"kind": "sentiment", "sources": [{"name": "sst", "dataset": "sentiment_treebank", "validation_split": "validation",
                                              "label_names": ["negative", "meh"]}]}
    with pytest.raises(TextLSTMError, match="'label_names' must list.*one of the model's labels \\(negative, positive\\)"):
        config_lib.config_from_dict(bad)
    with pytest.raises(TextLSTMError, match="config key 'labels' must be a list of 2 or more distinct"):
        config_lib.apply_overrides(config_lib.SentimentConfig(), {"labels": '["good", "good"]'})
    assert config_lib.apply_overrides(config_lib.SentimentConfig(), {"labels": '["bad", "good"]'}).labels == ["bad", "good"]
    assert config_lib.SentimentConfig().labels == ["negative", "positive"]  # old config.json files: the two classes


def test_vector_calibration_needs_three_classes():
    with pytest.raises(TextLSTMError, match="config key 'calibration' vector needs 3 or more labels"):
        config_lib.apply_overrides(config_lib.SentimentConfig(), {"calibration": "vector"})
    with pytest.raises(TextLSTMError, match="config key 'calibration' must be one of temperature, vector; got 'platt'"):
        config_lib.apply_overrides(config_lib.SentimentConfig(), {"calibration": "platt"})
    three = config_lib.apply_overrides(config_lib.SentimentConfig(),
                                       {"labels": '["negative", "neutral", "positive"]', "calibration": "vector"})
    assert three.calibration == "vector"
