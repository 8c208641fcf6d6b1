"""Inside the LSTM: how long a trace takes, and which cells of the character model track the text.

    python benchmarks/inside_lstm.py [--generator shakespeare_char] [--sentiment imdb_sentiment]
                                     [--chars 2000] [--repeats 10] [--heatmap docs/cell.png]

1. Time: p50/p95 over --repeats of `generator.trace()` on --chars characters of held-out
   tiny_shakespeare (the TFDS test split; needs TFDS_DATA_DIR), and of `classifier.trace()` on the
   231-word review benchmarks/load_test.py sends; the first call (graph tracing) is left out.
2. Gate saturation of the character model on that passage: per layer and gate, the share of
   units shut (< 0.1) or open (> 0.9) on more than half of the steps.
3. Interpretable cells: the strongest correlations between a cell's state and the fixed text
   properties of textlstm/cell_analysis.py, on the same passage. --heatmap draws the strongest.
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
    from textlstm import data
    from textlstm.config import CharLMConfig

    test = data.char_text_splits(CharLMConfig(), data_dir)[2]
    return test[:chars]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--generator", default="shakespeare_char")
    parser.add_argument("--sentiment", default="imdb_sentiment")
    parser.add_argument("--chars", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--heatmap", help="write a PNG of the strongest cell over the passage")
    args = parser.parse_args()

    import textlstm
    from textlstm import cell_analysis, heatmap

    generator, classifier = textlstm.load_generator(args.generator), textlstm.load_sentiment(args.sentiment)
    passage = held_out_passage(args.chars)
    print(f"{args.generator} and {args.sentiment}; {platform.machine()}, {os.cpu_count()} CPUs; "
          f"{args.repeats} repeats after a first call\n")
    print("| trace | steps | p50 (ms) | p95 (ms) |\n| --- | ---: | ---: | ---: |")
    p50, p95 = timed(lambda: generator.trace(passage), args.repeats)
    print(f"| character model, {len(passage):,} characters of tiny_shakespeare (test) | {len(passage):,} | "
          f"{p50:.1f} | {p95:.1f} |")
    steps = classifier.trace(REVIEW).steps
    p50, p95 = timed(lambda: classifier.trace(REVIEW), args.repeats)
    print(f"| sentiment model, a 231-word review | {steps} | {p50:.1f} | {p95:.1f} |")

    trace = generator.trace(passage)
    print("\n| layer | gate | units shut on > half the steps | units open on > half the steps |")
    print("| ---: | --- | ---: | ---: |")
    for layer in cell_analysis.gate_saturation(trace):
        for gate in cell_analysis.GATES:
            left, right = layer[gate]
            print(f"| {layer['layer']} | {gate.replace('_', ' ')} | {(left > 0.5).mean():.0%} | {(right > 0.5).mean():.0%} |")

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


if __name__ == "__main__":
    main()
