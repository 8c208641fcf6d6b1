"""Inside the LSTM: every gate, cell state and hidden state of every layer, for one text.

    textlstm.load_generator(path).trace("ROMEO:\\nWhat light ...")  -> Trace
    textlstm.load_sentiment(path).trace("a review ...")             -> Trace

A Trace holds, per LSTM layer (and per direction for a BiLSTM), arrays of shape (steps, units):
input_gate, forget_gate, output_gate, candidate (the tanh proposal), cell (c_t) and hidden (h_t),
plus the character or word each step read. They are computed in one TensorFlow graph from each
layer's own weights (lstm_math.forward: Keras' cell equations written out); tests check that
`hidden` equals the Keras layer's own output. Steps are in the text's order for both directions.
"""

import dataclasses
import io

import numpy as np
import tensorflow as tf

from textlstm.artifacts import atomic_write_bytes
from textlstm.errors import TextLSTMError
from textlstm.input_checks import BLANK_RULE, PROMPT_CONTEXT, check_index, check_prompt, check_texts
from textlstm.models import charlm_model, lstm_math, sentiment_model
from textlstm.text.rules import words_of

FIELDS = ("input_gate", "forget_gate", "output_gate", "candidate", "cell", "hidden")
DIRECTIONS = ("forward", "backward")


@dataclasses.dataclass
class LayerTrace:
    layer: int
    direction: str  # "forward" reads left to right; "backward" (a BiLSTM's second half) right to left
    input_gate: np.ndarray  # (steps, units): what to add to the cell
    forget_gate: np.ndarray  # (steps, units): what to keep of the cell
    output_gate: np.ndarray  # (steps, units): what of the cell to show as the hidden state
    candidate: np.ndarray  # (steps, units): the tanh proposal the input gate lets in
    cell: np.ndarray  # (steps, units): c_t
    hidden: np.ndarray  # (steps, units): h_t, the layer's output

    @property
    def units(self) -> int:
        return self.hidden.shape[1]


@dataclasses.dataclass
class Trace:
    pieces: list  # what each step read, as typed: a character, or the word a token came from
    tokens: list  # the model's own symbol per step: the character, or the vocabulary word ("[UNK]")
    layers: list  # LayerTrace, layer by layer, forward before backward
    unit: str  # "character" or "word"
    note: str = ""  # what of the text the model did not read, if anything

    @property
    def steps(self) -> int:
        return len(self.pieces)

    def layer(self, layer=0, direction="forward") -> LayerTrace:
        """One layer's arrays; `layer` from 0, `direction` "forward" or "backward" (BiLSTM only)."""
        layer = check_index("layer", layer, max(t.layer for t in self.layers) + 1)
        found = [t for t in self.layers if t.layer == layer]
        names = [t.direction for t in found]
        if direction not in names:
            raise TextLSTMError(f"direction must be one of {', '.join(names)}; got {direction!r}")
        return found[names.index(direction)]

    def to_dict(self, fields=FIELDS, digits=3) -> dict:
        """JSON-friendly: lists of rounded numbers, one (steps x units) list per field and layer."""
        unknown = [f for f in fields if f not in FIELDS]
        if unknown:
            raise TextLSTMError(f"fields must be among {', '.join(FIELDS)}; got {', '.join(map(repr, unknown))}")
        return {"unit": self.unit, "pieces": self.pieces, "tokens": self.tokens, "note": self.note,
                "layers": [{"layer": t.layer, "direction": t.direction, "units": t.units,
                            **{f: np.round(getattr(t, f), digits).tolist() for f in fields}} for t in self.layers]}

    def save(self, path):
        """An .npz with `pieces`, `tokens`, `note` and '{layer}_{direction}_{field}' arrays; written
        to a temporary file first, then renamed, so a reader never sees half of it."""
        arrays = {f"{t.layer}_{t.direction}_{f}": getattr(t, f) for t in self.layers for f in FIELDS}
        buffer = io.BytesIO()
        np.savez(buffer, pieces=np.array(self.pieces), tokens=np.array(self.tokens), note=np.array(self.note),
                 unit=np.array(self.unit), **arrays)
        atomic_write_bytes(path, buffer.getvalue())
        return path


def _layer_traces(states, reverse_flags):
    """lstm_math.forward results of one text (R = 1) -> [LayerTrace, ...] in the text's order."""
    traces = []
    for index, layer_states in enumerate(states):
        for direction, (state, reverse) in zip(DIRECTIONS, zip(layer_states, reverse_flags)):
            arrays = {f: state[f][:, 0].numpy() for f in FIELDS}  # (steps, units), reading order
            if reverse:
                arrays = {f: a[::-1] for f, a in arrays.items()}
            traces.append(LayerTrace(index, direction, **arrays))
    return traces


class CharTracer:
    """generator -> .trace(text): the character model's LSTMs on the text, state carried from zero."""

    def __init__(self, generator):
        self.vocabulary = generator.vocabulary
        model = generator.model
        embedding, lstms = model.get_layer("embedding"), charlm_model.lstm_layers(model)

        @tf.function(input_signature=[tf.TensorSpec([1, None], tf.int32)])
        def run(ids):  # (1, T) -> per layer, forward()'s arrays (T, 1, U)
            x, states = embedding(ids), []  # (1, T, E)
            for lstm in lstms:
                state = lstm_math.forward(x, *lstm_math.weights_of(lstm), zero_masked_outputs=False)
                states.append([{f: state[f] for f in FIELDS}])
                x = state["outputs"]  # (1, T, U)
            return states

        self._run = run

    def trace(self, text) -> Trace:
        text = check_prompt(text)
        if not text.strip():
            raise TextLSTMError(f"text {BLANK_RULE}")
        notes, chars = [], list(text)
        if len(chars) > PROMPT_CONTEXT:  # the generator's rule: the last PROMPT_CONTEXT characters
            notes.append(f"the model reads the last {PROMPT_CONTEXT:,} characters; the first "
                         f"{len(chars) - PROMPT_CONTEXT:,} were left out")
            chars = chars[-PROMPT_CONTEXT:]
        ids = self.vocabulary.encode("".join(chars))
        known = [(c, i) for c, i in zip(chars, ids) if i > self.vocabulary.UNK_ID]  # the generator drops the rest
        if len(known) < len(chars):
            notes.append(f"{len(chars) - len(known):,} characters the model does not know were skipped")
        if not known:
            raise TextLSTMError("text needs at least one character the model knows")
        states = self._run(tf.constant([[i for _, i in known]], tf.int32))
        pieces = [c for c, _ in known]
        return Trace(pieces, list(pieces), _layer_traces(states, [False]), "character", "; ".join(notes))


class WordTracer:
    """classifier -> .trace(text): the sentiment model's (Bi)LSTMs on the words it reads."""

    def __init__(self, classifier):
        self.classifier = classifier
        config = classifier.config
        net = classifier.variable_length_model()
        embedding = net.get_layer("embedding")
        self.vocabulary = sentiment_model.vectorizer_part(classifier.model).get_vocabulary()
        self.reverse_flags = [False, True] if config.bidirectional else [False]

        @tf.function(input_signature=[tf.TensorSpec([1, None], tf.int32)])
        def run(ids):  # (1, T), no padding -> per layer and direction, forward()'s arrays (T, 1, U)
            _, states = lstm_math.stack_forward(net, config, embedding(ids), tf.ones(tf.shape(ids)))
            return [[{f: s[f] for f in FIELDS} for s in layer] for layer in states]

        self._run = run

    def trace(self, text) -> Trace:
        text = check_texts(text, name="text")[0][0]
        window = self.classifier.config.sequence_length
        ids = self.classifier.token_ids([text])[0]
        ids = ids[: int((ids != 0).sum())]  # one text: its tokens, no padding
        pieces, token_piece = words_of(text)
        note = ""
        if len(token_piece) > window:  # TextVectorization's rule: the first `window` tokens
            note = f"the model reads the first {window:,} words; the last {len(token_piece) - window:,} were left out"
        states = self._run(tf.constant(ids[None], tf.int32))
        words = [pieces[i] for i in token_piece[: len(ids)]]
        tokens = [self.vocabulary[i] for i in ids]
        return Trace(words, tokens, _layer_traces(states, self.reverse_flags), "word", note)
