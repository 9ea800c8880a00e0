"""What each command does, from parsed options to an exit code; cli.py only parses."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from leakscan.baseline import Entry, PathFrame, entry, load_baseline, mark_known, project_root
from leakscan.config import CONFIG_NAME, Config, find_config, load_config, parse_config
from leakscan.errors import ExitCode, LeakscanError
from leakscan.model import ScanResult
from leakscan.rules import RuleSet, load_rules

if TYPE_CHECKING:
    from leakscan.history import HistoryOptions
    from leakscan.scan import ScanOptions
    from leakscan.sources.git.repo import Repository


@dataclass(frozen=True)
class ReportOptions:
    """Where and how a command's report goes, and which findings make it fail."""

    fmt: str = "text"
    output: str | None = None
    show_secrets: bool = False
    progress: bool = True
    findings_exit: int = ExitCode.FINDINGS  # --exit-code: what findings exit with
    baseline: str | None = None  # --baseline: findings in this file are suppressed as "baseline"


@dataclass(frozen=True)
class LiveSettings:
    """Live-check options (`--verify`, `--revoke`, ...), off unless asked."""

    verify: bool = False
    revoke: bool = False
    yes: bool = False
    dry_run: bool = False
    audit_log: str | None = None
    endpoints: tuple[str, ...] = ()

    @property
    def wanted(self) -> bool:
        """Whether any network check was asked for."""
        return self.verify or self.revoke


@dataclass(frozen=True)
class ScanSettings:
    """The options every scanning command shares (`scan`, `git`, `baseline`)."""

    extra_rules: Sequence[str] = ()
    config_path: str | None = None
    engine: str = "auto"
    jobs: int = 0
    max_file_size: int = 50 * 1024 * 1024
    report: ReportOptions = ReportOptions()
    live: LiveSettings = LiveSettings()

    def scan_options(self) -> ScanOptions:
        """How to scan, with progress only where someone is watching (a terminal)."""
        from leakscan.scan import ScanOptions

        progress = self.report.progress and sys.stderr.isatty()
        return ScanOptions(self.engine, self.jobs, self.max_file_size, progress=progress)


def run_tree_scan(paths: list[str], settings: ScanSettings) -> int:
    """`leakscan scan`: files, folders and standard input."""
    result, frame, config = tree_result(paths, settings)
    result = with_baseline(result, settings.report, frame, config)
    if settings.live.wanted:
        from leakscan.live.commands import read_file, with_live_checks

        result = with_live_checks(result, settings.live, _rules(settings, config), read_file)
    return emit(result, settings.report)


def tree_result(paths: list[str], settings: ScanSettings) -> tuple[ScanResult, PathFrame, Config]:
    """Scan files and folders; also say how the reported paths relate to the repository root,
    and which configuration applied."""
    from leakscan.scan import scan_tree

    anchor = next((p for p in paths if p != "-"), ".")
    path = settings.config_path
    config = load_config(Path(path) if path else find_config(anchor))
    result = scan_tree(paths, _rules(settings, config), settings.scan_options(), config)
    return result, PathFrame(project_root(anchor), os.getcwd()), config


def run_git_scan(repo_path: str, history: HistoryOptions, settings: ScanSettings) -> int:
    """`leakscan git`: the history of a repository, every blob once."""
    result, frame, config = git_result(repo_path, history, settings)
    result = with_baseline(result, settings.report, frame, config)
    if settings.live.wanted:
        from leakscan.live.commands import blob_reader, with_live_checks
        from leakscan.sources.git.repo import open_repository

        reader = blob_reader(open_repository(repo_path))
        result = with_live_checks(result, settings.live, _rules(settings, config), reader)
    return emit(result, settings.report)


def git_result(
    repo_path: str, history: HistoryOptions, settings: ScanSettings
) -> tuple[ScanResult, PathFrame, Config]:
    """Scan a repository's history; its paths are relative to the repository's top folder."""
    from leakscan.history import scan_history
    from leakscan.sources.git.repo import open_repository

    repo = open_repository(repo_path)
    config = repository_config(repo, settings.config_path)
    result = scan_history(repo, _rules(settings, config), settings.scan_options(), history, config)
    return result, PathFrame(repo.root, repo.root), config


def run_push_scan(repo_path: str, history: HistoryOptions, settings: ScanSettings) -> int:
    """`leakscan git --pre-push`: the commits a push sends (see sources/git/push.py)."""
    from leakscan.sources.git.push import pushed_revisions
    from leakscan.sources.git.repo import open_repository

    under_pre_commit = os.environ.get("PRE_COMMIT") == "1"  # it gives the range in the environment
    lines = [] if under_pre_commit or sys.stdin.isatty() else sys.stdin.read().splitlines()
    revisions = pushed_revisions(open_repository(repo_path), os.environ, lines)
    if not revisions:
        click.echo("leakscan: the push sends no commits; nothing to scan", err=True)
        return ExitCode.CLEAN
    selection = replace(history.selection, revisions=revisions)
    return run_git_scan(
        repo_path, replace(history, selection=selection, revision_option="--pre-push"), settings
    )


def run_staged_scan(repo: str, settings: ScanSettings) -> int:
    """`leakscan git --staged`: secrets on the lines a commit would add (the pre-commit hook)."""
    from leakscan.scan import ScanOptions, scan_staged
    from leakscan.sources.git.repo import open_repository

    repository = open_repository(repo)
    if repository.bare:
        raise LeakscanError(f"{repo}: a bare repository has nothing staged; --staged needs a working tree")
    root = repository.root
    path = settings.config_path
    config = load_config(Path(path) if path else find_config(root))
    options = ScanOptions(settings.engine, 1, settings.max_file_size)
    result = scan_staged(repository, _rules(settings, config), options, config)
    code = emit(with_baseline(result, settings.report, PathFrame(root, root), config), settings.report)
    if result.reported and settings.report.fmt == "text":
        click.echo(STAGED_HINT, err=True)
    return code


STAGED_HINT = """\
leakscan: the staged changes add the secrets above. Take them out of the change (and revoke any
that are real), then stage again. If one is not a secret:
  - add `leakscan:allow` in a comment on its line, or
  - list its path under [allowlist] paths in .leakscan.toml, or
  - record it in a baseline: leakscan baseline update .leakscan-baseline.json
    (and run leakscan with --baseline .leakscan-baseline.json)."""


def _rules(settings: ScanSettings, config: Config) -> RuleSet:
    from leakscan.scan import select_rules

    return select_rules(load_rules(settings.extra_rules), config)


def repository_config(repo: Repository, explicit: str | None) -> Config:
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


def with_baseline(result: ScanResult, report: ReportOptions, frame: PathFrame, config: Config) -> ScanResult:
    """The result, with the findings that the baseline knows marked: --baseline (a baseline file
    or JSON report), else the one the configuration names."""
    baseline = report.baseline or config.baseline
    if baseline:
        result.findings = mark_known(result.findings, load_baseline(baseline, frame.root), frame)
    return result


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
        recipe = rule.live
        live = "no" if recipe is None or recipe.verify is None else "verify"
        if recipe is not None and recipe.revoke is not None:
            live = "verify+revoke"
        click.echo(f"{rule.id:<{widths[0]}}  {rule.provider:<{widths[1]}}  {rule.severity:<8}  {live}")
    verifying = {r.provider for r in rules if r.live is not None and r.live.verify is not None}
    revoking = {r.provider for r in rules if r.live is not None and r.live.revoke is not None}
    click.echo(
        f"{len(rules)} rules; live checks verify {len(verifying)} providers and revoke at {len(revoking)}",
        err=True,
    )
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


@dataclass(frozen=True)
class BaselineSource:
    """What `leakscan baseline create|update` records: a scan of `paths` (their files, or with
    `history` the git history of the repository at paths[0]), or the findings of a JSON report."""

    paths: tuple[str, ...] = (".",)
    history: bool = False
    from_report: str | None = None


def baseline_from(
    file: str,
    source: BaselineSource,
    settings: ScanSettings,
    create: bool,
    force: bool = False,
    prune: bool = False,
) -> int:
    """`leakscan baseline create|update`: record the findings of a scan (or a JSON report) in FILE."""
    if create and not force and os.path.exists(file):
        raise LeakscanError(f"{file} exists; use `leakscan baseline update`, or --force to replace it")
    root = project_root(source.paths[0])
    known = frozenset() if create else load_baseline(file, root)
    if source.from_report:
        return _write_baseline(file, known, load_baseline(source.from_report, root), prune, ExitCode.CLEAN)
    if source.history:
        from leakscan.history import HistoryOptions

        result, frame, _config = git_result(source.paths[0], HistoryOptions(), settings)
    else:
        result, frame, _config = tree_result(list(source.paths), settings)
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
