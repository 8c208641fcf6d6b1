"""Reference hosts for the LiteRT files: what an app on a device does, in Python, without TensorFlow.

    generator = LiteRTGenerator("exports/shakespeare_litert", variant="int8")
    generator.generate("ROMEO:", length=200, temperature=0.8, seed=1)

    classifier = LiteRTClassifier("exports/imdb_litert")
    classifier.predict(["The meeting is at 3pm."])  # [("neutral", {"negative": ..., "neutral": ..., "positive": ...})]
    classifier.predict_proba(["A moving, funny film."])  # (1,) P(positive | negative or positive)

They run the standalone interpreter of `ai-edge-litert` (no Flex delegate) and apply the Python
API's rules: the same input checks and messages (textlstm/input_checks.py), the same prompt rule
and the same sampling rule as textlstm/models/sampler.py (temperature, top-k, top-p, Gumbel-max;
padding and [UNK] never emitted; temperature 0 is greedy). The noise comes from NumPy's
generator seeded with `seed`, so a seed gives the same text every time here, but not the text
the TensorFlow graph gives for that seed (its random stream differs); greedy text is the same.
"""

import os

import numpy as np

from textlstm import artifacts, input_checks
from textlstm.data.labels import (SENTIMENT_LABELS, as_dict, check_polarity, class_probabilities, decide,
                                  positive_probability)
from textlstm.errors import TextLSTMError
from textlstm.text.python_tokenizer import WordTokenizer

MANIFEST = "litert.json"
VARIANTS = ("float32", "float16", "int8")
NEG_INF = -1e9


def _litert(module):
    import importlib

    try:
        return importlib.import_module(f"ai_edge_litert.{module}")
    except ImportError:
        raise TextLSTMError("LiteRT files need the ai-edge-litert package: pip install 'textlstm[litert]'") from None


def interpreter(path, num_threads=None):
    return _litert("interpreter").Interpreter(model_path=path, num_threads=num_threads)


def flatbuffer_schema():
    return _litert("schema_py_generated")


def read_manifest(folder, kind):
    path = os.path.join(folder, MANIFEST)
    if not os.path.isfile(path):
        raise TextLSTMError(f"no {MANIFEST} in {folder}: expected the output of "
                            "`textlstm export MODEL --format litert --out DIR`")
    manifest = artifacts.read_json(path, "LiteRT manifest")
    if kind is not None and manifest.get("kind") != kind:
        raise TextLSTMError(f"{folder} holds LiteRT files of a {manifest.get('kind')} model, not of a {kind} model")
    return manifest


def load(folder, variant="float32"):
    """The host for the kind of model the folder's litert.json names."""
    manifest = read_manifest(folder, None)
    return (LiteRTGenerator if manifest["kind"] == "charlm" else LiteRTClassifier)(folder, variant, manifest=manifest)


def _runner(folder, manifest, variant, num_threads):
    if variant not in manifest["variants"]:
        written = ", ".join(manifest["variants"])
        why = manifest.get("skipped", {}).get(variant)
        raise TextLSTMError(f"variant must be one of {written} (written in {folder}), got {variant!r}"
                            + (f"; {variant} was not written: {why}" if why else ""))
    path = os.path.join(folder, manifest["variants"][variant]["file"])
    return interpreter(path, num_threads).get_signature_runner(manifest["signature"])


class LiteRTGenerator:
    def __init__(self, folder, variant="float32", num_threads=None, manifest=None):
        """manifest: litert.json's content (default: read from the folder)."""
        self.manifest = manifest or read_manifest(folder, "charlm")
        self.run = _runner(folder, self.manifest, variant, num_threads)
        self.tokens = artifacts.read_json(os.path.join(folder, self.manifest["vocabulary"]), "vocabulary file")
        self.index = {ch: i for i, ch in enumerate(self.tokens) if i > 1}  # 0 padding, 1 [UNK]
        self.names = self.manifest["states"]  # ["h0", "c0", "h1", ...]
        self.units = self.manifest["units"]
        self.newline_id = self.index.get("\n", 2)

    def zero_states(self):
        return {name: np.zeros((1, self.units), np.float32) for name in self.names}

    def step(self, char_id, states):
        """One character in -> (logits (V,), the states after it)."""
        out = self.run(char_id=np.array([char_id], np.int32), **states)
        return out["logits"][0], {name: out[name + "_out"] for name in self.names}

    def logits_of(self, ids) -> np.ndarray:
        """The logits (T, V) after each of ids, from a zero state, the state carried: the whole
        text through the model, one call per character."""
        states, logits = self.zero_states(), []
        for char_id in ids:
            out, states = self.step(char_id, states)
            logits.append(out)
        return np.array(logits)

    def prompt_ids(self, prompt):
        """The generator's prompt rule: the last PROMPT_CONTEXT characters, unknown ones dropped,
        "\\n" for an empty prompt."""
        ids = [self.index[ch] for ch in prompt[-input_checks.PROMPT_CONTEXT:] if ch in self.index]
        return ids or [self.newline_id]

    def start(self, prompt):
        states = self.zero_states()
        for char_id in self.prompt_ids(prompt):
            logits, states = self.step(char_id, states)
        return logits, states

    def generate(self, prompt="", length=200, temperature=0.8, top_k=0, top_p=1.0, seed=None) -> str:
        prompt = input_checks.check_prompt(prompt)
        p = input_checks.generation_params(length, temperature, top_k, top_p, seed)
        rng = np.random.default_rng(p["seed"])
        logits, states = self.start(prompt)
        chars = []
        for _ in range(p["length"]):
            char_id = pick(logits, p["temperature"], p["top_k"], p["top_p"], rng)
            chars.append(self.tokens[char_id])
            logits, states = self.step(char_id, states)
        return "".join(chars)


def next_character_loss(logits, ids) -> float:
    """Mean loss (nats) of logits (T, V), the outputs after ids[:-1], on the next ids[1:]."""
    logits = np.asarray(logits[:-1], np.float64)
    top = logits.max(-1)
    log_z = np.log(np.exp(logits - top[:, None]).sum(-1)) + top
    return float(np.mean(log_z - logits[np.arange(len(logits)), ids[1:]]))


def pick(logits, temperature, top_k, top_p, rng) -> int:
    """generation.CharSampler.pick for one row, in NumPy."""
    logits = logits.astype(np.float64)
    logits[:2] += NEG_INF  # padding and [UNK] are never emitted
    if temperature == 0:
        return int(np.argmax(logits))
    scaled = logits / max(temperature, 1e-6)
    real = len(scaled) - 2
    if (0 < top_k < real) or top_p < 1.0:
        ranked = np.sort(scaled)[::-1]
        k = top_k if 0 < top_k < real else real
        probs = np.exp(ranked[:k] - ranked[0])
        probs /= probs.sum()
        mass_before = np.concatenate([[0.0], np.cumsum(probs)[:-1]])
        pth = ranked[:k][mass_before < top_p].min()  # the first always qualifies
        scaled = np.where(scaled >= max(ranked[k - 1], pth), scaled, NEG_INF)
    gumbel = -np.log(-np.log(rng.uniform(1e-20, 1.0, size=scaled.shape)))
    return int(np.argmax(scaled + gumbel))


class LiteRTClassifier:
    def __init__(self, folder, variant="float32", num_threads=None, manifest=None):
        """manifest: litert.json's content (default: read from the folder)."""
        self.manifest = manifest or read_manifest(folder, "sentiment")
        self.run = _runner(folder, self.manifest, variant, num_threads)
        self.tokenizer = WordTokenizer.load(os.path.join(folder, self.manifest["vocabulary"]),
                                            self.manifest["sequence_length"])

        # The `probabilities` columns; exports written before the three-way models name none: two
        self.labels = list(self.manifest.get("labels", SENTIMENT_LABELS))

    def outputs(self, ids) -> dict:
        """Token ids (L,) int32, right-padded -> the graph's outputs (older exports: positive_probability only)."""
        return self.run(token_ids=ids[None, :])

    def probability(self, ids) -> float:
        """Token ids (L,) int32, right-padded -> P(positive | negative or positive)."""
        check_polarity(self.labels)  # classes of a user's own have none
        return float(self.outputs(ids)["positive_probability"][0, 0])

    def class_probabilities(self, texts) -> np.ndarray:
        """A string or list of strings -> every class's probability (N, C), with the API's input checks."""
        texts, _ = input_checks.check_texts(texts)
        rows = []
        for text in texts:
            out = self.outputs(self.tokenizer.encode(text))
            rows.append(out["probabilities"][0] if "probabilities" in out
                        else class_probabilities(out["positive_probability"][0])[0])
        return np.array(rows, np.float64)

    def predict(self, texts) -> list:
        """[(label, {label: probability})] per text: the answer, as data/labels.py decides it."""
        rows = self.class_probabilities(texts)
        names, _ = decide(rows, self.labels)
        return [(name, as_dict(row, self.labels)) for name, row in zip(names, rows)]

    def predict_proba(self, texts) -> np.ndarray:
        """A string or list of strings -> P(positive | negative or positive) per text (N,)."""
        return positive_probability(self.class_probabilities(texts), self.labels)
