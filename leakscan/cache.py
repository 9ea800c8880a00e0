"""Where leakscan keeps what it can rebuild (compiled engine databases, parsed rule sets).

Files are written atomically, so a crash or a parallel run never leaves half a file, and owner-only.
Whatever is found here is trusted as much as the user's own home folder: it is never inside a
scanned repository.
"""

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


def store(path: Path, payload: bytes) -> None:
    """Write `payload` to `path` atomically; a cache that cannot be written only costs the next
    start-up the work it would have saved."""
    import tempfile  # only a cache miss writes

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except OSError:
        pass
