"""GitHub Actions workflow commands: each finding becomes an annotation on its line.

    ::error file=app/settings.py,line=4,col=16,endColumn=55,title=leakscan: github-pat-classic::…

Everything that comes from a scanned file (paths, snippets) is escaped as the runner expects,
so a hostile file name cannot end the command early or start a new one.
"""

from __future__ import annotations

from leakscan.findings import printable, redact
from leakscan.model import Finding, ScanResult
from leakscan.report.text import summary

_COMMANDS = {"critical": "error", "high": "error", "medium": "warning", "low": "warning", "info": "notice"}
_ALLOW_HINT = "Not a secret? Add `leakscan:allow` in a comment on the line, or record it in a baseline."


def escape_data(text: str) -> str:
    """A command's message: no raw CR or LF (they would end the command)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: also no raw ':' or ',' (they separate properties and the message)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: ScanResult, show_secrets: bool, color: bool = False) -> str:
    """One annotation per reported finding and per unreadable input, then the summary line."""
    lines = [_annotation(f, show_secrets) for f in result.reported]
    unreadable = {"title": "leakscan: could not scan"}
    lines += [_command("error", {"file": e.path, **unreadable}, e.message) for e in result.errors]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def _annotation(finding: Finding, show_secrets: bool) -> str:
    shown = finding.secret if show_secrets else redact(finding.secret)
    properties = {
        "file": finding.path,
        "line": str(finding.line),
        "col": str(finding.column),
        "title": f"leakscan: {finding.rule_id}",
    }
    if "\n" not in finding.secret:
        properties["endColumn"] = str(finding.column + len(finding.secret) - 1)  # inclusive
    message = f"{finding.rule_name} ({finding.severity}): {shown}. {_ALLOW_HINT}"
    return _command(_COMMANDS[finding.severity], properties, message)


def _command(name: str, properties: dict[str, str], message: str) -> str:
    props = ",".join(f"{key}={escape_property(printable(value))}" for key, value in properties.items())
    return f"::{name} {props}::{escape_data(printable(message))}"
