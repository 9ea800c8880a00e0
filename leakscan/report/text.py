"""The report for people: findings grouped by file, then a one-line summary."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

import click

from leakscan.findings import printable, redact, snippet
from leakscan.model import Finding, ScanResult
from leakscan.rules import SEVERITIES

_COLORS = {"critical": "red", "high": "red", "medium": "yellow", "low": "cyan", "info": "blue"}
_LISTED_SKIPS = 20


def render(result: ScanResult, show_secrets: bool, color: bool = False) -> str:
    """Findings by file, skipped and unreadable inputs, and the summary line."""
    lines: list[str] = []
    findings = result.reported
    for path, group in groupby(findings, key=lambda f: f.path):
        lines.append(_style(printable(path), color, bold=True))
        for finding in group:
            lines.extend(_finding_lines(finding, show_secrets, color))
        lines.append("")
    lines.extend(_problem_lines(result))
    lines.extend(f"Note: {printable(note)}" for note in result.notes)
    lines.append(summary(result, color))
    return "\n".join(lines) + "\n"


def _finding_lines(finding: Finding, show_secrets: bool, color: bool) -> list[str]:
    severity = _style(f"{finding.severity:<8}", color, fg=_COLORS.get(finding.severity))
    secret = printable(finding.secret if show_secrets else redact(finding.secret))
    head = f"  {finding.line}:{finding.column}  {severity}  {finding.rule_id}  {secret}"
    out = [head, f"      {snippet(finding, show_secrets)}"]
    if finding.decoded:
        out.append(f"      (decoded from {finding.decoded})")
    if finding.commit:
        c = finding.commit
        out.append(f"      commit {c.id[:12]}  {c.author} <{c.email}>  {c.date}  {printable(c.summary)}")
    if finding.verification.status != "not_checked":
        out.append(f"      {_live_line(finding)}")
    return out


def _live_line(finding: Finding) -> str:
    v, r = finding.verification, finding.revocation
    line = f"live check: {v.status}"
    details = [d for d in (v.identity and f"as {printable(v.identity)}", v.reason) if d]
    if v.scopes:
        details.append("scopes " + ",".join(v.scopes))
    if v.expires_at:
        details.append(f"expires {v.expires_at}")
    if details:
        line += f" ({'; '.join(details)})"
    if r.status != "not_attempted":
        line += f"; revocation: {r.status}" + (f" ({printable(r.reason)})" if r.reason else "")
    return line


def _problem_lines(result: ScanResult) -> list[str]:
    out = []
    if result.errors:
        out.append(f"Could not scan ({len(result.errors)}):")
        out.extend(f"  {printable(e.path)}: {printable(e.message)}" for e in result.errors)
    if result.skipped:
        out.append(f"Skipped ({len(result.skipped)}):")
        out.extend(f"  {printable(s.path)}: {s.reason}" for s in result.skipped[:_LISTED_SKIPS])
        if len(result.skipped) > _LISTED_SKIPS:
            out.append(
                f"  … and {len(result.skipped) - _LISTED_SKIPS} more (all are listed in --format json)"
            )
    return out


def summary(result: ScanResult, color: bool = False) -> str:
    """One line: what was found, what was scanned, and whether the scan was complete."""
    findings = result.reported
    unit = "blobs" if result.mode == "git" else "files"
    scanned = f"{result.files:,} {unit}, {result.bytes / 1e6:,.1f} MB in {result.duration_s:.2f} s"
    extra = "".join(
        [
            f"; {len(result.skipped)} skipped" if result.skipped else "",
            f"; {len(result.findings) - len(findings)} suppressed"
            if len(result.findings) > len(findings)
            else "",
        ]
    )
    if findings:
        counts = Counter(f.severity for f in findings)
        by_severity = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
        files = len({f.path for f in findings})
        line = (
            f"{len(findings)} secret{'s' if len(findings) != 1 else ''} found ({by_severity}) in {files} "
            f"file{'s' if files != 1 else ''}{_live_summary(findings)}; scanned {scanned}{extra}"
        )
        line = _style(line, color, fg="red", bold=True)
    elif result.complete:
        line = _style(f"No leaks found; scanned {scanned}{extra}", color, fg="green")
    else:
        line = ""
    if not result.complete:
        incomplete = (
            f"Scan incomplete: {len(result.errors)} input{'s' if len(result.errors) != 1 else ''} "
            f"could not be read (listed above); scanned {scanned}{extra}"
        )
        line = (line + "\n" if line else "") + _style(incomplete, color, fg="yellow", bold=True)
    return line


def _live_summary(findings: list[Finding]) -> str:
    """`; 3 live, 3 revoked, 1 unknown` when live checks ran; counts distinct secrets."""
    distinct = {(f.rule_id, f.secret): f for f in findings}.values()
    if all(f.verification.status == "not_checked" for f in distinct):
        return ""
    verified = Counter(f.verification.status for f in distinct)
    revoked = Counter(f.revocation.status for f in distinct if f.revocation.status != "not_attempted")
    parts = [f"{verified[s]} {s}" for s in ("live", "invalid", "unknown") if verified[s]]
    parts += [f"{n} {status}" for status, n in sorted(revoked.items())]
    return "; " + ", ".join(parts)


def _style(text: str, color: bool, **style: object) -> str:
    return click.style(text, **style) if color else text  # type: ignore[arg-type]
