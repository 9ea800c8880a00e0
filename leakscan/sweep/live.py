"""Live checks over a sweep's datastore: each distinct secret once, however many repositories hold
it; its outcome appended to the datastore's live-check history."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from leakscan.commands import LiveSettings
from leakscan.datastore import Datastore
from leakscan.findings import secret_sha256
from leakscan.live.checks import run_live_checks
from leakscan.live.commands import live_options
from leakscan.model import Commit, Finding
from leakscan.rules import RuleSet
from leakscan.sources.git.repo import open_repository

# Secrets already known dead, or judged not secrets, are not asked about again.
_SETTLED = """
SELECT DISTINCT f.secret_sha256 FROM findings f
LEFT JOIN live_checks l ON l.id = (SELECT MAX(id) FROM live_checks WHERE secret_sha256 = f.secret_sha256)
LEFT JOIN triage t ON t.secret_sha256 = f.secret_sha256
WHERE l.verification = 'invalid' OR l.revocation = 'revoked' OR t.status = 'false_positive'
"""

_PLACES = """
SELECT f.rule_id, f.rule_name, f.provider, f.severity, s.secret, f.path, f.line, f.column, f.blob,
       f.commit_id, r.location
FROM findings f JOIN secrets s ON s.sha256 = f.secret_sha256 JOIN repositories r ON r.id = f.repository_id
WHERE f.suppressed IS NULL ORDER BY f.id
"""


def check_datastore(store: Datastore, rules: RuleSet, settings: LiveSettings) -> list[str]:
    """Verify (and revoke, if asked) every unsettled secret in the datastore; returns notes."""
    db = store.db
    settled = {sha for (sha,) in db.execute(_SETTLED)}
    findings: list[Finding] = []
    locations: dict[str, str] = {}
    for rule_id, name, provider, severity, secret, path, line, column, blob, commit, location in db.execute(
        _PLACES
    ):
        if secret_sha256(secret) in settled:
            continue
        found = Commit(commit, "", "", "", "") if commit else None
        findings.append(
            Finding(
                rule_id, name, provider, severity, secret, path, line, column, "", "", blob or None, found
            )
        )
        if blob:
            locations.setdefault(blob, location)
    run = run_live_checks(findings, rules, live_options(settings, _blob_reader(locations)))
    outcomes = {(f.rule_id, f.secret): f for f in run.findings}
    store.record_live_checks(
        (secret_sha256(f.secret), f.rule_id, f.verification, f.revocation)
        for f in outcomes.values()
        if f.verification.status != "not_checked"
    )
    notes = list(run.notes)
    if settled:
        notes.append(f"{len(settled)} secrets already dead or triaged false_positive were not checked again")
    return notes


def _blob_reader(locations: dict[str, str]) -> Callable[[Finding], bytes | None]:
    """Reads a finding's blob from a repository that holds it."""

    def read(finding: Finding) -> bytes | None:
        location = locations.get(finding.blob or "")
        if location is None:
            return None
        try:
            data = open_repository(location).run("cat-file", "blob", finding.blob or "", check=False)
        except (OSError, sqlite3.Error):
            return None
        return data or None

    return read
