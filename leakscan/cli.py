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
    from leakscan.commands import ScanSettings

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


_SHARED_OPTIONS = (
    click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="Report format.",
    ),
    click.option(
        "-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE (mode 0600)."
    ),
    click.option("--show-secrets", is_flag=True, help="Print secrets in full instead of redacted."),
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
_SHARED_NAMES = (
    "fmt",
    "output",
    "show_secrets",
    "engine",
    "extra_rules",
    "config_path",
    "jobs",
    "max_file_size",
    "no_progress",
)


def _scan_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options every scanning command shares; the command receives them as `settings`."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from leakscan.commands import ReportOptions, ScanSettings

        shared = {name: kwargs.pop(name) for name in _SHARED_NAMES}
        report = ReportOptions(
            shared["fmt"], shared["output"], shared["show_secrets"], progress=not shared["no_progress"]
        )
        settings = ScanSettings(
            shared["extra_rules"],
            shared["config_path"],
            shared["engine"],
            shared["jobs"],
            parse_size(shared["max_file_size"]),
            report,
        )
        return command(*args, settings=settings, **kwargs)

    for option in reversed(_SHARED_OPTIONS):
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
    """
    from leakscan.commands import run_git_scan
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
    return run_git_scan(repo, HistoryOptions(selection, recurse_submodules, all_commits, option), settings)


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
