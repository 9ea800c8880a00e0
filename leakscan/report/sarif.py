"""SARIF 2.1.0, for GitHub code scanning and any other SARIF viewer.

Each reported finding is a result at its path, line and column; the rules that fired are the
driver's rules, with help text and references. `partialFingerprints` carry the finding's content
identity (rule, secret hash, path), so a moved line or a rewritten commit stays the same alert.
The secret itself appears only with --show-secrets.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any
from urllib.parse import quote

from leakscan import __version__
from leakscan.findings import identity, printable, redact, secret_sha256, snippet
from leakscan.model import Finding, RuleDoc, ScanResult
from leakscan.report.json_report import revocation_record, verification_record

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "leakscan/identity/v1"
_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub ranks alerts by this score: > 9 critical, 7-8.9 high, 4-6.9 medium, below that low.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}


def render(result: ScanResult, show_secrets: bool, color: bool = False) -> str:
    """The SARIF log: one run, its rules, its results and how the scan went."""
    findings = result.reported
    used = sorted({f.rule_id for f in findings})
    index = {rule_id: n for n, rule_id in enumerate(used)}
    run = {
        "tool": {
            "driver": {
                "name": "leakscan",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(_doc(result, f)) for f in _first_per_rule(findings, used)],
            }
        },
        "columnKind": "unicodeCodePoints",
        "invocations": [_invocation(result)],
        "results": [_result(f, index[f.rule_id], show_secrets) for f in findings],
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _first_per_rule(findings: list[Finding], used: list[str]) -> list[Finding]:
    first: dict[str, Finding] = {}
    for finding in findings:
        first.setdefault(finding.rule_id, finding)
    return [first[rule_id] for rule_id in used]


def _doc(result: ScanResult, finding: Finding) -> RuleDoc:
    """The rule's description; a finding carries enough to describe a rule the result does not list."""
    doc = result.rule_docs.get(finding.rule_id)
    return doc or RuleDoc(finding.rule_id, finding.rule_name, finding.provider, finding.severity)


def _rule(doc: RuleDoc) -> dict[str, Any]:
    help_text = _help_text(doc)
    rule: dict[str, Any] = {
        "id": doc.id,
        "name": doc.name,
        "shortDescription": {"text": doc.name},
        "fullDescription": {"text": doc.description or f"A {doc.name} ({doc.provider}) in the source."},
        "help": {"text": help_text, "markdown": _help_markdown(doc)},
        "defaultConfiguration": {"level": _LEVELS[doc.severity]},
        "properties": {
            "tags": ["security", "secret", doc.provider],
            "precision": "high",
            "security-severity": _SECURITY_SEVERITY[doc.severity],
            "severity": doc.severity,
        },
    }
    if doc.references:
        rule["helpUri"] = doc.references[0]
    return rule


def _help_text(doc: RuleDoc) -> str:
    lines = [
        f"{doc.name} ({doc.provider}).",
        "If it is real: revoke it with the provider first (it is in the history, so deleting the "
        "line is not enough), then load it from the environment or a secret store.",
        "If it is not a secret: add `leakscan:allow` in a comment on the line, list the path in "
        ".leakscan.toml, or record it in a baseline (`leakscan baseline update FILE`).",
    ]
    lines.extend(f"Reference: {url}" for url in doc.references)
    return "\n".join(lines)


def _help_markdown(doc: RuleDoc) -> str:
    lines = [
        f"**{doc.name}** ({doc.provider}).",
        "",
        "- If it is real: **revoke it with the provider first** (it is in the history, so deleting "
        "the line is not enough), then load it from the environment or a secret store.",
        "- If it is not a secret: add `leakscan:allow` in a comment on the line, list the path in "
        "`.leakscan.toml`, or record it in a baseline (`leakscan baseline update FILE`).",
    ]
    if doc.references:
        lines += ["", "References:", *(f"- <{url}>" for url in doc.references)]
    return "\n".join(lines)


def _result(finding: Finding, rule_index: int, show_secrets: bool) -> dict[str, Any]:
    shown = finding.secret if show_secrets else redact(finding.secret)
    material = ":".join(identity(finding)).encode("utf-8", "surrogateescape")
    record: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": f"{finding.rule_name}: {printable(shown)}"},
        "locations": [{"physicalLocation": _physical_location(finding, show_secrets)}],
        "partialFingerprints": {FINGERPRINT_KEY: hashlib.sha256(material).hexdigest()},
        "properties": _properties(finding),
    }
    return record


def _physical_location(finding: Finding, show_secrets: bool) -> dict[str, Any]:
    lines = finding.secret.split("\n")
    end_line = finding.line + len(lines) - 1
    end_column = (finding.column if len(lines) == 1 else 1) + len(lines[-1])
    return {
        "artifactLocation": artifact_location(finding.path),
        "region": {
            "startLine": finding.line,
            "startColumn": finding.column,
            "endLine": end_line,
            "endColumn": end_column,
            "snippet": {"text": snippet(finding, show_secrets)},
        },
    }


def artifact_location(path: str) -> dict[str, str]:
    """A URI for a reported path: relative paths stay relative to the source root (what code
    scanning expects); the exact bytes of odd names survive percent-encoding."""
    if os.path.isabs(path):
        return {"uri": "file://" + quote(os.fsencode(path))}
    return {"uri": quote(os.fsencode(path.replace(os.sep, "/"))), "uriBaseId": "%SRCROOT%"}


def _properties(finding: Finding) -> dict[str, Any]:
    props: dict[str, Any] = {
        "severity": finding.severity,
        "provider": finding.provider,
        "secret_sha256": secret_sha256(finding.secret),
        "redacted": redact(finding.secret),
    }
    if finding.commit is not None:
        commit = finding.commit
        props.update(commit=commit.id, author=commit.author, email=commit.email, date=commit.date)
    if finding.blob:
        props["blob"] = finding.blob
    if finding.decoded:
        props["decoded"] = finding.decoded
    if finding.verification.status != "not_checked":
        props["verification"] = verification_record(finding.verification)
        props["revocation"] = revocation_record(finding.revocation)
    return props


def _invocation(result: ScanResult) -> dict[str, Any]:
    notifications = [
        _notification("error", f"could not scan {e.path}: {e.message}", e.path) for e in result.errors
    ]
    notifications += [_notification("note", f"skipped {s.path}: {s.reason}", s.path) for s in result.skipped]
    invocation: dict[str, Any] = {"executionSuccessful": result.complete}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _notification(level: str, text: str, path: str) -> dict[str, Any]:
    return {
        "level": level,
        "message": {"text": printable(text)},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(path)}}],
    }
