"""Finding a repository and running git in it safely.

Every git command goes through `Repository.command`: the git directory is passed explicitly (so
GIT_DIR from a hook cannot redirect a scan), missing objects of a partial clone are never fetched,
and nothing a hostile repository configures (external diff, textconv, fsmonitor) is run.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from leakscan.errors import LeakscanError

# Repository location variables a hook may have set: the scan must look at the REPO it was given.
_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY")
_CONFIG = (
    *("-c", "core.fsmonitor=false", "-c", "diff.external="),
    # Map at most 64 MiB of pack files at a time: on a 500 MB pack this holds each git process
    # near 180 MB instead of the whole pack (measured: no change in CPU time).
    *("-c", "core.packedGitLimit=64m", "-c", "core.packedGitWindowSize=16m"),
)


def git_environment() -> dict[str, str]:
    """The environment for git: no lazy fetching, no prompts, no optional locks, plain messages."""
    env = {k: v for k, v in os.environ.items() if k not in _LOCATION_VARIABLES}
    env.update(
        GIT_NO_LAZY_FETCH="1",  # a partial clone's missing objects are reported, never downloaded
        GIT_NO_REPLACE_OBJECTS="1",  # `git replace` must not hide the commits really stored
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        LC_ALL="C",
    )
    return env


@dataclass(frozen=True)
class Repository:
    """A git repository: where its objects are and what kind of checkout it is."""

    git_dir: str  # absolute; for a linked worktree, that worktree's git directory
    common_dir: str  # absolute; where the objects and refs are (a linked worktree shares them)
    root: str  # the working tree's top folder, or the git directory of a bare repository
    bare: bool
    shallow: bool
    hash_hex: int  # characters in an object id: 40 (SHA-1) or 64 (SHA-256)

    def command(self, *args: str) -> list[str]:
        """The argv of `git ARGS` in this repository."""
        return ["git", f"--git-dir={self.git_dir}", *_CONFIG, *args]

    def run(self, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
        """Run `git ARGS` to completion and return its output; a failure raises LeakscanError."""
        done = subprocess.run(self.command(*args), input=input, capture_output=True, env=git_environment())
        if check and done.returncode != 0:
            raise LeakscanError(f"git {args[0]} failed in {self.root}: {last_line(done.stderr)}")
        return done.stdout


def open_repository(path: str) -> Repository:
    """The repository at `path` (a working tree, any folder inside one, or a bare repository)."""
    if not os.path.isdir(path):
        raise LeakscanError(f"{path}: no such folder")
    rev_parse = ["rev-parse", "--absolute-git-dir", "--is-bare-repository", "--is-shallow-repository"]
    rev_parse += ["--show-object-format", "--is-inside-git-dir", "--git-common-dir", "--show-cdup"]
    try:
        done = subprocess.run(["git", "-C", path, *rev_parse], capture_output=True, env=git_environment())
    except FileNotFoundError:
        raise LeakscanError("git is not installed (or not on PATH)") from None
    if done.returncode != 0:
        message = last_line(done.stderr)
        if "not a git repository" in message:
            raise LeakscanError(f"{path}: not a git repository")
        raise LeakscanError(f"{path}: {message}")
    git_dir, bare, shallow, object_format, inside_git_dir, common, *cdup = done.stdout.decode().splitlines()
    if bare == "true":
        root = git_dir
    elif inside_git_dir == "true":
        root = os.path.dirname(git_dir)
    else:
        root = os.path.normpath(os.path.join(os.path.abspath(path), cdup[0] if cdup else ""))
    common_dir = os.path.normpath(os.path.join(os.path.abspath(path), common))  # may be relative
    return Repository(
        git_dir, common_dir, root, bare == "true", shallow == "true", 64 if object_format == "sha256" else 40
    )


def last_line(stderr: bytes) -> str:
    """What went wrong, in one line: git's last `fatal:`/`error:` line (hints follow it), else its
    last line."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines:
        return "git failed without a message"
    errors = [line for line in lines if line.startswith(("fatal: ", "error: "))]
    return (errors or lines)[-1].removeprefix("fatal: ").removeprefix("error: ")
