"""How big an object store is, read from the file system: it decides whether a history scan
starts worker processes, so a small repository's scan costs no more than a tree scan."""

from __future__ import annotations

import os

from gitrepo import GitRepo
from leakscan.sources.git.objects import store_exceeds
from leakscan.sources.git.repo import open_repository


def test_loose_objects_and_packs_are_both_counted(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.commit("data", {"data.bin": os.urandom(300_000)})
    opened = open_repository(str(repo.path))
    assert store_exceeds(opened, 250_000)  # one loose object, zlib cannot shrink random bytes
    assert not store_exceeds(opened, 400_000)

    repo.git("gc", "-q")
    assert not list((repo.path / ".git" / "objects").glob("[0-9a-f][0-9a-f]/*"))
    assert store_exceeds(opened, 250_000)  # now in a pack
    assert not store_exceeds(opened, 400_000)


def test_a_linked_worktree_counts_the_store_it_shares(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.commit("data", {"data.bin": os.urandom(300_000)})
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", "-b", "wip", str(linked))
    opened = open_repository(str(linked))
    assert opened.git_dir != str(repo.path / ".git")
    assert store_exceeds(opened, 250_000)


def test_an_empty_repository_has_nothing_to_count(tmp_path):
    repo = GitRepo(tmp_path / "r")
    assert not store_exceeds(open_repository(str(repo.path)), 0)
