"""What each command does, from parsed options to an exit code; cli.py only parses."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from leakscan.config import CONFIG_NAME, Config, find_config, load_config, parse_config
from leakscan.errors import ExitCode
from leakscan.model import ScanResult
from leakscan.rules import load_rules

if TYPE_CHECKING:
    from leakscan.history import HistoryOptions
    from leakscan.scan import ScanOptions
    from leakscan.sources.git.repo import Repository


@dataclass(frozen=True)
class ReportOptions:
    """Where and how a command's report goes."""

    fmt: str = "text"
    output: str | None = None
    show_secrets: bool = False
    progress: bool = True


@dataclass(frozen=True)
class ScanSettings:
    """The options every scanning command shares (`scan`, `git`)."""

    extra_rules: Sequence[str] = ()
    config_path: str | None = None
    engine: str = "auto"
    jobs: int = 0
    max_file_size: int = 50 * 1024 * 1024
    report: ReportOptions = ReportOptions()

    def scan_options(self) -> ScanOptions:
        """How to scan, with progress only where someone is watching (a terminal)."""
        from leakscan.scan import ScanOptions

        progress = self.report.progress and sys.stderr.isatty()
        return ScanOptions(self.engine, self.jobs, self.max_file_size, progress=progress)


def run_tree_scan(paths: list[str], settings: ScanSettings) -> int:
    """`leakscan scan`: files, folders and standard input."""
    from leakscan.scan import scan_tree, select_rules

    anchor = next((p for p in paths if p != "-"), ".")
    path = settings.config_path
    config = load_config(Path(path) if path else find_config(anchor))
    rules = select_rules(load_rules(settings.extra_rules), config)
    return emit(scan_tree(paths, rules, settings.scan_options(), config), settings.report)


def run_git_scan(repo_path: str, history: HistoryOptions, settings: ScanSettings) -> int:
    """`leakscan git`: the history of a repository, every blob once."""
    from leakscan.history import scan_history
    from leakscan.scan import select_rules
    from leakscan.sources.git.repo import open_repository

    repo = open_repository(repo_path)
    config = _repository_config(repo, settings.config_path)
    rules = select_rules(load_rules(settings.extra_rules), config)
    return emit(scan_history(repo, rules, settings.scan_options(), history, config), settings.report)


def _repository_config(repo: Repository, explicit: str | None) -> Config:
    """--config, else the repository's `.leakscan.toml`: in the working tree, or for a bare
    repository as committed at HEAD. Its paths are relative to the repository's top folder."""
    if explicit:
        return load_config(Path(explicit))
    if not repo.bare:
        return load_config(find_config(repo.root))
    text = repo.run("cat-file", "blob", f"HEAD:{CONFIG_NAME}", check=False)
    if not text:
        return Config()
    return parse_config(text.decode("utf-8", "replace"), f"HEAD:{CONFIG_NAME}", repo.root)


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
    return exit_code(result)


def exit_code(result: ScanResult) -> int:
    """2 when the scan is incomplete (findings are still reported), else 1 for findings, else 0."""
    if not result.complete:
        return ExitCode.INCOMPLETE
    return ExitCode.FINDINGS if result.reported else ExitCode.CLEAN


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
