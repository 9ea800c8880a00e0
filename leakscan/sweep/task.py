"""The one task a sweep runs per repository, in a local worker process or on a Dask worker.

It only reads: the repository and the rules it is given. What it found comes back as a
RepositoryOutcome, and the sweeping process alone writes the datastore.
"""

from __future__ import annotations

from dataclasses import dataclass

from leakscan.commands import repository_config
from leakscan.datastore import RepositoryOutcome
from leakscan.errors import LeakscanError
from leakscan.history import HistoryOptions, scan_history
from leakscan.model import ScanError, Skipped
from leakscan.rules import RuleSet
from leakscan.scan import ScanOptions, select_rules
from leakscan.sources.git.repo import Repository, open_repository


@dataclass(frozen=True)
class RepositoryTask:
    """Scan the history of the repository at `location`, skipping the blobs in `known_blobs`."""

    name: str
    location: str
    rules: RuleSet
    engine: str
    max_file_size: int
    known_blobs: bytes = b""  # binary ids an earlier sweep scanned with the same rules


def scan_repository(task: RepositoryTask) -> RepositoryOutcome:
    """Scan one repository's whole history (every ref, every blob not scanned before)."""
    empty = RepositoryOutcome(task.name, task.location, task.rules.digest)
    try:
        repo = open_repository(task.location)
        config = repository_config(repo, None)
        rules = select_rules(task.rules, config)
        options = ScanOptions(task.engine, jobs=1, max_file_size=task.max_file_size)
        history = HistoryOptions(skip_blobs=task.known_blobs, record_blobs=True)
        result = scan_history(repo, rules, options, history, config)
        refs = current_refs(repo)
    except LeakscanError as exc:
        return RepositoryOutcome(
            task.name, task.location, task.rules.digest, problems=(ScanError(task.name, str(exc)),)
        )
    problems: tuple[Skipped | ScanError, ...] = (*result.errors, *result.skipped)
    return RepositoryOutcome(
        empty.name,
        empty.location,
        empty.rules_digest,
        refs=refs,
        findings=tuple(result.findings),
        blobs_scanned=result.blobs_scanned,
        id_width=repo.hash_hex // 2,
        blobs=result.files,
        bytes=result.bytes,
        problems=problems,
        rescanned=not task.known_blobs,
    )


def current_refs(repo: Repository) -> tuple[tuple[str, str], ...]:
    """Every ref and the object it points at."""
    listing = repo.run("for-each-ref", "--format=%(refname) %(objectname)")
    pairs = (line.rsplit(" ", 1) for line in listing.decode("utf-8", "replace").splitlines() if line)
    return tuple((name, target) for name, target in pairs)
