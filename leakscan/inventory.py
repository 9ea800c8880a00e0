"""What a sweep's datastore holds, gathered for a report: each finding with its repository,
latest live-check state and triage, totals, and secrets reused across repositories."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from leakscan.errors import LeakscanError

_FINDINGS = """
SELECT r.name AS repository, f.rule_id, f.rule_name, f.provider, f.severity, f.secret_sha256,
       f.redacted, f.path, f.line, f.column, f.blob, f.commit_id AS "commit", f.author, f.email,
       f.date, f.decoded, f.first_seen,
       COALESCE(l.verification, 'not_checked') AS verification, l.verification_reason,
       l.identity, COALESCE(l.revocation, 'not_attempted') AS revocation, l.revocation_reason,
       l.checked_at, t.status AS triage, t.note AS triage_note
FROM findings f
JOIN repositories r ON r.id = f.repository_id
LEFT JOIN live_checks l ON l.id = (
    SELECT MAX(id) FROM live_checks WHERE secret_sha256 = f.secret_sha256)
LEFT JOIN triage t ON t.secret_sha256 = f.secret_sha256
WHERE f.suppressed IS NULL
"""


@dataclass
class Inventory:
    """Everything a sweep report shows; the findings are redacted records, never secrets."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    repositories: list[dict[str, Any]] = field(default_factory=list)
    suppressed: int = 0

    def totals(self) -> dict[str, Any]:
        """Counts by provider, severity, repository and live state."""
        secrets = {f["secret_sha256"] for f in self.findings}
        live = {f["secret_sha256"] for f in self.findings if f["verification"] == "live"}
        return {
            "findings": len(self.findings),
            "secrets": len(secrets),
            "repositories": len(self.repositories),
            "live": len(live),
            "suppressed": self.suppressed,
            "by_provider": _count(self.findings, "provider"),
            "by_severity": _count(self.findings, "severity"),
            "by_repository": _count(self.findings, "repository"),
            "by_verification": _count(self.findings, "verification"),
        }

    def reuse(self) -> list[dict[str, Any]]:
        """Secrets found in more than one repository, most widely spread first."""
        where: dict[str, set[str]] = {}
        rule: dict[str, str] = {}
        for finding in self.findings:
            where.setdefault(finding["secret_sha256"], set()).add(finding["repository"])
            rule[finding["secret_sha256"]] = finding["rule_id"]
        shared = [(sha, sorted(repos)) for sha, repos in where.items() if len(repos) > 1]
        shared.sort(key=lambda item: (-len(item[1]), item[0]))
        return [{"secret_sha256": sha, "rule_id": rule[sha], "repositories": repos} for sha, repos in shared]


def load_inventory(path: str) -> Inventory:
    """Read a sweep datastore (read-only) into an Inventory, live findings first, oldest first."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        findings = [dict(row) for row in db.execute(_FINDINGS)]
        repositories = [
            dict(row)
            for row in db.execute(
                "SELECT name, scanned_at, complete, blobs, bytes FROM repositories ORDER BY name"
            )
        ]
        suppressed = db.execute("SELECT COUNT(*) FROM findings WHERE suppressed IS NOT NULL").fetchone()[0]
        db.close()
    except sqlite3.Error as exc:
        raise LeakscanError(f"{path}: cannot read the datastore: {exc}") from None
    for repo in repositories:
        repo["complete"] = bool(repo["complete"])
    findings.sort(key=_report_order)
    return Inventory(findings, repositories, suppressed)


def _report_order(finding: dict[str, Any]) -> tuple[int, str, str, str, int]:
    """Live first, and among them the oldest (longest exposed); then by repository and place."""
    live = 0 if finding["verification"] == "live" else 1
    age = (finding["date"] or "9999") if live == 0 else ""
    return live, age, finding["repository"], finding["path"], finding["line"]


def _count(findings: list[dict[str, Any]], key: str) -> dict[str, int]:
    return dict(sorted(Counter(f[key] for f in findings).items(), key=lambda kv: (-kv[1], kv[0])))
