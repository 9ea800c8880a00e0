"""Sweep reports in text, JSON and CSV, rendered from an Inventory of the datastore."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from leakscan import __version__
from leakscan.inventory import Inventory

REPORT_VERSION = 1
CSV_COLUMNS = (
    "repository",
    "rule_id",
    "provider",
    "severity",
    "secret_sha256",
    "redacted",
    "path",
    "line",
    "column",
    "commit",
    "author",
    "date",
    "verification",
    "revocation",
    "triage",
)


def document(inventory: Inventory) -> dict[str, Any]:
    """The sweep report as a JSON-ready dict."""
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "leakscan", "version": __version__},
        "totals": inventory.totals(),
        "reuse": inventory.reuse(),
        "repositories": inventory.repositories,
        "findings": [_record(f) for f in inventory.findings],
    }


def _record(finding: dict[str, Any]) -> dict[str, Any]:
    verification: dict[str, Any] = {"status": finding["verification"]}
    if finding["verification_reason"]:
        verification["reason"] = finding["verification_reason"]
    if finding["identity"]:
        verification["identity"] = finding["identity"]
    if finding["checked_at"]:
        verification["checked_at"] = finding["checked_at"]
    revocation: dict[str, Any] = {"status": finding["revocation"]}
    if finding["revocation_reason"]:
        revocation["reason"] = finding["revocation_reason"]
    triage = {"status": finding["triage"], "note": finding["triage_note"]} if finding["triage"] else None
    keys = (
        "repository",
        "rule_id",
        "rule_name",
        "provider",
        "severity",
        "secret_sha256",
        "redacted",
        "path",
        "line",
        "column",
        "blob",
        "commit",
        "author",
        "email",
        "date",
        "decoded",
        "first_seen",
    )
    record = {key: (finding[key] or None) if key in ("blob", "commit") else finding[key] for key in keys}
    record.update(verification=verification, revocation=revocation, triage=triage)
    return record


def render_json(inventory: Inventory) -> str:
    """The JSON sweep report."""
    return json.dumps(document(inventory), indent=2, ensure_ascii=False) + "\n"


def render_csv(inventory: Inventory) -> str:
    """One row per finding, redacted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for finding in inventory.findings:
        writer.writerow(["" if finding[c] is None else finding[c] for c in CSV_COLUMNS])
    return out.getvalue()


def render_text(inventory: Inventory) -> str:
    """Totals, reused secrets, then one line per finding (live ones first)."""
    totals = inventory.totals()
    lines = [
        f"{totals['findings']} findings, {totals['secrets']} distinct secrets in "
        f"{totals['repositories']} repositories; {totals['live']} live",
        "by provider: " + _counts(totals["by_provider"]),
        "by severity: " + _counts(totals["by_severity"]),
    ]
    for item in inventory.reuse():
        lines.append(
            f"reused: {item['secret_sha256'][:12]} ({item['rule_id']}) in {len(item['repositories'])} "
            f"repositories: {', '.join(item['repositories'])}"
        )
    incomplete = [r["name"] for r in inventory.repositories if not r["complete"]]
    if incomplete:
        lines.append("incomplete (rerun the sweep): " + ", ".join(incomplete))
    if inventory.findings:
        lines.append("")
    for f in inventory.findings:
        state = f["verification"] + (f" / {f['revocation']}" if f["revocation"] != "not_attempted" else "")
        triage = f"  [{f['triage']}]" if f["triage"] else ""
        commit = f"  {f['commit'][:10]} {f['date']}" if f["commit"] else ""
        lines.append(
            f"{f['severity']:<8} {f['rule_id']}  {f['repository']}:{f['path']}:{f['line']}  "
            f"{f['redacted']}  {f['secret_sha256'][:12]}  {state}{triage}{commit}"
        )
    return "\n".join(lines) + "\n"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items()) or "none"
