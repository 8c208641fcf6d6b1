"""pros_cons: product pros (positive) and cons (negative) written by reviewers.

Source: Ganapathibhotla & Liu (COLING 2008), CC BY 4.0: `IntegratedPros.txt` and
`IntegratedCons.txt`, one `<Pros>...</Pros>` / `<Cons>...</Cons>` each (an entry may span
lines); whitespace is collapsed and empty entries are left out. Split: `everyday.split_of` over
each file's entries in order. The release is a RAR archive: TFDS cannot open it, so the download
needs the `rarfile` package and an unrar tool (or extract it yourself into the manual dir).
"""

import os
import re

from textlstm.data.builders import everyday

URL = "http://www.cs.uic.edu/~liub/FBS/pros-cons.rar"
FILES = {1: "pros_cons/IntegratedPros.txt", 0: "pros_cons/IntegratedCons.txt"}  # label -> file


class ProsCons(everyday.EverydayBuilder):
    """Pros and cons phrases from product reviews."""

    DESCRIPTION = ("Pros (positive) and cons (negative) phrases written by reviewers in product reviews "
                   "(Ganapathibhotla and Liu, COLING 2008). CC BY 4.0.")
    HOMEPAGE = "https://www.cs.uic.edu/~liub/FBS/sentiment-analysis.html"
    CITATION = ("@inproceedings{ganapathibhotla2008mining, title={Mining opinions in comparative sentences}, "
                "author={Ganapathibhotla, Murthy and Liu, Bing}, booktitle={COLING}, year={2008}}")

    def _split_generators(self, dl_manager):
        paths = {label: everyday.manual_file(dl_manager, name) for label, name in FILES.items()}
        if None in paths.values():
            root = _extract_rar(dl_manager.download(URL), dl_manager.download_dir)
            paths = {label: everyday.find(root, name.split("/")[-1]) for label, name in FILES.items()}
        return {split: self._generate_examples(paths, split) for split in everyday.SPLITS}

    def _generate_examples(self, paths, split):
        for label, path in sorted(paths.items(), reverse=True):
            tag = "Pros" if label == 1 else "Cons"
            entries = re.findall(rf"<{tag}>(.*?)</{tag}>", everyday.read_text(path), flags=re.S)
            texts = [t for t in (" ".join(e.split()) for e in entries) if t]
            for index, text in enumerate(texts):
                if everyday.split_of(index) == split:
                    yield f"{tag}-{index}", {"text": text, "label": label}


def _extract_rar(archive, download_dir) -> str:
    try:
        import rarfile
    except ImportError:
        raise RuntimeError(
            f"pros_cons is released as a RAR archive ({URL}), which TFDS cannot extract: `pip install rarfile` "
            "(it needs an unrar or bsdtar tool), or extract it yourself and pass the folder as the manual dir"
        ) from None
    out = os.path.join(os.fspath(download_dir), "pros_cons_extracted")
    with rarfile.RarFile(os.fspath(archive)) as rar:
        rar.extractall(out)
    return out
