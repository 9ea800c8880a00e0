"""What each command does, from parsed options to an exit code; cli.py only parses."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from leakscan.config import find_config, load_config
from leakscan.errors import ExitCode
from leakscan.model import ScanResult
from leakscan.rules import load_rules


@dataclass(frozen=True)
class ReportOptions:
    """Where and how a command's report goes."""

    fmt: str = "text"
    output: str | None = None
    show_secrets: bool = False
    progress: bool = True
    findings_exit: int = ExitCode.FINDINGS  # --exit-code: what findings exit with


def run_tree_scan(
    paths: list[str],
    extra_rules: Sequence[str],
    config_path: str | None,
    engine: str,
    jobs: int,
    max_file_size: int,
    report: ReportOptions,
) -> int:
    """`leakscan scan`: files, folders and standard input."""
    from leakscan.scan import ScanOptions, scan_tree, select_rules

    anchor = next((p for p in paths if p != "-"), ".")
    config = load_config(Path(config_path) if config_path else find_config(anchor))
    rules = select_rules(load_rules(extra_rules), config)
    options = ScanOptions(engine, jobs, max_file_size, progress=report.progress and sys.stderr.isatty())
    return emit(scan_tree(paths, rules, options, config), report)


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
