"""The `textlstm` command: train, evaluate, predict, generate (and export, demo).

Every TextLSTMError becomes one line on stderr and exit status 2; a traceback
means a bug in textlstm.
"""

import argparse
import json
import os
import sys

from textlstm import load_generator, load_sentiment
from textlstm.errors import TextLSTMError


def _add_data_args(p):
    p.add_argument("--data-dir", help="TFDS data dir (default: $TFDS_DATA_DIR, else TFDS's own)")


def build_parser():
    parser = argparse.ArgumentParser(prog="textlstm", description="LSTM text models on Keras 3 + TensorFlow.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a model into RUN_DIR (resumes if RUN_DIR has a backup)")
    p.add_argument("kind", choices=["sentiment", "charlm"])
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--config", help="JSON config file (defaults: textlstm/config.py)")
    p.add_argument("--from", dest="base_model", metavar="MODEL",
                   help="fine-tune: start from this trained model (a name or folder) with the small-data recipe")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "gpu", "tpu"])
    p.add_argument("--dataset", help="TFDS dataset name (e.g. yelp_polarity_reviews)")
    p.add_argument("--text-key", help="TFDS feature holding the text")
    p.add_argument("--label-key", help="TFDS feature holding the label (sentiment)")
    p.add_argument("--directory", help="sentiment: folder of class subfolders of .txt files")
    p.add_argument("--table-file", help="sentiment: CSV or TSV file of text,label rows")
    p.add_argument("--text-file", help="charlm: any UTF-8 text file")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    _add_data_args(p)

    p = sub.add_parser("evaluate", help="test-split figures of a trained model")
    p.add_argument("run_dir")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--update-metrics", action="store_true", help="also record them in RUN_DIR/metrics.json")
    _add_data_args(p)

    p = sub.add_parser("predict", help="sentiment of texts (arguments, --file, or stdin lines)")
    p.add_argument("run_dir", help="model name (imdb_sentiment, NAME/<version>), model folder, run dir, or SavedModel export")
    p.add_argument("texts", nargs="*")
    p.add_argument("--file", help="one text per line")
    p.add_argument("--json", action="store_true", help="print JSON lines")

    p = sub.add_parser("generate", help="generate text with a character model")
    p.add_argument("run_dir", help="model name (shakespeare_char, NAME/<version>), model folder, run dir, or SavedModel export")
    p.add_argument("--prompt", action="append", help="repeat for a batch (default: empty prompt)")
    p.add_argument("--length", type=int, default=200)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--top-k", type=int, default=0, help="0: off")
    p.add_argument("--top-p", type=float, default=1.0, help="1: off")
    p.add_argument("--seed", type=int, help="same seed and settings -> same text")
    p.add_argument("--stop", help="stop before this string")
    p.add_argument("--continuation-only", action="store_true", help="do not repeat the prompt")

    p = sub.add_parser("trace", help="every gate and state of a model's LSTMs on a text (JSON or .npz)")
    p.add_argument("run_dir", help="model name (shakespeare_char, imdb_sentiment), model folder or run dir")
    p.add_argument("text", nargs="?", help="the text (default: --file, or stdin)")
    p.add_argument("--file", help="read the text from this file")
    p.add_argument("--json", action="store_true", help="print the whole trace as JSON")
    p.add_argument("--out", help="write the trace to this .npz file")
    p.add_argument("--digits", type=int, default=4, help="decimals in --json (default: %(default)s)")

    p = sub.add_parser("export", help="write a TF Serving SavedModel (OUT/<version>/) or LiteRT files (OUT/)")
    p.add_argument("run_dir")
    p.add_argument("--out", required=True, help="savedmodel: model base path, e.g. saved_models/imdb_sentiment; "
                   "litert: a new folder for the .tflite files")
    p.add_argument("--format", choices=["savedmodel", "litert"], default="savedmodel",
                   help="savedmodel for TF Serving (default); litert for the standalone LiteRT interpreter")
    p.add_argument("--version", type=int, help="savedmodel: default one more than the highest present")
    p.add_argument("--variants", nargs="+", metavar="VARIANT", help="litert: any of float32 float16 int8 (default: all)")

    from textlstm.webapp import add_demo_arguments  # defines the options only; gradio loads on use

    add_demo_arguments(sub.add_parser("demo", help="launch the Gradio demo (both models, as tabs)"))
    return parser


def cmd_export(args):
    if args.format == "savedmodel":
        if args.variants:
            raise TextLSTMError("--variants applies to --format litert only")
        from textlstm.export.saved_model import export

        print(f"Exported to {export(args.run_dir, args.out, args.version)}")
        return
    if args.version is not None:
        raise TextLSTMError("--version applies to --format savedmodel only")
    from textlstm.export.litert import export_litert
    from textlstm.export.litert_host import VARIANTS

    manifest = export_litert(args.run_dir, args.out, tuple(args.variants or VARIANTS))
    for variant, facts in manifest["variants"].items():
        print(f"{variant}: {os.path.join(args.out, facts['file'])} ({facts['bytes'] / 2**20:.1f} MiB; "
              f"builtin operators: {', '.join(facts['operators'])})")
    for variant, why in manifest["skipped"].items():
        print(f"{variant}: not written: {why}")
    print(f"Exported to {args.out}")


def cmd_demo(args):
    from textlstm import webapp

    demo = webapp.build_app(args.sentiment_model, args.generator_model, args.explanation, args.batching,
                            args.fine_tuning, args.models_dir)
    webapp.launch(demo, args)


def cmd_train(args):
    from textlstm import config as config_lib
    from textlstm.training.fine_tuning import fine_tune_config
    from textlstm.training.loop import train

    if args.base_model and args.config:
        raise TextLSTMError("--from and --config exclude each other: --from takes the architecture from the "
                            "base model; change the recipe with --set key=value")
    overrides = {}
    for flag in ("dataset", "text_key", "label_key", "directory", "table_file", "text_file"):
        if getattr(args, flag) is not None:
            overrides[flag] = getattr(args, flag)
    overrides.update(config_lib.parse_set_arguments(args.set))
    if args.base_model:
        config = fine_tune_config(args.kind, args.base_model, overrides)
    else:
        config = config_lib.load_config(args.config) if args.config else config_lib.default_config(args.kind)
        if config.kind != args.kind:
            raise TextLSTMError(f"--config {args.config} is a {config.kind!r} config, not {args.kind!r}")
        config = config_lib.apply_overrides(config, overrides)
    metrics = train(config, args.out, data_dir=args.data_dir, device=args.device, verbose=0 if args.quiet else None)
    print(json.dumps({k: v for k, v in metrics.items() if k != "environment"}, indent=2))
    print(f"Saved to {args.out}")


def cmd_evaluate(args):
    from textlstm import loading
    from textlstm.artifacts import METRICS_FILE, write_json
    from textlstm.training import evaluation

    folder = loading.model_folder(args.run_dir)
    config = loading.load_folder_config(folder)
    if config.kind == "sentiment":
        from textlstm.sentiment_classifier import SentimentClassifier

        classifier = SentimentClassifier.load(folder)
        calibrated = loading.load_folder_metrics(folder).get("calibration")  # for the ECE before it
        result = evaluation.evaluate_sets(classifier.model, _test_sets(config, args.data_dir), calibrated,
                                          config.labels)
        lines = _evaluation_table(result["evaluation"])
    else:
        from textlstm.text_generator import TextGenerator

        generator = TextGenerator.load(folder)
        r = evaluation.charlm_heldout(generator.model, generator.vocabulary, config, args.data_dir)
        result = {"heldout": r}
        lines = [f"loss: {r['loss_nats_per_char']:.4f} nats/char", f"bits/char: {r['bits_per_char']:.4f}",
                 f"perplexity: {r['perplexity']:.3f}", f"characters: {r['characters']} ({r['splits']})"]
        parts = list(r.get("parts", {}).items())
        for i, (name, p) in enumerate(parts):  # one pass: a later part starts from the state the earlier left
            start = "from a zero state" if i == 0 else f"state carried over from {parts[i - 1][0]}"
            lines.append(f"{name} alone: {p['loss_nats_per_char']:.4f} nats/char over {p['characters']} "
                         f"characters ({start})")
    print(json.dumps(result, indent=2) if args.json else "\n".join(lines))
    if args.update_metrics:
        metrics = loading.load_folder_metrics(folder)
        metrics.update(result)
        write_json(os.path.join(folder, METRICS_FILE), metrics)


def _test_sets(config, data_dir):
    """[(DataSource, examples)] of every source with a test split; one clear error if there is none."""
    from textlstm.data import labelled

    tests = [(s, splits["test"]) for s, splits in labelled.labelled_sets(config, data_dir) if splits["test"] is not None]
    if not tests:
        where = f"{config.directory} has no test/ folder" if config.directory else "the model's config names no test split"
        raise TextLSTMError(f"{where}: nothing to evaluate")
    return tests


def _evaluation_table(evaluations):
    """One row per evaluation set, then each set's confusion matrix: the figures `textlstm evaluate` prints."""
    calibrated = any("ece_before" in e for e in evaluations.values())
    head = "| set | classes | examples | accuracy | macro-recall | macro-F1 | loss | ECE |"
    lines = [head + (" ECE before calibration |" if calibrated else ""),
             "| --- | --- |" + " ---: |" * 6 + (" ---: |" if calibrated else "")]
    for name, e in evaluations.items():
        classes = ", ".join(e["confusion"]["labels"])
        row = (f"| {name} ({e['dataset']} {e['split']}) | {classes} | {e['examples']:,} | {e['accuracy']:.4f} | "
               f"{e['macro_recall']:.4f} | {e['macro_f1']:.4f} | {e['loss']:.4f} | {e['ece']:.4f} |")
        lines.append(row + (f" {e['ece_before']:.4f} |" if calibrated else ""))
    for name, e in evaluations.items():
        names, matrix = e["confusion"]["labels"], e["confusion"]["matrix"]
        lines += ["", f"{name}: rows the true class, columns the decided one",
                  "| | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
        lines += [f"| {true} | " + " | ".join(f"{n:,}" for n in counts) + " |" for true, counts in zip(names, matrix)]
    return lines


def _read_lines(path):
    """Non-blank lines of a file, or of stdin when `path` is None or "-"."""
    if path in (None, "-"):
        return [line.rstrip("\n") for line in sys.stdin if line.strip()]
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def cmd_predict(args):
    from textlstm import input_checks
    from textlstm.data import labels as label_rule
    from textlstm.export.exported_model import ExportedModel, is_export
    from textlstm.sentiment_classifier import SentimentClassifier

    if args.file and not os.path.isfile(args.file):
        raise TextLSTMError(f"--file {args.file} does not exist")
    texts = args.texts or _read_lines(args.file)
    if not texts:
        raise TextLSTMError("no text to classify: pass texts as arguments, --file FILE, or lines on stdin")
    texts, _ = input_checks.check_texts(list(texts))  # also makes undecodable argv bytes printable
    model = (ExportedModel if is_export(args.run_dir) else SentimentClassifier).load(args.run_dir)
    names = model.labels
    p = model.class_probabilities(texts)  # (N, C)
    decided, confidence = label_rule.decide(p, names)
    polar = label_rule.has_polarity(names)  # classes of your own (topics, reasons) have no P(positive)
    shown = label_rule.positive_probability(p, names) if polar else confidence  # the second column
    for text, label, value, row in zip(texts, decided, shown, p):
        if args.json:
            answer = {"text": text, "label": label, "probabilities": label_rule.as_dict(row, names)}
            print(json.dumps({**answer, "positive_probability": float(value)} if polar else answer))
        else:
            print(f"{label}\t{value:.4f}\t{text[:80]}")


def cmd_generate(args):
    from textlstm import input_checks
    from textlstm.export.exported_model import ExportedModel, is_export
    from textlstm.text_generator import TextGenerator

    prompts = input_checks.check_prompts(args.prompt or [""])
    settings = dict(length=args.length, temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
                    seed=args.seed)
    if is_export(args.run_dir):
        if args.stop:
            raise TextLSTMError("--stop needs the model folder (e.g. saved_models/NAME), not a SavedModel export")
        texts = ExportedModel.load(args.run_dir).generate_batch(prompts, **settings)
    else:
        texts = TextGenerator.load(args.run_dir).generate_batch(prompts, stop=args.stop, **settings)
    for prompt, text in zip(prompts, texts):
        print(text if args.continuation_only else prompt + text)
        if len(prompts) > 1:
            print("-" * 40)


def cmd_trace(args):
    from textlstm import loading

    if args.file and not os.path.isfile(args.file):
        raise TextLSTMError(f"--file {args.file} does not exist")
    if args.text is None:
        with open(args.file, encoding="utf-8", errors="replace") if args.file else sys.stdin as f:
            args.text = f.read()
    kind = loading.load_folder_config(loading.model_folder(args.run_dir)).kind
    model = (load_generator if kind == "charlm" else load_sentiment)(args.run_dir)
    trace = model.trace(args.text)
    if args.out:
        trace.save(args.out)
    if args.json:
        print(json.dumps(trace.to_dict(digits=args.digits)))
    elif not args.out or trace.note:
        print(f"{trace.steps} {trace.unit}s; " + ", ".join(f"layer {t.layer} {t.direction}: {t.units} units"
                                                           for t in trace.layers))
        if trace.note:
            print(f"note: {trace.note}")


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "generate": cmd_generate,
            "trace": cmd_trace,
            "export": cmd_export, "demo": cmd_demo}


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # any text prints, whatever the terminal's encoding
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command == "predict" and not any(e.startswith("-") for e in extra):
        args.texts = [*args.texts, *extra]  # texts after an option (predict RUN --json "text") are left over
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        COMMANDS[args.command](args)
    except TextLSTMError as e:
        print(f"textlstm {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"textlstm {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
