"""The generation tab: text streams in as the model writes it; Stop stops it."""

import time

import gradio as gr

from textlstm.errors import TextLSTMError
from textlstm.input_checks import MAX_LENGTH, MAX_TEMPERATURE, check_prompt, generation_params
from textlstm.webapp import warmup
from textlstm.webapp.batching import MAX_BATCH, GenerationBatcher
from textlstm.webapp.controls import CONCURRENCY_GROUP, checked

EXAMPLES = [["ROMEO:"], ["First Citizen:\n"], ["KING RICHARD III:\nNow is the"], ["JULIET:\nO, "]]


UPDATE_EVERY = 0.1  # seconds between screen updates: enough to look live, far fewer messages than one per chunk


def generate(stream, prompt, length, temperature, top_k, top_p, seed):
    """Yields prompt + the text so far, about 10 times a second. Raises gr.Error on bad input.
    stream(prompt, params) yields the continuation in pieces (a GenerationBatcher's, or alone)."""
    try:
        prompt = check_prompt(prompt or "")  # invalid characters become U+FFFD
        params = generation_params(length, temperature, top_k, top_p, None if seed is None or seed == "" else seed)
        text, shown, last = prompt, None, time.monotonic()
        for piece in stream(prompt, params):
            text += piece
            if time.monotonic() - last >= UPDATE_EVERY:
                shown, last = text, time.monotonic()
                yield text
    except TextLSTMError as e:
        raise gr.Error(str(e)) from None
    if text != shown:
        yield text  # the whole text, always last


def build_generate_tab(generator, batching=True):
    if batching:  # requests share one sampling loop; they wait in slots of their own
        stream = GenerationBatcher(generator).stream
        slots = dict(concurrency_id="generate", concurrency_limit=2 * MAX_BATCH)
    else:
        stream = lambda prompt, params: generator.stream(prompt, **params)  # noqa: E731
        slots = dict(concurrency_id=CONCURRENCY_GROUP)
    warmup.warm_generate(stream)  # the first visitor's text starts at once: no tracing
    with gr.Row():
        with gr.Column():
            prompt = gr.Textbox(label="Prompt", lines=3, value="ROMEO:")
            gr.Examples(EXAMPLES, inputs=prompt)
            length = checked(gr.Slider(0, MAX_LENGTH, value=400, step=1, label="Length (characters)"))
            temperature = checked(gr.Slider(0.0, min(2.0, MAX_TEMPERATURE), value=0.8, step=0.05,
                                            label="Temperature (0 = greedy)"))
            top_k = checked(gr.Slider(0, 65, value=0, step=1, label="Top-k (0 = off)"))
            top_p = checked(gr.Slider(0.05, 1.0, value=1.0, step=0.05, label="Top-p (1 = off)"))
            seed = checked(gr.Number(value=1, precision=0, minimum=0, label="Seed (same seed and settings, same text)"))
            with gr.Row():
                run = gr.Button("Generate", variant="primary")
                stop = gr.Button("Stop", variant="stop")
        output = gr.Textbox(label="Generated text", lines=22, max_lines=40, autoscroll=True)
    event = run.click(lambda *a: (yield from generate(stream, *a)),
                      inputs=[prompt, length, temperature, top_k, top_p, seed], outputs=output, api_name="generate",
                      **slots)
    stop.click(None, cancels=[event], api_visibility="private")
