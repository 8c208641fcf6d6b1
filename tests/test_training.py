"""Training under tf.distribute strategies, and resuming after SIGKILL."""

import csv
import json
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


@pytest.mark.slow
def test_sigkill_then_resume_finishes_the_remaining_epochs(tmp_path, text_file, cli_env):
    out = str(tmp_path / "run")
    args = [TEXTLSTM, "train", "charlm", "--text-file", text_file, "--out", out, *SETS,
            "--set", "epochs=5", "--set", "patience=10"]
    proc = subprocess.Popen(args, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 240
        while not os.path.isdir(os.path.join(out, "backup", "epoch-0002")):
            assert proc.poll() is None, proc.stdout.read()[-3000:]
            assert time.time() < deadline, "no epoch-2 backup within 240 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert not os.path.exists(os.path.join(out, "model.keras"))  # it really was stopped mid-run
    r = subprocess.run(args, env=cli_env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "Resuming from the backup of epoch" in r.stdout
    resumed_from = int(r.stdout.split("Resuming from the backup of epoch ")[1].split()[0])
    assert resumed_from >= 2
    history = _history(out)
    assert [int(h["epoch"]) for h in history] == [0, 1, 2, 3, 4]  # every epoch once, none repeated
    assert json.load(open(os.path.join(out, "metrics.json")))["training"]["epochs"] == 5
    import textlstm

    assert textlstm.load_generator(out).generate("ROMEO:", length=10, seed=0)


MIRRORED_SCRIPT = """
import json, sys, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from textlstm.config import apply_overrides, default_config
from textlstm.training import train
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
