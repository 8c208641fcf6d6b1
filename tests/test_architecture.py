"""The package's shape: its public names, its layers, no import circles, each rule in one place."""

import ast
import importlib
import pathlib
import re
import warnings

import pytest

import textlstm

PACKAGE = pathlib.Path(textlstm.__file__).parent

# Lower layers never import higher ones. A module's layer is that of its longest listed prefix.
LAYERS = [
    ("textlstm.errors", "textlstm.artifacts"),  # no textlstm imports but these two
    ("textlstm.text",),  # the tokenizer's rules, the vectorizers
    ("textlstm.input_checks",),  # what a user may pass, on every surface
    ("textlstm.data",),  # TFDS, sources, pipelines
    ("textlstm.config",),
    ("textlstm.presets", "textlstm.loading"),  # model folders by name
    ("textlstm.models",),
    ("textlstm.inside",),
    ("textlstm.training", "textlstm.export"),
    ("textlstm.sentiment_classifier", "textlstm.text_generator"),  # the Python API's classes
    ("textlstm.webapp", "textlstm.cli", "textlstm", "textlstm.preprocessing", "textlstm.datasets"),
]
# Imports inside functions only where start-up time needs them (the CLI parses arguments before
# TensorFlow loads; `import textlstm` stays light; loading a model to predict does not import the
# trainer and TFDS, which only fine_tune needs) or a deprecated name is resolved on use.
LAZY_IMPORTS_ALLOWED = {"textlstm", "textlstm.cli", "textlstm.webapp", "textlstm.training",
                        "textlstm.sentiment_classifier", "textlstm.text_generator"}
TOP_LEVEL_MODULES = {"__init__", "artifacts", "cli", "config", "datasets", "errors", "input_checks", "loading",
                     "preprocessing", "presets", "sentiment_classifier", "text_generator"}
SUBPACKAGES = {"data", "export", "inside", "models", "text", "training", "webapp"}
PUBLIC_NAMES = ["CharLMConfig", "SentimentConfig", "TextLSTMError", "known_models", "load_export", "load_generator",
                "load_litert", "load_sentiment", "train", "train_from_file"]


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name):
    """[(imported textlstm module, line, inside a function?)] of one module."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("textlstm"):
            # `from textlstm.data import sources` imports the module textlstm.data.sources
            targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                       for a in node.names]
        for target in targets:
            if target in MODULES and target != name:
                found.append((target, node.lineno, id(node) in nested))
    return found


def layer_of(name):
    best = max((prefix for layer in LAYERS for prefix in layer if name == prefix or name.startswith(prefix + ".")),
               key=len)
    return next(i for i, layer in enumerate(LAYERS) if best in layer)


def test_public_names_are_unchanged():
    assert sorted(n for n in dir(textlstm) if not n.startswith("_") and callable(getattr(textlstm, n))) == PUBLIC_NAMES
    assert sorted(textlstm.__all__) == sorted(set(PUBLIC_NAMES) - {"load_litert"})


def test_package_tree_follows_the_readme_sections():
    top = {p.stem for p in PACKAGE.glob("*.py")}
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert top == TOP_LEVEL_MODULES, "a new module belongs in the subpackage of its README section"
    assert packages == SUBPACKAGES
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    for package in SUBPACKAGES:
        assert f"textlstm/{package}/" in readme, f"the README's package map leaves out textlstm/{package}/"


def test_no_module_imports_a_higher_layer():
    upward = [f"{name}:{line} imports {target}" for name in MODULES for target, line, _ in imports_of(name)
              if layer_of(target) > layer_of(name)]
    assert not upward, upward


def test_no_import_circles():
    graph = {name: {target for target, _, _ in imports_of(name)} for name in MODULES}
    state, cycles = {}, []

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles


def test_lazy_imports_only_where_start_up_needs_them():
    lazy = [f"{name}:{line} imports {target} inside a function" for name in MODULES
            for target, line, inside in imports_of(name) if inside and name not in LAZY_IMPORTS_ALLOWED]
    assert not lazy, lazy


@pytest.mark.parametrize("pattern, home", [
    (r"matplotlib\.use\(", "textlstm/artifacts.py"),
    (r"os\.replace\(", "textlstm/artifacts.py"),
    (r"json\.load\(", "textlstm/artifacts.py"),
    (r"\.maketrans\(|string\.punctuation|\\t\\n\\v\\f\\r", "textlstm/text/rules.py"),
    (r"= \"(model\.keras|config\.json|metrics\.json|vocabulary\.json|history\.csv|curves\.png)\"",
     "textlstm/artifacts.py"),
])
def test_each_rule_is_defined_in_one_module(pattern, home):
    """Atomic writes, JSON reads, the headless plot backend, the tokenizer's rules, the file names."""
    where = sorted(str(p.relative_to(PACKAGE.parent)) for p in MODULES.values()
                   if re.search(pattern, p.read_text(encoding="utf-8")))
    assert where == [home], where


@pytest.mark.parametrize("old, new", [("textlstm.preprocessing", "textlstm.text.vectorizers"),
                                      ("textlstm.datasets", "textlstm.data.builders")])
def test_moved_modules_still_import_with_a_deprecation_warning(old, new):
    import sys

    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        module = importlib.import_module(old)
    fresh = importlib.import_module(new)
    assert all(getattr(module, n) is getattr(fresh, n) for n in dir(fresh) if not n.startswith("_")
               and not isinstance(getattr(fresh, n), type(sys)))


def test_training_train_still_resolves_with_a_deprecation_warning():
    import textlstm.training
    from textlstm.training.loop import train

    with pytest.warns(DeprecationWarning, match="textlstm.train"):
        assert textlstm.training.train is train
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import textlstm.training.loop  # noqa: F401  the new path: no warning
