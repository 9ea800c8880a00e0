"""Compile the Hyperscan database once per rule set and keep it on disk.

The cache file is keyed by the rule set's digest and the Hyperscan version; a file that does not
load (other CPU, truncated write, other version) is simply recompiled and replaced.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from leakscan.rules import RuleSet

_MAGIC = b"leakscan-hsdb-1\n"


def cache_dir() -> Path:
    """$LEAKSCAN_CACHE_DIR, else $XDG_CACHE_HOME/leakscan, else ~/.cache/leakscan."""
    explicit = os.environ.get("LEAKSCAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "leakscan"


def load_or_compile(rules: RuleSet) -> tuple[Any, list[int]]:
    """The Hyperscan database for `rules` and the indices of rules it could not hold."""
    import hyperscan

    version = getattr(hyperscan, "__version__", "unknown")
    path = cache_dir() / f"hs-{rules.digest[:32]}-{version}.db"
    cached = _load(path)
    if cached is not None:
        return cached
    database, fallback = compile_database(rules)
    _store(path, database, fallback)
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


def _load(path: Path) -> tuple[Any, list[int]] | None:
    import hyperscan

    try:
        raw = path.read_bytes()
        if not raw.startswith(_MAGIC):
            return None
        header_end = raw.index(b"\n", len(_MAGIC))
        fallback = json.loads(raw[len(_MAGIC) : header_end])
        database = hyperscan.loadb(raw[header_end + 1 :], hyperscan.HS_MODE_BLOCK)
        hyperscan.Scratch(database)  # proves the database is usable on this CPU
        return database, list(fallback)
    except (OSError, ValueError, hyperscan.error):
        return None


def _store(path: Path, database: Any, fallback: list[int]) -> None:
    """Write atomically; a cache that cannot be written only costs the next start-up a compile."""
    import hyperscan

    payload = _MAGIC + json.dumps(fallback).encode() + b"\n" + hyperscan.dumpb(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".hs-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except OSError:
        pass
