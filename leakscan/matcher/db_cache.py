"""Compile the Hyperscan database once per rule set and keep it on disk.

The cache file is keyed by the rule set's digest and the Hyperscan version; a file that does not
load (other CPU, truncated write, other version) is simply recompiled and replaced.
"""

from __future__ import annotations

import json
from typing import Any

from leakscan.cache import cache_dir, read_cached, write_cached
from leakscan.rules import RuleSet

_MAGIC = b"leakscan-hsdb-1\n"


def _name(rules: RuleSet) -> str:
    import hyperscan

    return f"hs-{rules.digest[:32]}-{getattr(hyperscan, '__version__', 'unknown')}.db"


def is_cached(rules: RuleSet) -> bool:
    """Whether a compiled database for `rules` is on disk: loading one takes milliseconds, while
    compiling a full catalogue takes seconds."""
    return (cache_dir() / _name(rules)).is_file()


def load_or_compile(rules: RuleSet) -> tuple[Any, list[int]]:
    """The Hyperscan database for `rules` and the indices of rules it could not hold."""
    import hyperscan

    name = _name(rules)
    cached = _load(read_cached(name))
    if cached is not None:
        return cached
    database, fallback = compile_database(rules)
    write_cached(name, _MAGIC + json.dumps(fallback).encode() + b"\n" + hyperscan.dumpb(database))
    return database, fallback


def compile_database(rules: RuleSet) -> tuple[Any, list[int]]:
    """Compile every rule's pattern as a single-match prefilter; return (database, fallback rules)."""
    import hyperscan

    flags = hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_PREFILTER
    accepted: list[int] = []
    fallback: list[int] = []
    for index, rule in enumerate(rules.rules):
        probe = hyperscan.Database()
        try:
            probe.compile(expressions=[rule.pattern.encode("utf-8")], ids=[index], elements=1, flags=[flags])
        except hyperscan.error:
            fallback.append(index)
        else:
            accepted.append(index)
    database = hyperscan.Database()
    if accepted:
        database.compile(
            expressions=[rules.rules[i].pattern.encode("utf-8") for i in accepted],
            ids=accepted,
            elements=len(accepted),
            flags=[flags] * len(accepted),
        )
    else:
        # Hyperscan cannot compile an empty database; a never-matching pattern stands in.
        database.compile(expressions=[rb"(?!)x"], ids=[len(rules.rules)], elements=1, flags=[flags])
    return database, fallback


def _load(raw: bytes | None) -> tuple[Any, list[int]] | None:
    import hyperscan

    if raw is None or not raw.startswith(_MAGIC):
        return None
    try:
        header_end = raw.index(b"\n", len(_MAGIC))
        fallback = json.loads(raw[len(_MAGIC) : header_end])
        database = hyperscan.loadb(raw[header_end + 1 :], hyperscan.HS_MODE_BLOCK)
        hyperscan.Scratch(database)  # proves the database is usable on this CPU
        return database, list(fallback)
    except (ValueError, hyperscan.error):
        return None
