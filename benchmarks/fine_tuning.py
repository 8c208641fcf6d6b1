"""Learning curves of fine-tuning on domains the base model has not seen, several seeds, one run.

    python benchmarks/fine_tuning.py [--sizes 100 300 1000 3000] [--seeds 3] [--plot docs/fine_tuning.png]
                                     [--part sentiment|generator|both|own] [--limit N]

Sentiment: base `imdb_sentiment` (IMDB reviews only) -> `goemotions_sentiment` and `pros_cons`. For
each size N and seed, N examples are drawn from the target's train split and every method is
scored on the target's full test split:
  (a) fine-tuned from the base (`SentimentClassifier.fine_tune`, the defaults);
  (b) the same architecture and recipe from scratch (vocabulary from the N texts, no base weights);
  (c) NBSVM-bigram (benchmarks/everyday.py's) on the same N;
  (d) the base model with no fine-tuning.
Generator: base `shakespeare_char` -> 100,000 characters of Multi-domain review text (its train
split; the last 20,000 held out): fine-tuned vs from scratch, the same number of epochs and neither
stopping early (equal wall-clock time: the same model and data per step), vs the base alone; nats/char on the held-out
text, and a sample of each.
Own labels (--part own): classes of a user's own -> `airline_tweets`' negative_reason (10 complaint
reasons, the negative tweets), `multi_domain_sentiment`'s domain (4 product topics) and airline_tweets'
negative / neutral / positive (3 classes); the same draws, macro-F1 on the full test split:
fine-tuned from `english_sentiment` (--own-base) with the defaults, the same architecture from scratch,
a class-balanced TF-IDF 1-2-gram logistic regression on the same N, and with --encoder the defaults
from a language-model encoder (`configs/english_encoder.json`'s run).
Prints markdown tables (mean ± sd over seeds) with the machine, and the seconds of each fine-tuning.
"""

import argparse
import importlib.util
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = {"goemotions": "goemotions_sentiment", "pros_cons": "pros_cons"}
METHODS = ("fine-tuned", "from scratch", "NBSVM-bigram", "base alone")
# The ten annotated reasons (../shared/README.md); a few rows of the file hold other text there
REASONS = {b"Bad Flight", b"Can't Tell", b"Cancelled Flight", b"Customer Service Issue", b"Damaged Luggage",
           b"Flight Attendant Complaints", b"Flight Booking Problems", b"Late Flight", b"Lost Luggage", b"longlines"}
# Own-label targets: name -> (dataset, the feature that is the label, keep an example?)
OWN_TARGETS = {
    "complaint reason (10)": ("airline_tweets", "negative_reason", lambda ex: ex["negative_reason"] in REASONS),
    "product domain (4)": ("multi_domain_sentiment", "domain", lambda ex: True),
    "airline sentiment (3)": ("airline_tweets", "label", lambda ex: True),
}
OWN_METHODS = ("fine-tuned", "from scratch", "TF-IDF LR")
ENCODER_METHOD = "fine-tuned from the LM encoder"  # with --encoder: configs/english_encoder.json's run
GENERATOR_TEXT = 100_000  # characters of review text the generator adapts to
GENERATOR_HELD_OUT = 20_000  # of them, the last ones: scored, never trained on


def _everyday():
    spec = importlib.util.spec_from_file_location("everyday_benchmark", os.path.join(REPO, "benchmarks", "everyday.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_target(dataset, data_dir, limit=None):
    """(train texts, train labels, test texts, test labels) of a TFDS sentiment dataset."""
    from textlstm.data import labelled
    from textlstm.data.sources import DataSource

    source = DataSource(name=dataset, dataset=dataset, train_split="train", test_split="test")
    splits = labelled.source_splits(source, data_dir)
    out = []
    for role in ("train", "test"):
        rows = [(t.decode("utf-8"), int(y)) for t, y in splits[role].take(limit or -1).as_numpy_iterator()]
        out += [[t for t, _ in rows], np.array([y for _, y in rows])]
    return out


def draw(texts, labels, n, seed):
    """N examples drawn without replacement, seeded; texts without a word are passed over."""
    from textlstm.text.rules import has_word

    order = np.random.default_rng(seed).permutation(len(texts))
    chosen = [i for i in order if has_word(texts[i])][:n]
    return [texts[i] for i in chosen], [int(labels[i]) for i in chosen]


def accuracy(classifier, texts, labels) -> float:
    """Over every test text, as `textlstm evaluate` scores it (a text with no word counts, as a miss
    unless its label is negative: the end-to-end model's NaN is not > 0.5)."""
    import tensorflow as tf

    from textlstm.training import evaluation

    examples = tf.data.Dataset.from_tensor_slices((tf.constant(texts), tf.constant(labels)))
    p, _ = evaluation.sentiment_probabilities(classifier.model, examples)
    return float(((p > 0.5) == labels).mean())


def learning_curves(targets, sizes, seeds, draw_fn, methods):
    """{(target, N): {method: [score per seed]}} and [(N, seconds of each fine-tuning)].

    targets: {name: (train texts, train labels, test texts, test labels)}; methods: {name: score(texts,
    labels, seed, folder, target) -> (score, seconds of the fine-tuning or None)}, all on the same draws,
    each with a folder of its own to write in."""
    rows, seconds = {}, []
    for name, target in targets.items():
        for n in sizes:
            scores = {m: [] for m in methods}
            for seed in range(seeds):
                texts, labels = draw_fn(target[0], target[1], n, seed)
                with tempfile.TemporaryDirectory() as tmp:
                    for index, (method, score) in enumerate(methods.items()):
                        value, spent = score(texts, labels, seed, os.path.join(tmp, str(index)), target)
                        scores[method].append(value)
                        if spent is not None:
                            seconds.append((n, spent))
                print(f"  {name} N={n} seed={seed}: " + ", ".join(f"{m} {s[-1]:.3f}" for m, s in scores.items()),
                      file=sys.stderr, flush=True)
            rows[(name, n)] = scores
    return rows, seconds


def fine_tuned(base, score):
    """A method: `base` fine-tuned with the defaults (timed), scored by score(classifier, target)."""
    def method(texts, labels, seed, folder, target):
        start = time.perf_counter()
        tuned = base.fine_tune(texts, labels, out=folder, seed=seed)
        return score(tuned, target), time.perf_counter() - start
    return method


def from_scratch(base, score):
    """A method: the same architecture and recipe with no base weights (vocabulary from the N texts)."""
    def method(texts, labels, seed, folder, target):
        import textlstm
        from textlstm.training import tune

        tune.fine_tune_sentiment(base.folder, texts, labels, folder, from_scratch=True, seed=seed)
        return score(textlstm.load_sentiment(folder), target), None
    return method


def sentiment_part(args):
    import textlstm

    everyday = _everyday()
    base = textlstm.load_sentiment(args.base)
    targets = {name: read_target(dataset, args.data_dir, args.limit) for name, dataset in TARGETS.items()}
    base_accuracy = {id(t): accuracy(base, t[2], t[3]) for t in targets.values()}  # once per target

    def score(classifier, target):
        return accuracy(classifier, target[2], target[3])

    def nbsvm(texts, labels, seed, folder, target):
        predicted = everyday.nbsvm_predictions({"t": (texts, np.array(labels), target[2], target[3])})["t"]
        return float((predicted == target[3]).mean()), None

    def alone(texts, labels, seed, folder, target):
        return base_accuracy[id(target)], None

    methods = dict(zip(METHODS, (fine_tuned(base, score), from_scratch(base, score), nbsvm, alone)))
    rows, seconds = learning_curves(targets, args.sizes, args.seeds, draw, methods)
    return rows, [t for n, t in seconds if n == 300]


def read_own_target(dataset, feature, keep, data_dir, limit=None):
    """(train texts, train labels, test texts, test labels) of a TFDS set with `feature` as the label,
    spelled as the user would (class names), the examples `keep` accepts (the first `limit` of each split)."""
    import itertools

    from textlstm.data import catalog

    builder = catalog.prepared_builder(dataset, catalog.resolve_data_dir(data_dir))
    names = builder.info.features[feature].names if hasattr(builder.info.features[feature], "names") else None
    out = []
    for split in ("train", "test"):
        kept = (ex for ex in catalog.load_split(builder, split).as_numpy_iterator() if keep(ex))
        rows = [(ex["text"].decode("utf-8"), names[ex[feature]] if names else ex[feature].decode("utf-8"))
                for ex in itertools.islice(kept, limit)]
        out += [[t for t, _ in rows], [y for _, y in rows]]
    return out


def draw_own(texts, labels, n, seed):
    """N examples drawn without replacement, seeded; a class drawn once is left out (fine-tuning needs
    two of each: one to train on, one to hold out), for every method alike."""
    from collections import Counter

    from textlstm.data.table import MIN_PER_CLASS

    order = np.random.default_rng(seed).permutation(len(texts))[:n]
    counts = Counter(labels[i] for i in order)
    kept = [i for i in order if counts[labels[i]] >= MIN_PER_CLASS]
    return [texts[i] for i in kept], [labels[i] for i in kept]


def macro_f1(predicted, truth) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, average="macro"))


def tfidf_predictions(texts, labels, test_texts):
    """A class-balanced TF-IDF 1-2-gram logistic regression trained on the N examples alone."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    model = LogisticRegression(class_weight="balanced", max_iter=2000).fit(vectorizer.fit_transform(texts), labels)
    return model.predict(vectorizer.transform(test_texts))


def own_part(args):
    """{(target, N): {method: [macro-F1 per seed]}}, and [(N, seconds of each fine-tuning with the defaults)]."""
    import textlstm

    base = textlstm.load_sentiment(args.own_base)
    targets = {name: read_own_target(dataset, feature, keep, args.data_dir, args.limit)
               for name, (dataset, feature, keep) in OWN_TARGETS.items()
               if not args.own_targets or any(word in name for word in args.own_targets)}

    def score(classifier, target):
        return macro_f1([p.label for p in classifier.predict(target[2])], target[3])

    def tfidf(texts, labels, seed, folder, target):
        return macro_f1(tfidf_predictions(texts, labels, target[2]), target[3]), None

    methods = dict(zip(OWN_METHODS, (fine_tuned(base, score), from_scratch(base, score), tfidf)))
    if args.encoder:  # an untimed column: the defaults' timings are the base's
        encoder = fine_tuned(textlstm.load_sentiment(args.encoder), score)
        methods = {ENCODER_METHOD: lambda *a: (encoder(*a)[0], None), **methods}
    return learning_curves(targets, args.sizes, args.seeds, draw_own, methods)


def table(rows, methods, percent=False) -> str:
    """Markdown: a row per (target, N), mean ± sd over seeds of each method."""
    scale, digits = (100, 1) if percent else (1, 3)
    lines = ["| target | N | " + " | ".join(methods) + " |", "| --- | ---: |" + " ---: |" * len(methods)]
    for (name, n), scores in rows.items():
        cells = [f"{scale * np.mean(s):.{digits}f} ± {scale * np.std(s):.{digits}f}" for s in (scores[m] for m in methods)]
        lines.append(f"| {name} | {n:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(rows, path, methods, ylabel, title, percent=False):
    """One panel per target: each method's mean ± sd against N (log scale)."""
    from textlstm import artifacts

    plt = artifacts.pyplot()
    scale = 100 if percent else 1
    names = list(dict.fromkeys(name for name, _ in rows))
    fig, axes = plt.subplots(1, len(names), figsize=(5.5 * len(names), 4), squeeze=False)
    for ax, name in zip(axes[0], names):
        sizes = sorted(n for target, n in rows if target == name)
        for method, style in zip(methods, ("o-", "s--", "^:", "d-.", "-")):
            means = [scale * np.mean(rows[(name, n)][method]) for n in sizes]
            sds = [scale * np.std(rows[(name, n)][method]) for n in sizes]
            ax.errorbar(sizes, means, yerr=sds, fmt=style, capsize=3, label=method)
        ax.set_xscale("log")
        ax.set_xlabel("labelled training examples (N)")
        ax.set_ylabel(ylabel)
        ax.set_title(title(name))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    artifacts.save_figure(fig, path, dpi=90)


def review_text(data_dir):
    """GENERATOR_TEXT characters of Multi-domain reviews (train split), one review per paragraph."""
    from textlstm.data import catalog

    builder = catalog.prepared_builder("multi_domain_sentiment", catalog.resolve_data_dir(data_dir))
    pieces, total = [], 0
    for example in catalog.load_split(builder, "train").as_numpy_iterator():
        pieces.append(example["text"].decode("utf-8").strip() + "\n\n")
        total += len(pieces[-1])
        if total >= GENERATOR_TEXT:
            break
    return "".join(pieces)[:GENERATOR_TEXT]


def generator_part(args):
    import textlstm
    from textlstm.training import evaluation

    text = review_text(args.data_dir)
    base = textlstm.load_generator("shakespeare_char")
    held_out = text[-GENERATOR_HELD_OUT:]
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        # The file's own split (90/5/5) would hold out 10%: give the trainer the first 80,000
        # characters and score every model on the last 20,000 it never saw.
        trained = text[:-GENERATOR_HELD_OUT]
        for method in ("fine-tuned", "from scratch"):
            start = time.perf_counter()
            # Equal wall-clock time: the same model and data per step, and the same number of epochs
            # (patience = epochs: neither stops early); the seconds are printed side by side.
            model = base.fine_tune(trained, out=os.path.join(tmp, method), epochs=args.generator_epochs,
                                   patience=args.generator_epochs, from_scratch=method == "from scratch")
            rows[method] = (evaluation.evaluate_charlm(model.model, model.vocabulary, held_out)["loss_nats_per_char"],
                            time.perf_counter() - start, model.generate("\n", length=200, temperature=0.8, seed=1))
        rows["base alone"] = (evaluation.evaluate_charlm(base.model, base.vocabulary, held_out)["loss_nats_per_char"],
                              0.0, base.generate("\n", length=200, temperature=0.8, seed=1))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="imdb_sentiment")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--part", choices=["sentiment", "generator", "both", "own"], default="both")
    parser.add_argument("--own-base", default="english_sentiment", help="the base of the own-label targets")
    parser.add_argument("--encoder", help="a language-model encoder's run folder (configs/english_encoder.json): "
                        "one more own-label column, fine-tuned from it")
    parser.add_argument("--own-targets", nargs="+", help="only the own-label targets whose name holds one of these "
                        "words, e.g. domain reason (default: all)")
    parser.add_argument("--generator-epochs", type=int, default=6)
    parser.add_argument("--plot", help="write the learning curves here (PNG)")
    parser.add_argument("--limit", type=int, help="read only the first N examples of each split (a quick check)")
    parser.add_argument("--data-dir", help="TFDS data dir (default: $TFDS_DATA_DIR)")
    args = parser.parse_args(argv)
    from textlstm.artifacts import environment_info

    env = environment_info()
    print(f"machine: {env['cpu']}, {env['cpu_count']} CPUs, TensorFlow {env['tensorflow']}\n")
    if args.part in ("sentiment", "both"):
        rows, seconds = sentiment_part(args)
        print(table(rows, METHODS, percent=True))
        if seconds:
            print(f"\nfine-tuning 300 examples (defaults): {np.mean(seconds):.0f} s mean, {max(seconds):.0f} s max "
                  f"over {len(seconds)} runs (this machine)")
        if args.plot:
            plot(rows, args.plot, METHODS, "test accuracy (%)", lambda name: f"{args.base} -> {name}", percent=True)
    if args.part == "own":
        rows, seconds = own_part(args)
        methods = list(next(iter(rows.values()))) if rows else OWN_METHODS
        print(f"base {args.own_base}; macro-F1 on the full test split, mean ± sd over seeds\n\n" + table(rows, methods))
        if args.plot:
            plot(rows, args.plot, methods, "test macro-F1", lambda name: f"{args.own_base} -> {name}")
        for n in sorted({n for n, _ in seconds}):
            times = [t for size, t in seconds if size == n]
            print(f"\nfine-tuning {n} examples (defaults): {np.mean(times):.0f} s mean, {max(times):.0f} s max "
                  f"over {len(times)} runs (this machine)")
    if args.part in ("generator", "both"):
        rows = generator_part(args)
        print("\n| generator on review text | held-out nats/char | training seconds |\n| --- | ---: | ---: |")
        for method, (loss, seconds, _) in rows.items():
            print(f"| {method} | {loss:.3f} | {seconds:.0f} |")
        for method, (_, _, sample) in rows.items():
            print(f"\n{method}:\n```\n{sample}\n```")


if __name__ == "__main__":
    main()
