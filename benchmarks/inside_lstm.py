"""Inside the LSTM: how long a trace takes, and which cells of the character model track the text.

    python benchmarks/inside_lstm.py [--generator shakespeare_char] [--sentiment imdb_sentiment]
                                     [--chars 2000] [--repeats 10] [--heatmap docs/cell.png]
                                     [--update-metrics]

1. Time: p50/p95 over --repeats of `generator.trace()` on --chars characters of held-out
   tiny_shakespeare (the start of the validation+test stream, so TFDS `validation`; needs
   TFDS_DATA_DIR), and of `classifier.trace()` on the 231-word review benchmarks/load_test.py
   sends; the first call (graph tracing) is left out.
2. Gate saturation of the character model on that passage: per layer and gate, the share of
   units shut (< 0.1) or open (> 0.9) on more than half of the steps.
3. Interpretable cells: the strongest correlations between a cell's state and the fixed text
   properties of textlstm/inside/cell_analysis.py, on the same passage. --heatmap draws the strongest.

--update-metrics records 1-3 under "inside" in the generator folder's metrics.json: the model
card quotes it, and the demo's Inside the LSTM tab opens on the strongest cell it names.
"""

import argparse
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_test import REVIEW  # noqa: E402


def timed(fn, repeats):
    fn()  # the first call builds the graph
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times), sorted(times)[max(0, round(0.95 * len(times)) - 1)]


def held_out_passage(chars, data_dir=None):
    from textlstm.config import CharLMConfig
    from textlstm.data import corpus

    heldout = corpus.char_text_splits(CharLMConfig(), data_dir)[2]  # validation, then test
    return heldout[:chars]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--generator", default="shakespeare_char")
    parser.add_argument("--sentiment", default="imdb_sentiment")
    parser.add_argument("--chars", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--heatmap", help="write a PNG of the strongest cell over the passage")
    parser.add_argument("--update-metrics", action="store_true",
                        help="record the figures under 'inside' in the generator folder's metrics.json")
    args = parser.parse_args()

    import textlstm
    from textlstm.inside import cell_analysis, heatmap

    generator, classifier = textlstm.load_generator(args.generator), textlstm.load_sentiment(args.sentiment)
    passage = held_out_passage(args.chars)
    print(f"{args.generator} and {args.sentiment}; {platform.machine()}, {os.cpu_count()} CPUs; "
          f"{args.repeats} repeats after a first call\n")
    print("| trace | steps | p50 (ms) | p95 (ms) |\n| --- | ---: | ---: | ---: |")
    p50, p95 = char_times = timed(lambda: generator.trace(passage), args.repeats)
    print(f"| character model, {len(passage):,} characters of tiny_shakespeare (validation) | {len(passage):,} | "
          f"{p50:.1f} | {p95:.1f} |")
    steps = classifier.trace(REVIEW).steps
    p50, p95 = timed(lambda: classifier.trace(REVIEW), args.repeats)
    print(f"| sentiment model, a 231-word review | {steps} | {p50:.1f} | {p95:.1f} |")

    trace = generator.trace(passage)
    print("\n| layer | gate | units shut on > half the steps | units open on > half the steps |")
    print("| ---: | --- | ---: | ---: |")
    saturation = {}
    for layer in cell_analysis.gate_saturation(trace):
        for gate in cell_analysis.GATES:
            left, right = layer[gate]
            shares = saturation.setdefault(str(layer["layer"]), {})[gate] = {
                "shut": round(float((left > 0.5).mean()), 2), "open": round(float((right > 0.5).mean()), 2)}
            print(f"| {layer['layer']} | {gate.replace('_', ' ')} | {shares['shut']:.0%} | {shares['open']:.0%} |")

    cells = cell_analysis.interpretable_cells(trace, top=args.top)
    print("\n| layer | cell | property | correlation |\n| ---: | ---: | --- | ---: |")
    for c in cells:
        print(f"| {c['layer']} | {c['unit']} | {c['property']} | {c['correlation']:+.3f} |")
    if args.heatmap:
        best = cells[0]
        values = trace.layer(best["layer"], best["direction"]).cell[:, best["unit"]]
        title = f"layer {best['layer']}, cell {best['unit']}: {best['property']} (r = {best['correlation']:+.2f})"
        heatmap.save_png(trace.pieces[:600], values[:600], args.heatmap, title=title)
        print(f"\nheat map of layer {best['layer']} cell {best['unit']} (first 600 characters): {args.heatmap}")
    if args.update_metrics:
        path = record(args, passage, char_times, cells, saturation)
        print(f"\nrecorded under 'inside' in {path}")


def record(args, passage, char_times, cells, saturation) -> str:
    """Writes the figures into the generator folder's metrics.json (atomically); returns its path."""
    from textlstm import artifacts, loading

    folder = loading.model_folder(args.generator)
    path, metrics = os.path.join(folder, artifacts.METRICS_FILE), loading.load_folder_metrics(folder)
    env = artifacts.environment_info()
    command = ["python benchmarks/inside_lstm.py"] + [a for a in sys.argv[1:] if a != "--update-metrics"]
    metrics["inside"] = {
        "measured_by": " ".join(command),
        "passage": f"the first {len(passage):,} characters of tiny_shakespeare's held-out validation+test stream "
                   "(TFDS validation)",
        "machine": f"{env['cpu']}, {env['cpu_count']} CPUs, {'GPU' if env['gpus'] else 'no GPU'}; "
                   f"TensorFlow {env['tensorflow']}, Keras {env['keras']}",
        "trace_ms": {"characters": len(passage), "p50": round(char_times[0], 1), "p95": round(char_times[1], 1),
                     "repeats": args.repeats},
        "interpretable_cells": [{"layer": c["layer"], "cell": c["unit"], "property": c["property"],
                                 "correlation": round(float(c["correlation"]), 3)} for c in cells],
        "gate_saturation_share_of_units_over_half_the_steps": saturation,
    }
    artifacts.write_json(path, metrics)
    return path


if __name__ == "__main__":
    main()
