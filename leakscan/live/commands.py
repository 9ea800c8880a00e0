"""Live checks as commands see them: options from the command line, a prompt at the terminal, the
text a finding is in (for credentials in several parts), and `leakscan revoke`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace

import click

from leakscan.commands import LiveSettings
from leakscan.errors import ExitCode, LeakscanError
from leakscan.findings import redact
from leakscan.live.checks import LiveOptions, Planned, run_live_checks
from leakscan.live.http import HttpPolicy, parse_endpoints
from leakscan.model import Finding, ScanResult
from leakscan.rules import RuleSet
from leakscan.sources.git.repo import Repository

ENDPOINTS_VARIABLE = "LEAKSCAN_ENDPOINTS"


def live_options(settings: LiveSettings, read_item: Callable[[Finding], bytes | None] | None) -> LiveOptions:
    """The engine's options from the command's: endpoints from --endpoint and the environment
    (never from a repository's config), a prompt only where someone can answer it."""
    specs = list(settings.endpoints)
    specs += [s for s in os.environ.get(ENDPOINTS_VARIABLE, "").split(",") if s.strip()]
    interactive = sys.stdin.isatty() and sys.stderr.isatty()
    return LiveOptions(
        verify=True,
        revoke=settings.revoke,
        yes=settings.yes,
        dry_run=settings.dry_run,
        audit_log=settings.audit_log,
        policy=HttpPolicy(endpoints=parse_endpoints(specs)),
        confirm=confirm_at_terminal if interactive else None,
        read_item=read_item,
    )


def with_live_checks(
    result: ScanResult, settings: LiveSettings, rules: RuleSet, read_item: Callable[[Finding], bytes | None]
) -> ScanResult:
    """The result with every reported finding verified (and revoked if asked)."""
    run = run_live_checks(result.findings, rules, live_options(settings, read_item))
    result.findings = run.findings
    result.notes.extend(run.notes)
    unknown = {(f.rule_id, f.secret) for f in run.findings if f.verification.status == "unknown"}
    if unknown:
        result.notes.append(
            f"{len(unknown)} live checks could not tell (status unknown; reasons in the report)"
        )
    return result


def confirm_at_terminal(plan: list[Planned]) -> bool:
    """List what would be revoked and ask once."""
    click.echo(f"About to revoke {len(plan)} live credential{'s' if len(plan) != 1 else ''}:", err=True)
    for item in plan:
        note = f"  ({item.note})" if item.note else ""
        click.echo(f"  {item.rule_id}  {item.secret_sha256[:12]}  {item.location}{note}", err=True)
    return click.confirm("Revoke them at their issuers?", default=False, err=True)


def read_file(finding: Finding) -> bytes | None:
    """A working-tree finding's file, or None when it is gone or unreadable."""
    try:
        with open(finding.path, "rb") as handle:
            return handle.read(8 * 1024 * 1024)
    except OSError:
        return None


def blob_reader(repo: Repository) -> Callable[[Finding], bytes | None]:
    """Reads a history finding's blob from `repo`."""

    def read(finding: Finding) -> bytes | None:
        if not finding.blob:
            return None
        data = repo.run("cat-file", "blob", finding.blob, check=False)
        return data or None

    return read


def run_revoke(rule_id: str, source: str, settings: LiveSettings, rules: RuleSet) -> int:
    """`leakscan revoke --rule RULE -`: verify, then revoke, secrets given one per line."""
    rule = next((r for r in rules.rules if r.id == rule_id), None)
    if rule is None:
        raise LeakscanError(f"--rule {rule_id}: no such rule (see `leakscan rules list`)")
    if rule.live is None or rule.live.revoke is None:
        raise LeakscanError(f"--rule {rule_id}: leakscan has no revocation for this rule")
    if rule.live.parts:
        names = ", ".join(p.name for p in rule.live.parts)
        raise LeakscanError(f"--rule {rule_id}: the check also needs {names}; scan the file that holds them")
    text = sys.stdin.read() if source == "-" else _read_list(source)
    secrets = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    if not secrets:
        raise LeakscanError("no secrets given (one per line)")
    findings = [
        Finding(
            rule.id,
            rule.name,
            rule.provider,
            rule.severity,
            s,
            source if source != "-" else "<stdin>",
            n,
            1,
            "",
            "",
        )
        for n, s in enumerate(secrets, 1)
    ]
    run = run_live_checks(findings, rules, replace(live_options(settings, None), revoke=True))
    for finding in run.findings:
        v, r = finding.verification, finding.revocation
        why = f" ({r.reason})" if r.reason else f" ({v.reason})" if v.reason else ""
        click.echo(f"{redact(finding.secret)}  {v.status}  {r.status}{why}")
    for note in run.notes:
        click.echo(f"leakscan: {note}", err=True)
    if any(f.verification.status == "unknown" or f.revocation.status == "failed" for f in run.findings):
        return ExitCode.INCOMPLETE
    return ExitCode.CLEAN


def _read_list(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise LeakscanError(f"{path}: cannot read: {exc.strerror}") from None
