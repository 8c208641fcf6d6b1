"""Sentiment classifier: ids -> P(positive), and the raw-string end-to-end wrapper.

    token ids (B, T) -> Embedding(mask_zero) -> [Bi]LSTM x N -> pooling -> Dense -> sigmoid

Every LSTM is cuDNN-eligible (default tanh/sigmoid activations, bias on, no
recurrent_dropout, no unroll; masks are right-padded because TextVectorization
pads at the end), so a GPU gets the fused kernel.
"""

import keras
from keras import layers


def build_sentiment_model(config, vocab_size: int) -> keras.Model:
    ids = keras.Input(shape=(config.sequence_length,), dtype="int32", name="token_ids")
    x = layers.Embedding(vocab_size, config.embedding_dim, mask_zero=True, name="embedding")(ids)  # (B, T, E)
    x = layers.SpatialDropout1D(config.dropout, name="embedding_dropout")(x)  # drops whole embedding channels
    for i in range(config.lstm_layers):
        last = i == config.lstm_layers - 1
        lstm = layers.LSTM(
            config.lstm_units,
            return_sequences=not (last and config.pooling == "last"),
            name=f"lstm_{i}",
        )
        x = layers.Bidirectional(lstm, name=f"bilstm_{i}")(x) if config.bidirectional else lstm(x)  # (B, T, U*dirs)
    if config.pooling == "max":
        # Padded steps output 0, so this is max(0, best real step): a harmless floor.
        x = layers.GlobalMaxPooling1D(name="max_pool")(x)  # (B, U*dirs)
    elif config.pooling == "mean":
        x = layers.GlobalAveragePooling1D(name="mean_pool")(x)  # mask-aware: real steps only
    x = layers.Dropout(config.dropout, name="head_dropout")(x)
    x = layers.Dense(config.dense_units, activation="relu", name="dense")(x)  # (B, D)
    # float32 even under mixed precision: a probability needs the precision.
    probability = layers.Dense(1, activation="sigmoid", dtype="float32", name="positive_probability")(x)
    return keras.Model(ids, probability, name="sentiment_lstm")


def build_end_to_end(vectorizer, model: keras.Model) -> keras.Model:
    """Raw review strings (B,) -> P(positive) (B, 1): the model that is saved and served."""
    text = keras.Input(shape=(), dtype="string", name="text")
    ids = vectorizer(text)  # (B, T) int64, right-padded
    probability = model(ids)  # (B, 1)
    return keras.Model(text, probability, name="sentiment_end_to_end")


def trained_part(end_to_end: keras.Model) -> keras.Model:
    """The ids -> probability model inside a loaded end-to-end model."""
    return end_to_end.get_layer("sentiment_lstm")


def vectorizer_part(end_to_end: keras.Model):
    return end_to_end.get_layer("text_vectorization")
