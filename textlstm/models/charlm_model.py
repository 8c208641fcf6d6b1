"""Character language model and its state-carrying step model (same weights).

    char ids (B, T) -> Embedding -> (LSTM -> Dropout) x N -> Dense -> logits (B, T, V)

The training model is what `model.keras` holds. `build_step_model` reuses its
layers to make a model that also takes and returns every layer's (h, c):
run it once over a prompt to get the starting state, then one character at a
time. The LSTMs stay cuDNN-eligible (no recurrent_dropout; dropout is between
layers, which is where it helps a small corpus anyway).
"""

import os

import keras
from keras import layers

from textlstm import loading
from textlstm.artifacts import VOCABULARY_FILE
from textlstm.text.vectorizers import CharVocabulary


def build_charlm(config, vocab_size: int) -> keras.Model:
    ids = keras.Input(shape=(None,), dtype="int32", name="char_ids")
    x = layers.Embedding(vocab_size, config.embedding_dim, mask_zero=True, name="embedding")(ids)  # (B, T, E)
    for i in range(config.lstm_layers):
        # return_state so build_step_model can reuse the very same layer objects.
        x, _, _ = layers.LSTM(
            config.lstm_units, return_sequences=True, return_state=True, name=f"lstm_{i}"
        )(x)  # (B, T, U)
        x = layers.Dropout(config.dropout, name=f"dropout_{i}")(x)
    logits = layers.Dense(vocab_size, dtype="float32", name="logits")(x)  # (B, T, V)
    return keras.Model(ids, logits, name="charlm")


def load_folder(path):
    """(model, vocabulary, config) of a character model folder or name; one clear error otherwise."""
    folder = loading.model_folder(path)
    config = loading.load_folder_config_of_kind(folder, "charlm")
    vocabulary = CharVocabulary.load(os.path.join(folder, VOCABULARY_FILE))
    return loading.load_keras_model(folder), vocabulary, config


def lstm_layers(model: keras.Model):
    return [layer for layer in model.layers if isinstance(layer, layers.LSTM)]


def build_step_model(model: keras.Model) -> keras.Model:
    """[ids (B, T), h0, c0, h1, c1, ...] -> [logits (B, T, V), h0', c0', h1', c1', ...].

    Right-padded ids (0 = padding) are masked: each row's returned state is its
    state after its last real character.
    """
    ids = keras.Input(shape=(None,), dtype="int32", name="char_ids")
    states_in, states_out = [], []
    embedding = model.get_layer("embedding")
    x = embedding(ids)
    # Passed explicitly: with initial_state given, Keras does not forward the embedding's mask.
    mask = embedding.compute_mask(ids)  # (B, T) True on real characters
    for i, lstm in enumerate(lstm_layers(model)):
        h = keras.Input(shape=(lstm.units,), name=f"h{i}")
        c = keras.Input(shape=(lstm.units,), name=f"c{i}")
        x, h_out, c_out = lstm(x, initial_state=[h, c], mask=mask)  # (B, T, U), (B, U), (B, U)
        states_in += [h, c]
        states_out += [h_out, c_out]
    logits = model.get_layer("logits")(x)
    return keras.Model([ids, *states_in], [logits, *states_out], name="charlm_step")
