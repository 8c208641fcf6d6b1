"""Self-training: the teacher's confident labels join the training set, nothing else changes."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from conftest import NEGATIVE, POSITIVE, TINY_SENTIMENT

import textlstm
from textlstm.config import SentimentConfig, apply_overrides, validate_config
from textlstm.data import labelled
from textlstm.errors import TextLSTMError
from textlstm.training import self_training

# Clear reviews the tiny teacher is sure of, and ones made of words it never saw.
UNLABELLED = [f"{a} {b}" for a in POSITIVE + NEGATIVE for b in POSITIVE + NEGATIVE] + [
    "zebra quantum teapot", "it was a film", "seen on a tuesday", "the cinema had seats"]
BLANK = ["", " \n\t", "?!"]  # skipped: no word to label, and predict_proba refuses them


@pytest.fixture
def unlabelled(monkeypatch):
    texts = UNLABELLED[:50] + BLANK + UNLABELLED[50:]
    monkeypatch.setattr(labelled, "unlabelled_texts", lambda config, data_dir=None: tf.data.Dataset.from_tensor_slices(texts))


def test_teacher_labels_exactly_the_reviews_it_is_sure_of(unlabelled, sentiment_run):
    p = textlstm.load_sentiment(sentiment_run).predict_proba(UNLABELLED)
    confidence = np.maximum(p, 1 - p)
    threshold = float(np.median(confidence))  # keeps about half, whatever the tiny teacher learned
    config = SentimentConfig(teacher=sentiment_run, teacher_confidence=threshold)
    examples, summary = self_training.pseudo_labelled_examples(config)
    kept = [(t.decode(), int(y)) for t, y in examples.as_numpy_iterator()]
    expected = [(t, int(q > 0.5)) for t, q, c in zip(UNLABELLED, p, confidence) if c >= threshold]
    assert kept == expected and 0 < len(kept) < len(UNLABELLED)
    assert summary["unlabelled_reviews"] == len(UNLABELLED) + len(BLANK) and summary["pseudo_labelled_reviews"] == len(kept)
    assert summary["pseudo_labelled_positive_share"] == pytest.approx(np.mean([y for _, y in kept]))


def test_a_teacher_sure_of_nothing_is_one_clear_error(unlabelled, sentiment_run, monkeypatch):
    from textlstm.models.sentiment_predictor import SentimentPredictor  # what the teacher labels with

    monkeypatch.setattr(SentimentPredictor, "class_probabilities",
                        lambda self, texts: np.full((len(texts), 2), 0.5, np.float32))
    with pytest.raises(TextLSTMError, match="teacher_confidence"):
        self_training.pseudo_labelled_examples(SentimentConfig(teacher=sentiment_run))


def test_a_three_way_teacher_never_makes_a_neutral_text_a_polar_example(sentiment3_run, monkeypatch):
    """Its label over all three classes decides: a surely neutral text is left out, however one-sided
    its P(positive | not neutral) is; sure negatives and positives keep their two-class ids."""
    from conftest import NEUTRAL

    texts = NEGATIVE + NEUTRAL + POSITIVE
    monkeypatch.setattr(labelled, "unlabelled_texts", lambda config, data_dir=None: tf.data.Dataset.from_tensor_slices(texts))
    answers = textlstm.load_sentiment(sentiment3_run).predict(texts)
    assert [a.label for a in answers] == ["negative"] * 5 + ["neutral"] * 5 + ["positive"] * 5  # separable toy
    examples, summary = self_training.pseudo_labelled_examples(SentimentConfig(teacher=sentiment3_run,
                                                                               teacher_confidence=0.5))
    kept = [(t.decode(), int(y)) for t, y in examples.as_numpy_iterator()]
    assert kept == [(t, 0) for t in NEGATIVE] + [(t, 1) for t in POSITIVE]
    assert summary["pseudo_labelled_reviews"] == 10


def test_teacher_needs_an_unlabelled_split(sentiment_run, review_dir):
    with pytest.raises(TextLSTMError, match="pretrain_split"):
        self_training.pseudo_labelled_examples(SentimentConfig(teacher=sentiment_run, directory=review_dir))


def test_a_teacher_that_is_not_a_sentiment_model_is_named(unlabelled, charlm_run, tmp_path):
    with pytest.raises(TextLSTMError, match=r"^config key 'teacher': .*not a sentiment model"):
        self_training.pseudo_labelled_examples(SentimentConfig(teacher=charlm_run))
    with pytest.raises(TextLSTMError, match=r"^config key 'teacher': model path does not exist"):
        self_training.pseudo_labelled_examples(SentimentConfig(teacher=str(tmp_path / "nowhere")))


@pytest.mark.parametrize("value", [0.4, 1.0, float("nan")])
def test_teacher_confidence_outside_its_range_is_refused(value):
    with pytest.raises(TextLSTMError, match=r"teacher_confidence.*\[0.5, 1\)"):
        validate_config(apply_overrides(SentimentConfig(), {"teacher_confidence": value}))


@pytest.mark.slow
def test_student_trains_on_labelled_plus_teacher_labelled_reviews(tmp_path, monkeypatch, sentiment_run):
    """Real TFDS code path (mock imdb_reviews): every unlabelled review is kept at confidence 0.5."""
    from textlstm.training.sentiment_task import SentimentTask

    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    with tfds.testing.mock_data(num_examples=100, policy=tfds.testing.MockPolicy.USE_CODE):
        config = apply_overrides(SentimentConfig(), {**TINY_SENTIMENT, "epochs": 1, "teacher": sentiment_run,
                                                     "teacher_confidence": 0.5})
        plain = SentimentTask(apply_overrides(config, {"teacher": None}))
        student = SentimentTask(config)
        assert student.num_train == {"imdb_reviews": plain.num_train["imdb_reviews"] + 100}  # 100 mock unsupervised reviews
        assert student.num_validation == plain.num_validation  # validation stays human-labelled
        assert student.vectorizer.get_vocabulary() == plain.vectorizer.get_vocabulary()  # labelled texts only
        metrics = textlstm.train("sentiment", str(tmp_path / "student"), config=config, verbose=0)
    t = metrics["training"]
    assert t["teacher"] == sentiment_run and t["unlabelled_reviews"] == t["pseudo_labelled_reviews"] == 100
    teacher_seconds = textlstm.load_sentiment(sentiment_run).metrics["training"]["wall_time_seconds"]
    assert t["teacher_classifier_wall_time_seconds"] == teacher_seconds  # what the student cost includes the teacher
    assert t["total_wall_time_seconds"] == pytest.approx(t["wall_time_seconds"] + t["labelling_seconds"] + teacher_seconds)
