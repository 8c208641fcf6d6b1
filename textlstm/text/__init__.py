"""Text -> ids: the Keras preprocessing layers the models are composed with, and their rules.

    rules             every rule of the word tokenizer, once (lower, strip, split, "has a word")
    vectorizers       TextVectorization (words) and StringLookup (characters); vocabulary files
    python_tokenizer  the word vectorizer's ids in plain Python, for hosts without TensorFlow
    ngrams            word bigram ids hashed from their words' ids (the n-gram member's rule)
"""
