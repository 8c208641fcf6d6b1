"""Word contributions: integrated gradients against occlusion, agreement and time.

    python benchmarks/explanations.py [--model imdb_sentiment] [--reviews 300] [--steps 4 8 16]

On --reviews IMDB test reviews (a fixed shuffle; needs TFDS_DATA_DIR), for each number of path
points: the mean Spearman rank correlation between the words' gradient scores and their occlusion
scores, and the share of the top-3 words (by |score|) the two methods agree on. Then the server
compute of one explanation of the ~230-word review benchmarks/load_test.py sends (what /classify
does per request), p50 and p95 over --repeats runs, gradients and occlusion in the same run.
"""

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_test import REVIEW  # noqa: E402


def ranks(x):
    """Average ranks (ties share their mean rank), as Spearman's coefficient wants."""
    order = np.argsort(x, kind="stable")
    r = np.empty(len(x))
    r[order] = np.arange(len(x), dtype=float)
    for value in np.unique(x):
        tied = x == value
        if tied.sum() > 1:
            r[tied] = r[tied].mean()
    return r


def spearman(a, b):
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1]) if len(a) > 2 and np.std(a) > 0 and np.std(b) > 0 else np.nan


def top3_agreement(a, b):
    return len(set(np.argsort(-np.abs(a))[:3]) & set(np.argsort(-np.abs(b))[:3])) / min(3, len(a))


def word_scores(explanation):
    return np.array([score for _, score in explanation[1] if score is not None])


def timed(fn, repeats):
    fn()  # compiles for this shape
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="imdb_sentiment")
    parser.add_argument("--reviews", type=int, default=300)
    parser.add_argument("--steps", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--data-dir", default=os.environ.get("TFDS_DATA_DIR"))
    args = parser.parse_args()
    import tensorflow_datasets as tfds

    import textlstm
    from textlstm.inside import explanations

    classifier = textlstm.load_sentiment(args.model)
    test = tfds.load("imdb_reviews", split="test", data_dir=args.data_dir).shuffle(25_000, seed=7)
    reviews = [example["text"].numpy().decode("utf-8") for example, _ in zip(test, range(args.reviews))]
    occlusion = [word_scores(classifier.explain(r, method="occlusion")) for r in reviews]
    print(f"{args.model}: {len(reviews)} IMDB test reviews (mean {np.mean([len(o) for o in occlusion]):.0f} "
          f"words read); {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs\n")
    print("| method | Spearman vs occlusion (mean) | top-3 words shared with occlusion | one explanation p50 (ms) | p95 (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    default = explanations.STEPS
    for steps in args.steps:
        ig = explanations.IntegratedGradients(classifier, steps=steps)
        gradients = [word_scores((None, pieces)) for pieces in ig.explain_rows(reviews)[1]]
        rho = np.nanmean([spearman(g, o) for g, o in zip(gradients, occlusion)])
        top = np.mean([top3_agreement(g, o) for g, o in zip(gradients, occlusion)])
        p50, p95 = timed(lambda: ig.explain_rows([REVIEW]), args.repeats)
        mark = " (default)" if steps == default else ""
        print(f"| integrated gradients, {steps} points{mark} | {rho:.3f} | {top:.1%} | {p50:.1f} | {p95:.1f} |")
    p50, p95 = timed(lambda: classifier.explain(REVIEW, method="occlusion"), max(5, args.repeats // 5))
    print(f"| occlusion (a forward pass per word) | 1 | 100% | {p50:.1f} | {p95:.1f} |")
    print(f"\nthe timed review: {len(REVIEW.split())} words (benchmarks/load_test.py's)")


if __name__ == "__main__":
    main()
