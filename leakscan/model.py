"""Frozen records that cross stage boundaries: what was scanned, matched, found, skipped."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawMatch:
    """A rule's pattern matched an item; nothing is validated yet. Offsets are byte offsets."""

    rule_index: int
    start: int
    end: int
    secret_start: int
    secret_end: int
    secret: bytes


@dataclass(frozen=True)
class Hit:
    """A validated match, located in its item: what a worker sends back for one secret."""

    rule_id: str
    secret: str
    offset: int  # byte offset of the secret in the item (in the encoded text when decoded)
    line: int  # 1-based
    column: int  # 1-based, counted in characters
    before: str  # text of the line before the secret, trimmed
    after: str  # text of the line after the secret, trimmed
    decoded: str | None = None  # how the secret was decoded, e.g. "base64"
    marker: str | None = None  # the inline allow marker on the line (suppress.py decides if it counts)


@dataclass(frozen=True)
class Commit:
    """Where a git blob came from."""

    id: str
    author: str
    email: str
    date: str  # ISO 8601
    summary: str


@dataclass(frozen=True)
class Verification:
    """What the issuer said when asked whether a secret works (live checks, opt-in)."""

    status: str = "not_checked"  # not_checked | live | invalid | unknown
    reason: str | None = None  # why, in one line: "HTTP 401", "timed out after 10 s", ...
    identity: str | None = None  # whose credential it is, as the issuer names it
    scopes: tuple[str, ...] = ()
    expires_at: str | None = None  # ISO 8601


@dataclass(frozen=True)
class Revocation:
    """What happened when the issuer was asked to kill a live secret."""

    # not_attempted | revoked | revoke_unconfirmed | failed | unsupported | dry_run | declined
    status: str = "not_attempted"
    reason: str | None = None


@dataclass(frozen=True)
class Finding:
    """A secret at one place, with everything a report needs."""

    rule_id: str
    rule_name: str
    provider: str
    severity: str
    secret: str
    path: str
    line: int
    column: int
    before: str
    after: str
    blob: str | None = None  # git blob id of the content that holds the secret
    commit: Commit | None = None
    commits: int = 0  # how many commits introduced this blob at this path (history scans)
    decoded: str | None = None
    verification: Verification = Verification()
    revocation: Revocation = Revocation()
    suppressed: str | None = None  # why it is hidden (inline, allowlist, baseline), or None


@dataclass(frozen=True)
class RuleDoc:
    """What a report says about a rule (SARIF rule descriptors): no pattern, no live check."""

    id: str
    name: str
    provider: str
    severity: str
    description: str = ""
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """An input left out by policy (size cap, special file): listed, but the scan is still complete."""

    path: str
    reason: str


@dataclass(frozen=True)
class ScanError:
    """An input that could not be read: the scan is incomplete (exit 2)."""

    path: str
    message: str


@dataclass
class ScanResult:
    """Everything one scan produced, in the order the report shows it."""

    target: str
    mode: str
    started_at: str
    engine: str = ""
    rules: int = 0
    duration_s: float = 0.0
    files: int = 0
    bytes: int = 0
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # raw matches a validator rejected, by reason
    rule_docs: dict[str, RuleDoc] = field(default_factory=dict)  # the rules of the scan, by id
    blobs_scanned: builtins.bytes = b""  # binary ids of the blobs read, when a sweep asked to keep them

    @property
    def reported(self) -> list[Finding]:
        """Findings that are not suppressed."""
        return [f for f in self.findings if f.suppressed is None]

    @property
    def complete(self) -> bool:
        """Whether everything that should have been read was read."""
        return not self.errors
