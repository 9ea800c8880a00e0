"""Suppressions come last and mark findings (inline allow, config allowlist); nothing is lost.

`leakscan:allow` on a finding's line always allows it. For teams coming from other scanners, their
markers count too unless the config turns them off (`[allowlist] markers`): `gitleaks:allow` on
the line, and detect-secrets' `pragma: allowlist secret` on the line or
`pragma: allowlist nextline secret` on the line before.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from leakscan.config import OTHER_MARKERS, Config
from leakscan.model import Finding

if TYPE_CHECKING:
    import regex

LEAKSCAN_MARKER = "leakscan:allow"
_SAME_LINE = (LEAKSCAN_MARKER, *OTHER_MARKERS)
_NEXT_LINE = {"pragma: allowlist nextline secret": "pragma: allowlist secret"}


def line_marker(line: bytes, previous: bytes) -> str | None:
    """The allow marker that covers a line (leakscan's first), given the line and the one before."""
    for marker in _SAME_LINE:
        if marker.encode() in line:
            return marker
    for marker, name in _NEXT_LINE.items():
        if marker.encode() in previous:
            return name
    return None


def glob_regex(glob: str) -> str:
    """A regex for a path glob: `**/` spans folders, `*` and `?` stay within one."""
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "^" + "".join(out) + "$"


class Suppressor:
    """Marks findings that the configuration allows."""

    def __init__(self, config: Config, path_base: str = ".") -> None:
        self.config = config
        self.path_base = os.path.abspath(path_base)  # reported paths are relative to this folder
        self._paths = [re.compile(glob_regex(g)) for g in config.allow_paths]
        self._secrets = _compile_regexes(config.allow_regexes)

    def path_allowed(self, path: str) -> bool:
        """Whether `path` (as reported) falls under an allowed glob, relative to the config's folder."""
        if not self._paths:
            return False
        absolute = os.path.normpath(os.path.join(self.path_base, path))
        relative = os.path.relpath(absolute, self.config.root).replace(os.sep, "/")
        return any(p.match(relative) for p in self._paths)

    def reason(self, finding: Finding, marker: str | None) -> str | None:
        """Why `finding` is suppressed, or None; `marker` is the allow marker on its line, if any."""
        if marker == LEAKSCAN_MARKER or marker in self.config.markers:
            return "inline"
        if self.path_allowed(finding.path):
            return "allowlist"
        secret = finding.secret
        if any(p.search(secret) for p in self._secrets) or any(w in secret for w in self.config.stopwords):
            return "allowlist"
        return None

    def mark(self, findings: Iterable[tuple[Finding, str | None]]) -> list[Finding]:
        """Each finding, with `suppressed` set where it is allowed (pairs of finding and line marker)."""
        return [replace(f, suppressed=self.reason(f, marker)) for f, marker in findings]


def _compile_regexes(patterns: tuple[str, ...]) -> list[regex.Pattern[str]]:
    """Allowlist regexes use the `regex` module's syntax, like the rules."""
    if not patterns:
        return []  # no need to import `regex` at all
    import regex

    return [regex.compile(p) for p in patterns]
