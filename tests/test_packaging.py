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


def test_ci_runs_the_readme_test_command_from_a_fresh_venv():
    """`.ci/run` is what a new user does: the README's test command, verbatim, with the shared data."""
    script = open(os.path.join(REPO, ".ci", "run"), encoding="utf-8").read()
    readme = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    quickstart = readme[readme.index("## Quickstart"):]
    block = quickstart[quickstart.index("```bash\n") + 8:quickstart.index("\n```", quickstart.index("```bash\n"))]
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2, commands  # the demo command and the test command
    assert commands[1] in script, "the README's test command and .ci/run's differ"
    assert "set -euo pipefail" in script  # any failing step fails CI
    assert "../shared/tfds" in script and "TFDS_DATA_DIR" in script  # real-data tests run in CI
    assert "chromium" in script  # the browser test runs in CI instead of skipping
    r = subprocess.run(["bash", "-n", os.path.join(REPO, ".ci", "run")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr  # it parses


def test_lowest_pins_are_exactly_the_declared_floors():
    """Every `>=` floor of setup.cfg (install_requires and the test extra) is pinned, to that version."""
    import configparser
    import re

    config = configparser.ConfigParser()
    config.read(os.path.join(REPO, "setup.cfg"))
    declared = {}
    for line in (config["options"]["install_requires"] + "\n" + config["options.extras_require"]["test"]).splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*>=\s*(\S+)\s*$", line)
        if match:
            declared[match.group(1)] = match.group(3)
    r = subprocess.run([sys.executable, os.path.join(REPO, ".ci", "lowest.py")], capture_output=True, text=True,
                       timeout=60)
    assert dict(line.split("==") for line in r.stdout.split()) == declared
