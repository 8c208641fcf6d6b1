"""Screenshots of the demo on the shipped models, for the README: `python docs/screenshot.py`
writes docs/demo.png, docs/demo-generate.png and docs/inside.png; `python docs/screenshot.py
--fine-tune TABLE.csv` fine-tunes on TABLE in the Fine-tune tab and writes docs/demo-fine-tune.png."""

import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import browser  # noqa: E402

from textlstm import webapp  # noqa: E402

REVIEW = ("The first half is gripping and beautifully shot, but the ending is rushed "
          "and the romance never convinces.")


def palette(path):
    """The heat-map page as 256 colours: a third of the bytes, no visible change."""
    from PIL import Image

    Image.open(path).convert("RGB").quantize(256).save(path + ".tmp.png")
    os.replace(path + ".tmp.png", path)
    return path


if __name__ == "__main__":
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = webapp.build_app()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        if sys.argv[1:2] == ["--fine-tune"]:
            seen = browser.drive_fine_tune_tab(f"http://127.0.0.1:{port}/", HERE, sys.argv[2])
            print(seen["comparison"], palette(seen["screenshot"]))
            sys.exit(0)
        seen = browser.drive_demo(f"http://127.0.0.1:{port}/", HERE, review=REVIEW)
        print(f"label: {seen['label']}\ngenerated: {seen['generated'][:200]!r}\n" + "\n".join(seen["screenshots"]))
        inside = browser.drive_inside_tab(f"http://127.0.0.1:{port}/", HERE)["screenshot"]
        print(palette(inside))
    finally:
        demo.close()
