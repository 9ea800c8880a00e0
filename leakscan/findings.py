"""Where a finding gets its place and identity: line, column and context for matches only,
the secret's hash, the fingerprint, and redaction for everything a person or a log sees."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from leakscan.model import Finding, Hit

_ARMOUR = re.compile(r"-{4,5} ?BEGIN [A-Z0-9 ]{1,40}? ?-{4,5}|PuTTY-User-Key-File-\d: [\w-]{1,40}")
CONTEXT_CHARS = 60  # characters of the line kept on each side of a secret
_CONTROL = {c: "\ufffd" for c in range(32) if c != 9} | {127: "\ufffd"}


def blob_id(data: bytes) -> str:
    """The git blob id of `data`: identical content has the same id in a tree scan and in history."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def secret_sha256(secret: str) -> str:
    """Hex SHA-256 of the exact secret string (UTF-8)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def identity(finding: Finding) -> tuple[str, str, str]:
    """What makes a finding the same finding: rule, secret hash and path, never line or commit
    (a moved line or a rewritten commit is not a new leak). Baselines and SARIF use it."""
    return (finding.rule_id, secret_sha256(finding.secret), finding.path)


def fingerprint(finding: Finding) -> str:
    """Content identity of a finding's place: rule, secret hash, path and blob."""
    material = f"{finding.rule_id}:{secret_sha256(finding.secret)}:{finding.path}:{finding.blob or ''}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def redact(secret: str) -> str:
    """`ghp_…k9`: enough to recognise a secret, never enough to use it. A key block shows its
    armour line, which says what kind of key it is and nothing of the key."""
    armour = _ARMOUR.match(secret)
    if armour:
        return f"{armour.group()}…"
    if len(secret) >= 20:
        return f"{secret[:4]}…{secret[-2:]}"
    if len(secret) >= 12:
        return f"{secret[:2]}…"
    return "…"


def snippet(finding: Finding, show_secrets: bool = False) -> str:
    """The line around the secret, with the secret redacted unless `show_secrets`."""
    shown = finding.secret if show_secrets else redact(finding.secret)
    return f"{finding.before}{printable(shown)}{finding.after}".strip()


def printable(text: str) -> str:
    """`text` with control characters (terminal escapes, NUL, newlines) replaced by U+FFFD."""
    return text.translate(_CONTROL)


class Locator:
    """Turns byte offsets in one item into 1-based lines and character columns.

    Offsets must be asked for in increasing order: lines are counted once, incrementally, so an
    item with many secrets is not re-counted from the start for each.
    """

    def __init__(self, data: bytes, marker: Callable[[bytes, bytes], str | None] | None = None) -> None:
        self.data = data
        self.marker = marker  # the allow marker on (this line, the line before), if any
        self._offset = 0
        self._line = 1
        # The previous hit's line, offset and column: many secrets on one minified line must not
        # each decode that line from its start.
        self._line_start = -1
        self._last = 0
        self._chars = 0

    def hit(
        self, rule_id: str, start: int, end: int, decoded: str | None = None, secret: str | None = None
    ) -> Hit:
        """A `Hit` for the secret at data[start:end]; a decoded secret is given as `secret`, and
        [start, end) is then the encoded text it came from."""
        data = self.data
        self._line += data.count(b"\n", self._offset, start)
        self._offset = start
        line_start = data.rfind(b"\n", 0, start) + 1
        line_end = data.find(b"\n", end)
        if line_end < 0:
            line_end = len(data)
        if line_start == self._line_start:
            self._chars += len(data[self._last : start].decode("utf-8", "replace"))
        else:
            self._line_start, self._chars = line_start, len(data[line_start:start].decode("utf-8", "replace"))
        self._last = start
        head = data[max(line_start, start - 4 * CONTEXT_CHARS) : start].decode("utf-8", "replace")
        tail = data[end : min(line_end, end + 4 * CONTEXT_CHARS)].rstrip(b"\r").decode("utf-8", "replace")
        return Hit(
            rule_id=rule_id,
            secret=data[start:end].decode("utf-8", "replace") if secret is None else secret,
            offset=start,
            line=self._line,
            column=self._chars + 1,
            before=printable(head[-CONTEXT_CHARS:]),
            after=printable(tail[:CONTEXT_CHARS]),
            decoded=decoded,
            marker=self._marker(line_start, line_end),
        )

    def _marker(self, line_start: int, line_end: int) -> str | None:
        if self.marker is None:
            return None
        previous = self.data[self.data.rfind(b"\n", 0, max(line_start - 1, 0)) + 1 : max(line_start - 1, 0)]
        return self.marker(self.data[line_start:line_end], previous)
