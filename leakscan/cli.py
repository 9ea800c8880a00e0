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

if TYPE_CHECKING:
    from leakscan.commands import ScanRequest

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


def _report_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """--format, -o, --show-secrets and --exit-code: how any scanning command reports."""
    from leakscan.report import FORMATS

    options = [
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
        _baseline_option,
    ]
    return _apply(options, function)


_baseline_option = click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Known findings (a baseline file or a JSON report): reported as suppressed, never failing.",
)


def _scan_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """--engine, --rules, --config, --jobs, --max-file-size, --no-progress: how any command scans."""
    options = [
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
        click.option(
            "--max-file-size", default="50M", show_default=True, help="Skip (and list) larger files."
        ),
        click.option("--no-progress", is_flag=True, help="Never draw a progress line."),
    ]
    return _apply(options, function)


def _apply(options: list[Callable[..., Any]], function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(options):
        function = option(function)
    return function


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_report_options
@_scan_options
@_fatal_errors_are_one_line
def scan(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    show_secrets: bool,
    findings_exit: int,
    baseline: str | None,
    **scan: Any,
) -> int:
    """Scan files and directories (`-` reads standard input)."""
    from leakscan.commands import ReportOptions, run_tree_scan

    report = ReportOptions(fmt, output, show_secrets, findings_exit, baseline)
    return run_tree_scan(list(paths), _scan_request(scan), report)


@main.command("git")
@click.argument("repo", default=".", type=click.Path(file_okay=False))
@click.option(
    "--staged",
    is_flag=True,
    required=True,
    help="Scan only what is staged for the next commit: secrets on added or changed lines.",
)
@_report_options
@_scan_options
@_fatal_errors_are_one_line
def git_command(
    repo: str,
    staged: bool,
    fmt: str,
    output: str | None,
    show_secrets: bool,
    findings_exit: int,
    baseline: str | None,
    **scan: Any,
) -> int:
    """Scan a git repository: what is staged (--staged)."""
    from leakscan.commands import ReportOptions, run_staged_scan

    report = ReportOptions(fmt, output, show_secrets, findings_exit, baseline)
    return run_staged_scan(repo, _scan_request(scan), report)


@main.group("baseline")
def baseline_group() -> None:
    """Record known findings so that only new ones fail a build.

    A baseline holds each finding's rule, path and secret SHA-256 (never the secret); pass it to
    any scan with --baseline FILE. Moving a line or rewriting a commit does not make a finding new.
    """


def _baseline_source(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("file", type=click.Path(dir_okay=False)),
        click.argument("paths", nargs=-1),
        click.option(
            "--from-report",
            type=click.Path(dir_okay=False),
            help="Take the findings of this JSON report instead of scanning.",
        ),
        _scan_options,
    ]
    return _apply(options, function)


@baseline_group.command("create")
@_baseline_source
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@_fatal_errors_are_one_line
def baseline_create(
    file: str, paths: tuple[str, ...], from_report: str | None, force: bool, **scan: Any
) -> int:
    """Scan PATHS (default: .) and write every finding to FILE (mode 0600)."""
    from leakscan.commands import baseline_from

    return baseline_from(
        file, list(paths) or ["."], from_report, _scan_request(scan), create=True, force=force
    )


@baseline_group.command("update")
@_baseline_source
@click.option("--prune", is_flag=True, help="Drop entries that the scan no longer finds.")
@_fatal_errors_are_one_line
def baseline_update(
    file: str, paths: tuple[str, ...], from_report: str | None, prune: bool, **scan: Any
) -> int:
    """Scan PATHS (default: .) and add new findings to FILE; known entries stay unless --prune."""
    from leakscan.commands import baseline_from

    return baseline_from(
        file, list(paths) or ["."], from_report, _scan_request(scan), create=False, prune=prune
    )


def _scan_request(options: dict[str, Any]) -> ScanRequest:
    """The options of `_scan_options`, checked and gathered."""
    from leakscan.commands import ScanRequest

    return ScanRequest(
        tuple(options["extra_rules"]),
        options["config_path"],
        options["engine"],
        options["jobs"],
        parse_size(options["max_file_size"]),
        not options["no_progress"],
    )


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
