"""JSON (one document) and JSON Lines (one finding per line)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from leakscan import __version__
from leakscan.findings import fingerprint, redact, secret_sha256, snippet
from leakscan.model import Finding, Revocation, ScanResult, Verification

REPORT_VERSION = 1


def finding_record(finding: Finding, show_secrets: bool) -> dict[str, Any]:
    """A finding as the report's JSON object; the secret is redacted unless `show_secrets`."""
    commit = finding.commit
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "provider": finding.provider,
        "severity": finding.severity,
        "secret": finding.secret if show_secrets else redact(finding.secret),
        "redacted": redact(finding.secret),
        "secret_sha256": secret_sha256(finding.secret),
        "fingerprint": fingerprint(finding),
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "snippet": snippet(finding, show_secrets),
        "blob": finding.blob,
        "decoded": finding.decoded,
        "commit": commit.id if commit else None,
        "author": commit.author if commit else None,
        "email": commit.email if commit else None,
        "date": commit.date if commit else None,
        "summary": commit.summary if commit else None,
        "commits": finding.commits if commit else None,
        "verification": verification_record(finding.verification),
        "revocation": revocation_record(finding.revocation),
    }


def verification_record(verification: Verification) -> dict[str, Any]:
    """A verification as JSON: the status, and only the details the issuer gave."""
    record: dict[str, Any] = {"status": verification.status}
    if verification.reason:
        record["reason"] = verification.reason
    if verification.identity:
        record["identity"] = verification.identity
    if verification.scopes:
        record["scopes"] = list(verification.scopes)
    if verification.expires_at:
        record["expires_at"] = verification.expires_at
    return record


def revocation_record(revocation: Revocation) -> dict[str, Any]:
    """A revocation as JSON: the status and, when there is one, why."""
    record: dict[str, Any] = {"status": revocation.status}
    if revocation.reason:
        record["reason"] = revocation.reason
    return record


def document(result: ScanResult, show_secrets: bool) -> dict[str, Any]:
    """The whole report as a JSON-ready dict."""
    suppressed = Counter(f.suppressed for f in result.findings if f.suppressed)
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "leakscan", "version": __version__, "engine": result.engine, "rules": result.rules},
        "scan": {
            "target": result.target,
            "mode": result.mode,
            "started_at": result.started_at,
            "duration_s": result.duration_s,
            "files": result.files,
            "bytes": result.bytes,
            "complete": result.complete,
            "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
            "errors": [{"path": e.path, "message": e.message} for e in result.errors],
            "dropped": result.dropped,
            "suppressed": dict(sorted(suppressed.items())),
            "notes": result.notes,
        },
        "findings": [finding_record(f, show_secrets) for f in result.reported],
    }


def render(result: ScanResult, show_secrets: bool, color: bool = False) -> str:
    """The JSON report."""
    return json.dumps(document(result, show_secrets), indent=2, ensure_ascii=False) + "\n"


def render_lines(result: ScanResult, show_secrets: bool, color: bool = False) -> str:
    """One JSON object per finding, one per line."""
    return "".join(
        json.dumps(finding_record(f, show_secrets), ensure_ascii=False) + "\n" for f in result.reported
    )
