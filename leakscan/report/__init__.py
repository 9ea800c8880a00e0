"""Where results go: one module per format, each `render(result, show_secrets, color) -> str`."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

from leakscan.model import ScanResult

Renderer = Callable[[ScanResult, bool, bool], str]


# Format → (module in this package, its render function). Only the chosen module is imported.
_FORMATS = {
    "text": ("text", "render"),
    "json": ("json_report", "render"),
    "jsonl": ("json_report", "render_lines"),
    "csv": ("csv_report", "render"),
    "sarif": ("sarif", "render"),
    "github": ("github", "render"),
    "junit": ("junit", "render"),
}
FORMATS = tuple(_FORMATS)


def renderer(name: str) -> Renderer:
    """The render function of format `name`."""
    module, function = _FORMATS[name]
    render: Renderer = getattr(importlib.import_module(f"leakscan.report.{module}"), function)
    return render


def write_private(path: str, content: str) -> None:
    """Write a report readable by its owner only (0600), whatever the umask or an older file's mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            fd = -1
            handle.write(content)
    finally:
        if fd >= 0:
            os.close(fd)
