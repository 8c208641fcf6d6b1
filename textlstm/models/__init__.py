"""Models: Keras functional-API builders with built-in layers only (safe_mode loads them).

    sentiment_model  the (Bi)LSTM classifier, its word language model, the end-to-end model
    ngram_member     the bag-of-n-grams member beside the LSTM: hashed bigrams, a linear softmax
    charlm_model     the character language model and its one-step twin for sampling
    sampler          in-graph sampling: a compiled loop over the LSTM cells carrying their states
    lstm_math        the LSTM equations written out (traces, explanations' backward pass, LiteRT)
"""
