"""Suppressions come last and mark findings (inline allow, config allowlist); nothing is lost."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace

import regex

from leakscan.config import Config
from leakscan.model import Finding

INLINE_MARKERS = (b"leakscan:allow",)


def line_allows(line: bytes) -> bool:
    """Whether a source line carries an inline allow marker."""
    return any(marker in line for marker in INLINE_MARKERS)


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
            out.append(regex.escape(glob[i]))
            i += 1
    return "^" + "".join(out) + "$"


class Suppressor:
    """Marks findings that the configuration allows."""

    def __init__(self, config: Config, path_base: str = ".") -> None:
        self.config = config
        self.path_base = os.path.abspath(path_base)  # reported paths are relative to this folder
        self._paths = [regex.compile(glob_regex(g)) for g in config.allow_paths]
        self._secrets = [regex.compile(p) for p in config.allow_regexes]

    def path_allowed(self, path: str) -> bool:
        """Whether `path` (as reported) falls under an allowed glob, relative to the config's folder."""
        if not self._paths:
            return False
        absolute = os.path.normpath(os.path.join(self.path_base, path))
        relative = os.path.relpath(absolute, self.config.root).replace(os.sep, "/")
        return any(p.match(relative) for p in self._paths)

    def reason(self, finding: Finding, inline: bool) -> str | None:
        """Why `finding` is suppressed, or None."""
        if inline:
            return "inline"
        if self.path_allowed(finding.path):
            return "allowlist"
        secret = finding.secret
        if any(p.search(secret) for p in self._secrets) or any(w in secret for w in self.config.stopwords):
            return "allowlist"
        return None

    def mark(self, findings: Iterable[tuple[Finding, bool]]) -> list[Finding]:
        """Each finding, with `suppressed` set where it is allowed (pairs of finding and inline flag)."""
        return [replace(f, suppressed=self.reason(f, inline)) for f, inline in findings]
