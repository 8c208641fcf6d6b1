"""Declared dependency ranges are ones CI installs: .ci/run also runs the fast tests at the floors."""

import os
import subprocess
import sys

from conftest import REPO


def test_every_requirement_has_a_floor_ci_pins():
    r = subprocess.run([sys.executable, os.path.join(REPO, ".ci", "lowest.py")], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    pins = dict(line.split("==") for line in r.stdout.split())
    assert {"tensorflow", "keras", "gradio", "numpy", "pytest"} <= set(pins)
    assert all(version[0].isdigit() for version in pins.values())


def test_ci_runs_the_fast_tests_with_the_floors_pinned():
    script = open(os.path.join(REPO, ".ci", "run"), encoding="utf-8").read()
    assert ".ci/lowest.py" in script and '-c "$constraints"' in script and '-m "not slow"' in script
