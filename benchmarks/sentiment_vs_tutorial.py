"""Ours vs the TensorFlow "text classification with an RNN" tutorial, trained side by side.

    python benchmarks/sentiment_vs_tutorial.py [--epochs N] [--quick] [--pretrained RUN_DIR]

Both train on the same IMDB splits (train[:90%], early stopping on train[90%:]) on this machine in
one run, for the same number of classifier epochs (default: ours, 4), and are evaluated on all 25,000
test reviews. Ours also runs its language-model pretraining on the unlabelled reviews first; that
time is included in its wall time. Prints test accuracy, training reviews/second, wall time and the
ratios ours/tutorial. --quick uses small slices to check the script itself (figures meaningless).
--pretrained RUN_DIR reuses the finished language-model phase of a run of the same config
(RUN_DIR/pretrain, e.g. the run that produced the shipped model) instead of repeating it, which saves
about an hour on 2 cores; ours' training time then includes the LM time recorded in that run's
pretrain/history.csv, and the output says so.

The tutorial's configuration: TextVectorization(max_tokens=1000), Embedding(64, mask_zero),
Bidirectional(LSTM(64)), Dense(64, relu), Dense(1); Adam 1e-4, batch 64, no dropout. The tutorial
pads each batch to its longest review; here it reads the first 400 tokens (static shapes), and ours
the first `sequence_length` tokens of configs/imdb_sentiment.json.
"""

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import textlstm  # noqa: E402
from textlstm.config import apply_overrides, default_config, load_config  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUTORIAL = dict(max_tokens=1000, sequence_length=400, embedding_dim=64, lstm_units=64, lstm_layers=1,
                bidirectional=True, pooling="last", dense_units=64, dropout=0.0, learning_rate=1e-4,
                batch_size=64, clipnorm=1e9, pretrain_epochs=0)
QUICK = {"train_split": "train[:4%]", "validation_split": "train[96%:]", "test_split": "test[:4%]",
         "pretrain_split": "unsupervised[:2%]", "max_tokens": 2000}


def check_pretrained(run_dir, ours):
    """The reused LM phase must be the one ours' config would train."""
    theirs = load_config(os.path.join(run_dir, "config.json"))
    keys = [k for k in vars(ours) if k.startswith("pretrain_") or k in ("max_tokens", "embedding_dim", "train_split")]
    differ = {k: (getattr(theirs, k), getattr(ours, k)) for k in keys if getattr(theirs, k) != getattr(ours, k)}
    if differ:
        sys.exit(f"--pretrained {run_dir} was trained with a different language-model config: {differ}")


def run(name, config, out, data_dir, pretrained=None):
    if pretrained:  # the resume mechanism picks the finished LM phase up from its backup
        shutil.copytree(os.path.join(pretrained, "pretrain"), os.path.join(out, name, "pretrain"))
    start = time.perf_counter()
    metrics = textlstm.train("sentiment", os.path.join(out, name), config=config, data_dir=data_dir, verbose=2)
    wall = time.perf_counter() - start
    pre = os.path.join(out, name, "pretrain", "history.csv")
    pretrain_seconds = sum(float(r["seconds"]) for r in csv.DictReader(open(pre))) if os.path.exists(pre) else 0.0
    return {"accuracy": metrics["test"]["accuracy"], "examples": metrics["test"]["examples"],
            "reviews_per_second": metrics["training"]["reviews_per_second"],
            "train_seconds": metrics["training"]["wall_time_seconds"] + pretrain_seconds, "wall_seconds": wall}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=None, help="classifier epochs for both (default: ours)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--pretrained", help="RUN_DIR whose pretrain/ phase ours reuses (see above)")
    args = parser.parse_args()
    ours = load_config(os.path.join(REPO, "configs", "imdb_sentiment.json"))
    epochs = args.epochs or ours.epochs
    extra = dict(QUICK, pretrain_epochs=1) if args.quick else {}
    # Same epochs, and no early stop before them for either: patience = epochs.
    ours = apply_overrides(ours, {"epochs": epochs, "patience": epochs, **extra})
    tutorial = apply_overrides(default_config("sentiment"), {**TUTORIAL, "epochs": epochs, "patience": epochs,
                                                             **{k: v for k, v in extra.items() if k != "pretrain_epochs"}})
    if args.pretrained:
        check_pretrained(args.pretrained, ours)
    with tempfile.TemporaryDirectory(prefix="textlstm-bench-") as out:
        results = {"tutorial": run("tutorial", tutorial, out, args.data_dir), "ours": run("ours", ours, out, args.data_dir, args.pretrained)}
    t, o = results["tutorial"], results["ours"]
    print(f"\n{epochs} classifier epochs each; {t['examples']:,} test reviews; {os.cpu_count()} CPUs")
    if args.pretrained:
        print(f"ours' language-model phase reused from {args.pretrained}; its recorded time is included")
    print()
    print("| | test accuracy | training reviews/s | training time (s) | wall time incl. data and test (s) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, r in (("TF tutorial config", t), ("textlstm (ours)", o)):
        print(f"| {name} | {r['accuracy']:.4f} | {r['reviews_per_second']:,.0f} | {r['train_seconds']:,.0f} | {r['wall_seconds']:,.0f} |")
    print(f"| ratio ours/tutorial | {o['accuracy'] / t['accuracy']:.3f} | {o['reviews_per_second'] / t['reviews_per_second']:.2f} "
          f"| {o['train_seconds'] / t['train_seconds']:.2f} | {o['wall_seconds'] / t['wall_seconds']:.2f} |")
    print(json.dumps(results), file=sys.stderr)


if __name__ == "__main__":
    main()
