"""What each command does, from parsed options to an exit code; cli.py only parses."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from leakscan.baseline import Entry, PathFrame, entry, load_baseline, mark_known, project_root
from leakscan.config import Config, find_config, load_config
from leakscan.errors import ExitCode, LeakscanError
from leakscan.model import ScanResult
from leakscan.rules import RuleSet, load_rules


@dataclass(frozen=True)
class ScanRequest:
    """How any scanning command scans: rules, config, engine, workers, size cap, progress."""

    extra_rules: tuple[str, ...] = ()
    config_path: str | None = None
    engine: str = "auto"
    jobs: int = 0  # 0: all cores
    max_file_size: int = 50 * 1024 * 1024
    progress: bool = True


@dataclass(frozen=True)
class ReportOptions:
    """Where and how a command's report goes, and which findings make it fail."""

    fmt: str = "text"
    output: str | None = None
    show_secrets: bool = False
    findings_exit: int = ExitCode.FINDINGS  # --exit-code: what findings exit with
    baseline: str | None = None  # --baseline: findings in this file are suppressed as "baseline"


def run_tree_scan(paths: list[str], request: ScanRequest, report: ReportOptions) -> int:
    """`leakscan scan`: files, folders and standard input."""
    result, frame = tree_result(paths, request)
    if report.baseline:
        apply_baseline(result, report.baseline, frame)
    return emit(result, report)


def tree_result(paths: list[str], request: ScanRequest) -> tuple[ScanResult, PathFrame]:
    """Scan files and folders; also say how the reported paths relate to the repository root."""
    from leakscan.scan import ScanOptions, scan_tree

    anchor = next((p for p in paths if p != "-"), ".")
    config, rules = configured_rules(anchor, request)
    progress = request.progress and sys.stderr.isatty()
    options = ScanOptions(request.engine, request.jobs, request.max_file_size, progress=progress)
    result = scan_tree(paths, rules, options, config)
    return result, PathFrame(project_root(anchor), os.getcwd())


def configured_rules(anchor: str, request: ScanRequest) -> tuple[Config, RuleSet]:
    """The config that governs `anchor` (or --config) and the rules it leaves enabled."""
    from leakscan.scan import select_rules

    path = Path(request.config_path) if request.config_path else find_config(anchor)
    config = load_config(path)
    return config, select_rules(load_rules(request.extra_rules), config)


def run_staged_scan(repo: str, request: ScanRequest, report: ReportOptions) -> int:
    """`leakscan git --staged`: secrets on the lines a commit would add (the pre-commit hook)."""
    from leakscan.scan import ScanOptions, scan_staged
    from leakscan.sources.staged import repository_root

    root = repository_root(repo)
    config, rules = configured_rules(root, request)
    result = scan_staged(root, rules, ScanOptions(request.engine, 1, request.max_file_size), config)
    if report.baseline:
        apply_baseline(result, report.baseline, PathFrame(root, root))
    code = emit(result, report)
    if result.reported and report.fmt == "text":
        click.echo(STAGED_HINT, err=True)
    return code


STAGED_HINT = """\
leakscan: the staged changes add the secrets above. Take them out of the change (and revoke any
that are real), then stage again. If one is not a secret:
  - add `leakscan:allow` in a comment on its line, or
  - list its path under [allowlist] paths in .leakscan.toml, or
  - record it in a baseline: leakscan baseline update .leakscan-baseline.json
    (and run leakscan with --baseline .leakscan-baseline.json)."""


def apply_baseline(result: ScanResult, baseline: str, frame: PathFrame) -> None:
    """Mark the findings that the baseline file (or JSON report) already knows."""
    result.findings = mark_known(result.findings, load_baseline(baseline, frame.root), frame)


def emit(result: ScanResult, report: ReportOptions) -> int:
    """Name unreadable inputs on stderr, write the report, and return the exit code."""
    from leakscan.report import renderer, write_private

    for error in result.errors:
        click.echo(f"leakscan: could not scan {error.path}: {error.message}", err=True)
    color = report.output is None and report.fmt == "text" and sys.stdout.isatty()
    content = renderer(report.fmt)(result, report.show_secrets, color)
    if report.output:
        write_private(report.output, content)
        if report.fmt != "text":
            from leakscan.report.text import summary

            click.echo(summary(result), err=True)
    else:
        click.echo(content, nl=False, color=color)
    return exit_code(result, report.findings_exit)


def exit_code(result: ScanResult, findings_exit: int = ExitCode.FINDINGS) -> int:
    """2 when the scan is incomplete (findings are still reported), else `findings_exit` (--exit-code,
    1 by default) for findings, else 0."""
    if not result.complete:
        return ExitCode.INCOMPLETE
    return findings_exit if result.reported else ExitCode.CLEAN


def list_rules(extra_rules: Sequence[str]) -> int:
    """`leakscan rules list`: a table of every rule."""
    rules = load_rules(extra_rules).rules
    widths = (max(2, *(len(r.id) for r in rules)), max(8, *(len(r.provider) for r in rules)))
    click.echo(f"{'ID':<{widths[0]}}  {'PROVIDER':<{widths[1]}}  {'SEVERITY':<8}  LIVE CHECK")
    for rule in rules:
        live = "yes" if rule.has_live_check else "no"
        click.echo(f"{rule.id:<{widths[0]}}  {rule.provider:<{widths[1]}}  {rule.severity:<8}  {live}")
    click.echo(f"{len(rules)} rules", err=True)
    return ExitCode.CLEAN


def test_rules(paths: Sequence[str], extra_rules: Sequence[str], engine: str) -> int:
    """`leakscan rules test`: every example proves its rule."""
    from leakscan.rule_proof import prove

    rules = load_rules(paths, builtin=False) if paths else load_rules(extra_rules)
    failures, counts = prove(rules, engine)
    for failure in failures:
        click.echo(failure, err=True)
    tested = f"{len(rules.rules)} rules, {counts[0]} examples, {counts[1]} negative examples"
    if failures:
        click.echo(f"{len(failures)} failure{'s' if len(failures) != 1 else ''}; {tested}")
        return ExitCode.FINDINGS
    click.echo(f"all pass: {tested}")
    return ExitCode.CLEAN


def baseline_from(
    file: str,
    paths: list[str],
    from_report: str | None,
    request: ScanRequest,
    create: bool,
    force: bool = False,
    prune: bool = False,
) -> int:
    """`leakscan baseline create|update`: record the findings of a scan (or a JSON report) in FILE."""
    if create and not force and os.path.exists(file):
        raise LeakscanError(f"{file} exists; use `leakscan baseline update`, or --force to replace it")
    known = frozenset() if create else load_baseline(file, project_root(paths[0]))
    if from_report:
        found = load_baseline(from_report, project_root(paths[0]))
        return _write_baseline(file, known, found, prune, ExitCode.CLEAN)
    result, frame = tree_result(paths, request)
    for error in result.errors:
        click.echo(f"leakscan: could not scan {error.path}: {error.message}", err=True)
    found = frozenset(entry(f, frame) for f in result.reported)
    return _write_baseline(file, known, found, prune, exit_code(result, ExitCode.CLEAN))


def _write_baseline(
    file: str, known: frozenset[Entry], found: frozenset[Entry], prune: bool, code: int
) -> int:
    from leakscan.baseline import render_baseline
    from leakscan.report import write_private

    kept = known if not prune else known & found
    write_private(file, render_baseline(kept | found))
    total, gone = len(kept | found), len(known - found)
    click.echo(
        f"baseline {file}: {total} {'entry' if total == 1 else 'entries'} ({len(found - known)} new, "
        f"{len(known & found)} still found, {gone} no longer found{' and removed' if prune else ''})",
        err=True,
    )
    return code
