"""Encoded text that may hide a secret: where it is, what it decodes to, where each byte came from.

Three encodings: base64 (standard and URL-safe: Kubernetes `Secret` data, docker `auth`, HTTP
Basic), percent-encoding (URLs, form bodies) and JSON string escapes (`\\"`, `\\n`, `\\u0040`, `\\/`;
this is also what puts notebook cells in reach). Only spans that could hold a secret are decoded:

- base64 only where every 4-character group can encode printable ASCII text (the first character
  of a group holds the top 6 bits of a byte below 0x80, the second and third are constrained in
  the same way). A regular expression checks this, so random tokens, hashes, images and long
  identifiers are passed over without decoding (a random 12-character run passes with odds below
  1 in 4,000); what decodes must be printable text.
- percent-encoding only around a `%XX` escape, JSON escapes only in double-quoted strings that
  hold an escape; both within length bounds.

Everything here is pure: bytes in, `Encoded` spans out. detect.py rescans the decoded text.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

MIN_LENGTH = 12  # encoded characters: base64 of 8 bytes, a short password
MAX_SPAN = 64 * 1024  # longer spans are data, not configuration

_B64 = rb"A-Za-z0-9+/_\-"
# One group of 4 characters that encodes 3 printable ASCII bytes (or tab, newline, CR).
_GROUP = rb"[CDI-Za-f][A-HQ-Xg-nw-z0-3][ABEFIJMNQRUVYZcdghklopstwx014589][" + _B64 + rb"]"
_TAIL = rb"[CDI-Za-f][A-HQ-Xg-nw-z0-3](?:==?|[ABEFIJMNQRUVYZcdghklopstwx014589]=?)?"
_BASE64_TEXT = re.compile(
    rb"(?<![" + _B64 + rb"])(?:" + _GROUP + rb"){2,}(?:" + _TAIL + rb")?(?![" + _B64 + rb"=])"
)
_PERCENT = re.compile(rb"%[0-9A-Fa-f]{2}")
_URL_EDGE = re.compile(rb"[\s\"'<>`()\[\]{},;\\]")
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

    `marks` map decoded offsets back to the span: (decoded offset, encoded offset, literal) at the
    start of every literal run and every escape. Base64 has none: a decoded byte maps to the
    whole span, since one character holds parts of two bytes.
    """

    start: int  # span in the text it was found in
    end: int
    kind: str  # "base64", "percent", "json"
    text: bytes
    marks: tuple[tuple[int, int, bool], ...] = ()

    def origin(self, first: int, last: int) -> tuple[int, int]:
        """The span of encoded text that decoded bytes text[first:last] came from."""
        if not self.marks:
            return self.start, self.end
        return self._position(first), self._position(last) if last < len(self.text) else self.end

    def _position(self, index: int) -> int:
        at = bisect.bisect_right(self.marks, (index, float("inf"), True)) - 1
        decoded, encoded, literal = self.marks[max(at, 0)]
        return encoded + (index - decoded if literal else 0)


def find_encoded(text: bytes, budget: int) -> list[Encoded]:
    """Decodable spans of `text` in order of position, decoding at most `budget` bytes in all."""
    found: list[Encoded] = []
    for span in _candidates(text):
        if span.end - span.start > MAX_SPAN or len(span.text) > budget:
            continue
        budget -= len(span.text)
        found.append(span)
    found.sort(key=lambda s: s.start)
    return found


def _candidates(text: bytes) -> Iterator[Encoded]:
    yield from _base64_spans(text)
    if b"%" in text:
        yield from _percent_spans(text)
    if b"\\" in text:
        yield from _json_spans(text)


def _base64_spans(text: bytes) -> Iterator[Encoded]:
    for m in _BASE64_TEXT.finditer(text):
        start, end = m.span()
        if end - start < MIN_LENGTH:
            continue
        decoded = decode_base64(m.group())
        if decoded is not None:
            yield Encoded(start, end, "base64", decoded)


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
    for m in _PERCENT.finditer(text):
        if m.start() < end:
            continue
        start = _token_start(text, m.start())
        end = _token_end(text, m.end())
        span = decode_percent(text, start, end)
        if span is not None:
            yield span


def _token_start(text: bytes, position: int) -> int:
    window = max(0, position - 512)
    edges = list(_URL_EDGE.finditer(text, window, position))
    return edges[-1].end() if edges else window


def _token_end(text: bytes, position: int) -> int:
    edge = _URL_EDGE.search(text, position, position + 512)
    return edge.start() if edge else min(len(text), position + 512)


def decode_percent(text: bytes, start: int, end: int) -> Encoded | None:
    """text[start:end] with `%XX` escapes decoded (None when the result is not text or too short)."""
    out = bytearray()
    marks: list[tuple[int, int, bool]] = []
    position = start
    for m in _PERCENT.finditer(text, start, end):
        if m.start() > position:
            marks.append((len(out), position, True))
            out += text[position : m.start()]
        marks.append((len(out), m.start(), False))
        out.append(int(m.group()[1:], 16))
        position = m.end()
    if position < end:
        marks.append((len(out), position, True))
        out += text[position:end]
    if end - start < MIN_LENGTH or not _is_text(bytes(out)):
        return None
    return Encoded(start, end, "percent", bytes(out), tuple(marks))


def _json_spans(text: bytes) -> Iterator[Encoded]:
    for m in _JSON_STRING.finditer(text):
        start, end = m.span(1)
        if end - start >= MIN_LENGTH:
            yield decode_json_string(text, start, end)


def decode_json_string(text: bytes, start: int, end: int) -> Encoded:
    """The content of a JSON string literal, text[start:end], with its escapes decoded."""
    out = bytearray()
    marks: list[tuple[int, int, bool]] = []
    position = start
    for m in _JSON_ESCAPE.finditer(text, start, end):
        if m.start() > position:
            marks.append((len(out), position, True))
            out += text[position : m.start()]
        marks.append((len(out), m.start(), False))
        out += _json_escape_value(m)
        position = m.end()
    if position < end:
        marks.append((len(out), position, True))
        out += text[position:end]
    return Encoded(start, end, "json", bytes(out), tuple(marks))


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
