"""The one place the stages meet: a source's items → detection in workers → findings →
suppressions → a ScanResult that every report format renders."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from leakscan.config import Config
from leakscan.detect import Detector, build_detector
from leakscan.errors import RuleError
from leakscan.findings import blob_id
from leakscan.matcher import resolve_engine
from leakscan.model import Finding, Hit, RuleDoc, ScanError, ScanResult, Skipped
from leakscan.rules import SEVERITIES, RuleSet
from leakscan.suppress import Suppressor

if TYPE_CHECKING:
    from leakscan.sources.git.repo import Repository
    from leakscan.sources.git.staged import Lines, StagedFile
    from leakscan.sources.tree import FileEntry

DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
_BATCH_BYTES = 4 * 1024 * 1024
_BATCH_FILES = 256
_SMALL_SCAN_BYTES = 2 * 1024 * 1024  # below this, worker processes cost more than they save
_STAGED_CONTEXT = 64  # lines scanned around each added line: room for a PEM key or a long block


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
    """The rules with the configuration's extra rules added, less those it disables (by id, and
    severities below its minimum)."""
    known = {r.id: r.source for r in rules.rules}
    for rule in config.extra_rules:
        if rule.id in known:
            raise RuleError(rule.source, rule.id, "id", f"already defined in {known[rule.id]}")
        known[rule.id] = rule.source
    floor = SEVERITIES.index(config.min_severity)
    kept = tuple(
        r
        for r in (*rules.rules, *config.extra_rules)
        if r.id not in config.disabled_rules and SEVERITIES.index(r.severity) <= floor
    )
    return RuleSet(kept)


def scan_tree(targets: Sequence[str], rules: RuleSet, options: ScanOptions, config: Config) -> ScanResult:
    """Scan files and directories (and `-`, standard input)."""
    # Worker processes, progress and the file walk are imported here, not at start-up: the
    # commit hook (`scan_staged`) needs none of them.
    from leakscan.progress import Progress
    from leakscan.sources.tree import FileEntry, walk
    from leakscan.workers import WorkerSpec, default_jobs, detector_for, map_batches

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


def scan_staged(repo: Repository, rules: RuleSet, options: ScanOptions, config: Config) -> ScanResult:
    """Scan what is staged in a working tree: only secrets on added or changed lines are reported,
    at their line in the staged file. One process, no workers: a commit hook must answer at once."""
    from leakscan.sources.git.staged import staged_changes

    options = replace(options, engine=_staged_engine(rules, options.engine))
    result = new_result(repo.root, "staged", rules, options)
    started = time.monotonic()
    changes = staged_changes(repo)
    result.notes.extend(changes.notes)
    detector = build_detector(rules, options.engine)
    outcomes = _staged_outcomes(detector, repo, changes.files, options.max_file_size)
    _collect(result, outcomes, rules, Suppressor(config, repo.root))
    result.duration_s = round(time.monotonic() - started, 3)
    return result


def _staged_engine(rules: RuleSet, engine: str) -> str:
    """`auto` takes Hyperscan only when its database is already compiled: a commit hook must never
    wait seconds for a compile, and on a change of a few files the `regex` engine is as fast."""
    if engine != "auto" or resolve_engine(engine) != "hyperscan":
        return engine
    from leakscan.matcher.db_cache import is_cached
    from leakscan.validate.decode import GATES

    return "hyperscan" if is_cached(rules, GATES) else "regex"


def _staged_outcomes(
    detector: Detector, repo: Repository, files: Sequence[StagedFile], max_size: int
) -> Iterator[ItemOutcome]:
    from leakscan.sources.git.staged import read_blobs

    order = [blob for f in files for blob in ((f.base_blob, f.blob) if f.base_blob else (f.blob,))]
    blobs = read_blobs(repo, order, max_size)
    try:
        for staged in files:
            before: set[tuple[str, str]] = set()
            if staged.base_blob:
                base = next(blobs)[1]
                hits = detector.detect(base, staged.path).hits if base is not None else []
                before = {(h.rule_id, h.secret) for h in hits}
            data = next(blobs)[1]
            if data is None:
                skipped = Skipped(staged.path, f"larger than --max-file-size ({max_size} bytes)")
                yield ItemOutcome(staged.path, 0, problem=skipped)
                continue
            outcome = _detect_staged(detector, data, staged)
            new = [h for h in outcome.hits if (h.rule_id, h.secret) not in before and _on(h, staged.added)]
            yield replace(outcome, hits=tuple(new))
    finally:
        blobs.close()


def _detect_staged(detector: Detector, data: bytes, staged: StagedFile) -> ItemOutcome:
    """Detect in the windows around a file's added lines (the whole file when it is all new).

    Rules run only where a new secret can be: a secret on an added line starts at most
    `_STAGED_CONTEXT` lines above it (a longer block edited in its middle is left to the push hook
    and CI, which read whole blobs). Line numbers stay those of the staged file."""
    from leakscan.sources.git.staged import changed_windows

    if staged.added is None:
        return detect_item(detector, data, staged.path)
    hits: list[Hit] = []
    dropped: Counter[str] = Counter()
    size = 0
    for start, end, first_line in changed_windows(data, staged.added, _STAGED_CONTEXT):
        detection = detector.detect(data[start:end], staged.path)
        dropped.update(detection.dropped)
        size += end - start
        hits.extend(replace(h, line=h.line + first_line - 1, offset=h.offset + start) for h in detection.hits)
    blob = staged.blob if hits else None
    return ItemOutcome(staged.path, size, blob=blob, hits=tuple(hits), dropped=tuple(dropped.items()))


def _on(hit: Hit, lines: Lines | None) -> bool:
    """Whether the secret touches one of `lines` (None: every line counts)."""
    if lines is None:
        return True
    last = hit.line + hit.secret.count("\n")
    return any(start <= last and hit.line <= end for start, end in lines)


def new_result(target: str, mode: str, rules: RuleSet, options: ScanOptions) -> ScanResult:
    """An empty result, stamped with the time, engine and rule count (and what each rule is)."""
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    docs = {
        r.id: RuleDoc(r.id, r.name, r.provider, r.severity, r.description, r.references) for r in rules.rules
    }
    return ScanResult(
        target, mode, now, engine=resolve_engine(options.engine), rules=len(rules.rules), rule_docs=docs
    )


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
    from leakscan.sources.tree import read_file

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
    pairs: list[tuple[Finding, str | None]] = []
    for outcome in outcomes:
        if outcome.problem is not None:
            record_problem(result, outcome.problem)
            continue
        result.files += 1
        result.bytes += outcome.size
        dropped.update(dict(outcome.dropped))
        pairs.extend((to_finding(hit, rules, outcome.path, outcome.blob), hit.marker) for hit in outcome.hits)
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
