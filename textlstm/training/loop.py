"""One training loop for every tf.distribute strategy.

Why not `model.fit`: Keras 3's fit fails under MultiWorkerMirroredStrategy
(keras-team/keras#20585: `_maybe_symbolic_build`, then `reduce_per_replica`),
while a custom step run with `strategy.run` works under the default strategy,
MirroredStrategy, TPUStrategy and MultiWorkerMirroredStrategy alike. So every
device takes this path, and the multi-worker run is the same code as the laptop run.

Per epoch: train steps (progress bar) -> validation -> history.csv, TensorBoard
scalars, best weights on validation loss, learning rate halved when validation
stalls, early stopping -> a backup of weights + optimizer + loop state.
Each backup is a directory written aside and renamed into place, so a run killed
at any instant (even mid-save) restarts from the last complete epoch.
"""

import csv
import io
import json
import os
import shutil
import sys
import tempfile
import time

import keras
import tensorflow as tf

from textlstm import artifacts
from textlstm.training import distribution
from textlstm.training import optimizers
from textlstm.training import steps
from textlstm.config import config_to_dict
from textlstm.errors import TextLSTMError
from textlstm.training.tasks import TASKS

BACKUP_DIR = "backup"
PRETRAIN_DIR = "pretrain"  # the language-model phase's own run dir, inside the classifier's
BEST_WEIGHTS = "best.weights.h5"
RELIABILITY_PLOT = "reliability.png"  # accuracy against confidence per evaluation set, before/after calibration


# --- resume state -----------------------------------------------------------------------


def _latest_backup(run_dir):
    root = os.path.join(run_dir, BACKUP_DIR)
    done = sorted(d for d in os.listdir(root) if d.startswith("epoch-")) if os.path.isdir(root) else []
    return os.path.join(root, done[-1]) if done else None


def _save_backup(run_dir, model, state):
    root = os.path.join(run_dir, BACKUP_DIR)
    os.makedirs(root, exist_ok=True)
    final = os.path.join(root, f"epoch-{state['epoch']:04d}")
    tmp = tempfile.mkdtemp(dir=root, prefix=".tmp-")
    model.save_weights(os.path.join(tmp, "weights.weights.h5"))  # includes optimizer state
    with open(os.path.join(tmp, "state.json"), "w", encoding="utf-8") as f:
        json.dump(state, f)
    os.replace(tmp, final)  # the epoch's backup appears whole, or not at all
    for old in os.listdir(root):
        path = os.path.join(root, old)
        if old != os.path.basename(final) and (old.startswith("epoch-") or old.startswith(".tmp-")):
            shutil.rmtree(path, ignore_errors=True)  # also leftovers of a killed save


def _remove_leftovers(run_dir):
    """Deletes the .tmp-* files and folders a killed run left half-written (this run dir has one writer)."""
    for folder in (run_dir, os.path.join(run_dir, BACKUP_DIR), os.path.join(run_dir, PRETRAIN_DIR),
                   os.path.join(run_dir, PRETRAIN_DIR, BACKUP_DIR)):
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            if name.startswith(".tmp-"):
                path = os.path.join(folder, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)


def _load_backup(run_dir, model):
    latest = _latest_backup(run_dir)
    if latest is None:
        return None
    model.load_weights(os.path.join(latest, "weights.weights.h5"))
    with open(os.path.join(latest, "state.json"), encoding="utf-8") as f:
        return json.load(f)


# --- the loop ---------------------------------------------------------------------------


def train(config, run_dir, data_dir=None, device="auto", strategy=None, verbose=None) -> dict:
    """Trains `config` into `run_dir`; returns the metrics written to metrics.json.

    verbose: 0 silent, 1 progress bar, 2 one line per epoch (default: 1 on a terminal, else 2).
    """
    if verbose is None:
        verbose = 1 if sys.stdout.isatty() else 2
    strategy = strategy or distribution.select_strategy(device)
    chief = distribution.is_chief(strategy)
    # Non-chief workers must run every save (collectives) but write to a scratch dir.
    write_dir = run_dir if chief else tempfile.mkdtemp(prefix="textlstm-worker-")
    os.makedirs(write_dir, exist_ok=True)
    if chief:
        _remove_leftovers(run_dir)
    keras.utils.set_random_seed(config.seed)
    task = TASKS[config.kind](config, data_dir)
    policy = distribution.mixed_precision_policy(strategy)
    keras.mixed_precision.set_global_policy(policy)
    global_batch = config.batch_size
    if global_batch % strategy.num_replicas_in_sync:
        raise TextLSTMError(
            f"batch_size {global_batch} must be divisible by the {strategy.num_replicas_in_sync} replicas"
        )
    try:
        model, optimizer = _build(strategy, task, policy)
        artifacts.write_json(os.path.join(write_dir, "config.json"), config_to_dict(config))
        state = _load_backup(run_dir, model)
        if state is None:
            state = {"epoch": 0, "best": None, "wait": 0, "history": []}
            pretraining = getattr(task, "pretraining", lambda: None)()
            if pretraining is not None:  # only before the classifier's first epoch
                lm = _pretrain(strategy, pretraining, policy, run_dir, write_dir, verbose)
                task.transfer(lm, model)
        elif verbose:
            print(f"Resuming from the backup of epoch {state['epoch']} in {run_dir}/{BACKUP_DIR}")
        history = _fit(strategy, task, model, optimizer, state, write_dir, global_batch, verbose)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    if not chief:
        shutil.rmtree(write_dir, ignore_errors=True)
        return {}
    return _finish(task, model, history, run_dir, strategy)


def _build(strategy, task, policy):
    with strategy.scope():
        model = task.build_model()
        optimizer = optimizers.make_optimizer(task.config, task.steps_per_epoch())
        if policy == "mixed_float16":
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        optimizer.build(model.trainable_variables)  # variables now, not inside the traced step
        model.optimizer = optimizer  # so save_weights/load_weights carry the optimizer state
    return model, optimizer


def _pretrain(strategy, task, policy, run_dir, write_dir, verbose):
    """The language-model phase, in RUN_DIR/pretrain with its own backups; returns the best LM."""
    lm, optimizer = _build(strategy, task, policy)
    pre_run, pre_write = os.path.join(run_dir, PRETRAIN_DIR), os.path.join(write_dir, PRETRAIN_DIR)
    os.makedirs(pre_write, exist_ok=True)
    state = _load_backup(pre_run, lm) or {"epoch": 0, "best": None, "wait": 0, "history": []}
    if verbose and _should_continue(state, task.config):
        print(f"Language-model pretraining: {task.num_train:,} tokens, from epoch {state['epoch'] + 1}")
    _fit(strategy, task, lm, optimizer, state, pre_write, task.config.batch_size, verbose)
    lm.load_weights(os.path.join(pre_run, BEST_WEIGHTS))
    return lm


def _should_continue(state, config) -> bool:
    # Keras EarlyStopping semantics: stop once `patience` epochs in a row brought no new best.
    return state["epoch"] < config.epochs and state["wait"] < max(config.patience, 1)


def _fit(strategy, task, model, optimizer, state, run_dir, global_batch, verbose):
    config = task.config
    if not _should_continue(state, config):
        return state["history"]  # finished before a restart: build no pipelines
    slow = getattr(task, "pretrained_variables", lambda m: [])(model)
    multiplier = getattr(config, "pretrained_learning_rate_multiplier", 1.0)
    forward = getattr(task, "training_forward", lambda m: None)(model)
    train_step, eval_step = steps.make_steps(strategy, task, model, optimizer, global_batch, slow, multiplier, forward)
    num_steps = task.steps_per_epoch()
    # A resumed run gets a fresh shuffle order rather than replaying epoch 0's.
    iterator = iter(strategy.experimental_distribute_dataset(task.train_batches(config.seed + state["epoch"])))
    validation = {name: strategy.experimental_distribute_dataset(ds) for name, ds in task.validation_sets().items()}
    writer = tf.summary.create_file_writer(os.path.join(run_dir, "logs"))
    while _should_continue(state, config):
        epoch = state["epoch"]
        if verbose:
            print(f"Epoch {epoch + 1}/{config.epochs}")
        bar = keras.utils.Progbar(num_steps, verbose=verbose, stateful_metrics=["loss", "accuracy"])
        totals, start = {}, time.perf_counter()
        for step in range(num_steps):
            steps.add(totals, train_step(iterator))
            bar.update(step + 1, values=list(steps.means(totals).items()))
        seconds = time.perf_counter() - start
        logs = {"epoch": epoch, **steps.means(totals), **steps.validate(eval_step, validation, task.validation_weights()),
                "learning_rate": optimizers.current_rate(optimizer), "seconds": seconds,
                "units_per_second": task.units_per_step(global_batch) * num_steps / seconds}
        if verbose:
            print(f"  epoch {epoch + 1}: " + " - ".join(f"{k}: {v:.4g}" for k, v in logs.items() if k != "epoch"))
        improved = state["best"] is None or logs["val_loss"] < state["best"]
        if improved:
            state["best"], state["wait"] = logs["val_loss"], 0
            save_weights_atomically(model, os.path.join(run_dir, BEST_WEIGHTS))
        else:
            state["wait"] += 1
            if optimizers.halves_on_plateau(config):
                optimizer.learning_rate.assign(optimizer.learning_rate * 0.5)  # plateau: halve the step
        state["history"].append(logs)
        state["epoch"] = epoch + 1
        _write_history(run_dir, state["history"])
        with writer.as_default():
            for k, v in logs.items():
                tf.summary.scalar(k, v, step=epoch)
        _save_backup(run_dir, model, state)
    return state["history"]


def save_weights_atomically(model, path):
    tmp = os.path.join(os.path.dirname(path), ".tmp-" + os.path.basename(path))
    model.save_weights(tmp)
    os.replace(tmp, path)


def _write_history(run_dir, history):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(history[0].keys()))
    writer.writeheader()
    writer.writerows(history)
    artifacts.atomic_write_text(os.path.join(run_dir, "history.csv"), out.getvalue())


def pretrain_history(run_dir) -> list:
    """The epochs (dicts of history.csv) of RUN_DIR's language-model phase; [] if it had none."""
    path = os.path.join(run_dir, PRETRAIN_DIR, "history.csv")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _finish(task, model, history, run_dir, strategy):
    """Best weights -> a fresh float32 model off the strategy -> model.keras, test metrics, curves."""
    model.load_weights(os.path.join(run_dir, BEST_WEIGHTS))
    weights = model.get_weights()
    final = task.build_model()
    final.set_weights(weights)
    calibration = getattr(task, "calibrate", lambda m: None)(final)  # folds a temperature into `final`
    inference_model = task.save_inference_model(final, run_dir, run_dir)
    if calibration:
        metrics = task.test_metrics(inference_model, calibration["temperature"])
        metrics["calibration"] = calibration
    else:
        metrics = task.test_metrics(inference_model)
    train_seconds = sum(h["seconds"] for h in history)
    unit = "reviews" if task.config.kind == "sentiment" else "characters"
    metrics["training"] = {
        "epochs": len(history),
        "best_epoch": min(history, key=lambda h: h["val_loss"])["epoch"] + 1,
        "best_val_loss": min(h["val_loss"] for h in history),
        "wall_time_seconds": train_seconds,
        "seconds_per_epoch": train_seconds / len(history),
        f"{unit}_per_second": sum(h["units_per_second"] for h in history) / len(history),
        "strategy": distribution.strategy_name(strategy),
        "replicas": strategy.num_replicas_in_sync,
        "parameters": int(final.count_params()),
    }
    metrics["training"].update(getattr(task, "data_summary", {}))  # e.g. how many reviews a teacher labelled
    rows = pretrain_history(run_dir)
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
    artifacts.write_json(os.path.join(run_dir, "metrics.json"), metrics)
    artifacts.plot_curves(history, os.path.join(run_dir, "curves.png"), task.metric)
    if "evaluation" in metrics:
        from textlstm.training.calibration import plot_reliability

        plot_reliability(metrics["evaluation"], os.path.join(run_dir, RELIABILITY_PLOT))
    return metrics
