import json

import pytest
from conftest import repo_path

from textlstm.config import (
    CharLMConfig,
    SentimentConfig,
    apply_overrides,
    config_to_dict,
    load_config,
    parse_set_arguments,
)
from textlstm.errors import TextLSTMError


def test_set_arguments_are_typed_from_the_dataclass():
    config = apply_overrides(CharLMConfig(), parse_set_arguments(
        ["epochs=3", "dropout=0.5", "text_file=a.txt", "lstm_units=128"]))
    assert (config.epochs, config.dropout, config.text_file, config.lstm_units) == (3, 0.5, "a.txt", 128)
    assert apply_overrides(SentimentConfig(), {"bidirectional": "false"}).bidirectional is False
    assert apply_overrides(CharLMConfig(text_file="x"), {"text_file": "none"}).text_file is None


@pytest.mark.parametrize("overrides, words", [
    ({"epochs": "many"}, ["epochs", "int"]),
    ({"nope": "1"}, ["nope", "allowed keys"]),
    ({"dropout": "1.5"}, ["dropout", "[0, 1)"]),
    ({"pooling": "median"}, ["pooling", "max, mean, last"]),
    ({"lstm_units": "0"}, ["lstm_units", "positive"]),
    ({"epochs": "2.5"}, ["epochs"]),
    ({"learning_rate_schedule": "linear"}, ["learning_rate_schedule", "plateau, cosine"]),
    ({"final_learning_rate_fraction": "2"}, ["final_learning_rate_fraction", "[0, 1]"]),
    ({"weight_decay": "-0.1"}, ["weight_decay", "[0, 1)"]),
    ({"class_weight": "even"}, ["class_weight", "balanced"]),
    ({"pretrained_learning_rate_multiplier": "1.5"}, ["pretrained_learning_rate_multiplier", "[0, 1]", "frozen"]),
])
def test_bad_overrides_name_the_key(overrides, words):
    sentiment = {"pooling", "class_weight", "pretrained_learning_rate_multiplier"}
    config = SentimentConfig() if sentiment & set(overrides) else CharLMConfig()
    with pytest.raises(TextLSTMError) as info:
        apply_overrides(config, overrides)
    for word in words:
        assert word in str(info.value)


def test_set_needs_key_value():
    with pytest.raises(TextLSTMError, match="key=value"):
        parse_set_arguments(["epochs"])


def test_json_round_trip(tmp_path):
    config = apply_overrides(SentimentConfig(), {"epochs": 7, "pooling": "mean"})
    path = tmp_path / "c.json"
    path.write_text(json.dumps(config_to_dict(config)))
    assert load_config(path) == config


def test_committed_configs_load():
    import glob

    paths = glob.glob(repo_path("configs", "*.json"))
    assert paths
    for path in paths:
        assert load_config(path).kind in ("sentiment", "charlm")


def test_load_config_errors(tmp_path):
    with pytest.raises(TextLSTMError, match="not found"):
        load_config(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(TextLSTMError, match="not valid JSON"):
        load_config(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"kind": "transformer"}')
    with pytest.raises(TextLSTMError, match="model kind"):
        load_config(wrong)
