"""The audit log: one JSON line per live-check action, appended, owner-only, never the secret."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from typing import Any

from leakscan.errors import LeakscanError


class AuditLog:
    """Appends records to FILE (created 0600); every write is flushed at once."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.lock = threading.Lock()
        if path is None:
            return
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.fchmod(fd, 0o600)
        except OSError as exc:
            raise LeakscanError(f"{path}: cannot open the audit log: {exc.strerror}") from None
        os.close(fd)

    def write(self, record: dict[str, Any]) -> None:
        """Append one record, stamped with the time."""
        if self.path is None:
            return
        line = json.dumps({"time": datetime.now(UTC).isoformat(timespec="seconds"), **record}) + "\n"
        with self.lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
