"""Compile the Hyperscan databases once per rule set and keep them on disk.

Rules bound to a path (`.netrc`, `.pgpass`, config files) get a database of their own, scanned
only for items at such a path: their line-anchored, literal-poor patterns would otherwise slow
the pass over every item (measured on git blobs: 513 MB/s with them, 1,149 MB/s without).

The cache file is keyed by the rule set's digest and the Hyperscan version; a file that does not
load (other CPU, truncated write, other version) is simply recompiled and replaced.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from leakscan.cache import cache_dir, read_cached, write_cached
from leakscan.rules import RuleSet

_MAGIC = b"leakscan-hsdb-3\n"
# A side pattern rides along in the general database, matched exactly (never as a prefilter), so
# that whoever needs it (the decoding gates) gets its matches from the same pass as the rules:
# (expression, report only the first match). Its id is the number of rules plus its position.
SidePattern = tuple[bytes, bool]


@dataclass(frozen=True)
class Compiled:
    """The compiled databases of a rule set; ids in both are rule indices."""

    general: Any  # the rules that apply to every item (None: there are none)
    by_path: Any  # the rules bound to a path (None: there are none)
    fallback: list[int]  # rules Hyperscan cannot hold: the engine gates them by keyword


def _name(rules: RuleSet, side: Sequence[SidePattern]) -> str:
    import hyperscan

    sides = hashlib.sha256(repr(list(side)).encode()).hexdigest()[:16] if side else "none"
    return f"hs-{rules.digest[:32]}-{sides}-{getattr(hyperscan, '__version__', 'unknown')}.db"


def is_cached(rules: RuleSet, side: Sequence[SidePattern] = ()) -> bool:
    """Whether a compiled database for `rules` (and `side`) is on disk: loading one takes
    milliseconds, while compiling a full catalogue takes seconds."""
    return (cache_dir() / _name(rules, side)).is_file()


def load_or_compile(rules: RuleSet, side: Sequence[SidePattern] = ()) -> Compiled:
    """The Hyperscan databases for `rules` with `side` patterns, from the cache or freshly compiled."""
    import hyperscan

    name = _name(rules, side)
    cached = _load(read_cached(name))
    if cached is not None:
        return cached
    compiled = compile_database(rules, side)
    general, by_path = (
        hyperscan.dumpb(db) if db is not None else b"" for db in (compiled.general, compiled.by_path)
    )
    header = {"fallback": compiled.fallback, "general": len(general)}
    write_cached(name, _MAGIC + json.dumps(header).encode() + b"\n" + general + by_path)
    return compiled


def compile_database(rules: RuleSet, side: Sequence[SidePattern] = ()) -> Compiled:
    """Compile every rule's pattern as a single-match prefilter, path-bound rules apart; the side
    patterns join the general database."""
    general = [i for i, rule in enumerate(rules.rules) if rule.path is None]
    by_path = [i for i, rule in enumerate(rules.rules) if rule.path is not None]
    general_db, general_failed = _compile_rules(rules, general, side)
    path_db, path_failed = _compile_rules(rules, by_path)
    return Compiled(general_db, path_db, sorted(general_failed + path_failed))


def _compile_rules(
    rules: RuleSet, indices: list[int], side: Sequence[SidePattern] = ()
) -> tuple[Any, list[int]]:
    """A database of the rules at `indices` (and the side patterns), and the rules it could not
    hold. All are compiled together; only when that fails is each rule probed alone, to find the
    ones Hyperscan rejects."""
    import hyperscan

    expressions = {i: widen_repeats(rules.rules[i].pattern).encode("utf-8") for i in indices}
    sides = [(len(rules.rules) + k, expression, once) for k, (expression, once) in enumerate(side)]
    try:
        return _compile(list(expressions.values()), indices, sides), []
    except hyperscan.error:
        accepted = [i for i in indices if _compiles(expressions[i], i)]
    failed = [i for i in indices if i not in accepted]
    return _compile([expressions[i] for i in accepted], accepted, sides), failed


def widen_repeats(pattern: str, limit: int = 32) -> str:
    """The pattern as Hyperscan gets it: every bounded range loses its upper bound and keeps a
    lower bound of at most `limit` (`[A-Z0-9]{64,8000}` → `[A-Z0-9]{32,}`, `{0,4}` → `{0,}`).

    A prefilter may match more, never less. Bounded ranges are where Hyperscan is weak: large
    ones make the catalogue compile slowly (8 s → 0.4 s without them, same scan speed), and
    nested small ones lost matches (`\\s--(?:[a-z]{1,20}-){0,4}token` missed a `--token` that
    followed other text, in exact mode too). Exact counts, character classes, escapes and
    possessive repeats are left alone.
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            lead = _CLASS_LEAD.match(pattern, i + 1)
            assert lead is not None  # it may match nothing, but it always matches
            out.append("[" + lead.group())
            i = lead.end()
            continue
        elif char == "{":
            repeat = _BOUNDED.match(pattern, i)
            if repeat and not pattern.startswith("+", repeat.end()):
                out.append(f"{{{min(int(repeat.group(1)), limit)},}}")
                i = repeat.end()
                continue
        out.append(char)
        i += 1
    return "".join(out)


_BOUNDED = re.compile(r"\{(\d+),(\d+)\}")
_CLASS_LEAD = re.compile(r"\^?\]?")  # a `]` first in a class is a literal


def _compiles(expression: bytes, index: int) -> bool:
    import hyperscan

    try:
        _compile([expression], [index])
    except hyperscan.error:
        return False
    return True


def _compile(expressions: list[bytes], ids: list[int], sides: Sequence[tuple[int, bytes, bool]] = ()) -> Any:
    """A database of `expressions` (prefilters) and `sides` (exact), or None for none (Hyperscan
    cannot compile an empty one)."""
    import hyperscan

    if not expressions and not sides:
        return None
    prefilter = hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_PREFILTER
    flags = [prefilter] * len(ids) + [hyperscan.HS_FLAG_SINGLEMATCH if once else 0 for _, _, once in sides]
    everything = [*expressions, *(expression for _, expression, _ in sides)]
    database = hyperscan.Database()
    database.compile(
        expressions=everything, ids=[*ids, *(i for i, _, _ in sides)], elements=len(everything), flags=flags
    )
    return database


def _load(raw: bytes | None) -> Compiled | None:
    import hyperscan

    if raw is None or not raw.startswith(_MAGIC):
        return None
    try:
        header_end = raw.index(b"\n", len(_MAGIC))
        header = json.loads(raw[len(_MAGIC) : header_end])
        split = header_end + 1 + header["general"]
        general, by_path = (_load_one(part) for part in (raw[header_end + 1 : split], raw[split:]))
        return Compiled(general, by_path, list(header["fallback"]))
    except (ValueError, KeyError, TypeError, hyperscan.error):
        return None


def _load_one(raw: bytes) -> Any:
    import hyperscan

    if not raw:
        return None
    database = hyperscan.loadb(raw, hyperscan.HS_MODE_BLOCK)
    hyperscan.Scratch(database)  # proves the database is usable on this CPU
    return database
