"""Training under tf.distribute strategies, and resuming after SIGKILL."""

import csv
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from conftest import REPO, TINY_CHARLM

TEXTLSTM = os.path.join(os.path.dirname(sys.executable), "textlstm")
SETS = [arg for key, value in TINY_CHARLM.items() for arg in ("--set", f"{key}={value}")]


def _history(run_dir):
    with open(os.path.join(run_dir, "history.csv"), encoding="utf-8") as f:
        return list(csv.DictReader(f))


# Runs the CLI, but SIGKILLs itself at the nth rename whose destination matches a pattern: the
# files of that save are written, the rename that would publish them is not done.
KILL_DURING_SAVE = r"""
import os, re, signal, sys
pattern, nth = re.compile(sys.argv[1]), int(sys.argv[2])
real_replace, seen = os.replace, [0]
def replace(src, dst):
    if pattern.search(os.fspath(dst)):
        seen[0] += 1
        if seen[0] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst)
os.replace = replace
from textlstm.cli import main
sys.exit(main(sys.argv[3:]))
"""


def _latest_epoch(out):
    root = os.path.join(out, "backup")
    done = sorted(d for d in os.listdir(root) if d.startswith("epoch-")) if os.path.isdir(root) else []
    return int(done[-1].split("-")[1]) if done else 0


def _kill_at_random_time(args, out, env, rng):
    """Starts a run, waits for its next epoch backup, then SIGKILLs it a random moment later."""
    before = _latest_epoch(out)
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 240
        while _latest_epoch(out) <= before:
            assert proc.poll() is None, proc.stdout.read()[-3000:]
            assert time.time() < deadline, "no new epoch backup within 240 s"
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 1.5))  # somewhere in the next epoch, or its save
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_sigkill_at_random_points_and_during_saves_then_resume(tmp_path, text_file, cli_env):
    import random

    out = str(tmp_path / "run")
    train = ["train", "charlm", "--text-file", text_file, "--out", out, *SETS,
             "--set", "epochs=6", "--set", "patience=10", "--set", "learning_rate_schedule=cosine"]
    rng = random.Random(20261121)  # fixed: a failure replays with the same kill times

    def kill_during(pattern, nth):
        r = subprocess.run([sys.executable, "-c", KILL_DURING_SAVE, pattern, str(nth), *train], env=cli_env,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == -signal.SIGKILL, f"not killed at {pattern}: " + r.stdout[-2000:] + r.stderr[-2000:]

    _kill_at_random_time([TEXTLSTM, *train], out, cli_env, rng)
    kill_during(r"epoch-\d{4}$", 2)  # the second epoch backup of this process
    kill_during(r"history\.csv$", 1)  # the first epoch's history
    _kill_at_random_time([TEXTLSTM, *train], out, cli_env, rng)
    kill_during(r"model\.keras$", 1)  # after the last epoch, while saving the final model
    assert not os.path.exists(os.path.join(out, "model.keras"))

    r = subprocess.run([TEXTLSTM, *train], env=cli_env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "Resuming from the backup of epoch 6" in r.stdout  # all epochs were done: only the save was left
    assert [int(h["epoch"]) for h in _history(out)] == [0, 1, 2, 3, 4, 5]  # every epoch once
    # Resumed runs continue on the same cosine curve: the rate after epoch e is the schedule's at (e + 1) / 6.
    rates = [float(h["learning_rate"]) for h in _history(out)]
    lr, floor = TINY_CHARLM["learning_rate"], 0.01
    expected = [lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * (e + 1) / 6))) for e in range(6)]
    assert rates == pytest.approx(expected, rel=1e-5)
    assert json.load(open(os.path.join(out, "metrics.json")))["training"]["epochs"] == 6
    leftovers = [os.path.join(d, f) for d, dirs, files in os.walk(out) for f in dirs + files if f.startswith(".tmp")]
    assert leftovers == []
    import textlstm

    assert len(textlstm.load_generator(out).generate("ROMEO:", length=10, seed=0)) == 10


MIRRORED_SCRIPT = """
import json, sys, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from textlstm.config import apply_overrides, default_config
from textlstm.training.loop import train
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
config = apply_overrides(default_config("charlm"), json.loads(sys.argv[3]))
metrics = train(config, sys.argv[2], strategy=strategy, verbose=0)
print(json.dumps(metrics["training"]))
"""


@pytest.mark.slow
def test_mirrored_strategy_over_two_logical_cpus(tmp_path, text_file, cli_env):
    out = str(tmp_path / "run")
    overrides = json.dumps({**TINY_CHARLM, "text_file": text_file, "epochs": 1})
    r = subprocess.run([sys.executable, "-c", MIRRORED_SCRIPT, "x", out, overrides], env=cli_env,
                       capture_output=True, text=True, timeout=300, cwd=REPO)
    assert r.returncode == 0, r.stderr[-3000:]
    training = json.loads(r.stdout.strip().splitlines()[-1])
    assert training["strategy"] == "MirroredStrategy" and training["replicas"] == 2
    assert os.path.isfile(os.path.join(out, "model.keras"))


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_multi_worker_mirrored_strategy_two_workers_on_loopback(tmp_path, text_file, cli_env):
    ports = _free_ports(2)
    workers = [f"127.0.0.1:{p}" for p in ports]
    out = str(tmp_path / "run")
    procs = []
    try:
        for index in range(2):
            env = dict(cli_env)
            env["TF_CONFIG"] = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
            log = open(tmp_path / f"worker{index}.log", "w")
            procs.append(subprocess.Popen(
                [TEXTLSTM, "train", "charlm", "--text-file", text_file, "--out", out, *SETS, "--set", "epochs=2",
                 "--device", "cpu"], env=env, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.time() + 300
        for proc in procs:
            proc.wait(timeout=max(1, deadline - time.time()))
    finally:
        for proc in procs:  # never leave a worker behind, even on failure
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    logs = [(tmp_path / f"worker{i}.log").read_text()[-3000:] for i in range(2)]
    assert [p.returncode for p in procs] == [0, 0], logs
    metrics = json.load(open(os.path.join(out, "metrics.json")))
    assert metrics["training"]["strategy"] == "MultiWorkerMirroredStrategy"
    assert metrics["training"]["replicas"] == 2 and metrics["training"]["epochs"] == 2
    assert len(_history(out)) == 2


def test_pretrained_variables_take_a_fraction_of_the_adam_step():
    """Discriminative fine-tuning: the slow variables move `multiplier` times as far as Adam
    would move them; the others take the full step (scaling gradients would change nothing)."""
    import keras
    import numpy as np
    import tensorflow as tf

    from textlstm.training.steps import make_steps

    class Task:
        def per_example_loss(self, y, out):
            return tf.reduce_sum(tf.square(out - y), axis=-1)

        def sums(self, y, out, per_example):
            return {"loss": tf.reduce_sum(per_example), "count": tf.cast(tf.shape(y)[0], tf.float32)}

    x, y = tf.random.stateless_normal((8, 3), (1, 2)), tf.random.stateless_normal((8, 2), (3, 4))
    deltas = {}
    for multiplier in (1.0, 0.3):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((3,))
        model = keras.Model(inputs, keras.layers.Dense(2, name="head")(keras.layers.Dense(4, name="body")(inputs)))
        optimizer = keras.optimizers.Adam(0.1)
        optimizer.build(model.trainable_variables)
        body = model.get_layer("body").trainable_variables
        start = [v.numpy().copy() for v in model.trainable_variables]
        train_step, _ = make_steps(tf.distribute.get_strategy(), Task(), model, optimizer, 8, body, multiplier)
        train_step(iter(tf.data.Dataset.from_tensors((x, y)).repeat()))
        deltas[multiplier] = [v.numpy() - s for v, s in zip(model.trainable_variables, start)]
    for full, slow, variable in zip(deltas[1.0], deltas[0.3], ["body kernel", "body bias", "head kernel", "head bias"]):
        expected = 0.3 * full if variable.startswith("body") else full
        np.testing.assert_allclose(slow, expected, rtol=1e-5, atol=1e-7, err_msg=variable)
        assert np.abs(full).max() > 1e-3  # every variable did move
