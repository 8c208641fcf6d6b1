"""Python API for the character model: generate, generate_batch, stream.

Every method returns text; none prints. Defaults are the demo's: 0.8 is the
temperature at which the shipped model reads most like Shakespeare.
"""


import tensorflow as tf

from textlstm import artifacts, loading
from textlstm.errors import TextLSTMError
from textlstm.input_checks import check_prompt, check_prompts, check_stop, generation_params
from textlstm.inside import trace
from textlstm.models import charlm_model
from textlstm.models.sampler import CharSampler
from textlstm.text.vectorizers import CharVocabulary

STREAM_CHUNK = 16  # characters per streamed chunk: smooth in a browser, ~5 ms of work each


class TextGenerator:
    """`TextGenerator.load(path).generate("ROMEO:", length=200, temperature=0.8, seed=1)`."""

    def __init__(self, model, vocabulary: CharVocabulary, config=None, metrics=None, folder=None):
        self.model = model  # keras.Model: ids (B, T) -> logits (B, T, V)
        self.vocabulary = vocabulary
        self.config = config
        self.metrics = metrics or {}
        self.folder = folder  # the model folder it was loaded from (fine-tuning starts from it), or None
        self.sampler = CharSampler(model, vocabulary)
        self._tracer = None  # trace.CharTracer, built on first use

    @classmethod
    def load(cls, path):
        folder = loading.model_folder(path)
        model, vocabulary, config = charlm_model.load_folder(folder)
        return cls(model, vocabulary, config, loading.load_folder_metrics(folder), folder)

    def fine_tune(self, text, out=None, epochs=None, callbacks=None, **overrides):
        """A new TextGenerator trained from this one on `text` (your novel, your reviews; the last 10%
        held out), with characters this model never saw added as new rows. The run folder is `out`
        (default: a temporary one); `save(folder)` keeps the model. Progress: keras `callbacks`."""
        from textlstm.training.tune import fine_tune_generator  # the trainer loads only when asked for

        if self.folder is None:
            raise TextLSTMError("fine_tune needs a generator loaded from a model folder (TextGenerator.load)")
        overrides = {**({"epochs": epochs} if epochs is not None else {}), **overrides}
        return TextGenerator.load(fine_tune_generator(self.folder, text, out, callbacks, **overrides))

    def save(self, folder):
        """Writes this model's folder (model.keras, config, vocabulary, metrics, curves) to a new `folder`."""
        if self.folder is None:
            raise TextLSTMError("save needs a generator loaded from a model folder (TextGenerator.load)")
        return artifacts.copy_model_folder(self.folder, folder)

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
