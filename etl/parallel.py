"""Validate a build's files side by side and hand the reports over in the files' order.

The building process takes files from the front of the list and forked workers take them from the
back. The builder publishes each report's rows as soon as the report is in (etl.build), so the
first files cost it no pickled report and no wait; meanwhile the workers start on the last files,
and their reports wait in a queue until the front reaches them. Where the two ends meet depends
only on speed: a slow publish leaves more files to the workers. Against a pool that hands every
file to a worker, the builder no longer idles, and one fewer process repeats what the first files
of each kind teach (etl.memo): a 100× build took 0.84× the CPU and 0.88× the wall time (farm-bench,
10 builds each, in turn), the CPU of a build in one process.

A worker that dies (e.g. killed for memory) costs time, never a report: the files it had not
reported are validated in the building process.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import queue
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

from etl import memo
from etl.resolve import resolver

J = TypeVar("J")
R = TypeVar("R")

log = logging.getLogger("etl")

BROKEN = "a validation process ended unexpectedly; validating in one process"  # logged when a worker dies

# Below this many files a second process costs more than it saves (a fork, a pickled report each).
PARALLEL_FROM_FILES = 8
POLL_SECONDS = 0.2  # how often a wait for a worker's report checks that the workers are alive


def in_order(jobs: Sequence[J], run: Callable[[J], R], processes: int = 1) -> Iterable[R]:
    """run(job) of every job, in order, each as soon as it and those before it are done; with
    processes > 1 (and enough jobs) processes - 1 forked workers help (see the module's text).
    They are forked when this is called, not when the first result is asked for: only the CLI asks
    for them, before it opens the warehouse, and a fork is safe where the only other threads are the
    libraries' fork-aware ones, never in the Streamlit server (its sessions' threads, DuckDB's) or
    after DuckDB has connected. Call its close() to stop early (the workers are stopped)."""
    if processes > 1 and len(jobs) >= PARALLEL_FROM_FILES and sys.platform == "linux":  # macOS: fork is unsafe
        resolver()  # built once here, inherited by every worker (not once in each)
        return _SideBySide(jobs, run, min(processes, len(jobs)) - 1)
    return _here(jobs, run)


def _here(jobs: Sequence[J], run: Callable[[J], R]) -> Iterator[R]:
    with memo.run():  # what one file computed serves the next (the same codes and names each base date)
        for job in jobs:
            yield run(job)


class _SideBySide(Generic[J, R]):
    def __init__(self, jobs: Sequence[J], run: Callable[[J], R], workers: int):
        ctx = multiprocessing.get_context("fork")
        self.jobs, self.run = jobs, run
        self._lock = ctx.Lock()
        # [the builder's next job, the last job a worker took]: the jobs between are still free
        self._ends = ctx.RawArray("q", [0, len(jobs)])
        self._out = ctx.Queue()  # (job index, result): a worker's feeder thread holds them until read
        self._workers = [ctx.Process(target=_work, args=(jobs, run, self._ends, self._lock, self._out), daemon=True)
                         for _ in range(workers)]
        self._closed = False
        for worker in self._workers:
            worker.start()

    def __iter__(self) -> Iterator[R]:
        waiting: dict[int, R] = {}  # the workers' results that came before their turn
        try:
            with memo.run():
                for i, job in enumerate(self.jobs):
                    if self._take(i):
                        yield self.run(job)
                        continue
                    result = waiting.pop(i) if i in waiting else self._await(i, waiting)
                    if result is None:  # a worker died: stop the others, and do what is left here
                        log.warning(BROKEN)
                        self.close()
                        for k in range(i, len(self.jobs)):
                            yield waiting.pop(k) if k in waiting else self.run(self.jobs[k])
                        return
                    yield self.run(job) if isinstance(result, _Failed) else result  # raises here as in one process
        finally:
            self.close()

    def _take(self, i: int) -> bool:
        """Whether job i (the builder's next) is still free: it is then the builder's."""
        with self._lock:
            if i < self._ends[1]:
                self._ends[0] = i + 1
                return True
            return False

    def _await(self, i: int, waiting: dict[int, R]) -> R | None:
        """Job i's result from the workers (the others that come first wait in waiting); None when
        a worker died, or every worker ended without sending it."""
        while True:
            try:
                k, result = self._out.get(timeout=POLL_SECONDS)
            except queue.Empty:
                codes = [w.exitcode for w in self._workers]
                if any(c not in (None, 0) for c in codes) or None not in codes:
                    return None
                continue
            except (EOFError, OSError, ValueError):  # a report cut off when its worker was killed
                return None
            if k == i:
                return result
            waiting[k] = result

    def close(self) -> None:
        """Stop the workers (a file one is on is dropped: they only read)."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            self._ends[0] = self._ends[1]  # nothing left to take
        for worker in self._workers:
            worker.terminate()
        for worker in self._workers:
            worker.join()
        self._out.close()


class _Failed:
    """What a worker sends for a job that raised: the builder runs it again, and raises what it raises."""


def _work(jobs: Sequence[J], run: Callable[[J], R], ends, lock, out) -> None:
    """A worker: take the last free job until none is left, and send each result (index, result)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the builder's to handle: it stops the workers
    gc.disable()  # as in the builder (etl.build._collector_paused); the process is short-lived
    with memo.run():  # what the worker learns serves its later files; it goes when the process ends
        while True:
            with lock:
                if ends[1] <= ends[0]:
                    break
                ends[1] -= 1
                k = ends[1]
            try:
                result = run(jobs[k])
            except Exception:  # the builder validates this file again, and raises what it raises
                out.put((k, _Failed()))
                break
            out.put((k, result))
    # returning lets multiprocessing wait for the queue's feeder thread to write every result
