"""Models by name: $TEXTLSTM_MODELS first, then the source tree, then the installed data files."""

import os
import shutil

import pytest

import textlstm
from textlstm import cli, presets
from textlstm.errors import TextLSTMError


@pytest.fixture
def models_dir(tmp_path, monkeypatch, sentiment_run, charlm_run):
    """A $TEXTLSTM_MODELS folder holding the tiny runs as 'tiny_sentiment' and 'tiny_char'."""
    shutil.copytree(sentiment_run, tmp_path / "tiny_sentiment")
    shutil.copytree(charlm_run, tmp_path / "tiny_char")
    (tmp_path / "not_a_model").mkdir()
    monkeypatch.setenv(presets.ENVIRONMENT_VARIABLE, str(tmp_path))
    monkeypatch.chdir(tmp_path.parent)  # names must not depend on the working directory
    return tmp_path


def test_names_load_through_every_loader(models_dir):
    assert textlstm.load_sentiment("tiny_sentiment").predict("a wonderful film").label in ("positive", "negative")
    assert len(textlstm.load_generator("tiny_char").generate("ROMEO:", length=5, seed=1)) == 5
    known = textlstm.known_models()
    assert known["tiny_sentiment"] == str(models_dir / "tiny_sentiment") and "not_a_model" not in known


def test_environment_folders_come_first(models_dir, tmp_path_factory, charlm_run):
    other = tmp_path_factory.mktemp("other")
    shutil.copytree(charlm_run, other / "tiny_sentiment")  # same name, earlier on the path
    os.environ[presets.ENVIRONMENT_VARIABLE] = os.pathsep.join([str(other), str(models_dir)])
    assert presets.resolve("tiny_sentiment") == str(other / "tiny_sentiment")
    assert presets.search_path()[:2] == [str(other), str(models_dir)]


def test_a_path_still_works_and_wins_over_a_name(models_dir, sentiment_run):
    assert presets.resolve(sentiment_run) == sentiment_run
    os.chdir(models_dir)  # ./tiny_char exists here: the relative path is used as given
    assert presets.resolve("tiny_char") == "tiny_char"


def test_name_with_a_version_is_that_models_export(models_dir, sentiment_run):
    from textlstm.export import saved_model

    saved_model.export(sentiment_run, str(models_dir / "tiny_sentiment"))
    assert presets.resolve("tiny_sentiment/1") == str(models_dir / "tiny_sentiment" / "1")
    p = textlstm.load_export("tiny_sentiment/1").predict_proba(["a wonderful film"])
    assert p.shape == (1,)


def test_unknown_name_lists_the_known_ones(models_dir, capsys):
    with pytest.raises(TextLSTMError) as e:
        textlstm.load_sentiment("tiny_sentimnet")
    message = str(e.value)
    assert message.startswith("model 'tiny_sentimnet' is neither an existing path nor a known model name")
    assert "tiny_char" in message and "tiny_sentiment" in message and "\n" not in message
    assert cli.main(["predict", "tiny_sentimnet", "a fine film"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("textlstm predict: error: model 'tiny_sentimnet' is neither") and "tiny_char" in line


@pytest.mark.parametrize("value", ["", "   ", None, 3])
def test_not_a_name_or_path(value):
    with pytest.raises(TextLSTMError, match="^model must be a model name or a path"):
        presets.resolve(value)


def test_demo_defaults_are_names():
    from textlstm import webapp

    args = webapp.default_args()
    assert (args.sentiment_model, args.generator_model) == ("english_sentiment", "shakespeare_char")
