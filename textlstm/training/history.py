"""The per-epoch record of a run: history.csv (one row per epoch) and curves.png."""

import csv
import io
import os

from textlstm import artifacts
from textlstm.training.checkpoints import PRETRAIN_DIR


def write_history(run_dir, history):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(history[0].keys()))
    writer.writeheader()
    writer.writerows(history)
    artifacts.atomic_write_text(os.path.join(run_dir, artifacts.HISTORY_FILE), out.getvalue())


def phase_history(run_dir, folder=PRETRAIN_DIR) -> list:
    """The epochs (dicts of history.csv) of a phase of RUN_DIR (its language-model phase, or
    checkpoints.MEMBER_DIR: the n-gram member's); [] if it had none."""
    path = os.path.join(run_dir, folder, artifacts.HISTORY_FILE)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def plot_curves(history: list, path, metric):
    """Loss and `metric` (None: the loss alone) per epoch, train vs validation, as a PNG."""
    plt = artifacts.pyplot()
    epochs = [h["epoch"] + 1 for h in history]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, name in zip(axes, ["loss", metric]):
        for prefix, style in (("", "o-"), ("val_", "s--")):
            values = [h.get(prefix + name) for h in history] if name else []
            if any(v is not None for v in values):
                ax.plot(epochs, values, style, label=("validation " if prefix else "train ") + name)
        ax.set_xlabel("epoch")
        ax.set_title(name or "")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    artifacts.save_figure(fig, path)
