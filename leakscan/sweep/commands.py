"""What `leakscan sweep`, `leakscan triage` and `leakscan report` do, from options to exit code."""

from __future__ import annotations

import os
import sys

import click

from leakscan.commands import LiveSettings
from leakscan.datastore import Datastore
from leakscan.errors import ExitCode, LeakscanError
from leakscan.inventory import load_inventory
from leakscan.report import write_private
from leakscan.rules import load_rules
from leakscan.sweep.run import SweepOptions, sweep

REPORT_FORMATS = ("text", "json", "csv", "html")


def run_sweep(
    targets: list[str], options: SweepOptions, extra_rules: tuple[str, ...], live: LiveSettings
) -> int:
    """Sweep the targets into the datastore (then verify/revoke, if asked); exit 2 if anything
    could not be scanned, 1 if the datastore holds findings, else 0."""
    rules = load_rules(extra_rules)
    summary = sweep(targets, rules, options)
    for line in summary.problems:
        click.echo(f"leakscan: {line}", err=True)
    if live.wanted:
        from leakscan.sweep.live import check_datastore

        store = Datastore(options.db)
        try:
            for note in check_datastore(store, rules, live):
                click.echo(f"leakscan: {note}", err=True)
        finally:
            store.close()
    totals = load_inventory(options.db).totals()
    live_note = f"; {totals['live']} live" if live.wanted else ""
    click.echo(
        f"swept {summary.repositories} repositories ({summary.unchanged} more unchanged): "
        f"{summary.blobs:,} new blobs "
        f"({summary.bytes / 1e6:,.1f} MB), {summary.new_findings} new findings; "
        f"{options.db} holds {totals['findings']} findings of {totals['secrets']} secrets{live_note}",
        err=True,
    )
    if not summary.complete:
        click.echo(f"leakscan: the sweep is incomplete: {len(summary.problems)} problems above", err=True)
        return ExitCode.INCOMPLETE
    return ExitCode.FINDINGS if totals["findings"] else ExitCode.CLEAN


def run_triage(db: str, sha: str, status: str, note: str) -> int:
    """Record a triage decision for one secret."""
    if not os.path.exists(db):
        raise LeakscanError(f"{db}: no such datastore")
    store = Datastore(db)
    try:
        full = store.triage(sha, status, note)
    finally:
        store.close()
    click.echo(f"{full[:12]}: {status}", err=True)
    return ExitCode.CLEAN


def run_report(db: str, fmt: str, output: str | None) -> int:
    """Render the datastore as a report."""
    if not os.path.exists(db):
        raise LeakscanError(f"{db}: no such datastore")
    inventory = load_inventory(db)
    if fmt == "html":
        from leakscan.report.html import render_html

        text = render_html(inventory)
    else:
        from leakscan.report import sweep as formats

        text = {"text": formats.render_text, "json": formats.render_json, "csv": formats.render_csv}[fmt](
            inventory
        )
    if output:
        write_private(output, text)
    else:
        sys.stdout.write(text)
    return ExitCode.FINDINGS if inventory.findings else ExitCode.CLEAN
