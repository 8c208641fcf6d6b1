"""Behaviour tests for sentiment models: failure rate per capability, models side by side.

    python benchmarks/behaviour.py [MODEL ...]   (default: the shipped english_sentiment and imdb_sentiment)
    python benchmarks/behaviour.py --cases           (print every case with its expected label)

Templated minimum-functionality tests in the manner of CheckList (Ribeiro et al. 2020):
each capability is a set of short sentences whose label a person gets right at once,
built from templates x fillers written for this file. Subjects come from films and from
other things people review (food, hotels, phones, books), so a model that only learned
IMDB's vocabulary shows it.

A polar case (negative or positive) fails when the model's positive_probability, P(positive |
not neutral), is on the wrong side of 0.5: the rule a two-class model has always been judged by,
so a three-way model is compared with one on the same footing. A plain statement of fact ("The
train leaves at 9am.") fails unless the model's label is neutral: a two-class model fails them
all. Below the table, the share of polar cases a three-way model answered neutral: counted as
right above (their side is right), but not the answer a person would give.

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
PLAIN = "plain statement (neutral)"  # the one capability whose right answer is neutral

SUBJECTS = ["the film", "this movie", "the acting", "the plot", "the soundtrack", "the ending",
            "the food", "the hotel", "this phone", "the book", "the service", "the game"]
POSITIVE = ["good", "great", "excellent", "enjoyable", "wonderful", "brilliant", "fun", "impressive"]
NEGATIVE = ["bad", "terrible", "boring", "awful", "dull", "disappointing", "poor", "annoying"]
POS_VERBS = ["loved", "enjoyed", "liked", "admired"]
NEG_VERBS = ["hated", "disliked", "regretted", "resented"]
INTENSIFIERS = ["very", "really", "extremely", "incredibly", "truly"]
REDUCERS = ["somewhat", "fairly", "rather", "a little", "mostly"]
# Plain statements: schedules, places, quantities, instructions, facts, as people type them
TIMES = ["9am", "3pm on Tuesday", "noon", "half past six", "8:15 tomorrow"]
EVENTS = ["the meeting", "the train", "my flight", "the bus", "the class", "the appointment", "the delivery"]
PLACES = ["the library", "the station", "room 204", "the second floor", "Berlin", "the office"]
THINGS = ["the report", "the package", "my phone", "the book", "the form", "the invoice", "the charger"]
FACTS = ["Paris is the capital of France.", "Water boils at 100 degrees Celsius at sea level.",
         "The Earth orbits the Sun once a year.", "A week has seven days.", "The Nile flows into the Mediterranean.",
         "Tokyo is in Japan.", "The store is on Main Street.", "The museum is closed on Mondays.",
         "This bag weighs two kilograms.", "The film runs for two hours.", "The bus stop is next to the bank.",
         "The password has eight characters."]


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
    """{capability: [(sentence, expected label)]}, CASES_PER_CAPABILITY each at most; labels 0 negative,
    1 positive (polar cases) or "neutral" (plain statements)."""
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
        PLAIN: [(t, "neutral") for t in _fill(
            ["{e} is at {t}.", "{e} starts at {t}.", "{e} was moved to {t}.", "the key is in {pl}.",
             "{e} is in {pl}.", "{th} is on the table.", "{th} arrived on Monday.", "I left {th} at the front desk.",
             "please send {th} to {pl}.", "{th} is in the top drawer."], e=EVENTS, t=TIMES, pl=PLACES, th=THINGS)]
        + [(t, "neutral") for t in FACTS],
    }
    rng = random.Random(SEED)
    return {name: sorted(rng.sample(cases, min(CASES_PER_CAPABILITY, len(cases))), key=lambda c: c[0])
            for name, cases in raw.items()}


def failed(prediction, expected) -> bool:
    """A plain statement fails unless answered neutral; a polar case on the wrong side of P(positive) = 0.5."""
    if expected == "neutral":
        return prediction.label != "neutral"
    return (prediction.positive_probability > 0.5) != bool(expected)


def failure_rates(classifier, cases_by_capability) -> dict:
    """{capability: (failures, cases)} for one model, and under "answered neutral" (neutral answers, polar cases)."""
    out, neutral, polar = {}, 0, 0
    for name, cases in cases_by_capability.items():
        predictions = classifier.predict([text for text, _ in cases])
        out[name] = (sum(int(failed(q, label)) for q, (_, label) in zip(predictions, cases)), len(cases))
        if name != PLAIN:
            neutral += sum(int(q.label == "neutral") for q in predictions)
            polar += len(cases)
    out["answered neutral"] = (neutral, polar)
    return out


def table(results: dict, cases_by_capability) -> str:
    """Markdown: one row per capability, one failure-rate column per model."""
    names = list(results)
    lines = ["| capability | cases | " + " | ".join(f"{n} failure %" for n in names) + " |",
             "| --- | ---: |" + " ---: |" * len(names)]
    totals = {n: [0, 0] for n in names}
    for capability, cases in cases_by_capability.items():
        cells = []  # every capability counts towards **all**, the plain statements too
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
    lines.append(f"| polar cases answered neutral (right side, not a person's answer) | {count - len(cases_by_capability[PLAIN])} | "
                 + " | ".join(f"{100.0 * results[n]['answered neutral'][0] / results[n]['answered neutral'][1]:.1f}"
                              for n in names) + " |")
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
          f"(seed {SEED}); a polar case fails on the wrong side of P(positive | not neutral) = 0.5, "
          f"a plain statement unless answered neutral\n")
    print(table(results, cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
