"""CSV: one row per finding, for spreadsheets."""

from __future__ import annotations

import csv
import io

from leakscan.model import ScanResult
from leakscan.report.json_report import finding_record

COLUMNS = (
    "rule_id",
    "rule_name",
    "provider",
    "severity",
    "path",
    "line",
    "column",
    "secret",
    "secret_sha256",
    "fingerprint",
    "commit",
    "author",
    "date",
    "snippet",
    "verification",
    "revocation",
)


def render(result: ScanResult, show_secrets: bool, color: bool = False) -> str:
    """The CSV report, with a header row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for finding in result.reported:
        record = finding_record(finding, show_secrets)
        record.update(verification=finding.verification.status, revocation=finding.revocation.status)
        writer.writerow({k: _inert(record[k]) for k in COLUMNS})
    return out.getvalue()


def _inert(value: object) -> object:
    """A cell a spreadsheet will not run as a formula (text from a scanned file may be hostile)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
