"""Python API for the character model: generate, generate_batch, stream.

Every method returns text; none prints. Defaults are the demo's: 0.8 is the
temperature at which the shipped model reads most like Shakespeare.
"""

import os

import tensorflow as tf

from textlstm import loading
from textlstm.artifacts import VOCABULARY_FILE
from textlstm.input_checks import check_prompt, check_prompts, check_stop, generation_params
from textlstm.inside import trace
from textlstm.models.sampler import CharSampler
from textlstm.text.vectorizers import CharVocabulary

STREAM_CHUNK = 16  # characters per streamed chunk: smooth in a browser, ~5 ms of work each


class TextGenerator:
    """`TextGenerator.load(path).generate("ROMEO:", length=200, temperature=0.8, seed=1)`."""

    def __init__(self, model, vocabulary: CharVocabulary, config=None, metrics=None):
        self.model = model  # keras.Model: ids (B, T) -> logits (B, T, V)
        self.vocabulary = vocabulary
        self.config = config
        self.metrics = metrics or {}
        self.sampler = CharSampler(model, vocabulary)
        self._tracer = None  # trace.CharTracer, built on first use

    @classmethod
    def load(cls, path):
        folder = loading.model_folder(path)
        config = loading.load_folder_config_of_kind(folder, "charlm")
        vocabulary = CharVocabulary.load(os.path.join(folder, VOCABULARY_FILE))
        model = loading.load_keras_model(folder)
        return cls(model, vocabulary, config, loading.load_folder_metrics(folder))

    def _chunks(self, prompts, length, temperature, top_k, top_p, seed, chunk):
        """Yields (B,) lists of text, `chunk` characters at a time, carrying the state."""
        states, logits = self.sampler.start(tf.constant(prompts))
        done = 0
        while done < length:
            steps = min(chunk, length - done)
            ids, states, logits = self.sampler.sample(
                states, logits, tf.constant(steps), tf.constant(temperature, tf.float32),
                tf.constant(top_k, tf.int32), tf.constant(top_p, tf.float32),
                tf.constant(seed, tf.int64), tf.constant(done, tf.int64),
            )
            done += steps
            yield [t.decode("utf-8") for t in self.sampler.decode(ids).numpy()]

    def generate_batch(self, prompts, length=200, temperature=0.8, top_k=0, top_p=1.0, seed=None, stop=None):
        """One continuation per prompt (the prompt itself is not repeated)."""
        prompts = check_prompts(prompts)
        params = generation_params(length, temperature, top_k, top_p, seed)
        stop = check_stop(stop)
        if stop is None:  # no early exit possible: one graph call
            chunk = max(params["length"], 1)
        else:
            chunk = 64  # check for the stop string between chunks
        texts = [""] * len(prompts)
        args = (params["length"], params["temperature"], params["top_k"], params["top_p"], params["seed"])
        for pieces in self._chunks(prompts, *args, chunk):
            texts = [t + p for t, p in zip(texts, pieces)]
            if stop is not None and all(stop in t for t in texts):
                break
        if stop is not None:
            texts = [t.split(stop, 1)[0] for t in texts]
        return texts

    def generate(self, prompt="", length=200, temperature=0.8, top_k=0, top_p=1.0, seed=None, stop=None) -> str:
        """The continuation of `prompt`: `length` characters, or fewer if `stop` appears (cut before it)."""
        return self.generate_batch([check_prompt(prompt)], length, temperature, top_k, top_p, seed, stop)[0]

    def stream(self, prompt="", length=200, temperature=0.8, top_k=0, top_p=1.0, seed=None, stop=None,
               chunk_size=STREAM_CHUNK):
        """Yields the continuation in pieces as it is produced; joined, they equal `generate(...)`."""
        prompt = check_prompt(prompt)
        params = generation_params(length, temperature, top_k, top_p, seed)
        stop = check_stop(stop)
        args = (params["length"], params["temperature"], params["top_k"], params["top_p"], params["seed"])
        # Hold back len(stop) - 1 characters: they may be the start of a stop string
        # that the next chunk completes.
        hold = len(stop) - 1 if stop else 0
        text, sent = "", 0
        for (piece,) in self._chunks([prompt], *args, max(1, int(chunk_size))):
            text += piece
            if stop is not None and stop in text:
                text = text.split(stop, 1)[0]
                break
            if len(text) - hold > sent:
                yield text[sent : len(text) - hold]
                sent = len(text) - hold
        if len(text) > sent:
            yield text[sent:]

    def trace(self, text):
        """Every gate, cell state and hidden state of the LSTMs on `text` read from a zero state
        (its last 2,000 characters, as a prompt): a trace.Trace, arrays of shape (characters, units)."""
        if self._tracer is None:
            self._tracer = trace.CharTracer(self)
        return self._tracer.trace(text)
