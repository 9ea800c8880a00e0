"""What a sweep scans: local repositories, folders of them, git URLs (mirrored into a cache) and
`@FILE` lists of any of these."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from leakscan.errors import LeakscanError
from leakscan.sources.git.repo import git_environment, last_line, open_repository

_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """One repository to sweep: its name in the datastore and where its git data is read."""

    name: str
    location: str
    url: str | None = None  # set for mirrored remotes


@dataclass(frozen=True)
class Unreachable:
    """A target that could not be turned into a repository (the sweep is then incomplete)."""

    name: str
    message: str


def default_cache() -> str:
    """Where mirrors of remote repositories are kept between sweeps."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "leakscan", "mirrors")


def resolve(specs: list[str], cache: str) -> tuple[list[Target], list[Unreachable]]:
    """Every repository the sweep's arguments name, each once, in the order given."""
    targets: list[Target] = []
    problems: list[Unreachable] = []
    for spec in _expand(specs):
        if _URL.match(spec):
            found, problem = _mirror(spec, cache)
            targets.extend(found)
            problems.extend(problem)
        else:
            found, problem = _local(spec)
            targets.extend(found)
            problems.extend(problem)
    unique: dict[str, Target] = {}
    for target in targets:
        unique.setdefault(target.name, target)
    return list(unique.values()), problems


def _expand(specs: list[str]) -> list[str]:
    """`@FILE` arguments replaced by the lines of FILE (blank lines and `#` comments ignored)."""
    out: list[str] = []
    for spec in specs:
        if not spec.startswith("@"):
            out.append(spec)
            continue
        try:
            with open(spec[1:], encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except OSError as exc:
            raise LeakscanError(f"{spec[1:]}: cannot read the target list: {exc.strerror}") from None
        out.extend(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))
    return out


def _local(path: str) -> tuple[list[Target], list[Unreachable]]:
    """A repository, or a folder whose direct children are repositories."""
    if not os.path.isdir(path):
        return [], [Unreachable(path, f"{path}: no such folder")]
    absolute = os.path.abspath(path)
    if _is_repository_top(absolute):
        repo = open_repository(absolute)
        return [Target(repo.root, repo.git_dir)], []
    targets: list[Target] = []
    problems: list[Unreachable] = []
    try:
        children = sorted(os.listdir(absolute))
    except OSError as exc:
        return [], [Unreachable(path, f"{path}: cannot list the folder: {exc.strerror}")]
    for child in children:
        full = os.path.join(absolute, child)
        if os.path.isdir(full) and _is_repository_top(full):
            try:
                repo = open_repository(full)
            except LeakscanError as exc:
                problems.append(Unreachable(full, str(exc)))
                continue
            targets.append(Target(repo.root, repo.git_dir))
    if not targets and not problems:
        problems.append(Unreachable(path, f"{path}: neither a git repository nor a folder of them"))
    return targets, problems


def _is_repository_top(path: str) -> bool:
    """A working tree's top folder or a bare repository (not merely a folder inside one)."""
    if os.path.exists(os.path.join(path, ".git")):
        return True
    return all(os.path.exists(os.path.join(path, part)) for part in ("HEAD", "objects", "refs"))


def public_name(url: str) -> str:
    """The URL without any user name or password it carries (names are shown in reports)."""
    parts = urlsplit(url)
    if parts.scheme and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return url


def _mirror(url: str, cache: str) -> tuple[list[Target], list[Unreachable]]:
    """A bare mirror of `url` in the cache: cloned the first time, fetched (new objects only) after.
    If the fetch fails but an earlier mirror exists, that mirror is swept and the failure reported."""
    name = public_name(url)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-60:]
    folder = os.path.join(cache, f"{slug}-{hashlib.sha256(name.encode()).hexdigest()[:12]}.git")
    os.makedirs(cache, mode=0o700, exist_ok=True)
    if os.path.isdir(folder):
        command = ["git", f"--git-dir={folder}", "fetch", "--prune", "--quiet", "origin", "+refs/*:refs/*"]
    else:
        command = ["git", "clone", "--mirror", "--quiet", url, folder]
    done = subprocess.run(command, capture_output=True, env=git_environment(), stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        problem = Unreachable(name, f"{name}: git could not fetch it: {last_line(done.stderr)}")
        if os.path.isdir(os.path.join(folder, "objects")) and "clone" not in command:
            return [Target(name, folder, url)], [problem]
        return [], [problem]
    return [Target(name, folder, url)], []
