"""Three-way sentiment: models against VADER and a TF-IDF logistic regression on the sets with a neutral class.

    python benchmarks/three_way.py [MODEL ...] [--update-card CARD] [--limit N]
        (default model: the shipped english_sentiment)

Test sets: the sources of configs/english_sentiment.json that know all three classes (SST-3:
the Stanford Sentiment Treebank's test sentences, five labels folded 0-1 / 2 / 3-4;
GoEmotions-3; the airline tweets), read from TFDS like training reads them. The figure is
macro-averaged recall (the mean of the three classes' recalls: a model that says "neutral"
to everything scores 33.3), beside it the accuracy and the neutral class's recall. Each model
answers its largest probability, as every surface does; a two-class model can never answer
neutral. Baselines, on the same texts:
- VADER (Hutto & Gilbert 2014, the `vaderSentiment` package): its authors' rule, compound
  >= 0.05 positive, <= -0.05 negative, else neutral; no training;
- TF-IDF logistic regression: word 1-2-grams (sublinear tf, min_df 2), one multinomial
  class-balanced logistic regression (scikit-learn) trained on the three sets' train splits
  together, every SST phrase included, as the model saw them.

--update-card writes the table between the card's `<!-- three_way -->` and `<!-- /three_way -->` lines.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import everyday  # noqa: E402  (the shared command line, heading and card block)

CONFIG = os.path.join(everyday.REPO, "configs", "english_sentiment.json")
LABELS = ("negative", "neutral", "positive")  # the class ids of every set read here, in this order
COLUMNS = {"sst3": "SST-3", "goemotions3": "GoEmotions-3", "airline": "Airline tweets"}
VADER_THRESHOLD = 0.05  # the compound score's neutral band, as VADER's README recommends
LR_C = 1.0  # scikit-learn's default regularisation; 0.3 and 3.0 scored no higher on the means here
MARKERS = ("<!-- three_way -->", "<!-- /three_way -->")


def read_sets(data_dir=None, limit=None) -> dict:
    """{name: (train texts, train class ids, test texts, test class ids)} of the three-class sources."""
    from textlstm.config import load_config
    from textlstm.data import sources, targets

    config = load_config(CONFIG)
    assert tuple(config.labels) == LABELS, config.labels
    three = [s.name for s in sources.sources_of(config)
             if s.name in COLUMNS and all(targets.known_classes(s.label_names, config.labels))]
    sets = everyday.read_sets(data_dir, limit, CONFIG, only=three)
    return {name: sets[name] for name in COLUMNS if name in sets}  # SST's sentences-again source has no test split


def macro_recall(predicted, truth, classes=len(LABELS)) -> float:
    """The mean over the classes of the share of each class's texts given that class."""
    return float(np.mean([(predicted[truth == c] == c).mean() for c in range(classes) if (truth == c).any()]))


def vader_predictions(sets) -> dict:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    compound = {name: np.array([analyzer.polarity_scores(t)["compound"] for t in s[2]]) for name, s in sets.items()}
    return {name: np.where(c >= VADER_THRESHOLD, 2, np.where(c <= -VADER_THRESHOLD, 0, 1))
            for name, c in compound.items()}


def logistic_regression_predictions(sets) -> dict:
    """One class-balanced TF-IDF 1-2-gram logistic regression trained on every set's train split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [t for s in sets.values() for t in s[0]]
    labels = np.concatenate([s[1] for s in sets.values()])
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    model = LogisticRegression(C=LR_C, class_weight="balanced", max_iter=2000).fit(vectorizer.fit_transform(texts), labels)
    return {name: model.predict(vectorizer.transform(s[2])) for name, s in sets.items()}


def model_predictions(folder, sets) -> dict:
    """Class ids (in LABELS' order) of the label a model folder's end-to-end model answers."""
    from textlstm.data import labels as label_rule

    rows, labels = everyday.model_rows(folder, sets)
    return {name: np.array([LABELS.index(d) for d in label_rule.decide(r, labels)[0]]) for name, r in rows.items()}


def table(rows: dict, sets) -> str:
    """Markdown: one row per model; per set macro-recall % (accuracy %, neutral recall %); the mean macro-recall."""
    names = list(sets)
    lines = ["| model | " + " | ".join(COLUMNS[n] for n in names) + " | mean macro-recall |",
             "| --- |" + " ---: |" * (len(names) + 1)]
    for label, predictions in rows.items():
        cells, recalls = [], []
        for n in names:
            truth, predicted = sets[n][3], predictions[n]
            recalls.append(100.0 * macro_recall(predicted, truth))
            neutral = 100.0 * float((predicted[truth == 1] == 1).mean()) if (truth == 1).any() else float("nan")
            cells.append(f"**{recalls[-1]:.1f}** ({100.0 * float((predicted == truth).mean()):.1f}, {neutral:.1f})")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | **{np.mean(recalls):.1f}** |")
    return "\n".join(lines)


def main(argv=None):
    args = everyday.parse_arguments(__doc__.splitlines()[0], argv)
    start = time.perf_counter()
    sets = read_sets(args.data_dir, args.limit)
    rows = {}
    for model in args.models or ["english_sentiment"]:
        rows[f"`{os.path.basename(os.path.normpath(model))}`"] = model_predictions(model, sets)
    rows[f"VADER (compound ±{VADER_THRESHOLD}, no training)"] = vader_predictions(sets)
    rows["TF-IDF 1-2-gram logistic regression on the three training sets"] = logistic_regression_predictions(sets)
    text = (everyday.heading("Macro-recall % on each test set, in brackets accuracy % and neutral recall %",
                             sets, start, COLUMNS) + "\n\n" + table(rows, sets))
    print(text)
    if args.update_card:
        everyday.update_card(args.update_card, text, MARKERS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
