"""Training: one loop for every tf.distribute strategy, and what each model kind plugs into it.

    loop            the loop: epochs, validation, best weights, early stopping, the run folder
    task            the task contract: every hook the loop calls, with its default
    sentiment_task  labelled sources -> the (Bi)LSTM classifier
    charlm_task     a character stream -> the character language model
    steps           the distributed train and eval steps
    checkpoints     per-epoch backups and resume
    history         history.csv and curves.png
    pretraining     the sentiment model's word language-model phase (a task of its own)
    ngram_phase     the sentiment model's n-gram member, trained on its own, then combined
    self_training   a teacher's confident labels on unlabelled texts
    fine_tuning     a run that starts from a trained model: its config, weights and recipe
    tune            fine-tuning from Python: texts and labels in memory -> a run folder
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
