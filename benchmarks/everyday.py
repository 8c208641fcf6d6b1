"""Everyday English: sentiment models against NBSVM and VADER on six test sets, in one run.

    python benchmarks/everyday.py [MODEL ...] [--update-card CARD] [--limit N]
        (default models: the shipped english_sentiment and imdb_sentiment)

Test sets: the six binary sources of configs/english_sentiment_binary.json (IMDB test, SST-2
validation, the test splits of MPQA, Pros & Cons, Multi-domain and GoEmotions), read from TFDS
like training reads them. A three-way model is read through P(positive | not neutral), its
`positive_probability`: these sets have no neutral texts (benchmarks/three_way.py scores those). Each model is scored through its end-to-end Keras model, the same figures
`textlstm evaluate` prints. Baselines, on the same texts:
- NBSVM-bigram (Wang & Manning 2012): binary unigram+bigram features scaled by their
  naive-Bayes log-count ratios, a linear SVM (scikit-learn) on them, and the paper's interpolation
  of its weights towards their mean magnitude (beta); trained on all six training splits;
- VADER (Hutto & Gilbert 2014, the `vaderSentiment` package, a test extra): rules, no training;
  positive when the compound score is > 0 (a text with no sentiment word scores 0: negative).

--update-card writes the table between the card's `<!-- everyday -->` and `<!-- /everyday -->` lines.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(REPO, "configs", "english_sentiment_binary.json")  # the six binary sources
COLUMNS = {"imdb": "IMDB", "sst2": "SST-2 val", "mpqa": "MPQA", "pros_cons": "Pros & Cons",
           "multi_domain": "Multi-domain", "goemotions": "GoEmotions"}
EVERYDAY = ["sst2", "mpqa", "pros_cons", "multi_domain", "goemotions"]  # the mean: every set but IMDB
NBSVM_C = 0.1  # SVM regularisation: of 1.0 and 0.1, 0.1 scored higher on all but one of the six sets here
NBSVM_ALPHA = 1.0  # count smoothing of the log-count ratio (the paper's)
NBSVM_BETA = 0.25  # w' = (1 - beta) mean|w| + beta w: the paper's interpolation, +1 to +2 points here
MARKERS = ("<!-- everyday -->", "<!-- /everyday -->")


def read_sets(data_dir=None, limit=None, config_file=CONFIG, only=None):
    """{source name: (train texts, train labels, test texts, test labels)} of a config's sources (only:
    those named), labels as its class ids; limit: the first N of each split."""
    from textlstm import config
    from textlstm.data import labelled

    out = {}
    for source, splits in labelled.labelled_sets(config.load_config(config_file), data_dir):
        if only is not None and source.name not in only:
            continue
        train, test = ([(t.decode("utf-8"), int(y)) for t, y in splits[role].take(limit or -1).as_numpy_iterator()]
                       for role in ("train", "test"))
        out[source.name] = ([t for t, _ in train], np.array([y for _, y in train]),
                            [t for t, _ in test], np.array([y for _, y in test]))
    return out


def nbsvm_predictions(sets) -> dict:
    """Positive/negative predictions of one NBSVM-bigram trained on every training split."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.svm import LinearSVC

    texts = [t for s in sets.values() for t in s[0]]
    labels = np.concatenate([s[1] for s in sets.values()])
    vectorizer = CountVectorizer(ngram_range=(1, 2), binary=True)
    x = vectorizer.fit_transform(texts)
    p = NBSVM_ALPHA + x[labels == 1].sum(axis=0)
    q = NBSVM_ALPHA + x[labels == 0].sum(axis=0)
    ratio = np.asarray(np.log((p / p.sum()) / (q / q.sum()))).ravel()  # (features,)
    svm = LinearSVC(C=NBSVM_C, max_iter=5000).fit(x.multiply(ratio).tocsr(), labels)
    w = svm.coef_.ravel()
    weights = (1 - NBSVM_BETA) * np.abs(w).mean() + NBSVM_BETA * w  # (features,)
    score = lambda texts: vectorizer.transform(texts).multiply(ratio).tocsr() @ weights + svm.intercept_[0]  # noqa: E731
    return {name: (score(s[2]) > 0).astype(int) for name, s in sets.items()}


def vader_predictions(sets) -> dict:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return {name: np.array([analyzer.polarity_scores(t)["compound"] > 0 for t in s[2]], int)
            for name, s in sets.items()}


def model_rows(folder, sets) -> tuple:
    """({name: (N, C) class probabilities of each test text}, the model's labels) of a model
    folder's end-to-end model, as `textlstm evaluate` computes them."""
    import tensorflow as tf

    from textlstm import loading
    from textlstm.training import evaluation

    model = loading.load_keras_model(loading.model_folder(folder))
    labels = loading.load_folder_config(loading.model_folder(folder)).labels
    rows = {}
    for name, s in sets.items():
        examples = tf.data.Dataset.from_tensor_slices((tf.constant(s[2]), tf.constant(s[3])))
        rows[name] = evaluation.class_rows(model, examples)[0]
    return rows, labels


def model_predictions(folder, sets) -> dict:
    """P(positive) > 0.5 of a model folder's end-to-end model (P(positive | not neutral) for three classes)."""
    from textlstm.data import labels as label_rule

    rows, labels = model_rows(folder, sets)
    return {name: (label_rule.positive_probability(r, labels) > 0.5).astype(int) for name, r in rows.items()}


def table(rows: dict, sets) -> str:
    """Markdown: one row per model, accuracy % per set, and the mean of the five everyday sets."""
    names = list(COLUMNS)
    lines = ["| model | " + " | ".join(COLUMNS[n] for n in names) + " | mean of the five after IMDB |",
             "| --- |" + " ---: |" * (len(names) + 1)]
    for label, predictions in rows.items():
        accuracy = {n: 100.0 * float((predictions[n] == sets[n][3]).mean()) for n in names}
        mean = sum(accuracy[n] for n in EVERYDAY) / len(EVERYDAY)
        lines.append(f"| {label} | " + " | ".join(f"{accuracy[n]:.1f}" for n in names) + f" | {mean:.1f} |")
    return "\n".join(lines)


def update_card(path, text, markers=MARKERS):
    """Writes text between the card's two marker lines (benchmarks/three_way.py passes its own)."""
    from textlstm.artifacts import atomic_write_text

    with open(path, encoding="utf-8") as f:
        card = f.read()
    start, end = (card.find(m) for m in markers)
    if start < 0 or end < start:
        raise SystemExit(f"{path} has no {markers[0]} ... {markers[1]} block to write the table into")
    atomic_write_text(path, card[:start + len(markers[0])] + "\n" + text + "\n" + card[end:])


def parse_arguments(description, argv=None):
    """The command line every card benchmark shares: models, --data-dir, --update-card, --limit."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("models", nargs="*", help="model folders or names (default: english_sentiment imdb_sentiment)")
    parser.add_argument("--data-dir", help="TFDS data dir (default: $TFDS_DATA_DIR)")
    parser.add_argument("--update-card", metavar="CARD", help="write the table into this model card")
    parser.add_argument("--limit", type=int, help="the first N texts of each split only: checks the script "
                                                  "itself in seconds (figures meaningless)")
    return parser.parse_args(argv)


def heading(what, sets, start, columns=COLUMNS) -> str:
    """The line above a table: what it measures, the test sets' sizes, the machine and the time."""
    from textlstm import artifacts

    env = artifacts.environment_info()
    sizes = ", ".join(f"{columns[n]} {len(s[3]):,}" for n, s in sets.items())
    return f"{what} ({sizes} texts); {env['cpu']}, {env['cpu_count']} CPUs, {time.perf_counter() - start:.0f} s in all."


def main(argv=None):
    args = parse_arguments(__doc__.splitlines()[0], argv)
    start = time.perf_counter()
    sets = read_sets(args.data_dir, args.limit)
    rows = {}
    for model in args.models or ["english_sentiment", "imdb_sentiment"]:
        rows[f"`{os.path.basename(os.path.normpath(model))}`"] = model_predictions(model, sets)
    rows["VADER (rules, no training)"] = vader_predictions(sets)
    rows["NBSVM-bigram on all six training sets"] = nbsvm_predictions(sets)
    text = heading("Accuracy % on each test set", sets, start) + "\n\n" + table(rows, sets)
    print(text)
    if args.update_card:
        update_card(args.update_card, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
