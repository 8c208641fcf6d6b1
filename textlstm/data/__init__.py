"""Data: labelled texts and character corpora in, unbatched and batched `tf.data` out.

    catalog      TFDS by name: a prepared builder (downloading when it can), a split
    sources      what a labelled source is (a TFDS dataset's keys, splits, weight, length)
    labels       class names, and the one rule that turns probabilities into a label and a confidence
    targets      training targets per source (the classes it knows), the masked loss that reads them
    labelled     reading sources: (text, label) datasets, the config's first source, unlabelled texts
    directory    a folder of .txt files as one more kind of source
    corpus       the character model's text, one string per split (TFDS or a text file)
    negation     counterfactual negations: one more (derived) training source
    pipelines    vectorized, statically shaped batches and the weighted mixture of sources
    builders/    TFDS builders for the four everyday-English sets TFDS's catalog lacks
"""
