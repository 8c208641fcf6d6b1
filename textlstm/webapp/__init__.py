"""The Gradio demo: sentiment and generation tabs on the shipped (or given) models.

Models load once, at start-up, and are shared by every request. The queue runs
two requests at a time (two CPU cores) and holds at most QUEUE_SIZE more.
"""

import argparse
import functools
import os

from textlstm import presets
from textlstm.data import sources
from textlstm.errors import TextLSTMError

DEFAULT_SENTIMENT = "english_sentiment"  # shipped models, by name: found wherever textlstm is installed
DEFAULT_GENERATOR = "shakespeare_char"
CONCURRENCY = 2  # requests computed at once: one per core
QUEUE_SIZE = 64  # requests waiting; more get a "queue full" answer instead of a long wait
MAX_UPLOAD = "5mb"
MAX_THREADS = 80  # batched requests wait in threads (2 x 16 per endpoint) while one worker computes
# Gradio keeps each session's last inputs and outputs (~200 KB with an explanation), and every
# stateless API call is a session of its own: 10,000 by default, ~2 GB. The least recently used
# sessions go first; only the Fine-tune tab keeps gr.State (a folder path: its visitor's tuned model),
# so keep enough sessions that a visitor trying a tuned model outlives a burst of API calls (~50 MB).
MAX_SESSIONS = 256
# After every event, Gradio rebuilds a pandas table of its last 10,000 events to summarise them for
# its monitoring page. Under load those rebuilds used CPU and fragmented the server's per-thread heaps
# (benchmarks/load_test.py, 60 s: resident memory +15% with them, +4% without).
# Summarise the last 1,000 events once every 1,000 instead; the environment can still say otherwise.
GRADIO_ANALYTICS = {"GRADIO_ANALYTICS_MAX_EVENTS": "1000", "GRADIO_ANALYTICS_CACHE_FREQUENCY": "1000"}


@functools.lru_cache(maxsize=None)
def load_classifier(path):
    from textlstm.sentiment_classifier import SentimentClassifier

    return SentimentClassifier.load(path)


@functools.lru_cache(maxsize=None)
def load_generator(path):
    from textlstm.text_generator import TextGenerator

    return TextGenerator.load(path)


TITLE = "## textlstm: LSTM text models, end to end"  # one line: the tabs start in the first screen


def _sentiment_rows(classifier):
    """Table rows "| | imdb_reviews (test) | 25,000 | **88.7%** accuracy | 0.013 |" from metrics.json."""
    metrics, config = classifier.metrics, classifier.config
    evaluations = metrics.get("evaluation") or ({"test": metrics["test"]} if "test" in metrics else {})
    rows = []
    for e in evaluations.values():
        data = e.get("dataset") or (config.directory or config.dataset if config else "its test split")
        classes = e.get("confusion", {}).get("labels", [])
        figure = (f"**{e['macro_recall']:.1%}** macro-recall" if len(classes) > 2
                  else f"**{e['accuracy']:.1%}** accuracy")
        calibration = f"{e['ece']:.3f}" if "ece_before" in e else ""
        rows.append(f"| | {data} ({e.get('split', 'test')}) | {e['examples']:,} | {figure} | {calibration} |")
    rows = rows or ["| | not evaluated | | | |"]
    return ["| Sentiment" + rows[0][1:], *rows[1:]]  # the model named once, on its first row


def _training_data(config) -> str:
    """"imdb_reviews, glue/sst2 and pros_cons": the datasets of the model's config."""
    if config is None:
        return "labelled texts"
    if config.directory or config.table_file:
        return "a folder of texts" if config.directory else "a table of labelled texts"
    names = list(dict.fromkeys(s.dataset for s in sources.sources_of(config)))  # a dataset read twice, named once
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def about_the_models(classifier, generator):
    """What the collapsed "About the models" shows: what each model is, and one table of its figures."""
    lines, rows = [], []
    if classifier is not None:
        lines.append(f"- **Sentiment**: an LSTM trained on {_training_data(classifier.config)} (English); it answers "
                     f"{', '.join(classifier.labels[:-1])} or {classifier.labels[-1]}.")
        rows += _sentiment_rows(classifier)
    if generator is not None:
        lines.append("- **Generation**: a character-level LSTM trained on tiny Shakespeare.")
        held = generator.metrics.get("heldout", {})
        rows.append(f"| Generation | tiny_shakespeare (held out) | {held['characters']:,} characters "
                    f"| **{held['loss_nats_per_char']:.3f}** nats/char | |" if held else
                    "| Generation | not evaluated | | | |")
    table = ["| model | test set | examples | figure | calibration error |",
             "| --- | --- | ---: | ---: | ---: |", *rows]
    return "\n".join(lines + [""] + table)


def build_app(sentiment_model=DEFAULT_SENTIMENT, generator_model=DEFAULT_GENERATOR, explanation="gradients",
              batching=True, fine_tuning=True, models_dir=None):
    """A gr.Blocks with a tab per given model (None leaves a tab out).

    explanation: "gradients" or "occlusion" (textlstm/explanations.py); batching: requests that
    arrive together are computed together (webapp/batching.py). The first release served
    occlusion without batching (`--explanation occlusion --no-batching`, still served). fine_tuning: the
    Fine-tune tab; models_dir: where it saves tuned models by name (None: saving is off)."""
    import gradio as gr

    from textlstm.webapp.fine_tune_tab import build_fine_tune_tab
    from textlstm.webapp.generate_tab import build_generate_tab
    from textlstm.webapp.inside_tab import build_inside_tab
    from textlstm.webapp.sentiment_tab import build_sentiment_tab

    def shipped_or_given(path, default):
        # A missing *shipped* model leaves its tab out; a missing given path or name is an error.
        if not path or (path == default and presets.resolve_or_none(default) is None):
            return None
        return os.path.abspath(presets.resolve(path))

    sentiment_model = shipped_or_given(sentiment_model, DEFAULT_SENTIMENT)
    generator_model = shipped_or_given(generator_model, DEFAULT_GENERATOR)
    if not sentiment_model and not generator_model:
        raise TextLSTMError("no model to serve: give --sentiment-model and/or --generator-model")
    classifier = load_classifier(sentiment_model) if sentiment_model else None
    generator = load_generator(generator_model) if generator_model else None
    for name, value in GRADIO_ANALYTICS.items():  # read by gr.Blocks' queue when it is made
        os.environ.setdefault(name, value)
    with gr.Blocks(title="textlstm") as demo:
        gr.Markdown(TITLE)
        with gr.Accordion("About the models", open=False):
            gr.Markdown(about_the_models(classifier, generator))
        with gr.Tabs():
            if classifier is not None:
                with gr.Tab("Sentiment"):
                    build_sentiment_tab(classifier, explanation, batching)
            if generator is not None:
                with gr.Tab("Generate"):
                    build_generate_tab(generator, batching)
            with gr.Tab("Inside the LSTM"):
                build_inside_tab(classifier, generator)
            if fine_tuning:
                with gr.Tab("Fine-tune"):
                    build_fine_tune_tab(classifier, generator, models_dir)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    return demo


def add_demo_arguments(parser):
    """The demo's options, shared by apps/*.py and `textlstm demo`."""
    parser.add_argument("--sentiment-model", default=os.environ.get("TEXTLSTM_SENTIMENT_MODEL", DEFAULT_SENTIMENT),
                        help="model name, run dir or model folder (default: %(default)s)")
    parser.add_argument("--generator-model", default=os.environ.get("TEXTLSTM_GENERATOR_MODEL", DEFAULT_GENERATOR),
                        help="model name, run dir or model folder (default: %(default)s)")
    parser.add_argument("--explanation", default="gradients", choices=["gradients", "occlusion"],
                        help="how word contributions are computed (default: %(default)s, one batched pass)")
    parser.add_argument("--no-batching", dest="batching", action="store_false",
                        help="compute every request alone (the first release's behaviour, for comparison)")
    parser.add_argument("--no-fine-tuning", dest="fine_tuning", action="store_false",
                        help="leave out the Fine-tune tab (visitors train models on this machine's CPU)")
    models = [f for f in os.environ.get(presets.ENVIRONMENT_VARIABLE, "").split(os.pathsep) if f.strip()]
    parser.add_argument("--models-dir", default=models[0] if models else None,
                        help="where the Fine-tune tab saves tuned models by name (default: the first folder of "
                             f"${presets.ENVIRONMENT_VARIABLE}; none: saving is off)")
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to listen on every interface")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--share", action="store_true", help="a public gradio.live link (off by default)")
    return parser


def parse_args(argv=None):
    return add_demo_arguments(argparse.ArgumentParser(description="textlstm Gradio demo")).parse_args(argv)


def default_args():
    return parse_args([])


def launch(demo, args, **kwargs):
    return demo.launch(server_name=args.host, server_port=args.port, share=args.share, max_threads=MAX_THREADS,
                       state_session_capacity=MAX_SESSIONS,
                       max_file_size=MAX_UPLOAD, footer_links=["api", "gradio"], **kwargs)


__all__ = ["TextLSTMError", "build_app", "default_args", "launch", "parse_args"]
