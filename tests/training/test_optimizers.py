"""The optimizer and learning-rate schedule a config asks for."""

import math

import keras
import numpy as np
import pytest

from textlstm.config import CharLMConfig, SentimentConfig
from textlstm.training import optimizers


def test_plateau_is_adam_at_a_fixed_rate_the_loop_may_halve():
    for config in (CharLMConfig(), SentimentConfig()):  # sentiment configs have no schedule key
        optimizer = optimizers.make_optimizer(config, steps_per_epoch=10)
        assert type(optimizer) is keras.optimizers.Adam and optimizers.halves_on_plateau(config)
        assert optimizers.current_rate(optimizer) == pytest.approx(config.learning_rate)


def cosine(config, fraction):
    floor = config.final_learning_rate_fraction
    return config.learning_rate * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * fraction)))


def test_cosine_decays_over_all_epochs_to_its_floor_and_the_loop_leaves_it_alone():
    config = CharLMConfig(learning_rate_schedule="cosine", epochs=4, learning_rate=0.01,
                          final_learning_rate_fraction=0.05)
    optimizer = optimizers.make_optimizer(config, steps_per_epoch=25)
    assert not optimizers.halves_on_plateau(config)
    variable = keras.Variable(np.ones(3, "float32"))
    optimizer.build([variable])
    for step in range(101):
        assert optimizers.current_rate(optimizer) == pytest.approx(cosine(config, min(step, 100) / 100), rel=1e-5)
        optimizer.apply_gradients([(np.ones(3, "float32"), variable)])
    assert optimizers.current_rate(optimizer) == pytest.approx(0.01 * 0.05)  # stays at the floor after the end


def test_weight_decay_gives_adamw_that_shrinks_weights_without_a_gradient():
    config = CharLMConfig(weight_decay=0.1, learning_rate=0.01)
    optimizer = optimizers.make_optimizer(config, steps_per_epoch=10)
    assert isinstance(optimizer, keras.optimizers.AdamW) and optimizer.weight_decay == pytest.approx(0.1)
    variable = keras.Variable(np.full(3, 2.0, "float32"))
    optimizer.apply_gradients([(np.zeros(3, "float32"), variable)])
    np.testing.assert_allclose(variable.numpy(), 2.0 * (1 - 0.01 * 0.1), rtol=1e-6)  # decoupled: w -= lr * wd * w
    assert optimizer.clipnorm == config.clipnorm
