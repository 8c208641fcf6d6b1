"""Training: one loop for every tf.distribute strategy, and what each model kind plugs into it.

    loop            the loop: epochs, validation, best weights, backups and resume, the run folder
    steps           the distributed train and eval steps
    tasks           the task contract and the two model kinds (sentiment, charlm)
    pretraining     the sentiment model's word language-model phase
    self_training   a teacher's confident labels on unlabelled texts
    adversarial     adversarial training on the word embeddings
    optimizers      the optimizer and learning-rate schedule a config asks for
    distribution    which strategy, which precision
    calibration     temperature scaling, ECE and reliability plots
    evaluation      test-set figures of a trained model
"""

import warnings


def __getattr__(name):
    if name == "train":  # `textlstm.training.train` was the loop's module-level function until 0.1.0
        warnings.warn("textlstm.training.train moved: use textlstm.train(...) or textlstm.training.loop.train",
                      DeprecationWarning, stacklevel=2)
        from textlstm.training.loop import train

        return train
    raise AttributeError(f"module 'textlstm.training' has no attribute {name!r}")
