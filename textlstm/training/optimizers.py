"""The optimizer and learning-rate schedule a config asks for.

    plateau: Adam at `learning_rate`, halved by the loop after each epoch without a new best
             validation loss (every model trained before the cosine schedule existed).
    cosine:  `learning_rate` decayed along a half cosine to `final_learning_rate_fraction` of it
             over all `epochs` (Loshchilov & Hutter 2017); the loop leaves it alone. The schedule
             reads the optimizer's step counter, which the per-epoch backups keep, so a resumed
             run continues on the same curve.

`weight_decay` > 0 gives AdamW (decoupled weight decay, Loshchilov & Hutter 2019) instead of Adam.
"""

import keras


def schedule_of(config) -> str:
    return getattr(config, "learning_rate_schedule", "plateau")  # sentiment configs: always plateau


def halves_on_plateau(config) -> bool:
    return schedule_of(config) == "plateau"


def learning_rate(config, steps_per_epoch: int):
    """A float (plateau) or a keras schedule of the optimizer's step (cosine)."""
    if schedule_of(config) == "plateau":
        return config.learning_rate
    return keras.optimizers.schedules.CosineDecay(
        config.learning_rate, decay_steps=config.epochs * steps_per_epoch, alpha=config.final_learning_rate_fraction)


def make_optimizer(config, steps_per_epoch: int):
    rate = learning_rate(config, steps_per_epoch)
    decay = getattr(config, "weight_decay", 0.0)
    if decay > 0:
        return keras.optimizers.AdamW(rate, weight_decay=decay, clipnorm=config.clipnorm)
    return keras.optimizers.Adam(rate, clipnorm=config.clipnorm)


def current_rate(optimizer) -> float:
    """The rate the next step takes, for history.csv (a schedule's value at the step counter)."""
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))
