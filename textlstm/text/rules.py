"""Every rule of the word tokenizer, defined once: TextVectorization's settings and their Python twins.

The models' `TextVectorization` layer (vectorizers.py) is built from STANDARDIZE and SPLIT
below. Everything else that must agree with it reads the same constants here: the
TensorFlow-free tokenizer of the LiteRT host (python_tokenizer.py), the word alignment of
explanations and traces (`words_of`), the counterfactual negations, and the input check that
a text keeps a word (`has_word`, and WORDLESS_PATTERN for the same check inside exported graphs).

    lower:  ASCII letters only (tf.strings.lower without an encoding; "É" stays "É")
    strip:  the 32 ASCII punctuation characters, Keras' DEFAULT_STRIP_REGEX (= string.punctuation)
    split:  on runs of ASCII whitespace " \\t\\n\\v\\f\\r" only (tf.strings.split); no-break spaces,
            \\x85 and \\u2028 stay inside words
"""

import re
import string

STANDARDIZE = "lower_and_strip_punctuation"  # TextVectorization's default: lower, then strip PUNCTUATION
SPLIT = "whitespace"  # TextVectorization's default: tf.strings.split, ASCII_WHITESPACE runs
PUNCTUATION = string.punctuation  # what Keras' DEFAULT_STRIP_REGEX removes
ASCII_WHITESPACE = " \t\n\v\f\r"  # what tf.strings.split separates words on

_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_STRIP = str.maketrans("", "", PUNCTUATION)
_WHITESPACE = re.compile(f"[{re.escape(ASCII_WHITESPACE)}]+")
_WHITESPACE_PIECE = re.compile(f"([{re.escape(ASCII_WHITESPACE)}]+)")  # kept by re.split


def standardize(text: str) -> str:
    return text.translate(_LOWER).translate(_STRIP)


def split(text: str) -> list:
    return [word for word in _WHITESPACE.split(text) if word]


def words(text: str) -> list:
    """The words TextVectorization makes of `text`, in order, before the vocabulary lookup."""
    return split(standardize(text))


def words_of(text: str):
    """-> (pieces, token_piece): the text cut into words and spaces, and for each model token (in
    order) the index of the piece it comes from. A piece holds no ASCII space, so it makes at most
    one token; punctuation alone makes none (TextVectorization strips it)."""
    pieces = [p for p in _WHITESPACE_PIECE.split(text) if p]
    token_piece = [i for i, p in enumerate(pieces) if not _WHITESPACE_PIECE.fullmatch(p) and p.translate(_STRIP)]
    return pieces, token_piece


# --- the input rule: a text to classify must keep a word --------------------------------
# With no token at all, the model's masked mean is 0/0 and its answer NaN ("!!!", "("). The
# rule is stricter than the split: any Unicode space (str.isspace) counts as a space here.

WORD_RULE = "needs at least one word: a character that is neither a space nor punctuation"
# Python's str.isspace() characters inside an RE2 class, for the same tests inside exported graphs.
SPACES_RE2 = r"\t\n\x{0b}\f\r\x{1c}-\x{1f}\x{85}\p{Z}"
BLANK_PATTERN = f"[{SPACES_RE2}]*"
WORDLESS_PATTERN = f"[{SPACES_RE2}{re.escape(PUNCTUATION)}]*"


def has_word(text: str) -> bool:
    """True when `text` keeps a token after TextVectorization strips ASCII punctuation (WORD_RULE)."""
    return bool(text.translate(_STRIP).strip())
