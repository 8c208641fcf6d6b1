"""Character models side by side on the same held-out text, the state carried through it.

    python benchmarks/charlm_comparison.py NAME=MODEL_DIR [NAME=MODEL_DIR ...] [--data-dir DIR]

Each model is scored by the evaluation `textlstm evaluate` runs: validation+test of TFDS
tiny_shakespeare (nanoGPT's held-out 10%) as one stream, and its test part alone (the state
carried over from validation; test was never used for any choice). nanoGPT's baby GPT is
added as published (Karpathy's README), not run here.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from textlstm import loading  # noqa: E402
from textlstm.artifacts import environment_info  # noqa: E402
from textlstm.training import evaluation

NANOGPT = ("nanoGPT baby GPT (6 layers x 384, 10.7M parameters, GPU), published", "1.4697", "not published")


def score(folder, data_dir):
    from textlstm.text_generator import TextGenerator

    config = loading.load_folder_config_of_kind(folder, "charlm")
    generator = TextGenerator.load(folder)
    result = evaluation.charlm_heldout(generator.model, generator.vocabulary, config, data_dir)
    training = loading.load_folder_metrics(folder).get("training", {})
    return config, generator.model.count_params(), training, result


def row(name, config, parameters, training, result):
    shape = f"{config.lstm_layers} x {config.lstm_units}"
    epochs = training.get("epochs", "?")
    hours = f"{training['wall_time_seconds'] / 3600:.2f}" if "wall_time_seconds" in training else "?"
    test = result["parts"]["test"]["loss_nats_per_char"]
    return (f"| {name} | {shape} | {parameters:,} | {epochs} | {hours} | "
            f"{result['loss_nats_per_char']:.4f} | {test:.4f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", metavar="NAME=MODEL_DIR")
    parser.add_argument("--data-dir", default=None, help="TFDS data dir (default: TFDS_DATA_DIR)")
    args = parser.parse_args(argv)
    env = environment_info()
    print(f"held-out text: tiny_shakespeare validation+test, 111,539 predictions; {env['cpu']}, "
          f"{env['cpu_count']} CPUs, TensorFlow {env['tensorflow']}")
    print("| model | LSTM | parameters | epochs | training hours (this CPU) | validation+test nats/char | "
          "test alone |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for spec in args.models:
        name, sep, folder = spec.partition("=")
        if not sep:
            parser.error(f"expected NAME=MODEL_DIR, got {spec!r}")
        print(row(name, *score(loading.model_folder(folder), args.data_dir)), flush=True)
    print(f"| {NANOGPT[0]} | - | 10.7M | - | - | {NANOGPT[1]} | {NANOGPT[2]} |")


if __name__ == "__main__":
    main()
