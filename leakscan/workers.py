"""Spread batches of items over worker processes, each holding one Detector.

Small jobs run in this process: forking workers costs more than scanning a few files.
Workers are forked where the platform allows, so they inherit the compiled engine; elsewhere
they load it from the on-disk cache.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import TypeVar

from leakscan.detect import Detector, build_detector
from leakscan.rules import RuleSet

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs to build its Detector (picklable)."""

    rules: RuleSet
    engine: str


_detectors: dict[tuple[str, str], Detector] = {}  # per process; forked workers inherit the parent's
_spec: WorkerSpec | None = None


def detector_for(spec: WorkerSpec) -> Detector:
    """This process's Detector for `spec`, built once."""
    key = (spec.rules.digest, spec.engine)
    detector = _detectors.get(key)
    if detector is None:
        detector = _detectors[key] = build_detector(spec.rules, spec.engine)
    return detector


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def map_batches(
    work: Callable[[Detector, T], R], batches: Iterable[T], spec: WorkerSpec, jobs: int
) -> Iterator[R]:
    """`work(detector, batch)` for every batch, results in completion order.

    `work` must be a module-level function (it is pickled by name). At most a few batches per
    worker are in flight, so a lazy stream of batches is never held whole in memory.
    """
    detector_for(spec)  # build (or fail) here, before any worker exists
    if jobs <= 1:
        for batch in batches:
            yield work(detector_for(spec), batch)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init, initargs=(spec,)) as pool:
        # The first job forks every worker: do it before `batches` runs, which may start a thread
        # (the history's log pass), so that no worker is forked from a process with threads.
        pool.submit(os.getpid).result()
        pending: set[Future[R]] = set()
        for batch in batches:
            pending.add(pool.submit(_run, work, batch))
            if len(pending) >= jobs * 3:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        for future in _completed(pending):
            yield future.result()


def _completed(pending: set[Future[R]]) -> Iterator[Future[R]]:
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        yield from done


def _init(spec: WorkerSpec) -> None:
    global _spec
    _spec = spec


def _run(work: Callable[[Detector, T], R], batch: T) -> R:
    assert _spec is not None
    return work(detector_for(_spec), batch)
