"""Start-up warm-up: the demo's first visitor does not pay for graph tracing and XLA compiles.

Each tab runs its own request path once while the app is built, before the server opens. On the
shipped models (2-core EPYC) the first call of each path cost, then every later one:

    /classify, a short review (integrated gradients' trace + XLA compile)   3.8 s, then 0.01 s
    /generate, 200 characters (the sampling loop's traces)                  1.95 s, then 0.19 s
    /trace, the Inside tab's passage                                        1.4 s, then 0.24 s

The sampling loop and the traces have fixed input signatures: one call covers every request.
Explanations compile one shape per (batch, length bucket): the warm-up covers one review of up
to sentiment_model.LENGTH_BUCKET words, the everyday sentence; longer reviews and crowds of
concurrent requests compile their shapes on first use.
"""

from textlstm.input_checks import generation_params

REVIEW = "A warm-up review, short like the sentences people type."  # one length bucket, batch 1
PROMPT = "ROMEO:"
LENGTH = 32  # characters: one chunk of the batcher's loop, enough to run every traced function


def warm_classify(explain):
    """explain(text) -> ({label: probability}, pieces): the sentiment tab's path, batched or not."""
    explain(REVIEW)


def warm_generate(stream):
    """stream(prompt, params) yields pieces: the generation tab's path, batched or not."""
    for _ in stream(PROMPT, generation_params(LENGTH, 0.8, 0, 1.0, 1)):
        pass


def warm_trace(classifier, generator):
    """The Inside tab's traces, of whichever models it shows."""
    if generator is not None:
        generator.trace(PROMPT)
    if classifier is not None:
        classifier.trace(REVIEW)
