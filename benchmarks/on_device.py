"""The LiteRT files against their Keras model, side by side in one run: size, batch-1 latency, quality.

    python benchmarks/on_device.py [--sentiment DIR] [--generator DIR] [--reviews N] [--characters N]

Exports both models (default: the shipped ones) with `textlstm export --format litert` into a
temporary folder, then per model and variant:
  size       model.keras for Keras; the .tflite file for LiteRT
  latency    batch 1, median of REPEATS calls after warm-up: one review of the median IMDB length
             (Keras: the Python API's predict_proba, TensorFlow using every core) or one character
             step (Keras: the step model on one character under tf.function, states carried); LiteRT:
             the standalone ai-edge-litert interpreter with NUM_THREADS threads
  quality    IMDB test accuracy over all 25,000 reviews; held-out nats/char over tiny_shakespeare
             validation+test (111,539 predictions), the state carried, as `textlstm evaluate`
"""

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from textlstm import loading  # noqa: E402
from textlstm.artifacts import MODEL_FILE, environment_info  # noqa: E402
from textlstm.data import corpus, labelled, sources  # noqa: E402
from textlstm.export.litert import export_litert  # noqa: E402
from textlstm.export.litert_host import LiteRTClassifier, LiteRTGenerator, next_character_loss  # noqa: E402
from textlstm.training import evaluation  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPEATS = 200  # latency calls per figure
NUM_THREADS = 1  # a phone app's usual setting; the interpreter's default uses every core
MEDIAN_REVIEW_WORDS = 174  # IMDB test's median review length in words


def median_ms(fn, repeats=REPEATS):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def mib(path):
    return os.path.getsize(path) / 2**20


def sentiment_rows(folder, lite, reviews, data_dir):
    from textlstm.sentiment_classifier import SentimentClassifier

    config = loading.load_folder_config_of_kind(folder, "sentiment")
    source = sources.sources_of(config)[0]
    test = labelled.labelled_sets(config, data_dir)[0][1]["test"]
    if reviews:
        test = test.take(reviews)
    texts, labels = zip(*[(t.decode("utf-8"), int(y)) for t, y in test.as_numpy_iterator()])
    labels = np.array(labels)
    classifier = SentimentClassifier.load(folder)
    p = np.concatenate([classifier.predict_proba(list(texts[i:i + 5000])) for i in range(0, len(texts), 5000)])
    typical = " ".join(["film"] * MEDIAN_REVIEW_WORDS)
    keras_ms = median_ms(lambda: classifier.predict_proba([typical]))
    rows = [("Keras (model.keras)", mib(os.path.join(folder, MODEL_FILE)), keras_ms, ((p > 0.5) == labels).mean(), None)]
    for variant in ("float32", "float16", "int8"):
        host = LiteRTClassifier(lite, variant, num_threads=NUM_THREADS)
        ids = host.tokenizer.encode(typical)
        ms = median_ms(lambda: host.probability(ids))
        q = np.array([host.probability(host.tokenizer.encode(t)) for t in texts])
        rows.append((f"LiteRT {variant}", mib(os.path.join(lite, f"{variant}.tflite")), ms,
                     ((q > 0.5) == labels).mean(), np.abs(q - p).max()))
    return f"IMDB test, {len(texts):,} reviews ({source.test_split}); accuracy", rows


def generator_rows(folder, lite, characters, data_dir):
    from textlstm.text_generator import TextGenerator

    config = loading.load_folder_config_of_kind(folder, "charlm")
    _, _, text = corpus.char_text_splits(config, data_dir)
    text = text[:characters] if characters else text
    generator = TextGenerator.load(folder)
    keras_loss = evaluation.evaluate_charlm(generator.model, generator.vocabulary, text)["loss_nats_per_char"]
    step_model = generator.sampler.step_model
    states = [tf.zeros((1, config.lstm_units))] * (2 * config.lstm_layers)
    step = tf.function(lambda ids, s: step_model([ids, *s], training=False))
    keras_ms = median_ms(lambda: step(tf.constant([[5]], tf.int32), states)[0].numpy())
    rows = [("Keras (model.keras)", mib(os.path.join(folder, MODEL_FILE)), keras_ms, keras_loss, None)]
    ids = generator.vocabulary.encode(text)
    for variant in ("float32", "float16", "int8"):
        host = LiteRTGenerator(lite, variant, num_threads=NUM_THREADS)
        s = host.zero_states()
        ms = median_ms(lambda: host.step(5, s))
        loss = next_character_loss(host.logits_of(ids), ids)
        rows.append((f"LiteRT {variant}", mib(os.path.join(lite, f"{variant}.tflite")), ms, loss, loss - keras_loss))
    return f"tiny_shakespeare held-out, {len(ids) - 1:,} predictions; nats/char", rows


def print_table(name, what, rows, latency_unit):
    print(f"\n{name}: {what}")
    print(f"| model | size (MiB) | batch-1 latency, {latency_unit} (ms) | quality | vs Keras |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, size, ms, quality, gap in rows:
        vs = "" if gap is None else f"{gap:+.4f}" if "nats" in what else f"max |dP| {gap:.2g}"
        print(f"| {label} | {size:.2f} | {ms:.2f} | {quality:.4f} | {vs} |", flush=True)
    base = rows[1][1]
    print(f"float32 / int8 file size: {base / rows[3][1]:.2f}x")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentiment", default=os.path.join(REPO, "saved_models", "imdb_sentiment"))
    parser.add_argument("--generator", default=os.path.join(REPO, "saved_models", "shakespeare_char"))
    parser.add_argument("--reviews", type=int, default=0, help="first N test reviews (default: all)")
    parser.add_argument("--characters", type=int, default=0, help="first N held-out characters (default: all)")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    env = environment_info()
    print(f"{env['cpu']}, {env['cpu_count']} CPUs; TensorFlow {env['tensorflow']}; LiteRT interpreter "
          f"threads: {NUM_THREADS}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, folder, rows_of, arg, unit in (
                ("sentiment", args.sentiment, sentiment_rows, args.reviews, f"one {MEDIAN_REVIEW_WORDS}-word review"),
                ("generator", args.generator, generator_rows, args.characters, "one character")):
            lite = os.path.join(tmp, name)
            export_litert(folder, lite)
            what, rows = rows_of(loading.model_folder(folder), lite, arg, args.data_dir)
            print_table(f"{name} ({folder})", what, rows, unit)


if __name__ == "__main__":
    main()
