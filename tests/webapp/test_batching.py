"""Requests that arrive together are computed together, and each still gets its own answer."""

import threading

import pytest

import textlstm
from textlstm.input_checks import generation_params
from textlstm.webapp.batching import GenerationBatcher, MicroBatcher


def run_together(fn, items):
    results, errors = [None] * len(items), [None] * len(items)
    start = threading.Barrier(len(items))

    def one(i):
        start.wait()
        try:
            results[i] = fn(items[i])
        except Exception as e:  # noqa: BLE001 - the test inspects it
            errors[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(items))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def test_micro_batcher_shares_calls_and_a_bad_item_fails_alone():
    sizes = []

    def square_all(items):
        sizes.append(len(items))
        if "bad" in items:
            raise ValueError("bad item")
        return [x * x for x in items]

    batcher = MicroBatcher(square_all, max_batch=8, max_wait=0.05)
    results, errors = run_together(batcher, list(range(8)))
    assert results == [x * x for x in range(8)] and errors == [None] * 8
    assert max(sizes) > 1  # some of them shared a call
    results, errors = run_together(batcher, [3, "bad", 4])
    assert results[0] == 9 and results[2] == 16
    assert isinstance(errors[1], ValueError) and errors[0] is None and errors[2] is None
    assert batcher(5) == 25  # and the worker lives on


def test_batched_explanations_equal_single_ones(sentiment_run):
    classifier = textlstm.load_sentiment(sentiment_run)
    batcher = MicroBatcher(classifier.explain, max_wait=0.05)
    texts = ["a wonderful moving film", "an awful boring film, not good", "great", "i hated it, dreadful!"]
    results, errors = run_together(batcher, texts)
    assert errors == [None] * len(texts)
    for text, (p, pieces) in zip(texts, results):
        alone_p, alone_pieces = classifier.explain(text)
        assert abs(p - alone_p) < 1e-5 and [w for w, _ in pieces] == [w for w, _ in alone_pieces]
        assert all(abs((a or 0) - (b or 0)) < 1e-3 for (_, a), (_, b) in zip(pieces, alone_pieces))


@pytest.mark.parametrize("max_rows", [16, 2])  # 2: requests queue and join between chunks
def test_streams_in_one_loop_get_the_text_they_would_get_alone(charlm_run, max_rows):
    generator = textlstm.load_generator(charlm_run)
    batcher = GenerationBatcher(generator, max_rows=max_rows, chunk=8)
    requests = [("ROMEO:", generation_params(50, 0.8, 0, 1.0, 1)), ("JULIET:\nO", generation_params(21, 1.0, 5, 0.9, 7)),
                ("", generation_params(30, 0.0, 0, 1.0, 3)), ("FRIAR:", generation_params(0, 0.5, 0, 1.0, 2)),
                ("NURSE:\n", generation_params(40, 0.7, 3, 0.95, 11))]
    results, errors = run_together(lambda r: "".join(batcher.stream(*r)), requests)
    assert errors == [None] * len(requests)
    for (prompt, params), text in zip(requests, results):
        alone = generator.generate(prompt, length=params["length"], temperature=params["temperature"],
                                   top_k=params["top_k"], top_p=params["top_p"], seed=params["seed"])
        assert text == alone


def test_an_abandoned_stream_leaves_the_others_running(charlm_run):
    generator = textlstm.load_generator(charlm_run)
    batcher = GenerationBatcher(generator, chunk=4)
    left = batcher.stream("ROMEO:", generation_params(400, 0.8, 0, 1.0, 1))
    next(left)
    left.close()  # the client pressed Stop
    text = "".join(batcher.stream("JULIET:", generation_params(30, 0.8, 0, 1.0, 2)))
    assert text == generator.generate("JULIET:", length=30, temperature=0.8, seed=2)


class CountingSampler:
    """The batcher's sampler, counting the rows of each sampling call."""

    def __init__(self, sampler):
        self.sampler, self.rows = sampler, []

    def __getattr__(self, name):
        return getattr(self.sampler, name)

    def sample_rows(self, states, logits, *settings):
        self.rows.append(int(logits.shape[0]))
        return self.sampler.sample_rows(states, logits, *settings)


def test_a_request_joins_a_running_loop_and_the_first_leaves_it(charlm_run):
    """Continuous batching: a stream that arrives while another is being written joins its loop at
    the next chunk (one call carries both rows); the first leaves when its client stops; each text
    is the one it would get alone."""
    generator = textlstm.load_generator(charlm_run)
    batcher = GenerationBatcher(generator, chunk=2)
    batcher.sampler = counting = CountingSampler(batcher.sampler)
    first = batcher.stream("ROMEO:", generation_params(2000, 0.8, 0, 1.0, 1))
    written = next(first)  # the first request is running
    joined = "".join(batcher.stream("JULIET:", generation_params(30, 0.9, 5, 0.95, 2)))
    assert joined == generator.generate("JULIET:", length=30, temperature=0.9, top_k=5, top_p=0.95, seed=2)
    assert counting.rows[0] == 1 and 2 in counting.rows  # alone, then the two rows in one call
    written += next(first)
    first.close()  # Stop: the row leaves at the next chunk
    alone = generator.generate("ROMEO:", length=2000, temperature=0.8, seed=1)
    assert alone.startswith(written) and len(written) >= 4
    assert "".join(batcher.stream("NURSE:", generation_params(8, 0.8, 0, 1.0, 3))) == generator.generate(
        "NURSE:", length=8, temperature=0.8, seed=3)
    assert counting.rows[-1] == 1  # four chunks later the stopped row is long gone: the last call is NURSE's alone
