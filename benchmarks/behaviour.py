"""Behaviour tests for sentiment models: failure rate per capability, models side by side.

    python benchmarks/behaviour.py [MODEL ...]   (default: the shipped english_sentiment and imdb_sentiment)
    python benchmarks/behaviour.py --cases           (print every case with its expected label)

Templated minimum-functionality tests in the manner of CheckList (Ribeiro et al. 2020):
each capability is a set of short sentences whose label a person gets right at once,
built from templates x fillers written for this file. Subjects come from films and from
other things people review (food, hotels, phones, books), so a model that only learned
IMDB's vocabulary shows it. A case fails when the model puts it on the wrong side of 0.5.

This is a check, not training data: nothing here is ever trained on.
"""

import argparse
import itertools
import os
import random
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

CASES_PER_CAPABILITY = 60  # sampled from each capability's full product of templates x fillers
SEED = 7  # the same cases on every run
NEGATION = ("negated positive", "negated negative", "negation, words between")  # averaged in a row of their own

SUBJECTS = ["the film", "this movie", "the acting", "the plot", "the soundtrack", "the ending",
            "the food", "the hotel", "this phone", "the book", "the service", "the game"]
POSITIVE = ["good", "great", "excellent", "enjoyable", "wonderful", "brilliant", "fun", "impressive"]
NEGATIVE = ["bad", "terrible", "boring", "awful", "dull", "disappointing", "poor", "annoying"]
POS_VERBS = ["loved", "enjoyed", "liked", "admired"]
NEG_VERBS = ["hated", "disliked", "regretted", "resented"]
INTENSIFIERS = ["very", "really", "extremely", "incredibly", "truly"]
REDUCERS = ["somewhat", "fairly", "rather", "a little", "mostly"]


def _fill(templates, **fillers):
    """Every template with every combination of its fillers' values."""
    out = []
    for template in templates:
        names = [n for n in fillers if "{" + n + "}" in template]
        for values in itertools.product(*(fillers[n] for n in names)):
            text = template.format(**dict(zip(names, values)))
            out.append(text[0].upper() + text[1:])
    return out


def capabilities():
    """{capability: [(sentence, expected label 0/1)]}, CASES_PER_CAPABILITY each at most."""
    s, p, n = SUBJECTS, POSITIVE, NEGATIVE
    raw = {
        "negated positive": [(t, 0) for t in _fill(
            ["{s} was not {p}.", "{s} is not {p} at all.", "{s} wasn't {p}.", "I don't think {s} was {p}.",
             "{s} was never {p}.", "I can't say {s} was {p}."], s=s, p=p)],
        "negated negative": [(t, 1) for t in _fill(
            ["{s} was not {n}.", "{s} is not {n} at all.", "{s} wasn't {n}.", "I don't think {s} was {n}.",
             "{s} was never {n}.", "not {n} at all, {s} was a nice surprise."], s=s, n=n)],
        "negation, words between": [(t, 0) for t in _fill(
            ["{s} was not, in my honest opinion, {p}.", "I would not say that {s} was particularly {p}.",
             "{s} was not as {p} as everyone had promised.", "nobody could honestly call {s} {p}."], s=s, p=p)]
        + [(t, 1) for t in _fill(
            ["{s} was not, despite what I had heard, {n}.", "I would not say that {s} was particularly {n}.",
             "nobody could honestly call {s} {n}."], s=s, n=n)],
        "contrast with but": [(t, 1) for t in _fill(
            ["{s} was a bit {n}, but overall it was {p}.", "some parts were {n}, but {s} was {p}."], s=s, n=n, p=p)]
        + [(t, 0) for t in _fill(
            ["{s} looked {p} at first, but in the end it was {n}.", "the start was {p}, but {s} was {n}."],
            s=s, n=n, p=p)],
        "intensifier": [(t, 1) for t in _fill(["{s} was {i} {p}.", "{i} {p}, {s}."], s=s, i=INTENSIFIERS, p=p)]
        + [(t, 0) for t in _fill(["{s} was {i} {n}.", "{i} {n}, {s}."], s=s, i=INTENSIFIERS, n=n)],
        "reducer": [(t, 1) for t in _fill(["{s} was {r} {p}."], s=s, r=REDUCERS, p=p)]
        + [(t, 0) for t in _fill(["{s} was {r} {n}."], s=s, r=REDUCERS, n=n)],
        "used to ... but now": [(t, 1) for t in _fill(
            ["I used to think {s} was {n}, but now I find it {p}.", "I once {nv} {s}, but now I love it."],
            s=s, n=n, p=p, nv=NEG_VERBS)]
        + [(t, 0) for t in _fill(
            ["I used to think {s} was {p}, but now I find it {n}.", "I once {pv} {s}, but now I can't stand it."],
            s=s, n=n, p=p, pv=POS_VERBS)],
        "one-line review": [(t, 1) for t in _fill(["{p}!", "{pv} it.", "simply {p}.", "ten out of ten, {p}."],
                                                    p=p, pv=POS_VERBS)]
        + [(t, 0) for t in _fill(["{n}!", "{nv} it.", "simply {n}.", "zero stars, {n}."], n=n, nv=NEG_VERBS)],
        "question answered": [(t, 1) for t in _fill(
            ["was {s} worth it? yes, absolutely.", "would I recommend {s}? definitely.",
             "did I enjoy {s}? yes, very much."], s=s)]
        + [(t, 0) for t in _fill(
            ["was {s} worth it? no, not at all.", "would I recommend {s}? never.",
             "did I enjoy {s}? no, not one bit."], s=s)],
    }
    rng = random.Random(SEED)
    return {name: sorted(rng.sample(cases, min(CASES_PER_CAPABILITY, len(cases))), key=lambda c: c[0])
            for name, cases in raw.items()}


def failure_rates(classifier, cases_by_capability) -> dict:
    """{capability: (failures, cases)} for one model."""
    out = {}
    for name, cases in cases_by_capability.items():
        p = classifier.predict_proba([text for text, _ in cases])
        failures = sum(int((prob > 0.5) != bool(label)) for prob, (_, label) in zip(p, cases))
        out[name] = (failures, len(cases))
    return out


def table(results: dict, cases_by_capability) -> str:
    """Markdown: one row per capability, one failure-rate column per model."""
    names = list(results)
    lines = ["| capability | cases | " + " | ".join(f"{n} failure %" for n in names) + " |",
             "| --- | ---: |" + " ---: |" * len(names)]
    totals = {n: [0, 0] for n in names}
    for capability, cases in cases_by_capability.items():
        cells = []
        for n in names:
            failed, count = results[n][capability]
            totals[n][0] += failed
            totals[n][1] += count
            cells.append(f"{100.0 * failed / count:.1f}")
        lines.append(f"| {capability} | {len(cases)} | " + " | ".join(cells) + " |")
    negation = [sum(100.0 * results[n][c][0] / results[n][c][1] for c in NEGATION) / len(NEGATION) for n in names]
    lines.append(f"| negation, mean of the three | {sum(len(cases_by_capability[c]) for c in NEGATION)} | "
                 + " | ".join(f"{rate:.1f}" for rate in negation) + " |")
    count = sum(len(c) for c in cases_by_capability.values())
    lines.append(f"| **all** | {count} | " + " | ".join(f"**{100.0 * f / c:.1f}**" for f, c in totals.values()) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="model folders or names (default: both shipped sentiment models)")
    parser.add_argument("--cases", action="store_true", help="print the cases and exit")
    args = parser.parse_args(argv)
    cases = capabilities()
    if args.cases:
        for name, items in cases.items():
            for text, label in items:
                print(f"{name}\t{label}\t{text}")
        return 0
    import textlstm

    models = args.models or ["english_sentiment", "imdb_sentiment"]
    results = {}
    for path in models:
        label = os.path.basename(os.path.normpath(path))
        results[label if label not in results else path] = failure_rates(textlstm.load_sentiment(path), cases)
    print(f"{sum(len(c) for c in cases.values())} templated cases in {len(cases)} capabilities "
          f"(seed {SEED}); a case fails on the wrong side of P(positive) = 0.5\n")
    print(table(results, cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
