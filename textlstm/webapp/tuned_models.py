"""The models the demo's visitors fine-tune: one workspace folder each, a bounded number kept.

A visitor's gr.State holds the path of their workspace (fine_tune_job.py fills it). This registry
owns the folders: it keeps the MAX_KEPT newest on disk and deletes older ones (their visitors are
asked to fine-tune again), deletes a workspace as soon as its visitor's state goes (the tab closed,
TIME_TO_LIVE passed, or a new fine-tuning replaced it), and keeps the MAX_LOADED most recently
used models in memory.
"""

import collections
import os
import shutil
import tempfile
import threading

from textlstm.errors import TextLSTMError

MAX_KEPT = 8  # workspaces on disk: each is a run folder with backups, ~30-60 MB from the shipped bases
MAX_LOADED = 2  # tuned models in memory at once: a visitor tries theirs right after training it
TIME_TO_LIVE = 2 * 60 * 60  # seconds a visitor's tuned model is kept after its last use
EXPIRED = ("your fine-tuned model is no longer kept (the demo keeps the {n} newest, each for two hours); "
           "fine-tune again")


class TunedModels:
    def __init__(self, root=None):
        self.root = root or tempfile.mkdtemp(prefix="textlstm-demo-tuned-")
        self.kept = collections.OrderedDict()  # workspace -> None, oldest first
        self.loaded = collections.OrderedDict()  # model folder -> API object, least recently used first
        self.lock = threading.Lock()

    def new_workspace(self) -> str:
        """A fresh empty folder; the oldest kept ones beyond MAX_KEPT are deleted."""
        workspace = tempfile.mkdtemp(prefix="workspace-", dir=self.root)
        with self.lock:
            self.kept[workspace] = None
            while len(self.kept) > MAX_KEPT:
                self._delete(next(iter(self.kept)))
        return workspace

    def load(self, workspace, folder, loader):
        """`loader(folder)` of a kept workspace's model, cached; one clear error once it is gone."""
        with self.lock:
            if workspace not in self.kept or not os.path.isdir(folder):
                raise TextLSTMError(EXPIRED.format(n=MAX_KEPT))
            self.kept.move_to_end(workspace)
            if folder in self.loaded:
                self.loaded.move_to_end(folder)
                return self.loaded[folder]
        model = loader(folder)  # outside the lock: loading takes a second or two
        with self.lock:
            self.loaded[folder] = model
            while len(self.loaded) > MAX_LOADED:
                self.loaded.popitem(last=False)
        return model

    def release(self, workspace):
        """Deletes `workspace` (a gr.State's delete_callback: called with the state's value)."""
        if workspace:
            with self.lock:
                self._delete(workspace)

    def _delete(self, workspace):
        self.kept.pop(workspace, None)
        for folder in [f for f in self.loaded if f.startswith(workspace + os.sep)]:
            del self.loaded[folder]
        if os.path.dirname(workspace) == self.root:  # never a folder this registry did not make
            shutil.rmtree(workspace, ignore_errors=True)

    def close(self):
        with self.lock:
            self.kept.clear()
            self.loaded.clear()
        shutil.rmtree(self.root, ignore_errors=True)
