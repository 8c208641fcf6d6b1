"""Counterfactual negations (textlstm/data/negation.py): which texts are edited, how, and the flipped
label; and a tiny training run that mixes them in as one more source."""

import pytest

from textlstm.data import negation

# A polarity table as word_polarity would give it: > 0 positive, < 0 negative.
POLARITY = {"great": 1.5, "good": 1.2, "fun": 1.1, "bad": -1.4, "dull": -1.6, "awful": -2.0, "cheap": 0.9}


def _edit(text, label, seed=0):
    out = negation.counterfactuals([(text, label)], POLARITY, seed)
    return out[0] if out else None


@pytest.mark.parametrize("seed", range(12))
def test_a_negation_goes_in_before_the_only_polar_word_and_the_label_flips(seed):
    clauses = [f"{c} " for c in negation.CLAUSE_NEGATIONS]
    text, label = _edit("The battery is great.", 1, seed)
    assert label == 0
    assert text in ["The battery is not great.", "The battery isn't great.", "The battery is never great."] + [
        c + "the battery is great." for c in clauses]
    text, label = _edit("The plot was really dull", 0, seed)
    assert label == 1 and text in ["The plot was not really dull", "The plot wasn't really dull",
                                   "The plot was never really dull"] + [c + "the plot was really dull" for c in clauses]


def test_every_form_is_used_and_a_clause_is_negated_only_in_one_sentence():
    one = {_edit("The battery is great.", 1, seed)[0].split(" the battery")[0] for seed in range(200)}
    assert one >= set(negation.CLAUSE_NEGATIONS) | {"The battery is not great.", "The battery isn't great."}
    two = {_edit("The battery is great. I use it daily.", 1, seed)[0] for seed in range(50)}
    assert all(t.startswith("The battery") for t in two)  # "I don't think" would reach the second sentence
    fragment = {_edit("was really dull", 0, seed)[0] for seed in range(50)}
    assert all(t.startswith("was") for t in fragment)  # no subject: "I don't think was dull" is no English


@pytest.mark.parametrize("text, label, edited", [
    ("not a good product", 0, "a good product"),
    ("The screen wasn't bad at all", 1, "The screen was bad at all"),
    ("It is never fun", 0, "It is fun"),
])
def test_a_negation_that_made_the_label_is_taken_out(text, label, edited):
    assert _edit(text, label) == (edited, 1 - label)


@pytest.mark.parametrize("text, label, why", [
    ("The battery is great and the screen is fun.", 1, "a second positive word keeps it positive"),
    ("The film's great.", 1, "a possessive 's is not a verb"),
    ("The food is bland.", 0, "the word after the verb is not polar"),
    ("The battery is great.", 0, "the polar word disagrees with the label"),
    ("not bad, not great", 1, "two negations"),
    ("This camera is great " + "and it takes pictures " * 6, 1, "longer than MAX_WORDS"),
    ("not a good product, awful", 0, "a negative word makes the label without the negation"),
])
def test_texts_an_edit_would_not_flip_are_left_alone(text, label, why):
    assert _edit(text, label) is None, why


def test_typographic_apostrophes_count_as_typed_ones():
    assert _edit("it\u2019s never bad", 1) == ("it's bad", 0)
    assert _edit("It\u2019s great", 1)[1] == 0  # inserted after "It's" (a pronoun's 's)


def test_word_polarity_is_read_off_short_labelled_texts():
    texts = [("a great film", 1), ("great fun", 1), ("a dull film", 0), ("dull and slow", 0)] * 20
    polarity = negation.word_polarity(texts + [("not " * 30, 0)])
    assert polarity["great"] > negation.POLARITY_THRESHOLD and polarity["dull"] < -negation.POLARITY_THRESHOLD
    assert "film" not in polarity  # on both sides alike
    assert "not" not in polarity  # negation words are never polar words
    rare = negation.word_polarity([("great", 1)] * (negation.MIN_COUNT - 1) + [("dull", 0)])
    assert rare == {}  # too few texts to trust


def test_the_dataset_holds_the_edits_and_may_be_empty():
    import tensorflow as tf

    texts = ["the film is great", "the film was great", "the film is dull", "the film was dull"] * negation.MIN_COUNT
    labels = [1, 1, 0, 0] * negation.MIN_COUNT  # "is" and "was" on both sides: only great and dull are polar
    ds, count = negation.counterfactual_dataset([tf.data.Dataset.from_tensor_slices((texts, labels))], seed=0)
    assert count == len(texts)
    edited = [(t.decode(), int(y)) for t, y in ds.as_numpy_iterator()]
    assert {(t.split()[-1], y) for t, y in edited} == {("great", 0), ("dull", 1)}  # every label flipped
    assert all(any(cue in t for cue in ("not", "n't", "never", "Nobody")) for t, _ in edited)
    ds, count = negation.counterfactual_dataset([tf.data.Dataset.from_tensor_slices((["a film"], [1]))], seed=0)
    assert count == 0 and list(ds) == []


@pytest.mark.slow
def test_training_mixes_the_counterfactuals_in_as_a_source(tmp_path):
    """Short reviews with one polar word after "is"/"was": every one of them can be negated."""
    import textlstm
    from tests.conftest import TINY_SENTIMENT

    words = {"pos": ["great", "superb"], "neg": ["awful", "dull"]}  # each in 40 texts: >= MIN_COUNT
    for split in ("train", "test"):
        for label, adjectives in words.items():
            folder = tmp_path / "reviews" / split / label
            folder.mkdir(parents=True)
            for i, (k, a) in enumerate((k, a) for k in range(40) for a in adjectives):
                (folder / f"{i}.txt").write_text(f"film {k} {'is' if i % 2 else 'was'} {a}.", encoding="utf-8")
    metrics = textlstm.train("sentiment", str(tmp_path / "run"), directory=str(tmp_path / "reviews"),
                             negation_weight=0.5, verbose=0, **TINY_SENTIMENT)
    assert metrics["training"]["counterfactual_negations"] == 160 - 16  # every training text; 10% validate
    assert "negations" not in metrics["evaluation"]  # never validated or tested on
