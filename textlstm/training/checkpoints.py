"""Backups and resume: a run killed at any instant restarts from its last complete epoch.

RUN_DIR/backup/epoch-NNNN holds the weights with the optimizer state (weights.weights.h5)
and the loop state (state.json: epoch, best val_loss, epochs without a new best, history).
Each backup is a folder written aside and renamed into place, then the older ones go.
"""

import json
import os
import shutil

from textlstm import artifacts

BACKUP_DIR = "backup"
PRETRAIN_DIR = "pretrain"  # the language-model phase's own run dir, inside the classifier's
MEMBER_DIR = "ngram_member"  # the n-gram member's phase (training/ngram_phase.py), likewise
BEST_WEIGHTS = "best.weights.h5"  # the weights of the best validation loss so far
WEIGHTS_FILE = "weights.weights.h5"
STATE_FILE = "state.json"


def fresh_state() -> dict:
    return {"epoch": 0, "best": None, "wait": 0, "history": []}


def latest_backup(run_dir):
    root = os.path.join(run_dir, BACKUP_DIR)
    done = sorted(d for d in os.listdir(root) if d.startswith("epoch-")) if os.path.isdir(root) else []
    return os.path.join(root, done[-1]) if done else None


def save_backup(run_dir, model, state):
    root = os.path.join(run_dir, BACKUP_DIR)
    final = os.path.join(root, f"epoch-{state['epoch']:04d}")

    def write(tmp):
        os.makedirs(tmp)
        model.save_weights(os.path.join(tmp, WEIGHTS_FILE))  # includes optimizer state
        with open(os.path.join(tmp, STATE_FILE), "w", encoding="utf-8") as f:
            json.dump(state, f)

    artifacts.write_atomically(final, write)  # the epoch's backup appears whole, or not at all
    for old in os.listdir(root):
        if old != os.path.basename(final) and (old.startswith("epoch-") or old.startswith(artifacts.TMP_PREFIX)):
            shutil.rmtree(os.path.join(root, old), ignore_errors=True)  # also leftovers of a killed save


def load_backup(run_dir, model):
    """The loop state of the latest backup, its weights loaded into `model`; None if there is none."""
    latest = latest_backup(run_dir)
    if latest is None:
        return None
    model.load_weights(os.path.join(latest, WEIGHTS_FILE))
    return artifacts.read_json(os.path.join(latest, STATE_FILE), "backup state")


def save_best(model, run_dir):
    artifacts.write_atomically(os.path.join(run_dir, BEST_WEIGHTS), model.save_weights)


def remove_leftovers(run_dir):
    """Deletes the .tmp-* files and folders a killed run left half-written (this run dir has one writer)."""
    phases = [os.path.join(run_dir, d) for d in (PRETRAIN_DIR, MEMBER_DIR)]
    for folder in (run_dir, os.path.join(run_dir, BACKUP_DIR), *phases, *(os.path.join(p, BACKUP_DIR) for p in phases)):
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            if name.startswith(artifacts.TMP_PREFIX):
                path = os.path.join(folder, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
