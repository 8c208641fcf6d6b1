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
