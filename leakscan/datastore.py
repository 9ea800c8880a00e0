"""The sweep datastore: one SQLite file (WAL) holding what a sweep scanned and found.

Each repository's outcome is written in one transaction, so a sweep killed at any moment leaves
either all of a repository's results or none of them: the rerun scans what is missing and the
unique keys keep findings from being stored twice. The file holds the secrets themselves (a later
`--verify` or `--revoke` needs them), so it is created readable by its owner only.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from leakscan.errors import LeakscanError
from leakscan.findings import redact, secret_sha256
from leakscan.model import Finding, Revocation, ScanError, Skipped, Verification

SCHEMA_VERSION = 1
TRIAGE_STATES = ("false_positive", "accepted", "revoked")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS repositories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,          -- the local path, or the URL without credentials
    location TEXT NOT NULL,             -- where the git directory is read from
    rules_digest TEXT NOT NULL DEFAULT '',
    scanned_at TEXT,
    complete INTEGER NOT NULL DEFAULT 0,
    blobs INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS refs (
    repository_id INTEGER NOT NULL REFERENCES repositories(id),
    name TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (repository_id, name)
);
CREATE TABLE IF NOT EXISTS scanned_blobs (
    repository_id INTEGER NOT NULL,
    oid BLOB NOT NULL,
    PRIMARY KEY (repository_id, oid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS problems (
    repository_id INTEGER NOT NULL REFERENCES repositories(id),
    kind TEXT NOT NULL,                 -- error (the scan is incomplete) | skipped (by policy)
    path TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (
    sha256 TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY,
    repository_id INTEGER NOT NULL REFERENCES repositories(id),
    rule_id TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    provider TEXT NOT NULL,
    severity TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL REFERENCES secrets(sha256),
    redacted TEXT NOT NULL,
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    column INTEGER NOT NULL,
    blob TEXT NOT NULL DEFAULT '',
    commit_id TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',
    decoded TEXT,
    suppressed TEXT,
    first_seen TEXT NOT NULL,
    UNIQUE (repository_id, rule_id, secret_sha256, path, blob, commit_id)
);
CREATE INDEX IF NOT EXISTS findings_by_secret ON findings (secret_sha256);
CREATE TABLE IF NOT EXISTS live_checks (
    id INTEGER PRIMARY KEY,
    secret_sha256 TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    verification TEXT NOT NULL,
    verification_reason TEXT,
    identity TEXT,
    revocation TEXT NOT NULL,
    revocation_reason TEXT
);
CREATE TABLE IF NOT EXISTS triage (
    secret_sha256 TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class RepositoryOutcome:
    """What scanning one repository gave, ready to be stored."""

    name: str
    location: str
    rules_digest: str
    refs: tuple[tuple[str, str], ...] = ()
    findings: tuple[Finding, ...] = ()
    blobs_scanned: bytes = b""  # binary ids, concatenated
    id_width: int = 20  # bytes per id: 32 in a SHA-256 repository
    blobs: int = 0
    bytes: int = 0
    problems: tuple[Skipped | ScanError, ...] = ()
    rescanned: bool = False  # the rules changed: earlier scanned blobs were scanned again

    @property
    def complete(self) -> bool:
        """Whether everything in the repository was read."""
        return not any(isinstance(p, ScanError) for p in self.problems)


def now() -> str:
    """The current time, ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Datastore:
    """A sweep's SQLite file. Only the sweeping process writes it; workers return outcomes."""

    def __init__(self, path: str) -> None:
        self.path = path
        _create_private(path)
        try:
            self.db = sqlite3.connect(path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(_SCHEMA)
            self._check_version()
        except sqlite3.DatabaseError as exc:
            raise LeakscanError(f"{path}: not a leakscan datastore ({exc})") from None

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def _check_version(self) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            with self.db:
                self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif row[0] != str(SCHEMA_VERSION):
            raise LeakscanError(
                f"{self.path}: datastore schema {row[0]}, this leakscan reads {SCHEMA_VERSION}"
            )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self.db:
            yield self.db

    def known_blobs(self, name: str, rules_digest: str) -> bytes:
        """The blobs of repository `name` already scanned with these rules (binary ids,
        concatenated); nothing if the rules changed since, so that every blob is scanned again."""
        row = self.db.execute("SELECT id, rules_digest FROM repositories WHERE name = ?", (name,)).fetchone()
        if row is None or row[1] != rules_digest:
            return b""
        cursor = self.db.execute("SELECT oid FROM scanned_blobs WHERE repository_id = ?", (row[0],))
        return b"".join(oid for (oid,) in cursor)

    def unchanged(self, name: str, rules_digest: str, refs: tuple[tuple[str, str], ...]) -> bool:
        """Whether repository `name` was last scanned whole, with these rules, at exactly these refs
        (then nothing in it is new and the sweep need not even list its history)."""
        row = self.db.execute(
            "SELECT id, rules_digest, complete FROM repositories WHERE name = ?", (name,)
        ).fetchone()
        if row is None or row[1] != rules_digest or not row[2]:
            return False
        stored = self.db.execute(
            "SELECT name, target FROM refs WHERE repository_id = ? ORDER BY name", (row[0],)
        )
        return [tuple(r) for r in stored] == sorted(refs)

    def record(self, outcome: RepositoryOutcome) -> int:
        """Store one repository's outcome in one transaction; returns how many findings were new."""
        stamp = now()
        with self._transaction() as db:
            repo_id = self._repository_id(db, outcome)
            if outcome.rescanned:
                db.execute("DELETE FROM scanned_blobs WHERE repository_id = ?", (repo_id,))
            db.execute("DELETE FROM refs WHERE repository_id = ?", (repo_id,))
            db.executemany("INSERT INTO refs VALUES (?, ?, ?)", [(repo_id, n, t) for n, t in outcome.refs])
            db.execute("DELETE FROM problems WHERE repository_id = ?", (repo_id,))
            db.executemany(
                "INSERT INTO problems VALUES (?, ?, ?, ?)",
                [(repo_id, *_problem_row(p)) for p in outcome.problems],
            )
            added = sum(self._insert_finding(db, repo_id, f, stamp) for f in outcome.findings)
            if outcome.complete:  # an incomplete scan is redone whole next time
                width, ids = outcome.id_width, outcome.blobs_scanned
                db.executemany(
                    "INSERT OR IGNORE INTO scanned_blobs VALUES (?, ?)",
                    ((repo_id, ids[i : i + width]) for i in range(0, len(ids), width)),
                )
            db.execute(
                "UPDATE repositories SET rules_digest = ?, scanned_at = ?, complete = ?,"
                " blobs = blobs + ?, bytes = bytes + ? WHERE id = ?",
                (outcome.rules_digest, stamp, int(outcome.complete), outcome.blobs, outcome.bytes, repo_id),
            )
        return added

    def _repository_id(self, db: sqlite3.Connection, outcome: RepositoryOutcome) -> int:
        db.execute(
            "INSERT INTO repositories (name, location) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET location = excluded.location",
            (outcome.name, outcome.location),
        )
        row = db.execute("SELECT id FROM repositories WHERE name = ?", (outcome.name,)).fetchone()
        return int(row[0])

    def _insert_finding(self, db: sqlite3.Connection, repo_id: int, finding: Finding, stamp: str) -> int:
        digest = secret_sha256(finding.secret)
        db.execute(
            "INSERT OR IGNORE INTO secrets VALUES (?, ?, ?, ?)",
            (digest, finding.secret, finding.rule_id, stamp),
        )
        commit = finding.commit
        cursor = db.execute(
            "INSERT OR IGNORE INTO findings (repository_id, rule_id, rule_name, provider, severity,"
            " secret_sha256, redacted, path, line, column, blob, commit_id, author, email, date, decoded,"
            " suppressed, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                repo_id,
                finding.rule_id,
                finding.rule_name,
                finding.provider,
                finding.severity,
                digest,
                redact(finding.secret),
                finding.path,
                finding.line,
                finding.column,
                finding.blob or "",
                commit.id if commit else "",
                commit.author if commit else "",
                commit.email if commit else "",
                commit.date if commit else "",
                finding.decoded,
                finding.suppressed,
                stamp,
            ),
        )
        return cursor.rowcount

    def distinct_secrets(self) -> list[tuple[str, str, str]]:
        """(secret_sha256, rule_id, secret) of every secret with an unsuppressed finding."""
        return list(
            self.db.execute(
                "SELECT s.sha256, s.rule_id, s.secret FROM secrets s WHERE EXISTS"
                " (SELECT 1 FROM findings f WHERE f.secret_sha256 = s.sha256 AND f.suppressed IS NULL)"
                " ORDER BY s.sha256"
            )
        )

    def record_live_checks(self, results: Iterable[tuple[str, str, Verification, Revocation]]) -> None:
        """Append live-check outcomes, (secret_sha256, rule_id, verification, revocation) each."""
        stamp = now()
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO live_checks (secret_sha256, rule_id, checked_at, verification,"
                " verification_reason, identity, revocation, revocation_reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (sha, rule, stamp, v.status, v.reason, v.identity, r.status, r.reason)
                    for sha, rule, v, r in results
                ],
            )

    def triage(self, sha_prefix: str, status: str, note: str) -> str:
        """Record a triage decision for the one secret whose sha256 starts with `sha_prefix`."""
        if status not in TRIAGE_STATES:
            raise LeakscanError(f"triage status must be one of {', '.join(TRIAGE_STATES)}, not {status!r}")
        prefix = sha_prefix.lower()
        if len(prefix) < 6 or any(c not in "0123456789abcdef" for c in prefix):
            raise LeakscanError(f"{sha_prefix!r}: give a secret_sha256 or at least its first 6 hex digits")
        matches = [
            sha
            for (sha,) in self.db.execute(
                "SELECT DISTINCT secret_sha256 FROM findings WHERE secret_sha256 LIKE ? ORDER BY 1",
                (prefix + "%",),
            )
        ]
        if not matches:
            raise LeakscanError(f"{sha_prefix}: no finding in {self.path} has this secret_sha256")
        if len(matches) > 1:
            raise LeakscanError(f"{sha_prefix}: matches {len(matches)} secrets; give more digits")
        with self._transaction() as db:
            db.execute(
                "INSERT INTO triage VALUES (?, ?, ?, ?) ON CONFLICT (secret_sha256) DO UPDATE SET"
                " status = excluded.status, note = excluded.note, updated_at = excluded.updated_at",
                (matches[0], status, note, now()),
            )
        return matches[0]


def _problem_row(problem: Skipped | ScanError) -> tuple[str, str, str]:
    if isinstance(problem, ScanError):
        return "error", problem.path, problem.message
    return "skipped", problem.path, problem.reason


def _create_private(path: str) -> None:
    """Create the file owner-only before SQLite opens it (its -wal and -shm files copy the mode)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise LeakscanError(f"{path}: cannot open the datastore: {exc.strerror}") from None
    os.close(fd)
