"""In-graph character sampling over the state-carrying step model.

    prompts (B,) --unicode_split, lookup--> ids (B, T) right-padded
      --step model, one pass--> last logits (B, V) and every layer's (h, c)
      --tf.while_loop: pick a character, advance each LSTM cell one step--> ids (B, n)
      --gather, reduce_join--> strings (B,)

Everything is TensorFlow core ops inside `tf.function`s of a `tf.Module`, so the
same graph serves the Python API, streaming (chunks that carry the state) and
the SavedModel export. The per-character loop calls the LSTM *cells* directly:
one matmul per layer, no per-step sequence machinery (the shipped 3x448 model:
~2k chars/s at batch 1 on a 2-core CPU, ~5x a Python loop over a compiled step;
XLA was slower there).

Picking a character: logits / temperature, keep the top-k, keep the smallest set
whose probability reaches top-p, then Gumbel-max with noise from a stateless
RNG keyed by (seed, position): the same seed and settings give the same text,
row 0 of a batch is what the same prompt alone would give, and a stream cut
into chunks is the same text as one call. Temperature 0 is greedy.

Prompt rule: characters outside the vocabulary (and invalid UTF-8) are dropped;
only the last PROMPT_CONTEXT characters are read; an empty prompt starts from "\\n".
"""

import tensorflow as tf

from textlstm.input_checks import PROMPT_CONTEXT
from textlstm.models.charlm_model import build_step_model, lstm_layers
from textlstm.text.vectorizers import CharVocabulary

NEG_INF = -1e9


class CharSampler(tf.Module):
    def __init__(self, model, vocabulary: CharVocabulary):
        super().__init__(name="char_sampler")
        self.step_model = build_step_model(model)
        self.embedding = model.get_layer("embedding")
        self.cells = [layer.cell for layer in lstm_layers(model)]
        self.logits_layer = model.get_layer("logits")
        self.units = self.cells[0].units
        self.lookup = vocabulary.lookup_layer()
        self.lookup(tf.constant([""]))  # builds it (ExportArchive only tracks built layers)
        self.tokens = tf.constant(vocabulary.tokens)
        self.vocab_size = len(vocabulary)
        self.newline_id = vocabulary.encode("\n")[0] if "\n" in vocabulary.characters else 2
        # Padding and [UNK] are never emitted.
        self.reserved = tf.constant([NEG_INF, NEG_INF] + [0.0] * (self.vocab_size - 2))

    # --- prompt -> starting state ---

    def encode(self, prompts):
        chars = tf.strings.unicode_split(prompts, "UTF-8", errors="replace")  # ragged (B, None)
        chars = chars[:, -PROMPT_CONTEXT:]
        ids = tf.ragged.map_flat_values(lambda c: tf.cast(self.lookup(c), tf.int32), chars)
        ids = tf.ragged.boolean_mask(ids, ids > CharVocabulary.UNK_ID)  # drop unknown characters
        empty = tf.cast(ids.row_lengths() == 0, tf.int64)
        start = tf.RaggedTensor.from_row_lengths(tf.fill([tf.reduce_sum(empty)], self.newline_id), empty)
        ids = tf.concat([tf.cast(start, tf.int32), ids], axis=1)
        return ids.to_tensor(default_value=CharVocabulary.PAD_ID), tf.cast(ids.row_lengths(), tf.int32)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def start(self, prompts):
        """prompts (B,) -> (states (L, 2, B, U), last logits (B, V))."""
        ids, lengths = self.encode(prompts)  # (B, T), (B,)
        batch = tf.shape(ids)[0]
        zeros = [tf.zeros([batch, self.units])] * (2 * len(self.cells))
        outputs = self.step_model([ids, *zeros], training=False)
        logits = tf.gather(outputs[0], lengths - 1, batch_dims=1)  # (B, V) at each row's last character
        states = tf.reshape(tf.stack(outputs[1:]), [len(self.cells), 2, batch, self.units])
        return states, logits

    # --- the sampling loop ---

    def pick(self, logits, temperature, top_k, top_p, seed, position):
        """(B, V) logits -> (B,) ids; see the module docstring for the rule. The settings are scalars
        (noise drawn for the batch as a whole) or (B,) vectors, one per row; then each row's noise is
        drawn as if it were alone, so a served request's text does not depend on its batch companions."""
        logits = tf.cast(logits, tf.float32) + self.reserved
        temperature = tf.reshape(temperature, [-1, 1])  # (1 or B, 1)
        scaled = logits / tf.maximum(temperature, 1e-6)
        real = self.vocab_size - 2
        filtering = tf.reduce_any((top_k > 0) & (top_k < real)) | tf.reduce_any(top_p < 1.0)
        # Sorting costs a noticeable share of a step at batch 1: only when a filter is on.
        kept = tf.cond(filtering, lambda: self._top_k_top_p(scaled, top_k, top_p), lambda: scaled)
        if seed.shape.rank == 0:
            uniform = tf.random.stateless_uniform(tf.shape(kept), seed=tf.stack([seed, position]), minval=1e-20, maxval=1.0)
        else:  # row r: the draw a batch of one with (seed[r], position[r]) makes
            uniform = tf.map_fn(
                lambda key: tf.random.stateless_uniform([1, self.vocab_size], seed=key, minval=1e-20, maxval=1.0)[0],
                tf.stack([seed, position], axis=1), fn_output_signature=tf.float32)  # (B, V)
        gumbel = -tf.math.log(-tf.math.log(uniform))
        noisy = tf.where(temperature > 0, kept + gumbel, logits)  # temperature 0: greedy
        return tf.argmax(noisy, axis=-1, output_type=tf.int32)

    def _top_k_top_p(self, scaled, top_k, top_p):
        """Logits outside the top-k, or outside the smallest set reaching top_p, -> -inf."""
        ranked = tf.sort(scaled, axis=-1, direction="DESCENDING")  # (B, V)
        real = self.vocab_size - 2
        k = tf.where((top_k > 0) & (top_k < real), top_k, real)
        k = tf.broadcast_to(tf.reshape(k, [-1, 1]), [tf.shape(ranked)[0], 1])  # (B, 1)
        kth = tf.gather(ranked, k - 1, batch_dims=1)  # (B, 1) k-th largest
        in_top_k = tf.range(self.vocab_size)[None, :] < k
        probs = tf.nn.softmax(tf.where(in_top_k, ranked, NEG_INF), axis=-1)
        mass_before = tf.cumsum(probs, axis=-1, exclusive=True)
        nucleus = in_top_k & (mass_before < tf.reshape(top_p, [-1, 1]))  # the first always qualifies
        pth = tf.reduce_min(tf.where(nucleus, ranked, -NEG_INF), axis=-1, keepdims=True)  # (B, 1)
        return tf.where(scaled >= tf.maximum(kth, pth), scaled, NEG_INF)

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, 2, None, None], tf.float32),  # states (L, 2, B, U)
            tf.TensorSpec([None, None], tf.float32),  # logits (B, V)
            tf.TensorSpec([], tf.int32),  # steps
            tf.TensorSpec([], tf.float32),  # temperature
            tf.TensorSpec([], tf.int32),  # top_k
            tf.TensorSpec([], tf.float32),  # top_p
            tf.TensorSpec([], tf.int64),  # seed
            tf.TensorSpec([], tf.int64),  # position of the first new character
        ]
    )
    def sample(self, states, logits, steps, temperature, top_k, top_p, seed, position):
        """-> (ids (B, steps), states, logits) ready for the next chunk."""
        return self._sample(states, logits, steps, temperature, top_k, top_p, seed, position)

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, 2, None, None], tf.float32),  # states (L, 2, B, U)
            tf.TensorSpec([None, None], tf.float32),  # logits (B, V)
            tf.TensorSpec([], tf.int32),  # steps
            tf.TensorSpec([None], tf.float32),  # temperature per row
            tf.TensorSpec([None], tf.int32),  # top_k per row
            tf.TensorSpec([None], tf.float32),  # top_p per row
            tf.TensorSpec([None], tf.int64),  # seed per row
            tf.TensorSpec([None], tf.int64),  # position per row
        ]
    )
    def sample_rows(self, states, logits, steps, temperature, top_k, top_p, seed, position):
        """`sample` with settings per row: unrelated requests share one loop (webapp batching)."""
        return self._sample(states, logits, steps, temperature, top_k, top_p, seed, position)

    def _sample(self, states, logits, steps, temperature, top_k, top_p, seed, position):
        batch = tf.shape(logits)[0]
        layers = [[states[i, 0], states[i, 1]] for i in range(len(self.cells))]
        out = tf.TensorArray(tf.int32, size=steps, element_shape=tf.TensorShape([None]))

        def body(i, logits, layers, out):
            next_id = self.pick(logits, temperature, top_k, top_p, seed, position + tf.cast(i, tf.int64))
            x = tf.gather(self.embedding.embeddings, next_id)  # (B, E); no Keras mask attached
            new_layers = []
            for cell, (h, c) in zip(self.cells, layers):
                x, (h, c) = cell(x, [h, c], training=False)  # (B, U)
                new_layers.append([h, c])
            return i + 1, self.logits_layer(x), new_layers, out.write(i, next_id)

        _, logits, layers, out = tf.while_loop(lambda i, *_: i < steps, body, (0, logits, layers, out))
        # An empty TensorArray of unknown element shape cannot be stacked: length 0 is its own case.
        ids = tf.cond(steps > 0, lambda: tf.reshape(tf.transpose(out.stack()), [batch, steps]),
                      lambda: tf.zeros([batch, 0], tf.int32))  # (B, steps)
        return ids, tf.stack([tf.stack(hc) for hc in layers]), logits

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])
    def decode(self, ids):
        return tf.strings.reduce_join(tf.gather(self.tokens, ids), axis=-1)  # (B,)

    @tf.function(
        input_signature=[
            tf.TensorSpec([None], tf.string),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.float32),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.float32),
            tf.TensorSpec([], tf.int64),
        ]
    )
    def generate_text(self, prompts, length, temperature, top_k, top_p, seed):
        """The whole path in one graph: prompts (B,) -> continuations (B,)."""
        states, logits = self.start(prompts)
        ids, _, _ = self.sample(states, logits, length, temperature, top_k, top_p, seed, tf.constant(0, tf.int64))
        return self.decode(ids)
