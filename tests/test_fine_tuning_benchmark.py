"""benchmarks/fine_tuning.py on a slice of the real data: every method runs and the table prints."""

import subprocess
import sys

import pytest
from conftest import repo_path


@pytest.mark.slow
def test_benchmark_prints_the_learning_curve_table(real_data_dir, tmp_path):
    plot = tmp_path / "curves.png"
    r = subprocess.run([sys.executable, repo_path("benchmarks", "fine_tuning.py"), "--part", "sentiment",
                        "--sizes", "40", "--seeds", "1", "--limit", "400", "--data-dir", real_data_dir,
                        "--plot", str(plot)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [line for line in r.stdout.splitlines() if line.startswith(("| goemotions |", "| pros_cons |"))]
    assert len(rows) == 2 and all(line.count("±") == 4 for line in rows), r.stdout
    assert "machine:" in r.stdout and plot.stat().st_size > 10_000


@pytest.mark.slow
def test_benchmark_prints_the_own_label_table(real_data_dir):
    """One target (airline sentiment's three classes: short tweets) on a slice: every method runs, the
    table and timings print."""
    r = subprocess.run([sys.executable, repo_path("benchmarks", "fine_tuning.py"), "--part", "own", "--sizes", "60",
                        "--seeds", "1", "--limit", "200", "--own-targets", "airline", "--data-dir", real_data_dir],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [line for line in r.stdout.splitlines() if line.startswith("| airline sentiment (3) | 60 |")]
    assert len(rows) == 1 and rows[0].count("±") == 3, r.stdout
    assert "machine:" in r.stdout and "fine-tuning 60 examples (defaults):" in r.stdout


def test_a_class_drawn_once_is_left_out_for_every_method():
    import importlib.util

    spec = importlib.util.spec_from_file_location("fine_tuning_benchmark", repo_path("benchmarks", "fine_tuning.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    labels = ["a"] * 5 + ["b"] * 4 + ["c"]
    texts, drawn = module.draw_own([f"text {i}" for i in range(10)], labels, 10, seed=0)
    assert sorted(drawn) == sorted(labels[:9]) and "text 9" not in texts
    assert module.macro_f1(["a", "b", "b"], ["a", "b", "a"]) == pytest.approx((2 / 3 + 2 / 3) / 2)
