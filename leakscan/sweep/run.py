"""Running a sweep: targets resolved, one task per repository on a local process pool or a Dask
cluster, each outcome stored as it arrives (so an interrupted sweep resumes where it stopped)."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TextIO

from leakscan.datastore import Datastore, RepositoryOutcome
from leakscan.errors import LeakscanError
from leakscan.model import ScanError
from leakscan.rules import RuleSet
from leakscan.sources.git.repo import open_repository
from leakscan.sweep.targets import Target, resolve
from leakscan.sweep.task import RepositoryTask, current_refs, scan_repository
from leakscan.workers import default_jobs


@dataclass(frozen=True)
class SweepOptions:
    """How to run a sweep."""

    db: str
    cache: str
    engine: str = "auto"
    jobs: int = 0  # local worker processes; 0: all cores
    scheduler: str | None = None  # a Dask scheduler's address: run the tasks on its workers
    max_file_size: int = 50 * 1024 * 1024
    progress: bool = True
    stream: TextIO = sys.stderr


@dataclass
class SweepSummary:
    """What one sweep did, for its closing lines and exit code."""

    repositories: int = 0
    unchanged: int = 0  # repositories whose refs had not moved since their last whole scan
    blobs: int = 0
    bytes: int = 0
    new_findings: int = 0
    problems: list[str] = field(default_factory=list)  # one line each: why something was not scanned

    @property
    def complete(self) -> bool:
        """Whether every target was scanned whole."""
        return not self.problems


def sweep(specs: list[str], rules: RuleSet, options: SweepOptions) -> SweepSummary:
    """Scan every target's history into the datastore; only blobs not scanned before are read."""
    store = Datastore(options.db)
    summary = SweepSummary()
    try:
        targets, unreachable = resolve(specs, options.cache)
        summary.problems.extend(u.message for u in unreachable)
        pending = [t for t in targets if not _unchanged(store, t, rules)]
        summary.unchanged = len(targets) - len(pending)
        tasks = [_task(store, t, rules, options) for t in pending]
        for done, outcome in enumerate(_outcomes(tasks, options), 1):
            summary.new_findings += store.record(outcome)
            summary.repositories += 1
            summary.blobs += outcome.blobs
            summary.bytes += outcome.bytes
            summary.problems.extend(_error_lines(outcome))
            _progress(options, done, len(tasks), outcome)
    finally:
        store.close()
    return summary


def _unchanged(store: Datastore, target: Target, rules: RuleSet) -> bool:
    try:
        refs = current_refs(open_repository(target.location))
    except LeakscanError:
        return False  # the task will say what is wrong with it
    return store.unchanged(target.name, rules.digest, refs)


def _task(store: Datastore, target: Target, rules: RuleSet, options: SweepOptions) -> RepositoryTask:
    known = store.known_blobs(target.name, rules.digest)
    return RepositoryTask(target.name, target.location, rules, options.engine, options.max_file_size, known)


def _outcomes(tasks: list[RepositoryTask], options: SweepOptions) -> Iterator[RepositoryOutcome]:
    """Each task's outcome, in completion order."""
    if not tasks:
        return
    if options.scheduler:
        yield from _on_dask(tasks, options.scheduler)
        return
    jobs = min(options.jobs or default_jobs(), len(tasks))
    if jobs <= 1:
        yield from (scan_repository(task) for task in tasks)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = [pool.submit(scan_repository, task) for task in tasks]
        for future in as_completed(futures):
            yield future.result()


def _on_dask(tasks: list[RepositoryTask], address: str) -> Iterator[RepositoryOutcome]:
    """The same tasks on a Dask cluster's workers; results come back here to be stored."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise LeakscanError("--scheduler needs Dask: pip install 'leakscan[distributed]'") from None
    try:
        client = Client(address, timeout="10s")
    except OSError as exc:
        raise LeakscanError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        futures = client.map(scan_repository, tasks, pure=False)
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()


def _error_lines(outcome: RepositoryOutcome) -> list[str]:
    """One line per read error; an error about the repository itself already names it."""
    return [
        p.message if p.path == outcome.name else f"{outcome.name}: {p.path}: {p.message}"
        for p in outcome.problems
        if isinstance(p, ScanError)
    ]


def _progress(options: SweepOptions, done: int, total: int, outcome: RepositoryOutcome) -> None:
    if not options.progress:
        return
    state = "" if outcome.complete else " (incomplete)"
    options.stream.write(
        f"[{done}/{total}] {outcome.name}: {outcome.blobs:,} new blobs, "
        f"{len(outcome.findings)} findings{state}\n"
    )
    options.stream.flush()
