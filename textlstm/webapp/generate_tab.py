"""The generation tab: text streams in as the model writes it; Stop stops it."""

import time

import gradio as gr

from textlstm.errors import TextLSTMError
from textlstm.validation import MAX_LENGTH, MAX_TEMPERATURE, check_prompt
from textlstm.webapp.controls import CONCURRENCY_GROUP, checked

EXAMPLES = [["ROMEO:"], ["First Citizen:\n"], ["KING RICHARD III:\nNow is the"], ["JULIET:\nO, "]]


UPDATE_EVERY = 0.1  # seconds between screen updates: enough to look live, far fewer messages than one per chunk


def generate(generator, prompt, length, temperature, top_k, top_p, seed):
    """Yields prompt + the text so far, about 10 times a second. Raises gr.Error on bad input."""
    try:
        prompt = check_prompt(prompt or "")  # invalid characters become U+FFFD
        text, shown, last = prompt, None, time.monotonic()
        for piece in generator.stream(prompt, length=length, temperature=temperature, top_k=top_k,
                                      top_p=top_p, seed=None if seed is None or seed == "" else seed):
            text += piece
            if time.monotonic() - last >= UPDATE_EVERY:
                shown, last = text, time.monotonic()
                yield text
    except TextLSTMError as e:
        raise gr.Error(str(e)) from None
    if text != shown:
        yield text  # the whole text, always last


def build_generate_tab(generator):
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
    event = run.click(lambda *a: (yield from generate(generator, *a)),
                      inputs=[prompt, length, temperature, top_k, top_p, seed], outputs=output, api_name="generate",
                      concurrency_id=CONCURRENCY_GROUP)
    stop.click(None, cancels=[event], api_visibility="private")
