"""On-disk caches (compiled Hyperscan databases, validated rule sets): where they live and how
they are written. A cache is only ever a shortcut: anything unreadable is rebuilt."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """$LEAKSCAN_CACHE_DIR, else $XDG_CACHE_HOME/leakscan, else ~/.cache/leakscan."""
    explicit = os.environ.get("LEAKSCAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "leakscan"


def read_cached(name: str) -> bytes | None:
    """The cached bytes called `name`, or None."""
    try:
        return (cache_dir() / name).read_bytes()
    except OSError:
        return None


def write_cached(name: str, payload: bytes) -> None:
    """Write atomically, owner-only; a cache that cannot be written only costs a rebuild later."""
    import tempfile  # only a cache miss writes: start-up does not pay for it

    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, folder / name)
    except OSError:
        return
