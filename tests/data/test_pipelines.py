"""TFDS loading and tf.data pipelines under tfds.testing.mock_data: shapes and dtypes."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from textlstm.config import CharLMConfig, SentimentConfig
from textlstm.data import catalog, corpus, labelled, pipelines
from textlstm.errors import TextLSTMError
from textlstm.text import vectorizers


@pytest.fixture
def mock_tfds(tmp_path, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    with tfds.testing.mock_data(num_examples=64, policy=tfds.testing.MockPolicy.USE_CODE):
        yield


def test_imdb_pipeline_shapes_and_dtypes(mock_tfds):
    config = SentimentConfig(max_tokens=50, sequence_length=12, batch_size=8)
    train, validation, test = labelled.classification_splits(config)
    text, label = next(iter(train))
    assert text.dtype == tf.string and label.dtype == tf.int32 and text.shape == ()
    vectorizer = vectorizers.make_word_vectorizer(config.max_tokens, config.sequence_length)
    vectorizers.adapt_word_vectorizer(vectorizer, train.map(lambda t, y: t))
    batches = pipelines.sentiment_batches(pipelines.vectorize_examples(train, vectorizer), 8, seed=0, shuffle=True)
    ids, labels = next(iter(batches))
    assert ids.shape == (8, 12) and ids.dtype == tf.int32
    assert labels.shape == (8, 1) and labels.dtype == tf.float32
    assert batches.element_spec[0].shape == (8, 12)  # static: drop_remainder, fixed length


def test_tiny_shakespeare_splits_are_strings(mock_tfds):
    train, validation, test = corpus.char_text_splits(CharLMConfig())
    assert all(isinstance(t, str) and t for t in (train, validation, test))


def test_heldout_parts_name_each_joined_split_and_its_length(mock_tfds, tmp_path):
    lengths = [len(corpus.char_text_splits(CharLMConfig(test_split=name))[2]) for name in ("validation", "test")]
    assert corpus.char_heldout_parts(CharLMConfig()) == [("validation", lengths[0]), ("test", lengths[1])]
    assert corpus.char_heldout_parts(CharLMConfig(test_split="test")) is None  # one split: nothing to break down
    path = tmp_path / "t.txt"
    path.write_text("abc\n" * 500, encoding="utf-8")
    assert corpus.char_heldout_parts(CharLMConfig(text_file=str(path))) is None


def test_char_windows_are_shifted_by_one():
    ids = tf.range(1, 1001, dtype=tf.int32)  # (1000,)
    ds = pipelines.stream_training_batches(ids, sequence_length=10, batch_size=4, seed=0)
    assert ds.element_spec[0].shape == (4, 10)
    for x, y in ds.take(50):
        np.testing.assert_array_equal(x.numpy()[:, 1:], y.numpy()[:, :-1])
        assert int(tf.reduce_max(y)) <= 1000  # never reads past the end
    offsets = {int(x[0, 0]) % 10 for x, _ in ds.take(200)}
    assert len(offsets) > 1  # window boundaries move between passes


def test_char_eval_windows_stay_in_range():
    ids = tf.range(1000, dtype=tf.int32)
    batches = list(pipelines.stream_eval_batches(ids, sequence_length=100, batch_size=3))
    assert len(batches) == 3  # (1000 - 1) // 100 = 9 windows -> 3 full batches
    assert int(batches[-1][1][-1, -1]) == 900


def test_missing_dataset_gives_one_clear_error(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    def offline(self, *args, **kwargs):
        raise ConnectionError("Failed to resolve host (offline)")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", offline)
    with pytest.raises(TextLSTMError) as info:
        corpus.char_text_splits(CharLMConfig(), data_dir=str(tmp_path))
    message = str(info.value)
    assert "tiny_shakespeare" in message and str(tmp_path) in message and "--data-dir" in message


def test_unknown_dataset_and_split(mock_tfds):
    with pytest.raises(TextLSTMError, match="no dataset named"):
        labelled.classification_splits(SentimentConfig(dataset="no_such_dataset_xyz"))
    with pytest.raises(TextLSTMError, match="feature"):
        labelled.classification_splits(SentimentConfig(text_key="review"))


def test_data_dir_resolution(monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", "/env/dir")
    assert catalog.resolve_data_dir("/flag/dir") == "/flag/dir"
    assert catalog.resolve_data_dir(None) == "/env/dir"
    monkeypatch.delenv("TFDS_DATA_DIR")
    assert catalog.resolve_data_dir(None) is None  # TFDS's default (~/tensorflow_datasets)


def test_directory_dataset(review_dir):
    train, validation, test = labelled.classification_splits(SentimentConfig(directory=review_dir))
    labels = {int(y) for _, y in train}
    assert labels == {0, 1}
    assert sum(1 for _ in test) == 80


def test_directory_needs_two_classes(tmp_path):
    (tmp_path / "only").mkdir()
    with pytest.raises(TextLSTMError, match="exactly 2 class"):
        labelled.classification_splits(SentimentConfig(directory=str(tmp_path)))


def test_text_file_splits(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("abcdefghij" * 200, encoding="utf-8")
    train, validation, test = corpus.char_text_splits(CharLMConfig(text_file=str(path)))
    assert (len(train), len(validation), len(test)) == (1800, 100, 100)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok \xff\xfe not utf-8" * 100)
    with pytest.raises(TextLSTMError, match="not valid UTF-8"):
        corpus.char_text_splits(CharLMConfig(text_file=str(bad)))
    with pytest.raises(TextLSTMError, match="not found"):
        corpus.char_text_splits(CharLMConfig(text_file=str(tmp_path / "none.txt")))


def test_vocabulary_survives_keras_asset_round_trip(tmp_path):
    """IMDB holds \\x85 (NEL); Keras' vocabulary asset is read with splitlines()."""
    import keras

    vectorizer = vectorizers.make_word_vectorizer(100, 6)
    texts = tf.data.Dataset.from_tensor_slices(["good film \x85 yes", "bad\u2028film x\x0cy"])
    vectorizers.adapt_word_vectorizer(vectorizer, texts)
    text = keras.Input(shape=(), dtype="string")
    model = keras.Model(text, vectorizer(text))
    model.save(tmp_path / "v.keras")
    reloaded = keras.saving.load_model(tmp_path / "v.keras")
    np.testing.assert_array_equal(reloaded(tf.constant(["good film"])), model(tf.constant(["good film"])))


def test_char_vocabulary_round_trip(tmp_path):
    vocab = vectorizers.CharVocabulary.from_text("hello\nworld")
    assert vocab.tokens[:2] == ["", "[UNK]"]
    vocab.save(tmp_path / "v.json")
    again = vectorizers.CharVocabulary.load(tmp_path / "v.json")
    assert again.tokens == vocab.tokens
    ids = vectorizers.text_to_char_ids("hello?", vocab).numpy().tolist()
    assert ids == vocab.encode("hello?") and ids[-1] == vocab.UNK_ID
