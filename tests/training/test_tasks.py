"""The task contract (textlstm/training/task.py): every hook the loop calls is declared there, and every
task fills the hooks that have no default."""

import inspect
import re

import pytest

from textlstm.training import loop, steps
from textlstm.training.charlm_task import CharLMTask
from textlstm.training.ngram_phase import NgramMemberTask
from textlstm.training.pretraining import WordLMPretrainTask
from textlstm.training.sentiment_task import SentimentTask
from textlstm.training.task import Task

TASKS = [SentimentTask, CharLMTask, WordLMPretrainTask, NgramMemberTask]


def required_hooks():
    """The Task methods whose body is `raise NotImplementedError`."""
    return [name for name, f in inspect.getmembers(Task, inspect.isfunction)
            if "raise NotImplementedError" in inspect.getsource(f)]


def test_the_contract_has_required_and_optional_hooks_each_with_a_docstring():
    assert {"build_model", "per_example_loss", "sums", "train_batches", "save_inference_model",
            "test_metrics"} <= set(required_hooks())
    for name, f in inspect.getmembers(Task, inspect.isfunction):
        if not name.startswith("_"):
            assert (f.__doc__ or "").strip(), f"Task.{name} needs its one-line docstring"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.__name__)
def test_every_task_fills_the_required_hooks(task):
    missing = [name for name in required_hooks() if getattr(task, name) is getattr(Task, name)]
    # The phases are never saved or tested: the loop hands their best weights to the classifier.
    if task in (WordLMPretrainTask, NgramMemberTask):
        missing = [m for m in missing if m not in ("save_inference_model", "test_metrics")]
    assert not missing, f"{task.__name__} leaves {missing} to Task, which raises"


def test_the_loop_asks_a_task_only_what_the_contract_declares():
    used = set()
    for module in (loop, steps):
        used |= set(re.findall(r"\btask\.(?!py\b)(\w+)", inspect.getsource(module)))  # not "task.py"
    undeclared = sorted(name for name in used if not hasattr(Task, name))
    assert not undeclared, f"the loop calls {undeclared}, which Task does not declare"
    assert "getattr(task" not in inspect.getsource(loop)  # no probing: hooks have defaults
    assert not re.search(r'kind\s*==|==\s*"(sentiment|charlm)"', inspect.getsource(loop))  # no switch on the kind


def test_config_kinds_map_to_their_tasks():
    assert loop.TASKS == {"sentiment": SentimentTask, "charlm": CharLMTask}
