"""The Fine-tune tab: upload your labelled texts (or your text), watch it train, compare, keep it.

Training runs in a child process (fine_tune_job.py) at a lower CPU priority and in a queue slot of
its own, one fine-tuning at a time: /classify and /generate keep their slots and their speed. The
tuned model belongs to its visitor (gr.State holds its workspace; tuned_models.py owns the folders)
and can be tried here, beside the model it started from, and saved under a name.
"""

import atexit
import functools
import os
import shutil

import gradio as gr

from textlstm import presets
from textlstm.data import corpus, table
from textlstm.data import labels as label_rule
from textlstm.errors import TextLSTMError
from textlstm.input_checks import (
    check_integer,
    check_model_name,
    check_prompt,
    check_texts,
    check_upload,
    generation_params,
)
from textlstm.training.fine_tuning import RECIPE
from textlstm.training.tune import held_out_slice
from textlstm.webapp import fine_tune_job
from textlstm.webapp.controls import CONCURRENCY_GROUP, checked
from textlstm.webapp.tuned_models import TIME_TO_LIVE, TunedModels

MAX_TABLE_BYTES = 1_000_000  # ~5,000 short texts or ~700 long reviews: minutes of training, not hours
MAX_TABLE_ROWS = 5_000  # the benchmark's largest N is 3,000: the recipe's range
MAX_TEXT_BYTES = 300_000  # characters of the generator's text: ~30 s per epoch on a 2-core CPU per 100,000
MAX_EPOCHS = {"sentiment": 50, "charlm": RECIPE["charlm"]["epochs"]}  # the sliders' ends
MAX_NEW_WORDS = 2000
GENERATOR_EPOCHS = 3  # the demo's default: a new style shows after 2-3 epochs; the CLI's recipe allows 10
EXAMPLES_SHOWN = 8  # held-out texts shown before / after, those fine-tuning changed first
SHOWN_LOGS = ("loss", "val_loss", "val_accuracy")  # the training figures in the progress line
SAMPLE = dict(length=300, temperature=0.8, top_k=0, top_p=1.0, seed=1)  # before / after samples: same settings
SLOT = dict(concurrency_id="fine_tune", concurrency_limit=1)  # one training at a time, not in the model slots


def _refuse(function):
    """TextLSTMError -> gr.Error with the same sentence: the visitor reads it, the server goes on."""
    @functools.wraps(function)  # Gradio reads the signature (its gr.Progress parameter) through __wrapped__
    def wrapped(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except TextLSTMError as e:
            raise gr.Error(str(e)) from None
    return wrapped


def _refuse_stream(function):
    """_refuse for a generator function (the handler streams its progress)."""
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        try:
            yield from function(*args, **kwargs)
        except TextLSTMError as e:
            raise gr.Error(str(e)) from None
    return wrapped


class FineTuneTab:
    """The tab's handlers for one base model of one kind ("sentiment" or "charlm")."""

    def __init__(self, kind, base, registry, models_dir=None):
        self.kind, self.base, self.registry, self.models_dir = kind, base, registry, models_dir

    # --- training -------------------------------------------------------------------------

    def _start(self, workspace, path, overrides):
        data = os.path.join(workspace, "upload" + os.path.splitext(path)[1].lower())  # .tsv: read as TSV
        shutil.copyfile(path, data)  # Gradio may delete its upload cache: the run keeps its own copy
        return fine_tune_job.start(self.kind, self.base.folder, data, workspace, overrides)

    def fine_tune(self, upload, epochs, new_words, workspace, progress=gr.Progress()):
        """Yields (status, results, examples or samples, workspace): progress while training, then the comparison."""
        overrides = {"epochs": check_integer("epochs", epochs, 1, MAX_EPOCHS[self.kind])}
        if self.kind == "sentiment":
            path = check_upload("table", upload, MAX_TABLE_BYTES)
            texts, labels = table.read_table(path)
            if len(texts) > MAX_TABLE_ROWS:
                raise TextLSTMError(f"table must hold at most {MAX_TABLE_ROWS:,} rows in the demo, got {len(texts):,}")
            table.labelled_splits(texts, labels, RECIPE["sentiment"]["validation_fraction"], 0, where="table")
            overrides["new_words"] = check_integer("new_words", new_words, 0, MAX_NEW_WORDS)
        else:
            path = check_upload("text", upload, MAX_TEXT_BYTES)
            corpus.read_text_file(path)  # UTF-8, long enough: refused here, before a process starts
        self.registry.release(workspace)  # the visitor's previous model, if any: replaced
        workspace = self.registry.new_workspace()
        job = self._start(workspace, path, overrides)
        try:
            yield "Starting (loading TensorFlow and the base model)…", "", None, workspace
            for update in job.updates():
                if update:
                    done = (update["epoch"] * update["steps"] + update["step"]) / (update["epochs"] * update["steps"])
                    text = _status(update)
                    progress(done, desc=text)
                    yield text, "", None, workspace
            folder = job.result()
        finally:
            job.kill()  # a visitor who left, a timeout: no orphan keeps the CPU
        tuned = self.registry.load(workspace, folder, type(self.base).load)
        yield ("Done: try it below, or save it under a name.",) + self._comparison(tuned) + (workspace,)

    def fine_tune_text(self, upload, epochs, workspace, progress=gr.Progress()):
        """The generator's fine_tune: yields (status, results, base sample, tuned sample, workspace)."""
        for status, results, samples, workspace in self.fine_tune(upload, epochs, 0, workspace, progress):
            yield (status, results, *(samples or (gr.skip(), gr.skip())), workspace)

    def _comparison(self, tuned):
        if self.kind == "sentiment":
            return _sentiment_results(self.base, tuned)
        return _generator_results(self.base, tuned)

    # --- using the tuned model ------------------------------------------------------------

    def tuned(self, workspace):
        if not workspace:
            raise TextLSTMError("fine-tune a model first: upload your data and press Fine-tune")
        return self.registry.load(workspace, os.path.join(workspace, fine_tune_job.MODEL_DIR), type(self.base).load)

    def classify(self, text, workspace):
        """-> ({class: p} of the base model in its own classes (a three-way base keeps neutral), the same
        of the tuned one in the visitor's class names)."""
        tuned = self.tuned(workspace)
        text = check_texts(text, name="text")[0]
        return (label_rule.as_dict(self.base.class_probabilities(text)[0], self.base.labels),
                label_rule.as_dict(tuned.class_probabilities(text)[0], tuned.labels))

    def generate(self, prompt, length, temperature, seed, workspace):
        """-> (the base model's text, the tuned model's) from the same prompt and settings."""
        tuned = self.tuned(workspace)
        prompt = check_prompt(prompt or "")
        params = generation_params(length, temperature, 0, 1.0, seed)
        return prompt + self.base.generate(prompt, **params), prompt + tuned.generate(prompt, **params)

    def save(self, name, workspace):
        tuned = self.tuned(workspace)
        name = check_model_name(name)
        if not self.models_dir:
            raise TextLSTMError("saving is off: start the demo with --models-dir DIR (or $TEXTLSTM_MODELS) to keep "
                                "tuned models")
        folder = os.path.join(self.models_dir, name)
        if name in presets.known_models() or os.path.exists(folder):
            raise TextLSTMError(f"name {name!r} is taken; choose another")
        tuned.save(folder)
        loader = "load_sentiment" if self.kind == "sentiment" else "load_generator"
        return (f"Saved to `{folder}`: `textlstm.{loader}(\"{name}\")` loads it wherever "
                f"`$TEXTLSTM_MODELS` includes `{self.models_dir}`.")


def _status(update):
    logs = update.get("logs") or {}
    shown = ", ".join(f"{k.replace('_', ' ')} {v:.3f}" for k, v in logs.items() if k in SHOWN_LOGS)
    return (f"Training: epoch {update['epoch'] + 1} of at most {update['epochs']}, step {update['step']} of "
            f"{update['steps']}" + (f" ({shown})" if shown else ""))


def _worse_note(before, after, worse):
    """A warning when the base model did better on the held-out slice: never a worse model in silence."""
    if not worse:
        return ""
    return (f"\n\n**The base model does better on your held-out data** ({before} against {after}): it already "
            "knows texts like these. Keep using it, or try more examples.")


def _figures_table(base, before, after):
    """Markdown: accuracy and macro-F1 before (when the base answers the same classes) and after, then
    recall per class, then the tuned model's confusion matrix (rows: the true class)."""
    name = os.path.basename(base.folder)
    lines = [f"| held-out slice ({after['examples']} texts) | accuracy | macro-F1 |", "| --- | ---: | ---: |"]
    if before:
        lines.append(f"| before: {name} | {before['accuracy']:.1%} | {before.get('macro_f1', float('nan')):.3f} |")
    lines.append(f"| after: fine-tuned | **{after['accuracy']:.1%}** | **{after['macro_f1']:.3f}** |")
    classes, matrix = after["confusion"]["labels"], after["confusion"]["matrix"]
    recall_before = (before or {}).get("recall", {})
    lines += ["", "| class | recall before | recall after |", "| --- | ---: | ---: |"]
    lines += [f"| {c} | {recall_before[c]:.1%} | {after['recall'][c]:.1%} |" if c in recall_before else
              f"| {c} | | {after['recall'][c]:.1%} |" for c in classes]
    lines += ["", "| true \\ answered | " + " | ".join(classes) + " |", "| --- |" + " ---: |" * len(classes)]
    lines += [f"| {c} | " + " | ".join(str(n) for n in row) + " |" for c, row in zip(classes, matrix)]
    return "\n".join(lines)


def _sentiment_results(base, tuned):
    """(markdown: held-out figures before / after, rows: held-out examples side by side)."""
    figures = tuned.metrics["fine_tuning"]
    after = next(iter(figures["held_out_after"].values()))
    # the base's figures when it answers the same classes (or two, read in their order); else none
    before = next(iter(figures["held_out_before"].values())) if "held_out_before" in figures else None
    training = tuned.metrics.get("training", {})
    summary = (_figures_table(base, before, after) + f"\n\n{training.get('epochs', '?')} epochs; "
               f"{training.get('new_words', 0)} new words in the vocabulary.")
    if before:
        summary += _worse_note(f"{before['accuracy']:.1%}", f"{after['accuracy']:.1%}",
                               after["accuracy"] < before["accuracy"])
    texts, labels, names = held_out_slice(tuned.config)
    # Each model answers in its own classes (a three-way base may say neutral). With two sides on both,
    # "changed most" compares P(the visitor's second class), read from the base as its P(positive | not
    # neutral) like the figures above; with classes of the visitor's own, the hardest come first.
    rows_before, rows_after = base.class_probabilities(texts), tuned.class_probabilities(texts)
    if label_rule.has_polarity(base.labels) and len(names) == 2:
        p_before = label_rule.positive_probability(rows_before, base.labels)  # base.predict_proba, no second pass
        p_after = label_rule.positive_probability(rows_after, names)
        changed = sorted(range(len(texts)), key=lambda i: -abs(float(p_after[i]) - float(p_before[i])))
    else:
        changed = sorted(range(len(texts)), key=lambda i: float(rows_after[i, labels[i]]))
    (said_before, sure_before) = label_rule.decide(rows_before, base.labels)
    (said_after, sure_after) = label_rule.decide(rows_after, names)
    rows = [[texts[i], names[labels[i]], f"{said_before[i]} ({sure_before[i]:.2f})",
             f"{said_after[i]} ({sure_after[i]:.2f})"] for i in changed[:EXAMPLES_SHOWN]]
    return summary, rows


def _generator_results(base, tuned):
    """(markdown: held-out nats/char before / after, [base sample, tuned sample])."""
    before = tuned.metrics["fine_tuning"]["heldout_before"]["loss_nats_per_char"]
    after = tuned.metrics["heldout"]["loss_nats_per_char"]
    summary = (f"| held-out text (last 5% of your file) | nats/char (lower is better) |\n| --- | ---: |\n"
               f"| before: {os.path.basename(base.folder)} | {before:.3f} |\n| after: fine-tuned | **{after:.3f}** |")
    summary += _worse_note(f"{before:.3f} nats/char", f"{after:.3f}", after > before)
    return summary, [base.generate("\n", **SAMPLE), tuned.generate("\n", **SAMPLE)]


def build_fine_tune_tab(classifier=None, generator=None, models_dir=None, registry=None):
    """A sub-tab per given base model; returns the TunedModels registry (close() deletes its folders)."""
    registry = registry or TunedModels()
    atexit.register(registry.close)  # the visitors' folders go with the server
    gr.Markdown("Start from the model above and teach it your texts. The held-out fifth of your data picks "
                "the epoch and shows what changed; the tuned model stays yours for two hours "
                f"({'and can be saved by name' if models_dir else 'saving by name is off on this server'}).")
    with gr.Tabs():
        if classifier is not None:
            with gr.Tab("Sentiment"):
                _sentiment_part(FineTuneTab("sentiment", classifier, registry, models_dir))
        if generator is not None:
            with gr.Tab("Generator"):
                _generator_part(FineTuneTab("charlm", generator, registry, models_dir))
    return registry


def _sentiment_part(tab):
    state = gr.State(None, time_to_live=TIME_TO_LIVE, delete_callback=tab.registry.release)
    with gr.Row():
        with gr.Column():
            upload = gr.File(label=f"Labelled texts: CSV or TSV of text,label (two or more classes of your own, "
                                   f"at least {table.MIN_EXAMPLES}, at most {MAX_TABLE_ROWS:,} rows, "
                                   f"{MAX_TABLE_BYTES // 10**6} MB)",
                             file_types=[".csv", ".tsv", ".txt"])
            epochs = checked(gr.Slider(1, MAX_EPOCHS["sentiment"], value=RECIPE["sentiment"]["epochs"], step=1,
                                       label="Epochs at most (early stopping ends most runs sooner)"))
            new_words = checked(gr.Slider(0, MAX_NEW_WORDS, value=RECIPE["sentiment"]["new_words"], step=50,
                                          label="New words added to the vocabulary"))
            run = gr.Button("Fine-tune", variant="primary")
        with gr.Column():
            status = gr.Markdown()
            results = gr.Markdown()
    examples = gr.Dataframe(headers=["held-out text", "label", "before", "after"], label="Held-out examples",
                            wrap=True, interactive=False)
    run.click(_refuse_stream(tab.fine_tune), inputs=[upload, epochs, new_words, state],
              outputs=[status, results, examples, state], api_name="fine_tune_sentiment", **SLOT)
    with gr.Row():
        text = gr.Textbox(label="Try a text on both models", value="Easy to set up, and the battery lasts all day.")
        before, after = gr.Label(label="Before (the base model)"), gr.Label(label="After (fine-tuned)")
    gr.Button("Compare").click(_refuse(tab.classify), inputs=[text, state], outputs=[before, after],
                               api_name="classify_tuned", concurrency_id=CONCURRENCY_GROUP)
    _save_row(tab, state, "save_tuned_sentiment")


def _generator_part(tab):
    state = gr.State(None, time_to_live=TIME_TO_LIVE, delete_callback=tab.registry.release)
    with gr.Row():
        with gr.Column():
            upload = gr.File(label=f"Your text: a UTF-8 .txt file (at least 1,000 characters, at most "
                                   f"{MAX_TEXT_BYTES // 1000:,} KB)", file_types=[".txt"])
            epochs = checked(gr.Slider(1, MAX_EPOCHS["charlm"], value=GENERATOR_EPOCHS, step=1,
                                       label="Epochs at most"))
            run = gr.Button("Fine-tune", variant="primary")
        with gr.Column():
            status = gr.Markdown()
            results = gr.Markdown()
    with gr.Row():
        before = gr.Textbox(label="Before (the base model)", lines=8)
        after = gr.Textbox(label="After (fine-tuned)", lines=8)
    run.click(_refuse_stream(tab.fine_tune_text), inputs=[upload, epochs, state],
              outputs=[status, results, before, after, state], api_name="fine_tune_generator", **SLOT)
    with gr.Row():
        prompt = gr.Textbox(label="Prompt for both models", value="This blender")
        length = checked(gr.Slider(1, 1000, value=300, step=1, label="Length (characters)"))
        temperature = checked(gr.Slider(0.0, 2.0, value=0.8, step=0.05, label="Temperature"))
        seed = checked(gr.Number(value=1, precision=0, minimum=0, label="Seed"))
    gr.Button("Generate with both").click(_refuse(tab.generate), inputs=[prompt, length, temperature, seed, state],
                                          outputs=[before, after], api_name="generate_tuned",
                                          concurrency_id=CONCURRENCY_GROUP)
    _save_row(tab, state, "save_tuned_generator")


def _save_row(tab, state, api_name):
    with gr.Row():
        name = gr.Textbox(label="Save as (a model name)", placeholder="my_model")
        saved = gr.Markdown()
    gr.Button("Save").click(_refuse(tab.save), inputs=[name, state], outputs=saved, api_name=api_name,
                            concurrency_id=CONCURRENCY_GROUP)
