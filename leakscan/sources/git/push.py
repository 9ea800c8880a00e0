"""What a push sends: the revisions a pre-push hook has to scan.

Under pre-commit, the hook's environment holds the range (`PRE_COMMIT_FROM_REF`,
`PRE_COMMIT_TO_REF`); when pre-commit finds that a pushed branch starts at a root commit it gives
no range but the branch (`PRE_COMMIT_LOCAL_BRANCH`), all of which is new. A plain git pre-push
hook reads one line per pushed ref on standard input: `<local ref> <local id> <remote ref>
<remote id>`, ids all zeros for a deletion (local) or a new branch (remote). Commits the remote
already has are excluded; for a new branch, that is everything a remote-tracking ref reaches.
Run by hand, it is what HEAD would push: the commits no remote-tracking ref reaches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from leakscan.errors import LeakscanError
from leakscan.sources.git.repo import Repository


def pushed_revisions(repo: Repository, environ: Mapping[str, str], lines: Sequence[str]) -> tuple[str, ...]:
    """Revisions for `git log` covering exactly the pushed commits; empty when nothing is pushed."""
    start, end = environ.get("PRE_COMMIT_FROM_REF"), environ.get("PRE_COMMIT_TO_REF")
    if start and end:
        return (f"{start}..{end}",)
    if environ.get("PRE_COMMIT") == "1" and environ.get("PRE_COMMIT_LOCAL_BRANCH"):
        return (environ["PRE_COMMIT_LOCAL_BRANCH"],)  # a branch pre-commit found to be new from its root
    if not lines:  # run by hand (or by pre-commit without refs): what HEAD would push
        return ("HEAD", *_exclude(_remote_tips(repo)))
    tips, known, new_branch = [], [], False
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if len(fields) != 4:
            raise LeakscanError(
                f"pre-push input line {number}: expected '<ref> <id> <ref> <id>', got {line!r}"
            )
        local, remote = fields[1], fields[3]
        if _zero(local):
            continue  # a deletion sends no commits
        tips.append(local)
        if _zero(remote) or not _is_commit(repo, remote):
            new_branch = True
        else:
            known.append(remote)
    if not tips:
        return ()
    return (*tips, *_exclude(known), *_exclude(_remote_tips(repo) if new_branch else []))


def _zero(oid: str) -> bool:
    return set(oid) == {"0"}


def _exclude(oids: Sequence[str]) -> list[str]:
    return [f"^{oid}" for oid in oids]


def _is_commit(repo: Repository, oid: str) -> bool:
    """Whether the remote's commit is here (after someone else's push it may not be)."""
    return bool(
        repo.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{oid}^{{commit}}", check=False)
    )


def _remote_tips(repo: Repository) -> list[str]:
    out = repo.run("for-each-ref", "--format=%(objectname)", "refs/remotes")
    return sorted(set(out.decode().split()))
