"""benchmarks/behaviour.py: its cases, the failure rule for polar cases and plain statements, and
its table, on a stand-in model that answers by rule."""

import types

import pytest
from conftest import load_script


@pytest.fixture(scope="module")
def behaviour():
    return load_script("behaviour")


class ByRule:
    """Answers neutral to a text without an opinion word, else by its first opinion word (no negation)."""

    def __init__(self, behaviour, three_way=True):
        self.words = {w: 1.0 for w in behaviour.POSITIVE + ["love", "yes", "definitely"]}
        self.words.update({w: 0.0 for w in behaviour.NEGATIVE + ["hate", "no", "never"]})
        self.three_way = three_way

    def predict(self, texts):
        out = []
        for text in texts:
            found = [self.words[w] for w in text.lower().replace(",", " ").replace(".", " ").split() if w in self.words]
            p = found[0] if found else 0.5
            label = "neutral" if not found and self.three_way else ("positive" if p > 0.5 else "negative")
            out.append(types.SimpleNamespace(label=label, positive_probability=p))
        return out


def test_cases_are_the_same_each_run_and_the_plain_statements_expect_neutral(behaviour):
    cases = behaviour.capabilities()
    assert cases == behaviour.capabilities()
    assert {label for _, label in cases[behaviour.PLAIN]} == {"neutral"}
    assert len(cases[behaviour.PLAIN]) == behaviour.CASES_PER_CAPABILITY
    assert all(label in (0, 1) for name, items in cases.items() if name != behaviour.PLAIN for _, label in items)


def test_plain_statements_fail_unless_neutral_and_polar_cases_by_their_side(behaviour):
    answer = lambda label, p: types.SimpleNamespace(label=label, positive_probability=p)  # noqa: E731
    assert not behaviour.failed(answer("neutral", 0.9), "neutral")
    assert behaviour.failed(answer("positive", 0.9), "neutral")
    assert not behaviour.failed(answer("neutral", 0.7), 1)  # the right side, though not a person's answer
    assert behaviour.failed(answer("positive", 0.7), 0)


def test_a_two_class_model_fails_every_plain_statement(behaviour):
    cases = behaviour.capabilities()
    three, two = (behaviour.failure_rates(ByRule(behaviour, t), cases) for t in (True, False))
    assert three[behaviour.PLAIN] == (0, len(cases[behaviour.PLAIN]))
    assert two[behaviour.PLAIN] == (len(cases[behaviour.PLAIN]), len(cases[behaviour.PLAIN]))
    assert two["answered neutral"][0] == 0
    assert three["negated positive"][0] > 0  # the rule reads no negation: the benchmark sees it


def test_the_table_has_a_row_per_capability_negation_all_and_neutral_answers(behaviour):
    cases = behaviour.capabilities()
    results = {"rule": behaviour.failure_rates(ByRule(behaviour), cases)}
    lines = behaviour.table(results, cases).splitlines()
    names = [line.split(" | ")[0].lstrip("| ") for line in lines[2:]]
    assert names == [*cases, "negation, mean of the three", "**all**",
                     "polar cases answered neutral (right side, not a person's answer)"]
    failed = sum(f for name, (f, _) in results["rule"].items() if name != "answered neutral")
    assert lines[-2].endswith(f"**{100.0 * failed / sum(len(c) for c in cases.values()):.1f}** |")
