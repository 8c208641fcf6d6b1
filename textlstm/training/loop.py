"""One training loop for every tf.distribute strategy.

Why not `model.fit`: Keras 3's fit fails under MultiWorkerMirroredStrategy
(keras-team/keras#20585: `_maybe_symbolic_build`, then `reduce_per_replica`),
while a custom step run with `strategy.run` works under the default strategy,
MirroredStrategy, TPUStrategy and MultiWorkerMirroredStrategy alike. So every
device takes this path, and the multi-worker run is the same code as the laptop run.

Per epoch: train steps (progress bar) -> validation -> history.csv, TensorBoard
scalars, best weights on validation loss, learning rate halved when validation
stalls, early stopping -> a backup of weights + optimizer + loop state
(checkpoints.py), so a run killed at any instant restarts from its last complete epoch.
What the loop asks of each model kind is the Task contract (task.py).
"""

import os
import shutil
import sys
import tempfile
import time

import keras
import tensorflow as tf

from textlstm import artifacts
from textlstm.config import config_to_dict
from textlstm.errors import TextLSTMError
from textlstm.training import calibration, checkpoints, distribution, optimizers, steps
from textlstm.training.charlm_task import CharLMTask
from textlstm.training.history import phase_history, plot_curves, write_history
from textlstm.training.sentiment_task import SentimentTask

TASKS = {task.kind: task for task in (SentimentTask, CharLMTask)}  # config.kind -> the Task that trains it


# --- the loop ---------------------------------------------------------------------------


def train(config, run_dir, data_dir=None, device="auto", strategy=None, verbose=None, callbacks=None) -> dict:
    """Trains `config` into `run_dir`; returns the metrics written to metrics.json.

    verbose: 0 silent, 1 progress bar, 2 one line per epoch (default: 1 on a terminal, else 2).
    callbacks: keras.callbacks.Callback objects told of the model's epochs and steps (params: epochs,
    steps), e.g. a progress bar in a notebook or a web page; the language-model phase does not call them.
    """
    if verbose is None:
        verbose = 1 if sys.stdout.isatty() else 2
    strategy = strategy or distribution.select_strategy(device)
    chief = distribution.is_chief(strategy)
    # Non-chief workers must run every save (collectives) but write to a scratch dir.
    write_dir = run_dir if chief else tempfile.mkdtemp(prefix="textlstm-worker-")
    os.makedirs(write_dir, exist_ok=True)
    if chief:
        checkpoints.remove_leftovers(run_dir)
    keras.utils.set_random_seed(config.seed)
    task = TASKS[config.kind](config, data_dir)
    config = task.config  # as the task resolved it (a table run's labels are its table's classes)
    policy = distribution.mixed_precision_policy(strategy)
    keras.mixed_precision.set_global_policy(policy)
    global_batch = config.batch_size
    if global_batch % strategy.num_replicas_in_sync:
        raise TextLSTMError(
            f"batch_size {global_batch} must be divisible by the {strategy.num_replicas_in_sync} replicas"
        )
    try:
        model, optimizer = _build(strategy, task, policy)
        artifacts.write_json(os.path.join(write_dir, artifacts.CONFIG_FILE), config_to_dict(config))
        state = checkpoints.load_backup(run_dir, model)
        if state is None:
            state = checkpoints.fresh_state()
            task.initialize(model)
            pretraining = task.pretraining()
            if pretraining is not None:  # only before the classifier's first epoch
                lm = _phase(strategy, pretraining, policy, run_dir, write_dir, verbose, checkpoints.PRETRAIN_DIR,
                            "Language-model pretraining")
                task.transfer(lm, model)
        elif verbose:
            print(f"Resuming from the backup of epoch {state['epoch']} in {run_dir}/{checkpoints.BACKUP_DIR}")
        history = _fit(strategy, task, model, optimizer, state, write_dir, global_batch, verbose, callbacks)
        member, member_task = None, task.member()
        if member_task is not None:  # a second model trained on its own, after the first (ngram_phase.py)
            member = _phase(strategy, member_task, policy, run_dir, write_dir, verbose, checkpoints.MEMBER_DIR,
                            "The n-gram member")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    if not chief:
        shutil.rmtree(write_dir, ignore_errors=True)
        return {}
    return _finish(task, model, history, run_dir, strategy, member)


def _build(strategy, task, policy):
    with strategy.scope():
        model = task.build_model()
        optimizer = optimizers.make_optimizer(task.config, task.steps_per_epoch())
        if policy == "mixed_float16":
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        optimizer.build(model.trainable_variables)  # variables now, not inside the traced step
        model.optimizer = optimizer  # so save_weights/load_weights carry the optimizer state
    return model, optimizer


def _phase(strategy, task, policy, run_dir, write_dir, verbose, folder, title):
    """A phase of its own (the language model first, the n-gram member last) in RUN_DIR/`folder`
    with its own backups; returns its best model."""
    model, optimizer = _build(strategy, task, policy)
    phase_run, phase_write = (os.path.join(d, folder) for d in (run_dir, write_dir))
    os.makedirs(phase_write, exist_ok=True)
    state = checkpoints.load_backup(phase_run, model) or checkpoints.fresh_state()
    if verbose and _should_continue(state, task.config):
        print(f"{title}: from epoch {state['epoch'] + 1}")
    _fit(strategy, task, model, optimizer, state, phase_write, task.config.batch_size, verbose)
    model.load_weights(os.path.join(phase_run, checkpoints.BEST_WEIGHTS))
    return model


def _should_continue(state, config) -> bool:
    # Keras EarlyStopping semantics: stop once `patience` epochs in a row brought no new best.
    return state["epoch"] < config.epochs and state["wait"] < max(config.patience, 1)


def _fit(strategy, task, model, optimizer, state, run_dir, global_batch, verbose, callbacks=None):
    config = task.config
    if not _should_continue(state, config):
        return state["history"]  # finished before a restart: build no pipelines
    slow = task.pretrained_variables(model)
    multiplier = task.pretrained_learning_rate_multiplier()
    forward = task.training_forward(model)
    train_step, eval_step = steps.make_steps(strategy, task, model, optimizer, global_batch, slow, multiplier, forward)
    num_steps = task.steps_per_epoch()
    # A resumed run gets a fresh shuffle order rather than replaying epoch 0's.
    iterator = iter(strategy.experimental_distribute_dataset(task.train_batches(config.seed + state["epoch"])))
    validation = {name: strategy.experimental_distribute_dataset(ds) for name, ds in task.validation_sets().items()}
    writer = tf.summary.create_file_writer(os.path.join(run_dir, "logs"))
    callbacks = list(callbacks or [])
    for callback in callbacks:
        callback.set_model(model)
        callback.set_params({"epochs": config.epochs, "steps": num_steps, "initial_epoch": state["epoch"]})
        callback.on_train_begin()
    while _should_continue(state, config):
        epoch = state["epoch"]
        for callback in callbacks:
            callback.on_epoch_begin(epoch)
        if verbose:
            print(f"Epoch {epoch + 1}/{config.epochs}")
        bar = keras.utils.Progbar(num_steps, verbose=verbose, stateful_metrics=["loss", "accuracy"])
        totals, start = {}, time.perf_counter()
        for step in range(num_steps):
            steps.add(totals, train_step(iterator))
            so_far = steps.means(totals)
            bar.update(step + 1, values=list(so_far.items()))
            for callback in callbacks:
                callback.on_train_batch_end(step, so_far)
        seconds = time.perf_counter() - start
        logs = {"epoch": epoch, **steps.means(totals), **steps.validate(eval_step, validation, task.validation_weights()),
                "learning_rate": optimizers.current_rate(optimizer), "seconds": seconds,
                "units_per_second": task.units_per_step(global_batch) * num_steps / seconds}
        if verbose:
            print(f"  epoch {epoch + 1}: " + " - ".join(f"{k}: {v:.4g}" for k, v in logs.items() if k != "epoch"))
        improved = state["best"] is None or logs["val_loss"] < state["best"]
        if improved:
            state["best"], state["wait"] = logs["val_loss"], 0
            checkpoints.save_best(model, run_dir)
        else:
            state["wait"] += 1
            if optimizers.halves_on_plateau(config):
                optimizer.learning_rate.assign(optimizer.learning_rate * 0.5)  # plateau: halve the step
        state["history"].append(logs)
        state["epoch"] = epoch + 1
        write_history(run_dir, state["history"])
        with writer.as_default():
            for k, v in logs.items():
                tf.summary.scalar(k, v, step=epoch)
        checkpoints.save_backup(run_dir, model, state)
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
    for callback in callbacks:
        callback.on_train_end()
    return state["history"]


def _finish(task, model, history, run_dir, strategy, member=None):
    """Best weights -> a fresh float32 model off the strategy (and the member beside it) -> model.keras,
    test metrics, curves."""
    model.load_weights(os.path.join(run_dir, checkpoints.BEST_WEIGHTS))
    weights = model.get_weights()
    final = task.build_model()
    final.set_weights(weights)
    combined = None
    if member is not None:
        final, combined = task.combine(final, member)  # before calibration, which folds into the combiner
    fitted = task.calibrate(final)  # folds a temperature (or one per class) into `final`
    inference_model = task.save_inference_model(final, run_dir)
    metrics = task.test_metrics(inference_model, fitted)
    if fitted:
        metrics["calibration"] = fitted
    main_seconds = sum(h["seconds"] for h in history)
    member_seconds = 0.0
    if combined:
        member_rows = phase_history(run_dir, checkpoints.MEMBER_DIR)
        member_seconds = sum(float(r["seconds"]) for r in member_rows)
        metrics["ngram_member"] = {**combined, "epochs": len(member_rows), "wall_time_seconds": member_seconds}
    train_seconds = main_seconds + member_seconds
    metrics["training"] = {
        "epochs": len(history),
        "best_epoch": min(history, key=lambda h: h["val_loss"])["epoch"] + 1,
        "best_val_loss": min(h["val_loss"] for h in history),
        "wall_time_seconds": train_seconds,
        "seconds_per_epoch": main_seconds / len(history),  # the main phase's
        f"{task.unit}_per_second": sum(h["units_per_second"] for h in history) / len(history),
        "strategy": distribution.strategy_name(strategy),
        "replicas": strategy.num_replicas_in_sync,
        "parameters": int(final.count_params()),
    }
    metrics["training"].update(task.data_summary)  # e.g. how many reviews a teacher labelled
    rows = phase_history(run_dir)
    if rows:  # the language-model phase is part of what training cost
        metrics["training"]["pretrain_epochs"] = len(rows)
        metrics["training"]["pretrain_wall_time_seconds"] = sum(float(r["seconds"]) for r in rows)
    # Everything this model cost: its LM phase (shared with its teacher's, so counted once), the
    # teacher's classifier epochs, the labelling, and its own epochs.
    t = metrics["training"]
    parts = ("pretrain_wall_time_seconds", "teacher_classifier_wall_time_seconds", "labelling_seconds")
    if any(k in t for k in parts):
        t["total_wall_time_seconds"] = train_seconds + sum(t.get(k, 0.0) for k in parts)
    metrics["environment"] = artifacts.environment_info()
    artifacts.write_json(os.path.join(run_dir, artifacts.METRICS_FILE), metrics)
    plot_curves(history, os.path.join(run_dir, artifacts.CURVES_PLOT), task.metric)
    if "evaluation" in metrics:
        calibration.plot_reliability(metrics["evaluation"], os.path.join(run_dir, artifacts.RELIABILITY_PLOT))
    return metrics
