"""Counterfactual negations: short training texts with a negation put in or taken out, label flipped.

Sentiment data barely teaches negation. In the six training sets, "not bad" and its kind
appear as often in negative texts as in positive ones, and IMDB's negative reviews use them
more. So a classifier learns "bad" as negative, and "not bad" with it. Counterfactual
augmentation (Kaushik et al. 2020) pairs a text with a minimally edited copy whose label
differs. Here the edit is made by rule, on the training texts alone:

    "The battery is great."   (positive) -> "The battery isn't great."   (negative)
    "The plot was dull."      (negative) -> "The plot was not dull."     (positive)
    "The plot was dull."      (negative) -> "I don't think the plot was dull." (positive)
    "not a good product"      (negative) -> "a good product"             (positive)

An edit is made only where it flips the label. The text is short (at most MAX_WORDS words).
The edited word is the text's only strongly polar word (POLARITY_THRESHOLD) of the label's side.
Word polarity is the naive-Bayes log-count ratio of the short training texts (Wang & Manning 2012).
The copies train as one more source of the mixture (config key `negation_weight`). They are never
validated or tested on, and the vocabulary is adapted without them.
"""

import math
import random
import re
from collections import Counter

import tensorflow as tf

from textlstm.text import rules

MAX_WORDS = 25  # sentences and phrases, not reviews: one polar word can carry a short text
SEQUENCE_LENGTH = 32  # tokens per edited text in its batches: MAX_WORDS and then some
MIN_COUNT = 30  # texts a word must occur in before its polarity is trusted
POLARITY_THRESHOLD = 0.7  # |log ratio| >= 0.7: the word is twice as likely on one side
NEGATIONS = {"not", "no", "never", "nothing", "none", "nobody", "neither", "nor", "without", "cannot",
             "nt", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant", "couldnt", "wont",
             "wouldnt", "shouldnt", "aint", "hardly", "barely"}  # standardised words (apostrophes stripped)

# "is", "was" ... then up to two degree words, then the polar word. "'s" only after a pronoun:
# "it's good", never the possessive "the film's score".
_DEGREE = r"(?:(?:very|really|so|too|quite|pretty|that|particularly|extremely|truly|all|as|exactly|overly|at)\s+){0,2}"
_PRONOUN_S = "|".join(rf"(?<=\b{p})'s" for p in ("it", "that", "he", "she", "there", "here", "what", "this"))
_INSERT = re.compile(rf"\b(is|was|are|were|am|{_PRONOUN_S}|'re|'m)\s+" + _DEGREE + r"([A-Za-z]+)", re.I)
CLAUSE_NEGATIONS = ("I don't think", "I do not think", "I wouldn't say", "I would not say that", "I can't say",
                    "I don't believe", "Nobody would say")  # each negates the statement that follows it
_SENTENCE_END = re.compile(r"[.!?]\s")
_CONTRACTED = {"is": "isn't", "was": "wasn't", "are": "aren't", "were": "weren't"}
# A negation, and the polar word it governs: within REMOVE_REACH words after it, before any punctuation.
_CUE = re.compile(r"\b(not|never|(?:is|was|are|were|do|does|did|could|would|should)n't)\s+", re.I)
REMOVE_REACH = 5  # "not really what I would call good" still governs "good"; ", good" does not


def word_polarity(examples) -> dict:
    """{word: log ratio} of the strongly polar words of (text, label) pairs: > 0 positive."""
    counts = (Counter(), Counter())
    for text, label in examples:
        words = _words(text)
        if len(words) <= MAX_WORDS:  # polarity where one word can carry the text ("good" in IMDB
            counts[label].update(set(words))  # reviews is half praise, half "good actors, wasted")
    totals = [sum(c.values()) for c in counts]
    polarity = {}
    for word in set(counts[0]) | set(counts[1]):
        if counts[0][word] + counts[1][word] < MIN_COUNT or word in NEGATIONS:
            continue
        ratio = math.log((counts[1][word] + 1) / totals[1]) - math.log((counts[0][word] + 1) / totals[0])
        if abs(ratio) >= POLARITY_THRESHOLD:
            polarity[word] = ratio
    return polarity


def counterfactuals(examples, polarity: dict, seed: int) -> list:
    """[(edited text, flipped label)] for the (text, label) pairs an edit flips."""
    rng = random.Random(seed)
    out = []
    for text, label in examples:
        text = text.replace("\u2019", "'")  # typographic apostrophes (Reddit's) as typed ones
        words = _words(text)
        if not words or len(words) > MAX_WORDS:
            continue
        edited = _remove(text, label, words, polarity) if NEGATIONS & set(words) else _insert(
            text, label, words, polarity, rng)
        if edited is not None:
            out.append((edited, 1 - label))
    return out


def _words(text):
    return rules.words(text)


def _side(word, polarity):
    """1 positive, 0 negative, None not polar."""
    ratio = polarity.get(word.lower())
    return None if ratio is None else int(ratio > 0)


def _only_polar_word(word, label, words, polarity) -> bool:
    """`word` carries the label's side, and no other word of the text does."""
    same = [w for w in words if _side(w, polarity) == label]
    return _side(word, polarity) == label and all(w == word.lower() for w in same)


def _insert(text, label, words, polarity, rng):
    found = _INSERT.search(text)
    if found is None or not _only_polar_word(found.group(2), label, words, polarity):
        return None
    verb = found.group(1)
    # The ways people negate a statement: at its verb, or the whole clause, which puts words between
    # the negation and the polar word ("I don't think the plot was dull"): for one sentence with a
    # subject only (SST-2's "was dull" is a fragment).
    clause = _words(text[:found.start(1)]) and not _SENTENCE_END.search(text.strip().rstrip(".!?"))
    form = rng.choice(("not", "contracted", "never") + (("clause",) if clause else ()))
    if form == "clause":
        statement = text.strip()
        statement = statement if statement.startswith("I ") else statement[:1].lower() + statement[1:]
        return f"{rng.choice(CLAUSE_NEGATIONS)} {statement}"
    if form == "contracted" and verb.lower() in _CONTRACTED:
        negated = _CONTRACTED[verb.lower()] if verb.islower() else _CONTRACTED[verb.lower()].capitalize()
    else:
        negated = f"{verb} {'never' if form == 'never' else 'not'}"
    return text[:found.start(1)] + negated + text[found.end(1):]


def _remove(text, label, words, polarity):
    found = _CUE.search(text)
    if found is None or sum(w in NEGATIONS for w in words) != 1:
        return None  # one negation only: two may cancel, and the edit must undo the whole of it
    clause = re.split(r"[.,;:!?]", text[found.end():], maxsplit=1)[0]
    polar = next((w for w in _words(clause)[:REMOVE_REACH] if _side(w, polarity) is not None), None)
    if polar is None or _side(polar, polarity) != 1 - label or any(_side(w, polarity) == label for w in words):
        return None  # the negated word must be what made the label: "not good" in a negative text
    cue = found.group(1)
    kept = cue[:-3] + " " if cue.lower().endswith("n't") else ""  # "wasn't" -> "was", "not" -> ""
    return (text[:found.start(1)] + kept + text[found.end():]).strip()


def counterfactual_dataset(labelled_datasets, seed: int, classes=(0, 1)):
    """(tf.data of (text, int32 label), how many) from the short texts of `labelled_datasets`.
    classes: the model's class ids of negative and positive; examples of any other class (neutral)
    are left out, since negating a plain statement does not give a sentiment."""
    side = {class_id: i for i, class_id in enumerate(classes)}  # model class id -> 0 negative, 1 positive
    examples = [(text.decode("utf-8"), side[int(label)])
                for ds in labelled_datasets for text, label in ds.as_numpy_iterator() if int(label) in side]
    edited = counterfactuals(examples, word_polarity(examples), seed)
    texts = tf.constant([t for t, _ in edited], tf.string)  # (N,)
    labels = tf.constant([classes[y] for _, y in edited], tf.int32)  # (N,)
    return tf.data.Dataset.from_tensor_slices((texts, labels)), len(edited)
