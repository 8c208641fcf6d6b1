"""The sentiment tab: one text with its answer (every class's probability) and word contributions,
or a whole file of them (a CSV with a probability column per class, and a bar per label)."""

import csv
import os
import tempfile

import gradio as gr

from textlstm import artifacts
from textlstm.data import labels as label_rule
from textlstm.errors import TextLSTMError
from textlstm.input_checks import MAX_BATCH, check_texts
from textlstm.inside import explanations
from textlstm.webapp import warmup
from textlstm.webapp.batching import MAX_BATCH as BATCH_SIZE
from textlstm.webapp.batching import MicroBatcher
from textlstm.webapp.controls import CONCURRENCY_GROUP

EXAMPLES = [  # what people type: reviews, posts, messages and plain statements
    "One of the best films I have seen in years: a smart script, superb acting and a score that stays with you.",
    "The meeting is at 3pm on Tuesday.",
    "My flight was cancelled and nobody at the desk would help. Two hours on hold.",
    "Paris is the capital of France.",
    "The battery lasts all day and the screen is gorgeous. Worth every penny.",
    "I wouldn't say this movie is bad, but it is not good either.",
    "Not a bad film at all. I was never bored.",
]


METHOD_NOTES = {
    "gradients": "*Integrated gradients: how hard each word's vector pushes the answer towards positive or "
                 "negative, measured on the way from all-zero word vectors to this text; \"strongly\" marks pushes "
                 "at least half the strongest word's, small ones stay uncoloured.*",
    "occlusion": "*Occlusion: a word's effect is how much the answer moves towards positive or negative when "
                 "that word is removed; \"strongly\" marks effects at least half the strongest word's, small ones "
                 "stay uncoloured.*",
}

# Word scores (scaled to [-1, 1]) shown as four labelled colours, green for positive; a neutral answer
# that no word pushes strongly either way is shown whole, as "no strong words".
NO_STRONG_WORDS = "no strong words"
COLORS = {"strongly positive": "#1a9850", "positive": "#a6d96a", "negative": "#fdae61", "strongly negative": "#d73027",
          NO_STRONG_WORDS: "#d9d9d9"}


def _category(score):
    if score is None or abs(score) < 0.15:
        return None  # too small to matter: left uncoloured
    strength = "strongly " if abs(score) >= 0.5 else ""
    return strength + ("positive" if score > 0 else "negative")


def highlighted(label, pieces):
    """The explanation as HighlightedText pieces: each word's category, or the whole text as "no strong
    words" when the answer is neutral and no word moves it strongly (explanations.strongest < 1)."""
    if label == "neutral" and explanations.strongest(pieces) < 1.0:
        return [("".join(piece for piece, _ in pieces), NO_STRONG_WORDS)]
    return [(piece, _category(score)) for piece, score in pieces]


def classify(explain, text):
    """-> ({label: probability}, highlighted words). explain(text) -> (class probabilities {label: p}, pieces).
    Raises gr.Error on bad input."""
    try:
        text = check_texts(text, name="review")[0][0]  # invalid characters become U+FFFD
        probabilities, pieces = explain(text)
    except TextLSTMError as e:
        raise gr.Error(str(e)) from None
    label = max(probabilities, key=probabilities.get)  # dicts keep the model's order: a tie takes the first
    return probabilities, highlighted(label, pieces)


def explainer(classifier, method="gradients", batching=True):
    """text -> ({label: probability}, pieces): batched with concurrent requests, or alone."""
    def explain_batch(texts):  # the answer comes from the explanation's own pass: one vectorize, one compiled call
        return [(prediction.probabilities, pieces)
                for prediction, pieces in classifier.predict_and_explain(texts, method=method)]

    if batching:
        return MicroBatcher(explain_batch, name="classify")
    return lambda text: explain_batch([text])[0]


def _read_reviews(path):
    if path.lower().endswith(".csv"):
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            rows = list(csv.reader(f))
        if not rows:
            return []
        header = [h.strip().lower() for h in rows[0]]
        column = next((header.index(k) for k in ("text", "review", "content") if k in header), None)
        body = rows[1:] if column is not None else rows
        column = column or 0
        return [r[column] for r in body if len(r) > column and r[column].strip()]
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line.strip() for line in f if line.strip()]


def classify_file(classifier, file):
    """A .txt (one review per line) or .csv (a text/review column) -> CSV path and a histogram."""
    if file is None:
        raise gr.Error("upload a .txt or .csv file first")
    path = file if isinstance(file, str) else file.name
    reviews = _read_reviews(path)
    if not reviews:
        raise gr.Error("the file holds no reviews: one per line (.txt) or a 'text' column (.csv)")
    if len(reviews) > MAX_BATCH:
        raise gr.Error(f"the file holds {len(reviews):,} reviews; at most {MAX_BATCH:,} per upload")
    try:
        rows = classifier.class_probabilities(reviews)  # (N, C)
    except TextLSTMError as e:
        raise gr.Error(str(e)) from None
    labels = list(classifier.labels)
    decided, _ = label_rule.decide(rows, labels)
    polar = label_rule.has_polarity(labels)  # classes of your own have no positive_probability column
    positive = label_rule.positive_probability(rows, labels) if polar else [None] * len(rows)
    out_dir = tempfile.mkdtemp(prefix="textlstm-batch-")
    out_path = os.path.join(out_dir, "predictions.csv")
    with open(out_path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label", *(f"p_{name}" for name in labels), *(["positive_probability"] * polar)])
        for text, label, row, p in zip(reviews, decided, rows, positive):
            writer.writerow([text, label, *(f"{q:.6f}" for q in row), *([f"{p:.6f}"] * polar)])
    return out_path, _histogram(decided, labels)


def _histogram(decided, labels):
    """One bar per label: how many of the texts got it."""
    plt = artifacts.pyplot()

    counts = [decided.count(name) for name in labels]
    fig, ax = plt.subplots(figsize=(6, 2.8))
    ax.bar(labels, counts, color=[BAR_COLORS.get(name, "#4c78a8") for name in labels])
    ax.set_ylabel("texts")
    ax.set_title(f"{len(decided)} texts: " + ", ".join(f"{n} {name}" for n, name in zip(counts, labels)))
    fig.tight_layout()
    plt.close(fig)
    return fig


BAR_COLORS = {"negative": "#d73027", "neutral": "#969696", "positive": "#1a9850"}


def build_sentiment_tab(classifier, explanation="gradients", batching=True):
    explain = explainer(classifier, explanation, batching)
    warmup.warm_classify(explain)  # the first visitor's click costs no compile
    # Batched requests wait for the worker together (its one call per batch is the compute), so they
    # need slots of their own; unbatched ones share the model group's two slots, one per core.
    slots = dict(concurrency_id="classify", concurrency_limit=2 * BATCH_SIZE) if batching else dict(
        concurrency_id=CONCURRENCY_GROUP)
    with gr.Row():
        with gr.Column():
            review = gr.Textbox(label="Text to classify", lines=6, max_lines=20,
                                placeholder="Type a sentence, a post or a review…")
            button = gr.Button("Classify", variant="primary")
            gr.Examples(EXAMPLES, inputs=review)
        with gr.Column():
            label = gr.Label(label="Sentiment", num_top_classes=len(classifier.labels))
            words = gr.HighlightedText(label="Which words pushed it towards negative or positive", combine_adjacent=False,
                                       show_legend=True, color_map=COLORS)
            gr.Markdown(METHOD_NOTES[explanation])
    button.click(lambda text: classify(explain, text), inputs=review, outputs=[label, words], api_name="classify",
                 **slots)
    review.submit(lambda text: classify(explain, text), inputs=review, outputs=[label, words],
                  api_visibility="private", **slots)
    with gr.Accordion("Many texts at once: upload a file", open=False):
        with gr.Row():
            upload = gr.File(label=".txt (one review per line) or .csv (a 'text' column)",
                             file_types=[".txt", ".csv"])
            with gr.Column():
                download = gr.File(label="Predictions (CSV)")
                chart = gr.Plot(label="Distribution")
        gr.Button("Classify file").click(lambda f: classify_file(classifier, f), inputs=upload,
                                         outputs=[download, chart], api_name="classify_file",
                                         concurrency_id=CONCURRENCY_GROUP)
