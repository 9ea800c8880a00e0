"""Baselines: findings already known, recorded by content identity so that they stop failing builds.

For each known finding a baseline holds its rule, its path (relative to the repository root) and
the SHA-256 of its secret, never the secret itself. Line and commit are left out on purpose:
moving a line or rewriting history keeps a finding known, while a new secret, or the same secret
in another file, is new. A JSON report of a scan is accepted as a baseline too.

    {"version": 1, "kind": "leakscan-baseline",
     "entries": [{"rule_id": "github-pat-classic", "path": "app/settings.py", "secret_sha256": "…"}]}

Entries are sorted, and nothing else (no timestamps, no line numbers) is stored, so an update
that finds nothing new leaves the file byte for byte the same.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from leakscan.errors import LeakscanError
from leakscan.findings import secret_sha256
from leakscan.model import Finding

KIND = "leakscan-baseline"
VERSION = 1
Entry = tuple[str, str, str]  # (rule_id, secret_sha256, path relative to the repository root)
_HEX = frozenset("0123456789abcdef")
_KEYS = ("rule_id", "secret_sha256", "path")


@dataclass(frozen=True)
class PathFrame:
    """How a scan's paths map to repository-relative ones: relative paths are relative to `base`
    (the working directory for tree scans, the repository root for history), identity to `root`."""

    root: str
    base: str

    def relative(self, path: str) -> str:
        """`path` relative to the repository root, with '/' separators."""
        full = os.path.normpath(os.path.join(self.base, path))
        relative = os.path.relpath(full, self.root)
        return (full if relative.startswith("..") else relative).replace(os.sep, "/")


def project_root(target: str) -> str:
    """The repository root that holds `target` (the folder with `.git`), else `target`'s folder."""
    here = Path(target if os.path.isdir(target) else os.path.dirname(target) or ".").resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return str(folder)
    return str(here)


def entry(finding: Finding, frame: PathFrame) -> Entry:
    """A finding's identity, as a baseline records it."""
    return (finding.rule_id, secret_sha256(finding.secret), frame.relative(finding.path))


def load_baseline(path: str, root: str) -> frozenset[Entry]:
    """The entries of a baseline file, or of a JSON report used as one (exit 2 if it is neither).
    Their paths are taken as relative to the repository `root` (absolute ones are made so)."""
    frame = PathFrame(root, root)
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise LeakscanError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LeakscanError(f"{path}: not a baseline or JSON report: not valid JSON ({exc})") from None
    records = _records(path, document)
    entries: set[Entry] = set()
    for number, record in enumerate(records, 1):
        found = _entry_of(record)
        if found is None:
            raise LeakscanError(f"{path}: entry {number}: needs rule_id, path and a hex secret_sha256")
        entries.add((found[0], found[1], frame.relative(found[2])))
    return frozenset(entries)


def _entry_of(record: object) -> Entry | None:
    if not isinstance(record, dict):
        return None
    rule_id, digest, where = (record.get(k) for k in _KEYS)
    if not (isinstance(rule_id, str) and isinstance(digest, str) and isinstance(where, str)):
        return None
    return (rule_id, digest, where) if len(digest) == 64 and set(digest) <= _HEX else None


def _records(path: str, document: object) -> list[object]:
    if isinstance(document, dict) and document.get("kind") == KIND:
        if document.get("version") != VERSION:
            raise LeakscanError(f"{path}: baseline version {document.get('version')!r} is not supported")
        records = document.get("entries")
    elif isinstance(document, dict) and "findings" in document and "scan" in document:
        records = document["findings"]  # a JSON report of a scan
    else:
        raise LeakscanError(f"{path}: not a baseline or JSON report (no 'entries' or 'findings')")
    if not isinstance(records, list):
        raise LeakscanError(f"{path}: 'entries' must be a list")
    return records


def render_baseline(entries: Iterable[Entry]) -> str:
    """The baseline file's text: sorted entries, no secret, nothing that changes between runs."""
    records = [{"rule_id": r, "path": p, "secret_sha256": s} for r, s, p in sorted(set(entries))]
    return json.dumps({"version": VERSION, "kind": KIND, "entries": records}, indent=2) + "\n"


def mark_known(findings: list[Finding], known: frozenset[Entry], frame: PathFrame) -> list[Finding]:
    """The findings, with those in the baseline (and not otherwise suppressed) marked "baseline"."""
    return [
        replace(f, suppressed="baseline") if f.suppressed is None and entry(f, frame) in known else f
        for f in findings
    ]
