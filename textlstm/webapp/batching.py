"""Requests that arrive together are computed together.

The model is several times faster per review in a batch than alone, so a crowd should share
forward passes. Each request checks its own input in its own thread (a bad one fails alone, with
its own message), then hands the work to one worker thread per endpoint, which takes everything
waiting (up to `max_batch`), computes it in one call and gives each request its own result.
If a batch call fails, its items are retried one by one, so one bad item cannot fail the others.
"""

import concurrent.futures
import queue
import threading

import tensorflow as tf

MAX_BATCH = 16  # reviews per explanation call: 16 x STEPS path rows and 16 forward rows, well under 1 s of CPU
MAX_WAIT = 0.005  # seconds a worker waits for company after the first request: unnoticeable alone


class MicroBatcher:
    """`MicroBatcher(fn)(item)` -> fn([item, ...])[its index], computed with whatever else arrived."""

    def __init__(self, fn, max_batch=MAX_BATCH, max_wait=MAX_WAIT, name="batcher"):
        self.fn, self.max_batch, self.max_wait = fn, max_batch, max_wait
        self._queue = queue.Queue()
        threading.Thread(target=self._work, name=name, daemon=True).start()

    def __call__(self, item):
        future = concurrent.futures.Future()
        self._queue.put((item, future))
        return future.result()

    def _take(self):
        batch = [self._queue.get()]
        while len(batch) < self.max_batch:
            try:
                batch.append(self._queue.get(timeout=self.max_wait))
            except queue.Empty:
                break
        return batch

    def _work(self):
        while True:
            batch = self._take()
            try:
                results = self.fn([item for item, _ in batch])
            except Exception as error:  # retried alone: only the culprit gets the error
                if len(batch) == 1:
                    batch[0][1].set_exception(error)
                    continue
                results = None
            for index, (item, future) in enumerate(batch):
                if results is not None:
                    future.set_result(results[index])
                    continue
                try:
                    future.set_result(self.fn([item])[0])
                except Exception as error:
                    future.set_exception(error)


class GenerationBatcher:
    """Continuous batching of streams: `for piece in batcher.stream(prompt, params): ...`.

    One worker thread runs every active request as a row of one sampling loop, a chunk of
    characters per call (sampler.sample_rows: settings, seed and position per row, each row's noise
    drawn as if it were alone, so a request gets the text it would get alone). Between chunks,
    waiting requests join and finished or abandoned ones leave.
    """

    def __init__(self, generator, max_rows=MAX_BATCH, chunk=32, name="generate"):
        self.sampler, self.max_rows, self.chunk = generator.sampler, max_rows, chunk
        self._waiting = queue.Queue()
        threading.Thread(target=self._work, name=name, daemon=True).start()

    def stream(self, prompt, params):
        """Yields the continuation of `prompt` in pieces; params: validation.generation_params(...)."""
        pieces = queue.Queue()
        row = _Row(prompt, params, pieces)
        self._waiting.put(row)
        try:
            while True:
                piece = pieces.get()
                if piece is None:
                    return
                if isinstance(piece, Exception):
                    raise piece
                yield piece
        finally:
            row.abandoned = True  # the client left (Stop): the worker drops the row at the next chunk

    def _admit(self, rows, states, logits, block):
        new = []
        while len(rows) + len(new) < self.max_rows:
            try:
                row = self._waiting.get(block=block and not rows and not new)
            except queue.Empty:
                break
            if row.remaining == 0:
                row.pieces.put(None)
                continue
            new.append(row)
        if not new:
            return rows, states, logits
        new_states, new_logits = self.sampler.start(tf.constant([row.prompt for row in new]))
        if rows:
            new_states, new_logits = tf.concat([states, new_states], axis=2), tf.concat([logits, new_logits], axis=0)
        return rows + new, new_states, new_logits

    def _work(self):
        rows, states, logits = [], None, None
        while True:
            try:
                rows, states, logits = self._admit(rows, states, logits, block=True)
                steps = min(self.chunk, max(row.remaining for row in rows))
                column = lambda key, dtype: tf.constant([row.settings[key] for row in rows], dtype)  # noqa: E731
                ids, states, logits = self.sampler.sample_rows(
                    states, logits, tf.constant(steps), column("temperature", tf.float32), column("top_k", tf.int32),
                    column("top_p", tf.float32), column("seed", tf.int64), column("position", tf.int64))
                texts = [t.decode("utf-8") for t in self.sampler.decode(ids).numpy()]
            except Exception as error:  # every active row gets it; the worker lives on
                for row in rows:
                    row.pieces.put(error)
                rows, states, logits = [], None, None
                continue
            keep = []
            for index, (row, text) in enumerate(zip(rows, texts)):
                row.pieces.put(text[: row.remaining])
                row.remaining -= min(steps, row.remaining)
                row.settings["position"] += steps
                if row.remaining == 0 or row.abandoned:
                    row.pieces.put(None)
                else:
                    keep.append(index)
            if not keep:
                rows, states, logits = [], None, None
            elif len(keep) < len(rows):
                rows = [rows[i] for i in keep]
                index = tf.constant(keep, tf.int32)
                states, logits = tf.gather(states, index, axis=2), tf.gather(logits, index)


class _Row:
    def __init__(self, prompt, params, pieces):
        self.prompt, self.pieces, self.abandoned = prompt, pieces, False
        self.remaining = params["length"]
        self.settings = dict(params, position=0)
