"""The sentiment tab: one review with word contributions, or a whole file of them."""

import csv
import os
import tempfile

import gradio as gr

from textlstm import artifacts
from textlstm.data import labels as label_rule
from textlstm.errors import TextLSTMError
from textlstm.input_checks import MAX_BATCH, check_texts
from textlstm.webapp import warmup
from textlstm.webapp.batching import MAX_BATCH as BATCH_SIZE
from textlstm.webapp.batching import MicroBatcher
from textlstm.webapp.controls import CONCURRENCY_GROUP

EXAMPLES = [
    "One of the best films I have seen in years: a smart script, superb acting and a score that stays with you.",
    "A dull, lazy sequel. The jokes fall flat, the plot makes no sense and I nearly walked out.",
    "The first half is gripping and beautifully shot, but the ending is rushed and the romance never convinces.",
    "I wouldn't say this movie is bad, but it is not good either.",
    "Not a bad film at all. I was never bored.",
]


METHOD_NOTES = {
    "gradients": "*Integrated gradients: how hard each word's vector pushes P(positive), measured on the way from "
                 "all-zero word vectors to this review; \"strongly\" marks pushes at least half the strongest "
                 "word's, small ones stay uncoloured.*",
    "occlusion": "*Occlusion: a word's effect is how much P(positive) falls when that word is removed; "
                 "\"strongly\" marks effects at least half the strongest word's, small ones stay uncoloured.*",
}

# Word scores (scaled to [-1, 1]) shown as four labelled colours, green for positive.
COLORS = {"strongly positive": "#1a9850", "positive": "#a6d96a", "negative": "#fdae61", "strongly negative": "#d73027"}


def _category(score):
    if score is None or abs(score) < 0.15:
        return None  # too small to matter: left uncoloured
    strength = "strongly " if abs(score) >= 0.5 else ""
    return strength + ("positive" if score > 0 else "negative")


def classify(explain, text):
    """-> ({label: probability}, highlighted words). explain(text) -> (p, pieces). Raises gr.Error on bad input."""
    try:
        text = check_texts(text, name="review")[0][0]  # invalid characters become U+FFFD
        p, highlighted = explain(text)
    except TextLSTMError as e:
        raise gr.Error(str(e)) from None
    return label_rule.as_dict(p), [(piece, _category(score)) for piece, score in highlighted]


def explainer(classifier, method="gradients", batching=True):
    """text -> (P(positive), pieces): batched with concurrent requests, or alone."""
    if batching:
        return MicroBatcher(lambda texts: classifier.explain(texts, method=method), name="classify")
    return lambda text: classifier.explain(text, method=method)


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
        probabilities = classifier.predict_proba(reviews)
    except TextLSTMError as e:
        raise gr.Error(str(e)) from None
    out_dir = tempfile.mkdtemp(prefix="textlstm-batch-")
    out_path = os.path.join(out_dir, "predictions.csv")
    with open(out_path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label", "positive_probability"])
        decided, _ = label_rule.decide(probabilities)
        for text, label, p in zip(reviews, decided, probabilities):
            writer.writerow([text, label, f"{p:.6f}"])
    return out_path, _histogram(probabilities, decided)


def _histogram(probabilities, decided):
    plt = artifacts.pyplot()

    fig, ax = plt.subplots(figsize=(6, 2.8))
    ax.hist(probabilities, bins=20, range=(0, 1), color="#4c78a8")
    ax.axvline(0.5, color="gray", linestyle="--")
    ax.set_xlabel("P(positive)")
    ax.set_ylabel("reviews")
    positive = decided.count("positive")
    ax.set_title(f"{len(probabilities)} reviews: {positive} positive")
    fig.tight_layout()
    plt.close(fig)
    return fig


def build_sentiment_tab(classifier, explanation="gradients", batching=True):
    explain = explainer(classifier, explanation, batching)
    warmup.warm_classify(explain)  # the first visitor's click costs no compile
    # Batched requests wait for the worker together (its one call per batch is the compute), so they
    # need slots of their own; unbatched ones share the model group's two slots, one per core.
    slots = dict(concurrency_id="classify", concurrency_limit=2 * BATCH_SIZE) if batching else dict(
        concurrency_id=CONCURRENCY_GROUP)
    with gr.Row():
        with gr.Column():
            review = gr.Textbox(label="Review", lines=6, max_lines=20, placeholder="Paste a movie review…")
            button = gr.Button("Classify", variant="primary")
            gr.Examples(EXAMPLES, inputs=review)
        with gr.Column():
            label = gr.Label(label="Sentiment", num_top_classes=2)
            words = gr.HighlightedText(label="Which words pushed the decision", combine_adjacent=False,
                                       show_legend=True, color_map=COLORS)
            gr.Markdown(METHOD_NOTES[explanation])
    button.click(lambda text: classify(explain, text), inputs=review, outputs=[label, words], api_name="classify",
                 **slots)
    review.submit(lambda text: classify(explain, text), inputs=review, outputs=[label, words],
                  api_visibility="private", **slots)
    with gr.Accordion("Many reviews at once: upload a file", open=False):
        with gr.Row():
            upload = gr.File(label=".txt (one review per line) or .csv (a 'text' column)",
                             file_types=[".txt", ".csv"])
            with gr.Column():
                download = gr.File(label="Predictions (CSV)")
                chart = gr.Plot(label="Distribution")
        gr.Button("Classify file").click(lambda f: classify_file(classifier, f), inputs=upload,
                                         outputs=[download, chart], api_name="classify_file",
                                         concurrency_id=CONCURRENCY_GROUP)
