"""Command line: one thin function per command (options → one call → exit code).

Every LeakscanError is caught here, once: one line on stderr, exit 2 (a traceback only with --debug).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from leakscan import __version__
from leakscan.errors import ExitCode, LeakscanError
from leakscan.report import FORMATS

if TYPE_CHECKING:
    from leakscan.commands import LiveSettings, ScanSettings
    from leakscan.history import HistoryOptions

_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def _fatal_errors_are_one_line(command: Callable[..., int]) -> Callable[..., None]:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        debug = kwargs.pop("debug", False)
        try:
            code = command(*args, **kwargs)
        except LeakscanError as exc:
            if debug:
                raise
            click.echo(f"leakscan: error: {exc}", err=True)
            code = ExitCode.INCOMPLETE
        except KeyboardInterrupt:
            click.echo("leakscan: interrupted; the scan is incomplete", err=True)
            code = ExitCode.INCOMPLETE
        except Exception as exc:  # an internal error must still be one line and exit 2
            if debug:
                raise
            click.echo(
                f"leakscan: internal error: {type(exc).__name__}: {exc} (rerun with --debug)", err=True
            )
            code = ExitCode.INCOMPLETE
        sys.exit(int(code))

    return click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks.")(wrapper)


def parse_size(text: str) -> int:
    """'50M' → 52428800; plain numbers are bytes."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1:] if value[-1:] in _SIZE_UNITS else ""
    number = value[: len(value) - len(unit)]
    try:
        size = int(float(number) * _SIZE_UNITS[unit])
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a size such as 500K, 50M or 1G") from None
    if size <= 0:
        raise click.BadParameter("must be positive")
    return size


def _rules_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--rules",
        "extra_rules",
        multiple=True,
        type=click.Path(),
        help="Add rules from a YAML file or a folder of them (repeatable).",
    )(function)


def _engine_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--engine",
        type=click.Choice(["auto", "hyperscan", "regex"]),
        default="auto",
        show_default=True,
        help="Matching engine: Hyperscan where installed, or pure `regex`.",
    )(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="leakscan")
def main() -> None:
    """Find leaked API keys and tokens in files and git history.

    Exit codes: 0 nothing found, 1 findings, 2 the scan could not complete.
    """


_REPORT_OPTIONS = (
    click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="Report format (sarif: code scanning; github: Actions annotations; junit: CI test reports).",
    ),
    click.option(
        "-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE (mode 0600)."
    ),
    click.option("--show-secrets", is_flag=True, help="Print secrets in full instead of redacted."),
    click.option(
        "--exit-code",
        "findings_exit",
        type=click.IntRange(0, 255),
        default=int(ExitCode.FINDINGS),
        show_default=True,
        help="Exit with N when secrets are found (0: report only). An incomplete scan still exits 2.",
    ),
    click.option(
        "--baseline",
        type=click.Path(dir_okay=False),
        help="Known findings (a baseline file or a JSON report): reported as suppressed, never failing.",
    ),
)
_SCAN_OPTIONS = (
    _engine_option,
    _rules_option,
    click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        help="Use this .leakscan.toml instead of the one found beside the target.",
    ),
    click.option(
        "--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0: all cores)."
    ),
    click.option("--max-file-size", default="50M", show_default=True, help="Skip (and list) larger files."),
    click.option("--no-progress", is_flag=True, help="Never draw a progress line."),
)
_LIVE_OPTIONS = (
    click.option("--verify", is_flag=True, help="Ask each secret's issuer whether it works (network)."),
    click.option(
        "--revoke", is_flag=True, help="Revoke the secrets verified live at their issuers (implies --verify)."
    ),
    click.option("--yes", is_flag=True, help="Revoke without asking (needed off a terminal)."),
    click.option("--dry-run", is_flag=True, help="With --revoke: show what would be revoked, send nothing."),
    click.option(
        "--audit-log", type=click.Path(dir_okay=False), help="Append every live-check action to FILE (0600)."
    ),
    click.option(
        "--endpoint",
        "endpoints",
        multiple=True,
        metavar="HOST=URL",
        help="Send HOST's live checks to URL instead (self-hosted GitHub/GitLab; http:// only to loopback).",
    ),
)
_LIVE_NAMES = ("verify", "revoke", "yes", "dry_run", "audit_log", "endpoints")


def _live_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the live-check options; the command receives them as `live`."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from leakscan.commands import LiveSettings

        return command(*args, live=LiveSettings(**{name: kwargs.pop(name) for name in _LIVE_NAMES}), **kwargs)

    for option in reversed(_LIVE_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


_REPORT_NAMES = ("fmt", "output", "show_secrets", "findings_exit", "baseline")
_SCAN_NAMES = ("engine", "extra_rules", "config_path", "jobs", "max_file_size", "no_progress")


def _scan_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options every scanning command shares; the command receives them as `settings`."""
    return _settings_options(command, report=True)


def _settings_options(command: Callable[..., Any], report: bool) -> Callable[..., Any]:
    """The scan options (and with `report`, the report options), gathered into `settings`."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from leakscan.commands import LiveSettings, ReportOptions, ScanSettings

        shared = {name: kwargs.pop(name) for name in _SCAN_NAMES}
        reporting = {name: kwargs.pop(name) for name in _REPORT_NAMES} if report else {}
        live = LiveSettings(**{name: kwargs.pop(name) for name in _LIVE_NAMES}) if report else LiveSettings()
        settings = ScanSettings(
            shared["extra_rules"],
            shared["config_path"],
            shared["engine"],
            shared["jobs"],
            parse_size(shared["max_file_size"]),
            ReportOptions(**reporting, progress=not shared["no_progress"]),
            live,
        )
        return command(*args, settings=settings, **kwargs)

    for option in reversed((*_REPORT_OPTIONS, *_SCAN_OPTIONS, *_LIVE_OPTIONS) if report else _SCAN_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_scan_options
@_fatal_errors_are_one_line
def scan(paths: tuple[str, ...], settings: ScanSettings) -> int:
    """Scan files and directories (`-` reads standard input)."""
    from leakscan.commands import run_tree_scan

    return run_tree_scan(list(paths), settings)


@main.command("git")
@click.argument("repo", default=".", required=False)
@click.option(
    "--staged",
    is_flag=True,
    help="Only what is staged for the next commit: secrets on added or changed lines (a commit hook).",
)
@click.option(
    "--pre-push",
    is_flag=True,
    help="Only the commits being pushed (a pre-push hook: from pre-commit's PRE_COMMIT_FROM_REF and "
    "PRE_COMMIT_TO_REF, else from the refs git gives the hook on standard input).",
)
@click.option("--range", "rev_range", metavar="A..B", help="Only blobs introduced by the commits in A..B.")
@click.option(
    "--branch", "branches", multiple=True, metavar="NAME", help="Only the history of NAME (repeatable)."
)
@click.option(
    "--since", metavar="DATE", help="Only blobs introduced by commits since DATE (as git reads dates)."
)
@click.option(
    "--include-unreachable", is_flag=True, help="Also scan objects no ref reaches (what a force-push leaves)."
)
@click.option("--recurse-submodules", is_flag=True, help="Also scan the history of checked-out submodules.")
@click.option(
    "--all-commits", is_flag=True, help="Report every commit that introduced a secret, not the first."
)
@_scan_options
@_fatal_errors_are_one_line
def git_history(
    repo: str,
    staged: bool,
    pre_push: bool,
    rev_range: str | None,
    branches: tuple[str, ...],
    since: str | None,
    include_unreachable: bool,
    recurse_submodules: bool,
    all_commits: bool,
    settings: ScanSettings,
) -> int:
    """Scan a repository's history: every blob of every ref, once, with the commit that added it.

    REPO is a working tree, a folder in one, or a bare repository (default: the current folder).
    With --staged, only what the next commit would add; with --pre-push, only what a push sends.
    """
    from leakscan.commands import run_git_scan, run_push_scan, run_staged_scan

    selecting = rev_range or branches or since or include_unreachable
    if staged and (pre_push or selecting or recurse_submodules or all_commits):
        raise click.UsageError("--staged scans the staged changes only; it takes no history options")
    if pre_push and selecting:
        raise click.UsageError("--pre-push takes the commits from the push; give no --range/--branch/--since")
    if staged:
        return run_staged_scan(repo, settings)
    history = _history_options(
        rev_range, branches, since, include_unreachable, recurse_submodules, all_commits
    )
    return (run_push_scan if pre_push else run_git_scan)(repo, history, settings)


def _history_options(
    rev_range: str | None,
    branches: tuple[str, ...],
    since: str | None,
    include_unreachable: bool,
    recurse_submodules: bool,
    all_commits: bool,
) -> HistoryOptions:
    from leakscan.history import HistoryOptions
    from leakscan.sources.git.log import Selection

    if rev_range and branches:
        raise click.UsageError("--range and --branch select different histories; give one")
    if include_unreachable and (rev_range or branches or since):
        raise click.UsageError(
            "--include-unreachable scans the whole object store; it takes no --range/--branch/--since"
        )
    selection = Selection((rev_range,) if rev_range else branches, since, include_unreachable)
    option = "--range" if rev_range else "--branch"
    return HistoryOptions(selection, recurse_submodules, all_commits, option)


@main.group("baseline")
def baseline_group() -> None:
    """Record known findings so that only new ones fail a build.

    A baseline holds each finding's rule, path and secret SHA-256 (never the secret); pass it to
    any scan with --baseline FILE. Moving a line or rewriting a commit does not make a finding new.
    """


def _baseline_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = (
        click.argument("file", type=click.Path(dir_okay=False)),
        click.argument("paths", nargs=-1),
        click.option("--history", is_flag=True, help="Scan the git history of the repository at PATH."),
        click.option(
            "--from-report",
            type=click.Path(dir_okay=False),
            help="Take the findings of this JSON report instead of scanning.",
        ),
    )
    command = _settings_options(command, report=False)
    for option in reversed(options):
        command = option(command)
    return command


@baseline_group.command("create")
@_baseline_options
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@_fatal_errors_are_one_line
def baseline_create(
    file: str,
    paths: tuple[str, ...],
    history: bool,
    from_report: str | None,
    force: bool,
    settings: ScanSettings,
) -> int:
    """Scan PATHS (default: .) and write every finding to FILE (mode 0600)."""
    from leakscan.commands import BaselineSource, baseline_from

    source = BaselineSource(paths or (".",), history, from_report)
    return baseline_from(file, source, settings, create=True, force=force)


@baseline_group.command("update")
@_baseline_options
@click.option("--prune", is_flag=True, help="Drop entries that the scan no longer finds.")
@_fatal_errors_are_one_line
def baseline_update(
    file: str,
    paths: tuple[str, ...],
    history: bool,
    from_report: str | None,
    prune: bool,
    settings: ScanSettings,
) -> int:
    """Scan PATHS (default: .) and add new findings to FILE; known entries stay unless --prune."""
    from leakscan.commands import BaselineSource, baseline_from

    source = BaselineSource(paths or (".",), history, from_report)
    return baseline_from(file, source, settings, create=False, prune=prune)


@main.command("revoke")
@click.argument("source", metavar="FILE|-")
@click.option("--rule", "rule_id", required=True, help="The rule the secrets belong to (see `rules list`).")
@click.option("--yes", is_flag=True, help="Revoke without asking (needed off a terminal).")
@click.option("--dry-run", is_flag=True, help="Verify and show what would be revoked; send no revocation.")
@click.option("--audit-log", type=click.Path(dir_okay=False), help="Append every action to FILE (0600).")
@click.option("--endpoint", "endpoints", multiple=True, metavar="HOST=URL", help="Send HOST's checks to URL.")
@_rules_option
@_fatal_errors_are_one_line
def revoke_command(
    source: str,
    rule_id: str,
    yes: bool,
    dry_run: bool,
    audit_log: str | None,
    endpoints: tuple[str, ...],
    extra_rules: tuple[str, ...],
) -> int:
    """Verify, then revoke, secrets of one rule given one per line in FILE (or `-`: standard input).

    Only secrets verified live are revoked; exit 2 if any could not be checked or revoked.
    """
    from leakscan.commands import LiveSettings
    from leakscan.live.commands import run_revoke
    from leakscan.rules import load_rules

    settings = LiveSettings(True, True, yes, dry_run, audit_log, endpoints)
    return run_revoke(rule_id, source, settings, load_rules(extra_rules))


@main.command("sweep")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--db", required=True, type=click.Path(dir_okay=False), help="The SQLite datastore (created 0600)."
)
@click.option(
    "--scheduler", metavar="ADDRESS", help="Run on a Dask cluster (pip install 'leakscan[distributed]')."
)
@click.option(
    "--jobs", "-j", type=click.IntRange(min=0), default=0, help="Local worker processes (0: all cores)."
)
@click.option("--cache", type=click.Path(file_okay=False), help="Where mirrors of git URLs are kept.")
@click.option("--no-progress", is_flag=True, help="No per-repository progress lines.")
@_engine_option
@_rules_option
@click.option("--max-file-size", default="50M", show_default=True, help="Skip (and list) larger blobs.")
@_live_options
@_fatal_errors_are_one_line
def sweep_command(
    targets: tuple[str, ...],
    db: str,
    scheduler: str | None,
    jobs: int,
    cache: str | None,
    no_progress: bool,
    engine: str,
    extra_rules: tuple[str, ...],
    max_file_size: str,
    live: LiveSettings,
) -> int:
    """Scan the history of many repositories into a datastore; reruns scan only new blobs.

    TARGETs are repositories, folders of repositories, git URLs (mirrored into the cache and
    fetched on each rerun) and @FILEs listing them, one per line.
    """
    from leakscan.sweep.commands import run_sweep
    from leakscan.sweep.run import SweepOptions
    from leakscan.sweep.targets import default_cache

    options = SweepOptions(
        db,
        cache or default_cache(),
        engine,
        jobs,
        scheduler,
        parse_size(max_file_size),
        progress=not no_progress and sys.stderr.isatty(),
    )
    return run_sweep(list(targets), options, extra_rules, live)


@main.command("triage")
@click.argument("sha")
@click.option("--db", required=True, type=click.Path(dir_okay=False), help="The sweep's datastore.")
@click.option(
    "--status",
    required=True,
    type=click.Choice(["false_positive", "accepted", "revoked"]),
    help="The decision.",
)
@click.option("--note", default="", help="Why, for whoever reads the report next.")
@_fatal_errors_are_one_line
def triage_command(sha: str, db: str, status: str, note: str) -> int:
    """Record a decision about the secret whose secret_sha256 is (or starts with) SHA."""
    from leakscan.sweep.commands import run_triage

    return run_triage(db, sha, status, note)


@main.command("report")
@click.option("--db", required=True, type=click.Path(dir_okay=False), help="The sweep's datastore.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "csv", "html"]), default="text", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE (mode 0600).")
@_fatal_errors_are_one_line
def report_command(db: str, fmt: str, output: str | None) -> int:
    """Report what a sweep's datastore holds: totals, reuse across repositories, every finding."""
    from leakscan.sweep.commands import run_report

    return run_report(db, fmt, output)


@main.group()
def rules() -> None:
    """List and prove the detection rules."""


@rules.command("list")
@_rules_option
@_fatal_errors_are_one_line
def rules_list(extra_rules: tuple[str, ...]) -> int:
    """Show every rule: id, provider, severity, and whether it has a live check."""
    from leakscan.commands import list_rules

    return list_rules(extra_rules)


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@_engine_option
@_rules_option
@_fatal_errors_are_one_line
def rules_test(paths: tuple[str, ...], engine: str, extra_rules: tuple[str, ...]) -> int:
    """Prove the rules: every example yields exactly its secret, no negative example yields anything.

    With PATHs, only the rules in those files or folders are tested.
    """
    from leakscan.commands import test_rules

    return test_rules(paths, extra_rules, engine)
