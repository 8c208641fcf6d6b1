"""Ours vs the TensorFlow "text classification with an RNN" tutorial, trained side by side.

    python benchmarks/sentiment_vs_tutorial.py [--quick] [--pretrained RUN_DIR] [--teacher RUN_DIR]

Both train on the same IMDB splits (train[:90%], early stopping on train[90%:]) on this machine in
one run and are evaluated on all 25,000 test reviews. Ours is three phases: a language model on the
unlabelled reviews, a teacher classifier (configs/imdb_sentiment_teacher.json), then the shipped
student (configs/imdb_sentiment.json), which learns from the labelled reviews plus the unlabelled
ones the teacher is sure of. The tutorial gets the same number of classifier epochs in total
(teacher's + student's). Prints test accuracy, training reviews/second, training time, wall time and
the ratios ours/tutorial. --quick uses small slices to check the script itself (figures meaningless).

Reusing finished phases (each saves about an hour on 2 cores; the output says what was reused):
--pretrained RUN_DIR reuses the language-model phase of a run of the same config (RUN_DIR/pretrain);
--teacher RUN_DIR reuses a finished teacher run (it must hold a run of the teacher config, e.g. the
run whose pretrain/ you pass). A reused phase's recorded training time counts in ours' training
time, not in its wall time. The student always reuses the teacher's language model: the two
configs share it, and training it once is what the committed commands do.

The tutorial's configuration: TextVectorization(max_tokens=1000), Embedding(64, mask_zero),
Bidirectional(LSTM(64)), Dense(64, relu), Dense(1); Adam 1e-4, batch 64, no dropout. The tutorial
pads each batch to its longest review; here it reads the first 400 tokens (static shapes), and ours
the first `sequence_length` tokens of its configs.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import textlstm  # noqa: E402
from textlstm.artifacts import CONFIG_FILE, METRICS_FILE, read_json  # noqa: E402
from textlstm.config import apply_overrides, default_config, load_config  # noqa: E402
from textlstm.training import history  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUTORIAL = dict(max_tokens=1000, sequence_length=400, embedding_dim=64, lstm_units=64, lstm_layers=1,
                bidirectional=True, pooling="last", dense_units=64, dropout=0.0, learning_rate=1e-4,
                batch_size=64, clipnorm=1e9, pretrain_epochs=0)
QUICK = {"train_split": "train[:4%]", "validation_split": "train[96%:]", "test_split": "test[:4%]",
         "pretrain_split": "unsupervised[:2%]", "max_tokens": 2000,
         "teacher_confidence": 0.5}  # a teacher trained on 1,000 reviews is rarely sure: keep every label


LM_KEYS = ("max_tokens", "embedding_dim", "train_split", "lstm_layers")  # with pretrain_*: what shapes the LM


def check_reused(flag, run_dir, config, keys):
    """A reused phase must be the one `config` would train."""
    theirs = load_config(os.path.join(run_dir, CONFIG_FILE))
    differ = {k: (getattr(theirs, k), getattr(config, k)) for k in keys if getattr(theirs, k) != getattr(config, k)}
    if differ:
        sys.exit(f"{flag} {run_dir} was trained with a different config (theirs, ours): {differ}")


def run(name, config, out, data_dir, pretrained=None):
    """Trains OUT/NAME (resuming a copied finished LM phase if given); returns its figures."""
    if pretrained:  # the resume mechanism picks the finished LM phase up from its backup
        shutil.copytree(os.path.join(pretrained, "pretrain"), os.path.join(out, name, "pretrain"))
    start = time.perf_counter()
    metrics = textlstm.train("sentiment", os.path.join(out, name), config=config, data_dir=data_dir, verbose=2)
    return figures(metrics, os.path.join(out, name), time.perf_counter() - start)


def figures(metrics, run_dir, wall):
    pretrain_seconds = sum(float(r["seconds"]) for r in history.phase_history(run_dir))
    t = metrics["training"]
    return {"accuracy": metrics["test"]["accuracy"], "examples": metrics["test"]["examples"], "epochs": t["epochs"],
            "reviews_per_second": t["reviews_per_second"], "classifier_seconds": t["wall_time_seconds"],
            "pretrain_seconds": pretrain_seconds, "labelling_seconds": t.get("labelling_seconds", 0.0),
            "wall_seconds": wall}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--pretrained", help="RUN_DIR whose pretrain/ phase the teacher reuses (see above)")
    parser.add_argument("--teacher", help="finished teacher RUN_DIR the student learns from (see above)")
    args = parser.parse_args()
    extra = dict(QUICK, pretrain_epochs=1) if args.quick else {}
    configs = os.path.join(REPO, "configs")
    teacher = load_config(os.path.join(configs, "imdb_sentiment_teacher.json"))
    student = load_config(os.path.join(configs, "imdb_sentiment.json"))
    # No early stop before the planned epochs, for anyone: patience = epochs.
    teacher = apply_overrides(teacher, {"patience": teacher.epochs, **extra})
    student = apply_overrides(student, {"patience": student.epochs, **extra})
    epochs = teacher.epochs + student.epochs
    tutorial = apply_overrides(default_config("sentiment"), {**TUTORIAL, "epochs": epochs, "patience": epochs,
                                                             **{k: v for k, v in extra.items() if k != "pretrain_epochs"}})
    if args.pretrained:
        check_reused("--pretrained", args.pretrained, teacher, [k for k in vars(teacher) if k.startswith("pretrain_")] + list(LM_KEYS))
    if args.teacher:
        check_reused("--teacher", args.teacher, teacher, [k for k in vars(teacher) if k not in ("patience", "teacher")])
    with tempfile.TemporaryDirectory(prefix="textlstm-bench-") as out:
        t = run("tutorial", tutorial, out, args.data_dir)
        if args.teacher:
            teacher_run = args.teacher
            te = figures(read_json(os.path.join(teacher_run, METRICS_FILE), "metrics file"), teacher_run, 0.0)
        else:
            teacher_run = os.path.join(out, "teacher")
            te = run("teacher", teacher, out, args.data_dir, args.pretrained)
        student = apply_overrides(student, {"teacher": teacher_run})
        shared_lm = teacher_run if os.path.isdir(os.path.join(teacher_run, "pretrain")) else None
        st = run("student", student, out, args.data_dir, pretrained=shared_lm)
    o = {"accuracy": st["accuracy"],
         "reviews_per_second": (te["reviews_per_second"] * te["epochs"] + st["reviews_per_second"] * st["epochs"]) / epochs,
         "train_seconds": te["pretrain_seconds"] + te["classifier_seconds"] + st["labelling_seconds"] + st["classifier_seconds"],
         "wall_seconds": te["wall_seconds"] + st["wall_seconds"]}
    t["train_seconds"] = t["classifier_seconds"]
    print(f"\n{epochs} classifier epochs each (ours: teacher {teacher.epochs} + student {student.epochs}); "
          f"{t['examples']:,} test reviews; {os.cpu_count()} CPUs")
    print(f"ours' training time: language model {te['pretrain_seconds']:,.0f} s + teacher {te['classifier_seconds']:,.0f} s "
          f"+ labelling {st['labelling_seconds']:,.0f} s + student {st['classifier_seconds']:,.0f} s")
    for flag, phase in (("--pretrained", "language-model phase"), ("--teacher", "teacher (and its language model)")):
        if getattr(args, flag[2:]):
            print(f"ours' {phase} reused from {getattr(args, flag[2:])}: its recorded time is in training time, not in wall time")
    print()
    print("| | test accuracy | training reviews/s | training time (s) | wall time incl. data and test (s) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, r in (("TF tutorial config", t), ("textlstm (ours)", o)):
        print(f"| {name} | {r['accuracy']:.4f} | {r['reviews_per_second']:,.0f} | {r['train_seconds']:,.0f} | {r['wall_seconds']:,.0f} |")
    print(f"| ratio ours/tutorial | {o['accuracy'] / t['accuracy']:.3f} | {o['reviews_per_second'] / t['reviews_per_second']:.2f} "
          f"| {o['train_seconds'] / t['train_seconds']:.2f} | {o['wall_seconds'] / t['wall_seconds']:.2f} |")
    print(json.dumps({"tutorial": t, "teacher": te, "student": st, "ours": o}), file=sys.stderr)


if __name__ == "__main__":
    main()
