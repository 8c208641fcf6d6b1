"""Prints pip constraints pinning every requirement of setup.cfg (install_requires and the test
extra) to its floor: `tensorflow>=2.21.0` -> `tensorflow==2.21.0`. .ci/run installs with them."""

import configparser
import os
import re
import sys

FLOOR = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)\s*$")


def requirements(path):
    config = configparser.ConfigParser()
    config.read(path)
    lines = config["options"]["install_requires"].splitlines() + config["options.extras_require"]["test"].splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def main():
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "setup.cfg")
    for requirement in requirements(path):
        match = FLOOR.match(requirement)
        if not match:
            sys.exit(f"setup.cfg: {requirement!r} has no '>=' floor to pin")
        print(f"{match.group(1)}=={match.group(3)}")


if __name__ == "__main__":
    main()
