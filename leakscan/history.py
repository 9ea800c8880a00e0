"""History scans: every blob of the selected history scanned once, provenance attached after.

The flow: one `git log` pass, in a thread of its own, streams which commits introduced which
blobs (sources/git/log.py); each blob not seen before goes, as an id, to a worker, whose own
`git cat-file --batch` reads it and whose Detector scans it. Ids go out in windows of the log's
order sorted by path, so that one reader meets a file's versions together (git's delta chains).
The introductions wait on disk (IntroductionSpool). A blob that a
later commit introduces at a path a path-bound rule names (`.netrc`, `.pgpass`, ...) is scanned
again at that path. After the scan, only the blobs that matched are looked up in the spool, and
their commits described.
"""

from __future__ import annotations

import binascii
import contextlib
import operator
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeVar

from leakscan.config import Config
from leakscan.detect import Detector
from leakscan.errors import LeakscanError
from leakscan.matcher.confirm import Confirmer
from leakscan.model import Commit, Finding, Hit, ScanError, ScanResult, Skipped
from leakscan.progress import Progress
from leakscan.rules import RuleSet
from leakscan.scan import ScanOptions, finding_order, new_result, record_problem, to_finding
from leakscan.sources.git.blobs import BlobSource
from leakscan.sources.git.log import Selection, check_revisions
from leakscan.sources.git.objects import (
    Unread,
    close_readers,
    count_store_blobs,
    is_lfs_pointer,
    reader_for,
    store_exceeds,
)
from leakscan.sources.git.provenance import Introduction, IntroductionSpool, describe_commits
from leakscan.sources.git.repo import Repository, open_repository
from leakscan.suppress import Suppressor
from leakscan.workers import WorkerSpec, default_jobs, map_batches

T = TypeVar("T")

_BATCH_BLOBS = 512  # ids per worker job: 21 KiB of ids, well under a pipe's buffer
# Blobs handed out per window of the log pass, sorted by path: a file's versions then reach one
# `cat-file` together and it rebuilds each delta chain once (git's blobs: 6.1 -> 4.2 s of
# cat-file CPU). Windows start at one batch and double, so the workers never wait for the log.
_PATH_WINDOW = 32768
_AHEAD_CHUNK = 256  # blobs per hand-over from the log pass's thread
_PATH = operator.itemgetter(1)  # of (blob id, path); a stable sort keeps a path's versions in log order
_SMALL_STORE_BYTES = 2 * 1024 * 1024  # below this, worker processes cost more than they save
_LISTED_GITLINKS = 10


@dataclass(frozen=True)
class HistoryOptions:
    """What part of the history to scan and how to report where a secret came from."""

    selection: Selection = Selection()
    recurse_submodules: bool = False
    all_commits: bool = False  # one finding per introducing commit, not only the earliest
    revision_option: str = "--branch"  # how the user named the revisions, for error messages
    skip_blobs: bytes = b""  # binary ids (concatenated) already scanned by an earlier sweep
    record_blobs: bool = False  # keep the ids of the blobs scanned in the result (sweeps)


@dataclass(frozen=True)
class BlobBatch:
    """A worker's job: blob ids to read from `repo`, with a path each (path-restricted rules use it).

    `again`: blobs scanned before, now at a path-bound path they were not scanned at; a result
    is wanted for each even without hits, and they are not counted twice."""

    repo: Repository
    oids: tuple[str, ...]
    paths: tuple[str, ...]
    max_size: int
    again: bool = False


@dataclass(frozen=True)
class BlobHits:
    """A blob that matched, and its hits."""

    oid: str
    path: str
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class BatchOutcome:
    """What a worker found in one batch; blobs without hits leave only counts behind."""

    blobs: int
    bytes: int
    again: bool = False
    found: tuple[BlobHits, ...] = ()
    problems: tuple[Skipped | ScanError, ...] = ()
    dropped: tuple[tuple[str, int], ...] = ()
    lfs_pointers: tuple[str, ...] = ()


@dataclass
class _Tally:
    """Per-repository totals gathered while batches come back."""

    found: list[BlobHits] = field(default_factory=list)
    again: list[BlobHits] = field(default_factory=list)  # second scans at path-bound paths
    dropped: Counter[str] = field(default_factory=Counter)
    lfs_pointers: list[str] = field(default_factory=list)


def scan_history(
    repo: Repository, rules: RuleSet, options: ScanOptions, history: HistoryOptions, config: Config
) -> ScanResult:
    """Scan the selected history of `repo` (and of its checked-out submodules if asked)."""
    check_revisions(repo, history.selection, history.revision_option)
    result = new_result(repo.root, "git", rules, options)
    started = time.monotonic()
    pairs = _scan_repository(repo, "", rules, options, history, result)
    result.findings = sorted(Suppressor(config, path_base=repo.root).mark(pairs), key=_history_order)
    result.skipped.sort(key=lambda s: s.path)
    result.errors.sort(key=lambda e: e.path)
    result.dropped = dict(sorted(result.dropped.items()))
    result.duration_s = round(time.monotonic() - started, 3)
    return result


def _history_order(finding: Finding) -> tuple[tuple[str, int, int, str], str]:
    """Path, position and rule, then the introducing commit's date (versions of a file in turn)."""
    return finding_order(finding), finding.commit.date if finding.commit else ""


def _scan_repository(
    repo: Repository,
    prefix: str,
    rules: RuleSet,
    options: ScanOptions,
    history: HistoryOptions,
    result: ScanResult,
) -> list[tuple[Finding, str | None]]:
    """Scan one repository into `result`; returns its findings (not yet suppressed) with inline flags."""
    spool = IntroductionSpool(repo.hash_hex // 2)
    skip = history.skip_blobs if not prefix else b""
    source = BlobSource(repo, history.selection, spool, skip, _path_bound(rules))
    try:
        tally = _run_workers(source, rules, options, result, prefix)
        if history.record_blobs and not prefix:
            result.blobs_scanned = bytes(source.fresh)
        for message in source.errors:
            result.errors.append(ScanError(prefix or repo.root, message))
        result.notes.extend(_notes(repo, source, tally, history, prefix))
        pairs = _findings(repo, spool, tally, rules, history.all_commits, prefix)
    finally:
        spool.close()
    if source.gitlinks and history.recurse_submodules:
        pairs.extend(_scan_submodules(repo, sorted(source.gitlinks), prefix, rules, options, history, result))
    return pairs


def _run_workers(
    source: BlobSource, rules: RuleSet, options: ScanOptions, result: ScanResult, prefix: str
) -> _Tally:
    tally = _Tally()
    jobs = _jobs(source.repo, options)
    progress = _progress(source, options)
    batches = _batches(source, options.max_file_size)
    try:
        for outcome in map_batches(_scan_blobs, batches, WorkerSpec(rules, options.engine), jobs):
            for problem in outcome.problems:
                record_problem(result, _prefixed(problem, prefix))
            if outcome.again:  # what the first scan already counted
                tally.again.extend(outcome.found)
                continue
            result.files += outcome.blobs
            result.bytes += outcome.bytes
            tally.found.extend(outcome.found)
            tally.dropped.update(dict(outcome.dropped))
            tally.lfs_pointers.extend(prefix + p for p in outcome.lfs_pointers)
            progress.advance(outcome.blobs, outcome.bytes)
    finally:
        progress.close()
        close_readers()
    for reason, count in tally.dropped.items():
        result.dropped[reason] = result.dropped.get(reason, 0) + count
    return tally


def _jobs(repo: Repository, options: ScanOptions) -> int:
    if options.jobs:
        return options.jobs
    return default_jobs() if store_exceeds(repo, _SMALL_STORE_BYTES) else 1


def _progress(source: BlobSource, options: ScanOptions) -> Progress:
    if not options.progress:
        return Progress(0, 0, "blobs", enabled=False)
    blobs, size = count_store_blobs(source.repo) if source.selection.everything else (0, 0)
    return Progress(blobs, size, "blobs", enabled=True)


def _batches(source: BlobSource, max_size: int) -> Iterator[BlobBatch]:
    """Worker jobs of up to `_BATCH_BLOBS` blobs: the first scans in windows of the log pass's
    order, each window sorted by path, then the second scans at path-bound paths."""
    first: list[tuple[str, str]] = []
    again: list[tuple[str, str]] = []
    window = _BATCH_BLOBS
    for oid, path, second in _read_ahead(source.blobs(), 2 * _PATH_WINDOW // _AHEAD_CHUNK):
        if second:
            again.append((oid, path))
            continue
        first.append((oid, path))
        if len(first) >= window:
            yield from _jobs_of(source.repo, sorted(first, key=_PATH), max_size)
            first, window = [], min(window * 2, _PATH_WINDOW)
    yield from _jobs_of(source.repo, sorted(first, key=_PATH), max_size)
    yield from _jobs_of(source.repo, again, max_size, again=True)


def _read_ahead(items: Generator[T, None, None], chunks: int) -> Iterator[T]:
    """`items`, produced by a thread of their own up to `chunks` x `_AHEAD_CHUNK` ahead: the log
    pass goes on while a window is handed out and scanned (else the workers wait while the next
    one fills). An exception in `items` is raised here once the items before it are out."""
    ahead: queue.Queue[list[T]] = queue.Queue(chunks)
    failure: list[BaseException] = []
    stop = threading.Event()

    def produce() -> None:
        chunk: list[T] = []
        try:
            for item in items:
                chunk.append(item)
                if len(chunk) >= _AHEAD_CHUNK:
                    ahead.put(chunk)
                    chunk = []
                    if stop.is_set():
                        break
        except BaseException as exc:  # raised again by the consumer
            failure.append(exc)
        finally:
            items.close()  # ends the log pass's git if the consumer stopped early
            if chunk:
                ahead.put(chunk)
            ahead.put([])  # the end

    thread = threading.Thread(target=produce, name="leakscan-log-pass", daemon=True)
    thread.start()
    try:
        while chunk := ahead.get():
            yield from chunk
    finally:
        stop.set()
        while thread.is_alive():  # a producer blocked on a full queue needs room to see `stop`
            with contextlib.suppress(queue.Empty):
                ahead.get(timeout=0.05)
        thread.join()
    if failure:
        raise failure[0]


def _jobs_of(
    repo: Repository, entries: list[tuple[str, str]], max_size: int, again: bool = False
) -> Iterator[BlobBatch]:
    for start in range(0, len(entries), _BATCH_BLOBS):
        chunk = entries[start : start + _BATCH_BLOBS]
        yield BlobBatch(repo, tuple(o for o, _ in chunk), tuple(p for _, p in chunk), max_size, again)


def _scan_blobs(detector: Detector, batch: BlobBatch) -> BatchOutcome:
    """Worker: read a batch of blobs through this process's `git cat-file` and scan each."""
    reader = reader_for(batch.repo)
    found: list[BlobHits] = []
    problems: list[Skipped | ScanError] = []
    lfs: list[str] = []
    dropped: Counter[str] = Counter()
    blobs = size = 0
    for oid, path, data in zip(batch.oids, batch.paths, reader.read(batch.oids, batch.max_size), strict=True):
        if isinstance(data, Unread):
            problems.append(ScanError(path, data.reason) if data.error else Skipped(path, data.reason))
            continue
        blobs += 1
        size += len(data)
        if is_lfs_pointer(data):
            lfs.append(path)
        detection = detector.detect(data, path)
        dropped.update(detection.dropped)
        if detection.hits or batch.again:
            found.append(BlobHits(oid, path, _distinct(detection.hits)))
    return BatchOutcome(
        blobs, size, batch.again, tuple(found), tuple(problems), tuple(dropped.items()), tuple(lfs)
    )


def _distinct(hits: list[Hit]) -> tuple[Hit, ...]:
    """One hit per (rule, secret) in a blob: a history finding is identified by rule, secret,
    path and blob, so a secret repeated within one file version is reported at its first line."""
    seen: set[tuple[str, str]] = set()
    out = []
    for hit in hits:
        if (hit.rule_id, hit.secret) not in seen:
            seen.add((hit.rule_id, hit.secret))
            out.append(hit)
    return tuple(out)


def _findings(
    repo: Repository,
    spool: IntroductionSpool,
    tally: _Tally,
    rules: RuleSet,
    all_commits: bool,
    prefix: str,
) -> list[tuple[Finding, str | None]]:
    """Each matched blob's hits at each path it was introduced at, with the introducing commit(s).

    At a path where the blob was scanned again (a path-bound path), that scan's hits hold; at
    every other path, the first scan's."""
    first = {blob.oid: blob for blob in tally.found}
    again: dict[str, dict[str, BlobHits]] = {}
    for blob in tally.again:
        again.setdefault(blob.oid, {})[blob.path] = blob
    matched = {oid for oid in first} | {
        oid for oid, scans in again.items() if any(s.hits for s in scans.values())
    }
    introductions = spool.lookup({binascii.unhexlify(oid) for oid in matched})
    placements = {
        oid: _by_path(introductions.get(binascii.unhexlify(oid), []), first[oid].path if oid in first else "")
        for oid in matched
    }
    wanted = {
        i.commit for paths in placements.values() for group in paths.values() for i in group if i.commit
    }
    described = describe_commits(repo, wanted)
    confirmer = Confirmer(rules)  # whether a rule applies at a path, as the engines decide it
    pairs: list[tuple[Finding, str | None]] = []
    for oid in sorted(matched):
        for path, group in placements[oid].items():
            scan = again.get(oid, {}).get(path) or first.get(oid)
            if scan is None:
                continue
            commits = [described.get(i.commit) or Commit(i.commit, "", "", "", "") for i in group if i.commit]
            shown: list[Commit | None] = list(commits if all_commits else commits[:1]) or [None]
            for hit in scan.hits:
                if not confirmer.rule_applies(rules.by_id(hit.rule_id), path):  # reported at all its paths
                    continue
                base = to_finding(hit, rules, prefix + path, oid)
                pairs.extend(
                    (replace(base, commit=commit, commits=len(commits)), hit.marker) for commit in shown
                )
    return pairs


def _by_path(introductions: list[Introduction], fallback: str) -> dict[str, list[Introduction]]:
    """Introductions grouped by path, earliest commit first (commit date, then id).

    A blob no commit introduced (dangling) keeps the path it was scanned under."""
    if not introductions:
        return {fallback: []}
    grouped: dict[str, list[Introduction]] = {}
    for intro in sorted(set(introductions), key=lambda i: (i.time, i.commit or "")):
        grouped.setdefault(intro.path, []).append(intro)
    return grouped


def _path_bound(rules: RuleSet) -> Callable[[str], bool]:
    """Whether some path-bound rule names a path: the same test that decides, in the engines,
    whether the path-bound rules run on an item."""
    confirmer = Confirmer(rules)
    indices = [index for index, rule in enumerate(rules.rules) if rule.path is not None]
    return lambda path: bool(indices) and confirmer.any_applies(indices, path)


def _prefixed(problem: Skipped | ScanError, prefix: str) -> Skipped | ScanError:
    return replace(problem, path=prefix + problem.path) if prefix else problem


def _notes(
    repo: Repository, source: BlobSource, tally: _Tally, history: HistoryOptions, prefix: str
) -> list[str]:
    where = f"submodule {prefix.rstrip('/')}: " if prefix else ""
    notes = []
    if source.commits == 0 and not source.seen:
        notes.append(
            f"{where}the repository has no commits"
            if source.selection.everything
            else f"{where}no commits in the selected history"
        )
    if repo.shallow:
        notes.append(
            f"{where}shallow clone: history beyond the shallow boundary is not in this repository and "
            "was not scanned; blobs present at a boundary commit are attributed to it"
        )
    if tally.lfs_pointers:
        notes.append(
            f"{where}{len(tally.lfs_pointers)} Git LFS pointer file(s) (e.g. {min(tally.lfs_pointers)}): "
            "their content is stored outside git and was not fetched or scanned"
        )
    if source.gitlinks and not history.recurse_submodules:
        listed = ", ".join(prefix + p for p in sorted(source.gitlinks)[:_LISTED_GITLINKS])
        more = len(source.gitlinks) - _LISTED_GITLINKS
        notes.append(
            f"submodules not scanned (gitlinks at {listed}{f' and {more} more' if more > 0 else ''}); "
            "--recurse-submodules scans those that are checked out"
        )
    return notes


def _scan_submodules(
    repo: Repository,
    paths: list[str],
    prefix: str,
    rules: RuleSet,
    options: ScanOptions,
    history: HistoryOptions,
    result: ScanResult,
) -> list[tuple[Finding, str | None]]:
    """Scan each checked-out submodule's own history (its refs; a range names superproject commits)."""
    selection = Selection(since=history.selection.since, unreachable=history.selection.unreachable)
    inner = replace(history, selection=selection)
    pairs: list[tuple[Finding, str | None]] = []
    for path in paths:
        folder = os.path.join(repo.root, path)
        if repo.bare or not os.path.exists(os.path.join(folder, ".git")):
            result.notes.append(f"submodule {prefix}{path} is not checked out: not scanned")
            continue
        try:
            submodule = open_repository(folder)
        except LeakscanError as exc:
            result.errors.append(ScanError(f"{prefix}{path}", f"submodule not scanned: {exc}"))
            continue
        pairs.extend(_scan_repository(submodule, f"{prefix}{path}/", rules, options, inner, result))
    return pairs
