"""Characters per second of generation, three ways, on one model, in one run.

    python benchmarks/generation_speed.py [MODEL_DIR]   (default: saved_models/shakespeare_char)

(a) textlstm: the in-graph tf.while_loop over the LSTM cells (TextGenerator.generate)
(b) the TF text-generation tutorial's OneStep: a Python loop calling a compiled
    single-step function once per character, carrying the states
(c) the keras.io example: re-run the model over the last 40 characters for every new
    character (compiled with tf.function here, which is faster than its model.predict)
then (a)'s total characters per second at batch 1, 8 and 64. All after warm-up,
temperature 1.0, best of REPEATS runs.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

import textlstm  # noqa: E402
from textlstm.models.charlm_model import build_step_model  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LENGTH = 1000  # characters per timed run of (a)
BASELINE_LENGTH = 200  # (b) and (c) are slower: fewer characters, same rate
REPEATS = 3
PROMPT = "ROMEO:\n"


def best_rate(fn, chars):
    fn()  # warm-up: traces and compiles
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return chars / min(times)


def one_step_loop(generator, length):
    """(b) OneStep: one compiled call per character, sampling and bookkeeping in Python."""
    step_model = build_step_model(generator.model)
    units = generator.sampler.units

    @tf.function
    def one_step(ids, states):
        out = step_model([ids, *states], training=False)
        logits = out[0][:, -1, :] + generator.sampler.reserved
        return tf.random.categorical(logits, 1, dtype=tf.int32), out[1:]

    def run():
        ids = tf.constant([generator.vocabulary.encode(PROMPT)], tf.int32)
        states = [tf.zeros((1, units))] * (2 * len(generator.sampler.cells))
        chars = []
        for _ in range(length):
            ids, states = one_step(ids, states)
            chars.append(generator.vocabulary.tokens[int(ids[0, 0])])
        return "".join(chars)

    return run


def rerun_window_loop(generator, length, window=40):
    """(c) keras.io: the whole model over the last `window` characters, per character."""
    model = generator.model
    forward = tf.function(lambda ids: model(ids, training=False)[:, -1, :], reduce_retracing=True)

    def run():
        ids = generator.vocabulary.encode(PROMPT)
        for _ in range(length):
            logits = forward(tf.constant([ids[-window:]], tf.int32)) + generator.sampler.reserved
            ids.append(int(tf.random.categorical(logits, 1)[0, 0]))
        return generator.vocabulary.decode(ids)

    return run


def main(model_dir):
    generator = textlstm.load_generator(model_dir)
    print(f"model: {model_dir} ({generator.model.count_params():,} parameters)")
    print(f"machine: {os.cpu_count()} CPUs, TensorFlow {tf.__version__}\n")
    a = best_rate(lambda: generator.generate(PROMPT, length=LENGTH, temperature=1.0, seed=0), LENGTH)
    b = best_rate(one_step_loop(generator, BASELINE_LENGTH), BASELINE_LENGTH)
    c = best_rate(rerun_window_loop(generator, BASELINE_LENGTH), BASELINE_LENGTH)
    rows = [("(a) textlstm in-graph loop", a), ("(b) Python loop over compiled one-step (TF tutorial)", b),
            ("(c) re-run on last 40 chars per char (keras.io)", c)]
    print("| method, batch 1 | chars/s |")
    print("| --- | ---: |")
    for name, rate in rows:
        print(f"| {name} | {rate:,.0f} |")
    print(f"| ratio a/b | {a / b:.1f}x |")
    print(f"| ratio a/c | {a / c:.1f}x |\n")
    print("| batch | total chars/s (a) |")
    print("| ---: | ---: |")
    for batch in (1, 8, 64):
        prompts = [PROMPT] * batch
        rate = best_rate(lambda: generator.generate_batch(prompts, length=LENGTH, temperature=1.0, seed=0),
                         LENGTH * batch)
        print(f"| {batch} | {rate:,.0f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "saved_models", "shakespeare_char"))
