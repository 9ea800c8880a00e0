"""One item, start to finish: match every rule, validate each match, rescan decoded text,
settle overlaps, locate what survives.

This is where a finding is born (in a worker process); `scan.py` gives it its place in a report.

Decoded text (base64, percent-encoding, JSON escapes; see validate/decode.py) is rescanned in
place of its encoding, inside the surrounding line, so that `password: czNjcjN0` in a Kubernetes
Secret reads `password: s3cr3t`. A finding from decoded text points at the encoded text in the
item and says how it was decoded. Binary items (a NUL byte in their first 8 KiB, git's own test)
are matched as they are but not decoded: encodings in them are data, and looking for them costs
as much as matching every rule.

When several matches claim one secret, one is reported (`settle`):
1. a match from decoded text is dropped when the plain text already gave the same secret there
   (or the same specific rule matched its encoded form there);
2. specific rules win over generic rules on any overlap, even when the specific rule rejected the
   text (a `GITHUB_TOKEN=ghp_…` whose checksum fails is not a generic token either);
3. two specific rules on the identical span: the one with a checksum, else the one not bound to a
   path, else the one with the longest literal keyword (a longer prefix says more), else plain
   text before decoded text, else the first loaded;
4. among generic rules on overlapping spans: a rule bound to a credential file's path first, then
   one with a checksum or structure check (a JWT beats "a bearer token"), then the most deeply
   decoded match (it says what the encoded value holds), then the first loaded (credential files
   before generic assignments).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from leakscan.findings import Locator
from leakscan.matcher import Engine, build_engine
from leakscan.model import Hit, RawMatch
from leakscan.rules import Rule, RuleSet
from leakscan.suppress import line_marker
from leakscan.validate.checksums import CHECKSUMS
from leakscan.validate.decode import GATES, Encoded, SpanFinder
from leakscan.validate.dummies import is_documentation_dummy
from leakscan.validate.entropy import shannon
from leakscan.validate.placeholders import generic_reject, is_placeholder, is_public_material

MAX_DECODE_DEPTH = 2  # base64 inside base64 (a docker `auth` in a Kubernetes Secret) is depth 2
DECODE_BUDGET = 1 << 20  # decoded bytes per item
CONTEXT_BYTES = 160  # bytes of the enclosing line kept around decoded text
CONTEXT_LINES = 2  # lines before a secret's line that validators read (for `docsearch({` and the like)
_SEPARATOR = b"\n\n"
_BINARY_PROBE = 8192
_LONGEST_MATCH = 1 << 16  # no rule's secret is longer (private keys are the longest)


@dataclass
class Detection:
    """What one item yielded: the hits, and how many raw matches each validator dropped."""

    hits: list[Hit] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)


def reject_reason(rule: Rule, secret: str, context: str = "") -> str | None:
    """Why a raw match of `rule` is not a finding, or None. `context` is the text before the secret
    on its line (generic rules read the name the value is assigned to there)."""
    if rule.checksum is not None and not CHECKSUMS[rule.checksum](secret):
        return "checksum"
    if rule.min_entropy is not None and shannon(secret) < rule.min_entropy:
        return "entropy"
    if is_placeholder(secret) or is_documentation_dummy(secret):
        return "placeholder"
    if is_public_material(secret):
        return "public"
    if rule.generic:
        return generic_reject(secret, context)
    return None


@dataclass(frozen=True)
class Candidate:
    """A validated match, placed in the item: [start, end) is the secret, or the encoded text
    that decodes to it."""

    rule_index: int
    start: int
    end: int
    secret: str
    decoded: str | None = None
    # For decoded text: the outermost encoded span (start, end, kind) and the secret's place in
    # its decoded text. Base64 places every decoded secret on the whole encoded span, so two
    # secrets of one blob are told apart here.
    inner: tuple[tuple[int, int, str], int, int] | None = None
    # A specific rule recognised the text and rejected it (wrong checksum, documentation dummy):
    # not reported, but no generic rule may report it either.
    rejected: bool = False


@dataclass(frozen=True)
class _Piece:
    """Decoded text found in an item or in another piece."""

    span: Encoded
    parent: _Piece | None
    chain: str  # "base64", "json+base64": outermost encoding first

    def in_item(self, start: int, end: int) -> tuple[int, int]:
        """Where decoded bytes text[start:end] of this piece came from in the item."""
        start, end = self.span.origin(start, end)
        return self.parent.in_item(start, end) if self.parent else (start, end)


@dataclass(frozen=True)
class _Segment:
    """One piece spliced into a rescan buffer: line context, decoded text, line context."""

    start: int  # of the segment in the buffer
    text_start: int  # of the decoded text in the buffer
    text_end: int
    end: int
    piece: _Piece


def build_detector(rules: RuleSet, engine: str = "auto", decode: bool = True) -> Detector:
    """A Detector whose engine (if Hyperscan) also finds the decoding gates in its one pass."""
    return Detector(rules, build_engine(rules, engine, side=GATES if decode else ()), decode)


class Detector:
    """Runs the match → validate → decode and rescan → settle → locate pipeline with one engine."""

    def __init__(self, rules: RuleSet, engine: Engine, decode: bool = True) -> None:
        self.rules = rules.rules
        self.engine = engine
        self.decode = decode
        self._gated = decode and engine.side_patterns == GATES  # the gates come with the matches
        use_hyperscan = engine.name == "hyperscan" and not self._gated
        self._spans = SpanFinder(use_hyperscan=use_hyperscan) if decode else None
        self._rank = [_specific_rank(r, i) for i, r in enumerate(self.rules)]

    def detect(self, data: bytes, path: str | None = None) -> Detection:
        """Findings-to-be in `data`, in order of position."""
        result = Detection()
        gated: list[tuple[int, int]] | None = [] if self._gated else None
        raws = self.engine.scan(data, path, gated)
        if not raws and gated is not None and not gated:
            return result  # no match and no text to decode (most blobs): skip 6 µs of bookkeeping
        found = [
            Candidate(raw.rule_index, raw.secret_start, raw.secret_end, secret, rejected=rejected)
            for raw, secret, rejected in self._validated(raws, data, result.dropped)
        ]
        if self._spans is not None and b"\0" not in data[:_BINARY_PROBE]:
            found.extend(self._rescan_decoded(self._spans, data, path, gated, result.dropped))
        locator = Locator(data, marker=line_marker)
        for c in sorted(self.settle(found, result.dropped), key=lambda c: (c.start, c.rule_index)):
            rule_id = self.rules[c.rule_index].id
            result.hits.append(locator.hit(rule_id, c.start, c.end, decoded=c.decoded, secret=c.secret))
        return result

    def _validated(
        self, raws: Iterable[RawMatch], text: bytes, dropped: Counter[str]
    ) -> Iterable[tuple[RawMatch, str, bool]]:
        """Raw matches that pass their rule's validators, with the secret as text; and the
        specific rules' matches that failed (flagged True), which generic rules must not take."""
        for raw in raws:
            rule = self.rules[raw.rule_index]
            secret = raw.secret.decode("utf-8", "replace")
            context = _context(text, raw.secret_start).decode("utf-8", "replace")
            reason = reject_reason(rule, secret, context)
            if reason is None:
                yield raw, secret, False
            else:
                dropped[reason] += 1
                if not rule.generic:
                    yield raw, secret, True

    def _rescan_decoded(
        self,
        spans: SpanFinder,
        data: bytes,
        path: str | None,
        gated: list[tuple[int, int]] | None,
        dropped: Counter[str],
    ) -> list[Candidate]:
        """Matches in decoded text, down to MAX_DECODE_DEPTH encodings deep, placed in the item.
        `gated`: the decoding gates' matches in `data`, when the engine's pass found them."""
        found: list[Candidate] = []
        budget = DECODE_BUDGET
        pieces = [_Piece(s, None, s.kind) for s in spans.find(data, budget, gated)]
        for depth in range(1, MAX_DECODE_DEPTH + 1):
            if not pieces:
                break
            budget -= sum(len(p.span.text) for p in pieces)
            buffer, segments = _splice(data, pieces)
            inner: list[tuple[int, int]] | None = [] if self._gated else None
            found.extend(self._placed(buffer, segments, self.engine.scan(buffer, path, inner), dropped))
            if depth == MAX_DECODE_DEPTH or budget <= 0:
                break
            pieces = _nested(spans.find(buffer, budget, inner), segments)
        return found

    def _placed(
        self, buffer: bytes, segments: list[_Segment], raws: list[RawMatch], dropped: Counter[str]
    ) -> Iterable[Candidate]:
        """Validated matches of a rescan buffer that lie in decoded text, placed in the item."""
        starts = [s.start for s in segments]
        for raw, secret, rejected in self._validated(raws, buffer, dropped):
            segment = segments[bisect.bisect_right(starts, raw.secret_start) - 1]
            if raw.secret_end > segment.end:
                continue  # spans two segments: an artefact of the buffer
            if raw.secret_end <= segment.text_start or raw.secret_start >= segment.text_end:
                continue  # wholly in the line context: the plain scan has seen it
            start, end = _in_item(segment, raw.secret_start, raw.secret_end)
            inner = _in_root(segment, raw.secret_start, raw.secret_end)
            yield Candidate(raw.rule_index, start, end, secret, segment.piece.chain, inner, rejected)

    def settle(self, found: list[Candidate], dropped: Counter[str]) -> list[Candidate]:
        """One candidate per secret (see the module docstring for the order)."""
        unique = _without_decoded_repeats([c for c in found if not c.rejected], self.rules, dropped)
        blocked = sorted((c for c in found if c.rejected), key=lambda c: c.start)
        blocked_starts = [c.start for c in blocked]
        kept: list[Candidate] = []
        for cluster in _overlapping(unique):
            reach = max(c.end for c in cluster)
            lo = bisect.bisect_left(blocked_starts, cluster[0].start - _LONGEST_MATCH)
            hi = bisect.bisect_left(blocked_starts, reach)
            near = [b for b in blocked[lo:hi] if b.end > cluster[0].start]
            accepted: list[Candidate] = []
            for c in sorted(cluster, key=self._preference):
                if any(self._conflict(c, a) for a in accepted) or self._blocked(c, near):
                    dropped["overlap"] += 1
                else:
                    accepted.append(c)
            kept.extend(accepted)
        return kept

    def _blocked(self, c: Candidate, blocked: list[Candidate]) -> bool:
        """A generic match over text that a specific rule recognised and rejected: a GitHub token
        whose checksum fails is not a generic "token" either."""
        return self.rules[c.rule_index].generic and any(_overlap(c, b) for b in blocked)

    def _preference(self, c: Candidate) -> tuple:
        rule, rank = self.rules[c.rule_index], self._rank[c.rule_index]
        if rule.generic:
            depth = c.decoded.count("+") + 1 if c.decoded else 0
            return (1, rule.path is None, rule.checksum is None, -depth, c.rule_index)
        return (0, *rank[:-1], c.decoded is not None, rank[-1])

    def _conflict(self, a: Candidate, b: Candidate) -> bool:
        if self.rules[a.rule_index].generic or self.rules[b.rule_index].generic:
            return _overlap(a, b)
        if a.inner and b.inner and a.inner[0] == b.inner[0]:
            return a.inner[1:] == b.inner[1:]
        return (a.start, a.end) == (b.start, b.end)


def _context(text: bytes, position: int) -> bytes:
    """The text before `position`: the rest of its line and up to CONTEXT_LINES lines before, each
    cut to CONTEXT_BYTES (a minified line is not read in full, and a cut line ends the context)."""
    start = end = position
    for _ in range(CONTEXT_LINES + 1):
        line_start = text.rfind(b"\n", 0, end) + 1
        start = max(line_start, end - CONTEXT_BYTES)
        if start > line_start or line_start == 0:
            break
        end = line_start - 1
    return text[start:position]


def _nested(found: list[Encoded], segments: list[_Segment]) -> list[_Piece]:
    """Spans found in a rescan buffer that lie in a piece's decoded text, as pieces inside it
    (spans in the line context were found in the enclosing text already)."""
    starts = [s.start for s in segments]
    pieces = []
    for span in found:
        segment = segments[bisect.bisect_right(starts, span.start) - 1]
        if segment.text_start <= span.start and span.end <= segment.text_end:
            inner = replace(span, start=span.start - segment.text_start, end=span.end - segment.text_start)
            parent = segment.piece
            pieces.append(_Piece(inner, parent, f"{parent.chain}+{span.kind}"))
    return pieces


def _specific_rank(rule: Rule, index: int) -> tuple:
    longest_keyword = max((len(k) for k in rule.keywords), default=0)
    return (rule.checksum is None, rule.path is not None, -longest_keyword, index)


def _without_decoded_repeats(
    found: list[Candidate], rules: tuple[Rule, ...], dropped: Counter[str]
) -> list[Candidate]:
    """Drop a decoded candidate whose secret the plain text (or a shallower decoding, by the same
    rule) already gave at the same place."""
    kept: list[Candidate] = []
    for c in sorted(found, key=lambda c: (c.decoded is not None, len(c.decoded or ""))):
        if c.decoded is not None and any(_repeats(c, k, rules) for k in kept):
            dropped["duplicate"] += 1
        else:
            kept.append(c)
    return kept


def _repeats(c: Candidate, k: Candidate, rules: tuple[Rule, ...]) -> bool:
    """Whether decoded `c` repeats `k`: the same secret at the same place from the plain text (or
    from a shallower decoding by the same rule), or the same rule matching the plain text there
    when that is only another spelling of the secret (a PEM key in a JSON string, with `\\n` for
    its line breaks). Base64 is not a spelling: `password: czNjcjN0` says nothing until decoded."""
    if not _overlap(k, c):
        return False
    spelling = not rules[c.rule_index].generic or not (c.decoded or "").startswith("base64")
    if k.decoded is None and k.rule_index == c.rule_index and spelling:
        return True
    return k.secret == c.secret and (k.decoded is None or k.rule_index == c.rule_index)


def _overlapping(found: list[Candidate]) -> Iterable[list[Candidate]]:
    """Groups of candidates whose spans overlap, directly or through each other."""
    cluster: list[Candidate] = []
    reach = -1
    for c in sorted(found, key=lambda c: (c.start, c.end)):
        if cluster and c.start >= reach:
            yield cluster
            cluster = []
        cluster.append(c)
        reach = max(reach, c.end) if len(cluster) > 1 else c.end
    if cluster:
        yield cluster


def _overlap(a: Candidate, b: Candidate) -> bool:
    """Whether two candidates claim some of the same text (inside one decoded blob: of its
    decoded text)."""
    if a.inner and b.inner and a.inner[0] == b.inner[0]:
        return a.inner[1] < b.inner[2] and b.inner[1] < a.inner[2]
    return a.start < b.end and b.start < a.end


def _splice(data: bytes, pieces: list[_Piece]) -> tuple[bytes, list[_Segment]]:
    """One buffer holding each piece's decoded text inside the rest of its line."""
    parts: list[bytes] = []
    segments: list[_Segment] = []
    size = 0
    for piece in pieces:
        parent = piece.parent.span.text if piece.parent else data
        line_start = parent.rfind(b"\n", 0, piece.span.start) + 1
        line_end = parent.find(b"\n", piece.span.end)
        before = parent[max(line_start, piece.span.start - CONTEXT_BYTES) : piece.span.start]
        after_end = len(parent) if line_end < 0 else line_end
        after = parent[piece.span.end : min(after_end, piece.span.end + CONTEXT_BYTES)]
        text_start = size + len(before)
        text_end = text_start + len(piece.span.text)
        segment = _Segment(size, text_start, text_end, text_end + len(after), piece)
        segments.append(segment)
        parts += [before, piece.span.text, after, _SEPARATOR]
        size = segment.end + len(_SEPARATOR)
    return b"".join(parts), segments


def _in_root(segment: _Segment, start: int, end: int) -> tuple[tuple[int, int, str], int, int]:
    """Where buffer[start:end] of a segment lies in the decoded text of its outermost piece."""
    piece = segment.piece
    first = max(start, segment.text_start) - segment.text_start
    last = min(end, segment.text_end) - segment.text_start
    while piece.parent is not None:
        first, last = piece.span.origin(first, last)
        piece = piece.parent
    return (piece.span.start, piece.span.end, piece.span.kind), first, last


def _in_item(segment: _Segment, start: int, end: int) -> tuple[int, int]:
    """Where buffer[start:end] of a segment came from in the item; parts in the line context map
    one to one onto the enclosing text."""
    piece, span = segment.piece, segment.piece.span
    first = max(start, segment.text_start) - segment.text_start
    last = min(end, segment.text_end) - segment.text_start
    outer_start, outer_end = span.origin(first, last)
    if start < segment.text_start:
        outer_start = span.start - (segment.text_start - start)
    if end > segment.text_end:
        outer_end = span.end + (end - segment.text_end)
    if piece.parent is None:
        return outer_start, outer_end
    return piece.parent.in_item(outer_start, outer_end)
