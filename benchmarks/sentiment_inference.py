"""Sentiment inference latency and throughput, on one model, in one run.

    python benchmarks/sentiment_inference.py [MODEL_DIR]   (default: saved_models/english_sentiment)

Prints p50/p95 latency for one review of typical length (~230 words), for one one-line
sentence (SENTENCE, what people type into the demo), and reviews/second
at batch 1, 32 and 256 through (1) the Python API (SentimentClassifier.predict_proba),
(2) the end-to-end Keras model called through a compiled tf.function, and (3) the naive
baseline: a Python loop of `model.predict` calls. Everything warmed up first.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import textlstm  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LATENCY_RUNS = 200  # single-review calls timed for p50/p95
THROUGHPUT_SECONDS = 5.0  # per (method, batch) cell
NAIVE_RUNS = 30  # model.predict is slow: fewer runs

# ~230 words, the median IMDB review length.
REVIEW = (
    "I went into this film with low expectations, having heard mixed things from friends, and came out "
    "pleasantly surprised. The story follows a retired engineer who reluctantly agrees to help his estranged "
    "daughter restore an old lighthouse on the coast, and what could have been a sentimental mess is handled "
    "with real restraint. The two leads have an easy, believable chemistry; their arguments feel like the "
    "arguments of people who have known each other for decades, full of old grievances and private jokes. "
    "The cinematography is gorgeous without being showy, and the score, mostly piano and strings, supports "
    "the mood instead of telling you what to feel. It is not perfect. The middle act drags, a subplot about a "
    "property developer goes nowhere, and one or two scenes lean too hard on coincidence. Some viewers will "
    "find the pace too slow, and the ending, while earned, is a little predictable. But these are small "
    "complaints about a film that takes its characters seriously and trusts its audience. The supporting "
    "cast is excellent too, especially the neighbour who runs the bait shop and steals every scene she is in. "
    "I laughed more than I expected and, by the last twenty minutes, I was genuinely moved. If you like quiet, "
    "character-driven dramas, this one is well worth your time, and I would happily watch it again."
)
SENTENCE = "Not a bad film at all, I was never bored."  # one line, 10 words


def percentiles(fn, runs):
    fn()
    fn()  # warm-up: traces and compiles
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return np.percentile(times, 50), np.percentile(times, 95)


def throughput(fn, batch):
    fn()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < THROUGHPUT_SECONDS:
        fn()
        done += batch
    return done / (time.perf_counter() - start)


def main(model_dir):
    classifier = textlstm.load_sentiment(model_dir)
    model = classifier.model
    compiled = tf.function(lambda text: model(text, training=False), input_signature=[tf.TensorSpec([None], tf.string)])
    print(f"model: {model_dir}; review: {len(REVIEW.split())} words; sentence: {len(SENTENCE.split())} words")
    print(f"machine: {os.cpu_count()} CPUs, TensorFlow {tf.__version__}\n")
    methods = {
        "Python API (predict_proba)": lambda texts: classifier.predict_proba(texts),
        "end-to-end Keras model, tf.function": lambda texts: compiled(tf.constant(texts)),
        "naive: model.predict per call": lambda texts: model.predict(tf.constant(texts), verbose=0),
    }
    print("| method | p50 ms (1 review) | p95 ms | p50 ms (1 sentence) | p95 ms | reviews/s @1 | @32 | @256 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, fn in methods.items():
        runs = NAIVE_RUNS if name.startswith("naive") else LATENCY_RUNS
        latencies = [f"{ms:.1f}" for text in (REVIEW, SENTENCE) for ms in percentiles(lambda t=text: fn([t]), runs)]
        rates = [throughput(lambda b=b: fn([REVIEW] * b), b) for b in (1, 32, 256)]
        print(f"| {name} | " + " | ".join(latencies) + " | " + " | ".join(f"{r:,.0f}" for r in rates) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "saved_models", "english_sentiment"))
