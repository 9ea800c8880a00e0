"""Real git repositories built at test time, with fixed authors and dates (no mocks of git)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

DEFAULT_DATE = "2024-01-02T10:00:00+00:00"


def git(
    cwd: Path,
    *args: str,
    date: str = DEFAULT_DATE,
    author: str = "Ada Lovelace <ada@example.com>",
    check: bool = True,
) -> str:
    """Run git in `cwd` with a fixed identity and date; return its stdout."""
    name, _, email = author.partition(" <")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email.rstrip(">"),
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email.rstrip(">"),
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip()


class GitRepo:
    """A working tree with helpers for the histories the tests need."""

    def __init__(self, path: Path, bare: bool = False, object_format: str = "sha1") -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        git(
            path,
            "init",
            "-q",
            "-b",
            "main",
            f"--object-format={object_format}",
            *(["--bare"] if bare else []),
        )

    def git(self, *args: str, **options: str | bool) -> str:
        """Run git here."""
        return git(self.path, *args, **options)  # type: ignore[arg-type]

    def write(self, files: dict[str, str | bytes]) -> None:
        """Write files into the working tree (folders are created)."""
        for name, content in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)

    def commit(self, message: str, files: dict[str, str | bytes] | None = None, **identity: str) -> str:
        """Write `files`, stage everything, commit; return the commit id."""
        self.write(files or {})
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, **identity)
        return self.head()

    def head(self) -> str:
        """The commit id of HEAD."""
        return self.git("rev-parse", "HEAD")

    def blob(self, spec: str) -> str:
        """The blob id of `REV:PATH`."""
        return self.git("rev-parse", spec)

    def loose_object(self, oid: str) -> Path:
        """Where a loose object is stored."""
        return self.path / ".git" / "objects" / oid[:2] / oid[2:]
