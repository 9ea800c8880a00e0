"""The one place the stages meet: a source's items → detection in workers → findings →
suppressions → a ScanResult that every report format renders."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from leakscan.config import Config
from leakscan.detect import Detector
from leakscan.findings import blob_id
from leakscan.matcher import resolve_engine
from leakscan.model import Finding, Hit, ScanError, ScanResult, Skipped
from leakscan.progress import Progress
from leakscan.rules import SEVERITIES, RuleSet
from leakscan.sources.tree import FileEntry, read_file, walk
from leakscan.suppress import Suppressor
from leakscan.workers import WorkerSpec, default_jobs, detector_for, map_batches

DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
_BATCH_BYTES = 4 * 1024 * 1024
_BATCH_FILES = 256
_SMALL_SCAN_BYTES = 2 * 1024 * 1024  # below this, worker processes cost more than they save


@dataclass(frozen=True)
class ScanOptions:
    """How to scan, whatever the source."""

    engine: str = "auto"
    jobs: int = 0  # 0: all cores
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    progress: bool = False


@dataclass(frozen=True)
class ItemOutcome:
    """What scanning one item gave: hits, or why it was not scanned."""

    path: str
    size: int
    blob: str | None = None
    hits: tuple[Hit, ...] = ()
    dropped: tuple[tuple[str, int], ...] = ()
    problem: Skipped | ScanError | None = None


def select_rules(rules: RuleSet, config: Config) -> RuleSet:
    """The rules the configuration leaves enabled (disabled ids and severities below the minimum go)."""
    floor = SEVERITIES.index(config.min_severity)
    kept = tuple(
        r for r in rules.rules if r.id not in config.disabled_rules and SEVERITIES.index(r.severity) <= floor
    )
    return RuleSet(kept)


def scan_tree(targets: Sequence[str], rules: RuleSet, options: ScanOptions, config: Config) -> ScanResult:
    """Scan files and directories (and `-`, standard input)."""
    result = new_result(", ".join(targets), "tree", rules, options)
    started = time.monotonic()
    spec = WorkerSpec(rules, options.engine)
    entries: list[FileEntry] = []
    for item in walk([t for t in targets if t != "-"], options.max_file_size):
        if isinstance(item, FileEntry):
            entries.append(item)
        else:
            record_problem(result, item)
    outcomes: list[ItemOutcome] = []
    if "-" in targets:
        outcomes.append(_scan_stdin(detector_for(spec), options.max_file_size))
    total = sum(e.size for e in entries)
    jobs = options.jobs or default_jobs()
    if total < _SMALL_SCAN_BYTES:
        jobs = 1
    progress = Progress(len(entries), total, "files", options.progress)
    for batch in map_batches(_scan_files, _batches(entries, options.max_file_size), spec, jobs):
        outcomes.extend(batch)
        progress.advance(len(batch), sum(o.size for o in batch))
    progress.close()
    _collect(result, outcomes, rules, Suppressor(config))
    result.duration_s = round(time.monotonic() - started, 3)
    return result


def new_result(target: str, mode: str, rules: RuleSet, options: ScanOptions) -> ScanResult:
    """An empty result, stamped with the time, engine and rule count."""
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return ScanResult(target, mode, now, engine=resolve_engine(options.engine), rules=len(rules.rules))


def _batches(entries: list[FileEntry], max_size: int) -> Iterator[tuple[list[FileEntry], int]]:
    batch: list[FileEntry] = []
    size = 0
    for entry in entries:
        batch.append(entry)
        size += entry.size
        if size >= _BATCH_BYTES or len(batch) >= _BATCH_FILES:
            yield batch, max_size
            batch, size = [], 0
    if batch:
        yield batch, max_size


def _scan_files(detector: Detector, job: tuple[list[FileEntry], int]) -> list[ItemOutcome]:
    """Worker: read and scan a batch of files."""
    entries, max_size = job
    out = []
    for entry in entries:
        data = read_file(entry, max_size)
        if isinstance(data, (Skipped, ScanError)):
            out.append(ItemOutcome(entry.path, 0, problem=data))
        else:
            out.append(detect_item(detector, data, entry.path))
    return out


def detect_item(detector: Detector, data: bytes, path: str) -> ItemOutcome:
    """Scan one item's bytes; the blob id is computed only when something was found."""
    detection = detector.detect(data, path)
    hits = tuple(detection.hits)
    return ItemOutcome(
        path=path,
        size=len(data),
        blob=blob_id(data) if hits else None,
        hits=hits,
        dropped=tuple(detection.dropped.items()),
    )


def _scan_stdin(detector: Detector, max_size: int) -> ItemOutcome:
    try:
        data = sys.stdin.buffer.read(max_size + 1)
    except OSError as exc:
        return ItemOutcome("<stdin>", 0, problem=ScanError("<stdin>", exc.strerror or str(exc)))
    if len(data) > max_size:
        return ItemOutcome("<stdin>", 0, problem=Skipped("<stdin>", "larger than --max-file-size"))
    return detect_item(detector, data, "<stdin>")


def record_problem(result: ScanResult, problem: Skipped | ScanError) -> None:
    """File a skipped input (policy) or an unreadable one (error) in the result."""
    if isinstance(problem, ScanError):
        result.errors.append(problem)
    else:
        result.skipped.append(problem)


def _collect(
    result: ScanResult, outcomes: Iterable[ItemOutcome], rules: RuleSet, suppressor: Suppressor
) -> None:
    dropped: Counter[str] = Counter()
    pairs: list[tuple[Finding, bool]] = []
    for outcome in outcomes:
        if outcome.problem is not None:
            record_problem(result, outcome.problem)
            continue
        result.files += 1
        result.bytes += outcome.size
        dropped.update(dict(outcome.dropped))
        pairs.extend(
            (to_finding(hit, rules, outcome.path, outcome.blob), hit.inline_allowed) for hit in outcome.hits
        )
    result.findings = sorted(suppressor.mark(pairs), key=finding_order)
    result.skipped.sort(key=lambda s: s.path)
    result.errors.sort(key=lambda e: e.path)
    result.dropped = dict(sorted(dropped.items()))


def to_finding(hit: Hit, rules: RuleSet, path: str, blob: str | None) -> Finding:
    """A finding from a worker's hit and where its item came from."""
    rule = rules.by_id(hit.rule_id)
    return Finding(
        rule_id=rule.id,
        rule_name=rule.name,
        provider=rule.provider,
        severity=rule.severity,
        secret=hit.secret,
        path=path,
        line=hit.line,
        column=hit.column,
        before=hit.before,
        after=hit.after,
        blob=blob,
        decoded=hit.decoded,
    )


def finding_order(finding: Finding) -> tuple[str, int, int, str]:
    """Reports list findings by path, then position, then rule."""
    return (finding.path, finding.line, finding.column, finding.rule_id)
