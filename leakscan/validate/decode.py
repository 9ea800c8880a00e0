"""Encoded text that may hide a secret: where it is, what it decodes to, where each byte came from.

Three encodings: base64 (standard and URL-safe: Kubernetes `Secret` data, docker `auth`, HTTP
Basic), percent-encoding (URLs, form bodies) and JSON string escapes (`\\"`, `\\n`, `\\u0040`, `\\/`;
this is also what puts notebook cells in reach). Only spans that could hold a secret are decoded:

- base64 only in whole runs (bounded by non-base64 characters) where every 4-character group
  can encode printable ASCII text (the first character of a group holds the top 6 bits of a
  byte below 0x80, the second and third are constrained in the same way). Random tokens, hashes,
  images and long identifiers fail this at once (a random 12-character run passes with odds
  below 1 in 4,000); what decodes must be printable text.
- percent-encoding only around a `%XX` escape; JSON strings only when they hold an escape that
  changes what a rule can see (`\\/`, `\\\\`, `\\uXXXX`, an escaped quote beside `=` or `:`; a `\\n`
  only ends a line, and rules stop values at a backslash).

Finding those spans is the hot path: `SpanFinder` finds base64 runs, and whether the text holds a
telling percent or JSON escape at all, in one Hyperscan pass where the package is installed, and
with `re` elsewhere (both give the same spans). Everything else here is pure: bytes in, `Encoded`
spans out. detect.py rescans the decoded text.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

MIN_LENGTH = 12  # encoded characters: base64 of 8 bytes, a short password
MAX_SPAN = 64 * 1024  # longer spans are data, not configuration

_B64 = rb"A-Za-z0-9+/_\-"
# One group of 4 characters that encodes 3 printable ASCII bytes (or tab, newline, CR).
_GROUP = rb"[CDI-Za-f][A-HQ-Xg-nw-z0-3][ABEFIJMNQRUVYZcdghklopstwx014589][" + _B64 + rb"]"
_TAIL = rb"[CDI-Za-f][A-HQ-Xg-nw-z0-3](?:==?|[ABEFIJMNQRUVYZcdghklopstwx014589]=?)?"
_RUN = rb"(?:" + _GROUP + rb"){2,}(?:" + _TAIL + rb")?"
_BASE64_TEXT = re.compile(rb"(?<![" + _B64 + rb"])" + _RUN + rb"(?![" + _B64 + rb"=])")
# The same runs for Hyperscan, which has no lookaround: the bounding characters are matched, and
# only the end is reported (tracking starts costs Hyperscan 3x); the start is found backwards.
_BASE64_TEXT_HS = rb"(?:^|[^" + _B64 + rb"])" + _RUN + rb"(?:[^" + _B64 + rb"=]|$)"
_BASE64_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")
_BACKWARDS = re.compile(rb"={0,2}[" + _B64 + rb"]*")
_PERCENT = re.compile(rb"%[0-9A-Fa-f]{2}")
# An escape that hides what a rule looks for: punctuation (`%3A%2F%2F`, `%40`, `%3D`, `%2B`).
# Escaped letters and digits change nothing a rule needs; `%02x` and `%s` in format strings
# are not escapes at all.
_TELLING_PERCENT = re.compile(rb"%(?:2[0-9A-Fa-f]|3[A-Fa-f]|40|5[BDFbdf]|60|7[B-Eb-e])")
# Escapes that change what a rule can see: `\/` in URLs, `\uXXXX`, and an escaped quote next to
# an assignment (`api_key = \"…\"` in a notebook cell, `{\"token\": \"…\"}` inside JSON); a C
# string's `\"%s\"`, `\\` or `\n` changes nothing a rule matches (rules stop values at a backslash).
# Every alternative starts at the backslash, so that `re` can look for that byte alone.
_TELLING_ESCAPE = re.compile(
    rb'\\(?:/|u[0-9A-Fa-f]{4}|"[ \t]*[:=]|(?<=[=:,(\[{]\\)"|(?<=[=:,(\[{] \\)"|(?<=[=:,(\[{]  \\)")'
)
# The escape test for Hyperscan, which has no lookbehind (the character before the backslash is
# matched instead; `re` keeps the form that starts at the backslash, a byte it finds fast).
_TELLING_ESCAPE_HS = rb'\\(?:/|u[0-9A-Fa-f]{4}|"[ \t]*[:=])|[=:,(\[{](?: |  )?\\"'
_RUNS, _PERCENT_GATE, _ESCAPE_GATE = range(3)  # pattern ids in the gate database
# The gates as a matcher's side patterns (expression, first match only), numbered as above: a
# Hyperscan engine that carries them reports their matches from its own pass over the text.
GATES: tuple[tuple[bytes, bool], ...] = (
    (_BASE64_TEXT_HS, False),
    (_TELLING_PERCENT.pattern, True),
    (_TELLING_ESCAPE_HS, False),
)
_TOKEN_EDGES = rb"\s\"'<>`()\[\]{},;\\"  # what ends a percent-encoded token
_TOKEN_REACH = 512  # bytes a token may extend either side of its escape
_URL_EDGE = re.compile(rb"[" + _TOKEN_EDGES + rb"]")
_TOKEN_BACKWARDS = re.compile(rb"[^" + _TOKEN_EDGES + rb"]*")
_JSON_STRING = re.compile(rb'"([^"\\\n]*(?:\\.[^"\\\n]*)+)"')
_JSON_ESCAPE = re.compile(rb"\\(?:u([0-9A-Fa-f]{4})(?:\\u([dD][c-fC-F][0-9A-Fa-f]{2}))?|(.))", re.DOTALL)
_JSON_SIMPLE = {
    b'"': b'"',
    b"\\": b"\\",
    b"/": b"/",
    b"b": b"\b",
    b"f": b"\f",
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
}
_TEXT_BYTES = re.compile(rb"[\t\n\r\x20-\x7e]*")


@dataclass(frozen=True)
class Encoded:
    """An encoded span of some text, and what it decodes to.

    For escapes (percent, JSON) `source` keeps the encoded bytes, so that a decoded offset can be
    mapped back to the escape or literal it came from; base64 maps every decoded byte to the whole
    span, since one character holds parts of two bytes.
    """

    start: int  # span in the text it was found in
    end: int
    kind: str  # "base64", "percent", "json"
    text: bytes
    source: bytes = b""

    def origin(self, first: int, last: int) -> tuple[int, int]:
        """The span of encoded text that decoded bytes text[first:last] came from."""
        if self.kind == "base64":
            return self.start, self.end
        return self._position(first), self._position(last) if last < len(self.text) else self.end

    @cached_property
    def marks(self) -> list[tuple[int, int, bool]]:
        """(decoded offset, encoded offset, literal) where each literal run and each escape starts.
        Worked out only when a finding needs its place."""
        escapes = (
            _PERCENT.finditer(self.source) if self.kind == "percent" else _JSON_ESCAPE.finditer(self.source)
        )
        marks: list[tuple[int, int, bool]] = []
        decoded = position = 0
        for m in escapes:
            if m.start() > position:
                marks.append((decoded, self.start + position, True))
                decoded += m.start() - position
            marks.append((decoded, self.start + m.start(), False))
            decoded += 1 if self.kind == "percent" else len(_json_escape_value(m))
            position = m.end()
        if position < len(self.source):
            marks.append((decoded, self.start + position, True))
        return marks

    def _position(self, index: int) -> int:
        at = bisect.bisect_right(self.marks, (index, float("inf"), True)) - 1
        decoded, encoded, literal = self.marks[max(at, 0)]
        return encoded + (index - decoded if literal else 0)


class SpanFinder:
    """Finds the decodable spans of a text: from the gates' matches when the caller has them (a
    Hyperscan engine carrying GATES), else with Hyperscan when it is installed, else with `re`."""

    def __init__(self, use_hyperscan: bool = True) -> None:
        self._database: Any = _compile_gates() if use_hyperscan else None
        self._scratch: Any = None
        if self._database is not None:
            import hyperscan

            self._scratch = hyperscan.Scratch(self._database)

    def find(self, text: bytes, budget: int, gated: list[tuple[int, int]] | None = None) -> list[Encoded]:
        """Decodable spans of `text` in order of position, decoding at most `budget` bytes in all.
        `gated`: the GATES' matches in `text` (gate number, end), found by the caller's pass."""
        found: list[Encoded] = []
        for span in self._candidates(text, gated):
            if span.end - span.start > MAX_SPAN or len(span.text) > budget:
                continue
            budget -= len(span.text)
            found.append(span)
        found.sort(key=lambda s: s.start)
        return found

    def _candidates(self, text: bytes, gated: list[tuple[int, int]] | None) -> Iterator[Encoded]:
        runs, percent, escapes = self._gates(text) if gated is None else _gate_results(text, gated)
        for start, end in runs:
            if end - start >= MIN_LENGTH:
                decoded = decode_base64(text[start:end])
                if decoded is not None:
                    yield Encoded(start, end, "base64", decoded)
        if percent:
            yield from _percent_spans(text)
        yield from _json_spans(text, escapes)

    def _gates(self, text: bytes) -> tuple[list[tuple[int, int]], bool, Iterable[int]]:
        """Base64 text runs, whether the text holds a telling percent escape, and a place inside
        each telling JSON escape, in order."""
        if self._database is None:
            percent = b"%" in text and _TELLING_PERCENT.search(text) is not None
            escapes = (m.start() for m in _TELLING_ESCAPE.finditer(text)) if b"\\" in text else ()
            return [m.span() for m in _BASE64_TEXT.finditer(text)], percent, escapes
        gated: list[tuple[int, int]] = []

        def on_match(pattern: int, _start: int, end: int, _flags: int, _context: object) -> None:
            gated.append((pattern, end))

        self._database.scan(text, match_event_handler=on_match, scratch=self._scratch)
        return _gate_results(text, gated)


def _gate_results(text: bytes, gated: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], bool, list[int]]:
    """What `SpanFinder._gates` gives, from the gates' Hyperscan matches (gate number, end). The
    JSON escape gate reports every match, so that only the lines holding one are read again: its
    last character lies inside the escape's line (no gate spans a line break)."""
    # `$` also matches before a final newline, so one run may be reported at two ends.
    ends = (_run_ending(text, end) for gate, end in gated if gate == _RUNS)
    runs = sorted({run for run in ends if run is not None})
    percent = any(gate == _PERCENT_GATE for gate, _ in gated)
    return runs, percent, sorted(end - 1 for gate, end in gated if gate == _ESCAPE_GATE)


def _compile_gates() -> Any:
    """The Hyperscan database of the three gates (base64 runs and JSON escapes: every end; percent
    escapes: once), or
    None where Hyperscan is not installed. One pass for all three took 0.40 s on 300 MB of git's
    blobs, against 0.31 s for the base64 runs alone plus 0.20 s for the escapes with `re`."""
    try:
        import hyperscan
    except ImportError:
        return None
    database = hyperscan.Database()
    database.compile(
        expressions=[expression for expression, _ in GATES],
        ids=[_RUNS, _PERCENT_GATE, _ESCAPE_GATE],
        elements=len(GATES),
        flags=[hyperscan.HS_FLAG_SINGLEMATCH if once else 0 for _, once in GATES],
    )
    return database


def _run_ending(text: bytes, end: int) -> tuple[int, int] | None:
    """The base64 run whose Hyperscan match ends at `end` (which may include the character after
    it), checked with the same expression the `re` path uses."""
    if end and text[end - 1] not in _BASE64_CHARS and text[end - 1] != ord("="):
        end -= 1
    start = end - _run_length_before(text, end)
    m = _BASE64_TEXT.match(text, start)
    return m.span() if m is not None and m.end() == end else None


def _run_length_before(text: bytes, end: int) -> int:
    """How many base64 characters (and trailing `=`) end at `end`: read backwards in a small
    window first, since most runs are short and copying MAX_SPAN bytes per run is not."""
    size = 256
    while True:
        window = text[max(0, end - size) : end][::-1]
        trailing = _BACKWARDS.match(window)  # always matches (possibly empty)
        length = trailing.end() if trailing else 0
        if length < len(window) or size > MAX_SPAN or len(window) < size:
            return min(length, MAX_SPAN + 1)
        size *= 16


def decode_base64(encoded: bytes) -> bytes | None:
    """Standard or URL-safe base64 (padding optional) decoded, if it is printable text."""
    if (b"-" in encoded or b"_" in encoded) and (b"+" in encoded or b"/" in encoded):
        return None  # two alphabets at once: not base64
    body = encoded.rstrip(b"=")
    if len(body) % 4 == 1:
        return None
    try:
        decoded = base64.b64decode(
            body + b"=" * (-len(body) % 4), altchars=b"-_" if b"-" in body or b"_" in body else None
        )
    except (binascii.Error, ValueError):
        return None
    return decoded if _is_text(decoded) else None


def _percent_spans(text: bytes) -> Iterator[Encoded]:
    """Each token holding `%XX` escapes, decoded; tokens end at spaces, quotes and brackets."""
    end = 0
    for m in _TELLING_PERCENT.finditer(text):
        if m.start() < end:
            continue
        start = _token_start(text, m.start())
        end = _token_end(text, m.end())
        span = decode_percent(text, start, end)
        if span is not None:
            yield span


def _token_start(text: bytes, position: int) -> int:
    # Read backwards: the last edge before `position` is the first one in the reversed window.
    window = text[max(0, position - _TOKEN_REACH) : position][::-1]
    run = _TOKEN_BACKWARDS.match(window)  # always matches (possibly empty)
    return position - (run.end() if run else 0)


def _token_end(text: bytes, position: int) -> int:
    edge = _URL_EDGE.search(text, position, position + _TOKEN_REACH)
    return edge.start() if edge else min(len(text), position + _TOKEN_REACH)


def decode_percent(text: bytes, start: int, end: int) -> Encoded | None:
    """text[start:end] with `%XX` escapes decoded (None when the result is not text or too short)."""
    source = text[start:end]
    decoded = _PERCENT.sub(lambda m: bytes([int(m.group()[1:], 16)]), source)
    if end - start < MIN_LENGTH or not _is_text(decoded):
        return None
    return Encoded(start, end, "percent", decoded, source)


def _json_spans(text: bytes, escapes: Iterable[int]) -> Iterator[Encoded]:
    """JSON strings holding a telling escape; a string never spans lines, so only the lines
    with such an escape (`escapes`: a place inside each, in order) are parsed."""
    line_end = -1
    for escape in escapes:
        if escape < line_end:
            continue
        line_start = text.rfind(b"\n", 0, escape) + 1
        line_end = text.find(b"\n", escape)
        line_end = len(text) if line_end < 0 else line_end
        for m in _JSON_STRING.finditer(text, line_start, line_end):
            start, end = m.span(1)
            if end - start >= MIN_LENGTH and _TELLING_ESCAPE.search(text, start, end):
                yield decode_json_string(text, start, end)


def decode_json_string(text: bytes, start: int, end: int) -> Encoded:
    """The content of a JSON string literal, text[start:end], with its escapes decoded (by the
    `json` module where the string is strict JSON; C and JavaScript strings may hold escapes JSON
    lacks, which are kept as they are)."""
    source = text[start:end]
    try:
        decoded = json.loads(b'"' + source + b'"').encode("utf-8")
    except (ValueError, UnicodeEncodeError):  # not JSON, or a lone surrogate
        decoded = _JSON_ESCAPE.sub(_json_escape_value, source)
    return Encoded(start, end, "json", decoded, source)


def _json_escape_value(m: re.Match[bytes]) -> bytes:
    unit, low, simple = m.groups()
    if simple is not None:
        return _JSON_SIMPLE.get(simple, b"\\" + simple)
    code = int(unit, 16)
    if low is not None and 0xD800 <= code < 0xDC00:
        code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
    elif 0xD800 <= code < 0xE000:
        return b"\xef\xbf\xbd"  # a lone surrogate
    return chr(code).encode("utf-8")


def _is_text(data: bytes) -> bool:
    """Printable ASCII with tabs and line breaks (a secret is ASCII; binary data is not rescanned)."""
    return bool(data) and _TEXT_BYTES.fullmatch(data) is not None
