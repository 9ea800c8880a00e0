"""`leakscan git`: every placement of a secret in a repository's history, with its provenance.

Every repository is built here with real git commands; secrets are generated (tests/tokens.py).
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import pytest

from gitrepo import GitRepo, git
from tokens import github_token


def scan(run, target: Path, *args: str):
    """Run `leakscan git TARGET --format json --show-secrets`; return (process, report)."""
    done = run("git", str(target), "--format", "json", "--show-secrets", "--no-progress", *args)
    report = json.loads(done.stdout) if done.stdout else None
    return done, report


def placements(report) -> list[tuple[str, str, str | None]]:
    """(secret, path, commit) of every reported finding, sorted."""
    return sorted((f["secret"], f["path"], f["commit"]) for f in report["findings"])


def test_secret_only_in_a_merge_resolution_is_attributed_to_the_merge(tmp_path, run, engine):
    token = github_token(1)
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"settings.ini": "key = none\n"}, date="2024-01-01T10:00:00+00:00")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature key", {"settings.ini": "key = from-feature\n"}, date="2024-01-02T10:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.commit("main key", {"settings.ini": "key = from-main\n"}, date="2024-01-03T10:00:00+00:00")
    repo.git("merge", "-q", "feature", check=False)  # conflicts
    repo.write({"settings.ini": f"key = {token}\n"})
    repo.git("add", "settings.ini")
    merge_identity = {"author": "Grace Hopper <grace@example.com>", "date": "2024-01-04T12:30:00+02:00"}
    repo.git("commit", "-q", "-m", "Merge branch 'feature'", **merge_identity)
    merge = repo.head()

    done, report = scan(run, repo.path, "--engine", engine)

    assert done.returncode == 1, done.stderr
    [finding] = report["findings"]
    assert finding["secret"] == token
    assert finding["path"] == "settings.ini"
    assert (finding["line"], finding["column"]) == (1, 7)
    assert finding["commit"] == merge
    assert finding["author"] == "Grace Hopper"
    assert finding["email"] == "grace@example.com"
    assert finding["date"] == "2024-01-04T12:30:00+02:00"
    assert finding["summary"] == "Merge branch 'feature'"
    assert finding["commits"] == 1
    assert finding["blob"] == repo.blob("HEAD:settings.ini")


def test_a_file_copied_into_a_vendored_folder_is_reported_where_the_tree_scan_reports_it(tmp_path, run):
    # One blob at two paths: generic rules do not apply inside vendored code, in history as in
    # the working tree, whichever path the blob was scanned at.
    repo = GitRepo(tmp_path / "repo")
    text = 'DB_PASSWORD = "u8jzPde0IgxL"\n'
    repo.commit("vendor a copy", {"vendor/acme/db.py": text, "src/db.py": text})
    history = run("git", str(repo.path), "--format", "json")
    tree = run("scan", ".", "--format", "json", cwd=repo.path)
    assert history.returncode == tree.returncode == 1, history.stderr + tree.stderr
    found = [(f["rule_id"], f["path"]) for f in json.loads(history.stdout)["findings"]]
    assert found == [(f["rule_id"], f["path"]) for f in json.loads(tree.stdout)["findings"]]
    assert found == [("generic-password", "src/db.py")]


def test_secret_only_on_an_unmerged_branch(tmp_path, run, engine):
    token = github_token(2)
    repo = GitRepo(tmp_path / "r")
    repo.commit("init", {"README": "hello\n"})
    repo.git("checkout", "-q", "-b", "experiment")
    side = repo.commit(
        "try a key", {"deploy/env.sh": f"export GITHUB_TOKEN={token}\n"}, date="2024-02-01T09:00:00Z"
    )
    repo.git("checkout", "-q", "main")

    done, report = scan(run, repo.path, "--engine", engine)

    assert done.returncode == 1, done.stderr
    assert placements(report) == [(token, "deploy/env.sh", side)]
    assert report["findings"][0]["date"] == "2024-02-01T09:00:00Z"


def test_secret_only_on_a_tag_and_in_a_tagged_blob(tmp_path, run):
    on_tag, in_blob = github_token(3), github_token(4)
    repo = GitRepo(tmp_path / "r")
    repo.commit("init", {"README": "hello\n"})
    repo.git("checkout", "-q", "--detach")
    tagged = repo.commit("release notes", {"release.txt": f"token {on_tag}\n"})
    repo.git("tag", "-a", "v1.0", "-m", "v1.0")
    repo.git("checkout", "-q", "main")
    (tmp_path / "key.txt").write_text(f"{in_blob}\n")
    blob = repo.git("hash-object", "-w", str(tmp_path / "key.txt"))
    repo.git("tag", "signing-key", blob)

    done, report = scan(run, repo.path)

    assert done.returncode == 1, done.stderr
    assert placements(report) == sorted(
        [(on_tag, "release.txt", tagged), (in_blob, "refs/tags/signing-key", None)]
    )


def test_secrets_only_in_the_stash_including_older_entries(tmp_path, run):
    older, newer = github_token(5), github_token(6)
    repo = GitRepo(tmp_path / "r")
    repo.commit("init", {"app.cfg": "token = none\n"})
    repo.write({"app.cfg": f"token = {older}\n"})
    repo.git("stash", "-q", date="2024-03-01T10:00:00Z")
    first_stash = repo.git("rev-parse", "stash@{0}")
    repo.write({"app.cfg": f"token = {newer}\n"})
    repo.git("stash", "-q", date="2024-03-02T10:00:00Z")
    second_stash = repo.git("rev-parse", "stash@{0}")

    done, report = scan(run, repo.path)

    assert done.returncode == 1, done.stderr
    assert placements(report) == sorted([(older, "app.cfg", first_stash), (newer, "app.cfg", second_stash)])


def test_secret_added_then_deleted_is_attributed_to_the_commit_that_added_it(tmp_path, run, engine):
    token = github_token(7)
    repo = GitRepo(tmp_path / "r")
    repo.commit("init", {"README": "hello\n"}, date="2024-01-01T10:00:00Z")
    added = repo.commit(
        "add release script",
        {"scripts/release.sh": f"#!/bin/sh\ncurl -H 'Authorization: token {token}' https://api.github.com\n"},
        author="Tiny Dev <dev@example.com>",
        date="2024-01-02T10:00:00Z",
    )
    repo.git("mv", "scripts/release.sh", "scripts/publish.sh")
    moved = repo.commit("rename", date="2024-01-03T10:00:00Z")
    repo.git("rm", "-q", "scripts/publish.sh")
    repo.commit("remove the script", date="2024-01-04T10:00:00Z")

    done, report = scan(run, repo.path, "--engine", engine)

    assert done.returncode == 1, done.stderr
    # One blob at two paths: one finding per path, each with the commit that put it there.
    assert placements(report) == [(token, "scripts/publish.sh", moved), (token, "scripts/release.sh", added)]
    release = next(f for f in report["findings"] if f["path"] == "scripts/release.sh")
    assert (release["line"], release["column"], release["author"]) == (2, 31, "Tiny Dev")
    assert release["summary"] == "add release script"


def test_unreachable_objects_are_found_only_with_include_unreachable(tmp_path, run):
    in_commit, in_blob = github_token(8), github_token(9)
    repo = GitRepo(tmp_path / "r")
    base = repo.commit("init", {"README": "hello\n"})
    dropped = repo.commit("oops", {"creds.txt": f"{in_commit}\n"}, date="2024-05-01T08:00:00Z")
    repo.git("reset", "-q", "--hard", base)
    (tmp_path / "loose.txt").write_text(f"stray {in_blob}\n")
    stray = repo.git("hash-object", "-w", str(tmp_path / "loose.txt"))
    repo.git("reflog", "expire", "--expire=now", "--all")

    done, report = scan(run, repo.path)
    assert done.returncode == 0, done.stderr
    assert report["findings"] == []

    done, report = scan(run, repo.path, "--include-unreachable")
    assert done.returncode == 1, done.stderr
    assert placements(report) == sorted(
        [(in_commit, "creds.txt", dropped), (in_blob, f"<unreachable blob {stray}>", None)]
    )


def test_a_missing_blob_is_named_and_the_rest_still_reported(tmp_path, run):
    kept, lost = github_token(10), github_token(11)
    repo = GitRepo(tmp_path / "r")
    commit = repo.commit("two keys", {"a/kept.txt": f"{kept}\n", "b/lost.txt": f"{lost}\n"})
    lost_blob = repo.blob("HEAD:b/lost.txt")
    repo.loose_object(lost_blob).unlink()

    done, report = scan(run, repo.path)

    assert done.returncode == 2
    assert placements(report) == [(kept, "a/kept.txt", commit)]
    assert report["scan"]["complete"] is False
    assert report["scan"]["errors"] == [
        {"path": "b/lost.txt", "message": f"blob {lost_blob}: missing from the repository's object store"}
    ]
    assert f"could not scan b/lost.txt: blob {lost_blob}" in done.stderr.decode()


def test_a_corrupt_blob_is_named_and_git_is_restarted_for_the_rest(tmp_path, run):
    tokens = [github_token(20 + i) for i in range(3)]
    repo = GitRepo(tmp_path / "r")
    commit = repo.commit("keys", {f"k{i}.txt": f"{t}\n" for i, t in enumerate(tokens)})
    broken = repo.blob("HEAD:k1.txt")
    path = repo.loose_object(broken)
    stream = zlib.compress(zlib.decompress(path.read_bytes()))
    os.chmod(path, 0o644)
    path.write_bytes(stream[: len(stream) // 2])  # git reads the header, then dies mid-stream

    done, report = scan(run, repo.path, "--jobs", "1")

    assert done.returncode == 2
    assert placements(report) == [(tokens[0], "k0.txt", commit), (tokens[2], "k2.txt", commit)]
    [error] = report["scan"]["errors"]
    assert error["path"] == "k1.txt"
    assert error["message"].startswith(f"blob {broken}: git could not read it")


def test_shallow_clone_is_scanned_as_far_as_it_goes_and_says_so(tmp_path, run):
    old, new = github_token(12), github_token(13)
    source = GitRepo(tmp_path / "source")
    source.commit("old key", {"old.txt": f"{old}\n"}, date="2024-01-01T10:00:00Z")
    source.git("rm", "-q", "old.txt")
    source.commit("drop it", date="2024-01-02T10:00:00Z")
    tip = source.commit("new key", {"new.txt": f"{new}\n"}, date="2024-01-03T10:00:00Z")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{source.path}", str(clone))

    done, report = scan(run, clone)

    assert done.returncode == 1, done.stderr
    assert placements(report) == [(new, "new.txt", tip)]
    assert any(note.startswith("shallow clone:") for note in report["scan"]["notes"])


def test_bare_repository(tmp_path, run):
    token = github_token(14)
    source = GitRepo(tmp_path / "source")
    commit = source.commit("key", {"conf/app.yml": f"github: {token}\n"})
    bare = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--bare", str(source.path), str(bare))

    done, report = scan(run, bare)

    assert done.returncode == 1, done.stderr
    assert placements(report) == [(token, "conf/app.yml", commit)]
    assert report["scan"]["target"] == str(bare)


def test_not_a_repository_is_one_line_and_exit_2(tmp_path, run):
    folder = tmp_path / "plain"
    folder.mkdir()
    done = run("git", str(folder))
    assert done.returncode == 2
    assert done.stderr.decode() == f"leakscan: error: {folder}: not a git repository\n"
    assert done.stdout == b""


def test_empty_repository_exits_0_with_a_note(tmp_path, run):
    repo = GitRepo(tmp_path / "empty")
    done, report = scan(run, repo.path)
    assert done.returncode == 0, done.stderr
    assert report["findings"] == []
    assert report["scan"]["notes"] == ["the repository has no commits"]
    text = run("git", str(repo.path))
    assert "Note: the repository has no commits" in text.stdout.decode()


def test_earliest_introduction_wins_and_all_commits_lists_each(tmp_path, run):
    token = github_token(15)
    content = {"keys.env": f"TOKEN={token}\n"}
    repo = GitRepo(tmp_path / "r")
    repo.commit("init", {"README": "hi\n"}, date="2024-01-01T00:00:00Z")
    repo.git("checkout", "-q", "-b", "late")
    late = repo.commit("late copy", content, date="2024-06-01T00:00:00Z")
    repo.git("checkout", "-q", "main")
    early = repo.commit("early copy", content, date="2024-02-01T00:00:00Z")

    done, report = scan(run, repo.path)
    assert done.returncode == 1, done.stderr
    [finding] = report["findings"]
    assert (finding["commit"], finding["commits"]) == (early, 2)

    done, report = scan(run, repo.path, "--all-commits")
    assert sorted((f["commit"], f["commits"]) for f in report["findings"]) == sorted([(early, 2), (late, 2)])


def test_range_branch_and_since_select_what_is_scanned(tmp_path, run):
    first, second, side_token = github_token(16), github_token(17), github_token(18)
    repo = GitRepo(tmp_path / "r")
    one = repo.commit("first", {"one.txt": f"{first}\n"}, date="2024-01-01T00:00:00Z")
    two = repo.commit("second", {"two.txt": f"{second}\n"}, date="2024-03-01T00:00:00Z")
    repo.git("checkout", "-q", "-b", "side", one)
    side = repo.commit("side", {"side.txt": f"{side_token}\n"}, date="2024-04-01T00:00:00Z")
    repo.git("checkout", "-q", "main")

    _, report = scan(run, repo.path, "--range", f"{one}..{two}")
    assert placements(report) == [(second, "two.txt", two)]
    _, report = scan(run, repo.path, "--branch", "side")
    assert placements(report) == sorted([(first, "one.txt", one), (side_token, "side.txt", side)])
    _, report = scan(run, repo.path, "--since", "2024-02-01")
    assert placements(report) == sorted([(second, "two.txt", two), (side_token, "side.txt", side)])
    done, report = scan(run, repo.path, "--range", f"{two}..{two}")
    assert (done.returncode, report["findings"], report["scan"]["notes"]) == (
        0,
        [],
        ["no commits in the selected history"],
    )


def test_unknown_revision_in_a_range_is_one_line_exit_2(tmp_path, run):
    repo = GitRepo(tmp_path / "r")
    repo.commit("init", {"README": "hi\n"})
    done = run("git", str(repo.path), "--range", "main..no-such-branch")
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leakscan: error: --range main..no-such-branch:")


RULE_WITH_PATH = """\
provider: example
rules:
  - id: example-npmrc-token
    name: Example token in .npmrc
    severity: high
    pattern: '(exm_[a-z0-9]{24})'
    keywords: [exm_]
    path: '(^|/)\\.npmrc$'
    examples:
      - text: '//registry/:_authToken=exm_abcdefghijklmnopqrstuvwx'
        secret: exm_abcdefghijklmnopqrstuvwx
        path: .npmrc
"""


def test_path_restricted_rules_apply_to_blobs_by_their_path(tmp_path, run, engine):
    rules = tmp_path / "rules.yml"
    rules.write_text(RULE_WITH_PATH)
    in_npmrc, elsewhere = "exm_" + "a1" * 12, "exm_" + "b2" * 12
    repo = GitRepo(tmp_path / "r")
    commit = repo.commit(
        "config",
        {
            ".npmrc": f"//registry/:_authToken={in_npmrc}\n",
            "web/.npmrc": f"//registry/:_authToken={in_npmrc}\n",  # the same blob at a second path
            "notes.txt": f"//registry/:_authToken={in_npmrc}\n",  # ... and at a path the rule excludes
            "docs/other.txt": f"token {elsewhere}\n",
        },
    )

    done, report = scan(run, repo.path, "--rules", str(rules), "--engine", engine)

    assert done.returncode == 1, done.stderr
    assert placements(report) == [(in_npmrc, ".npmrc", commit), (in_npmrc, "web/.npmrc", commit)]


def test_repository_config_allowlist_applies_to_history_paths(tmp_path, run):
    allowed, reported = github_token(30), github_token(31)
    repo = GitRepo(tmp_path / "r")
    commit = repo.commit(
        "fixtures",
        {
            ".leakscan.toml": '[allowlist]\npaths = ["tests/fixtures/**"]\n',
            "tests/fixtures/sample.txt": f"{allowed}\n",
            "src/app.py": f"KEY = '{reported}'\n",
        },
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    done = run("git", str(repo.path), "--format", "json", "--show-secrets", cwd=elsewhere)
    report = json.loads(done.stdout)

    assert done.returncode == 1, done.stderr
    assert placements(report) == [(reported, "src/app.py", commit)]
    assert report["scan"]["suppressed"] == {"allowlist": 1}


def test_bare_repository_uses_the_config_committed_at_head(tmp_path, run):
    token = github_token(32)
    source = GitRepo(tmp_path / "source")
    source.commit(
        "x", {".leakscan.toml": '[allowlist]\npaths = ["vendor/**"]\n', "vendor/k.txt": f"{token}\n"}
    )
    bare = tmp_path / "b.git"
    git(tmp_path, "clone", "-q", "--bare", str(source.path), str(bare))
    done, report = scan(run, bare)
    assert done.returncode == 0, done.stderr
    assert report["scan"]["suppressed"] == {"allowlist": 1}


def test_linked_worktree_and_its_branch(tmp_path, run):
    token = github_token(33)
    repo = GitRepo(tmp_path / "r")
    repo.commit("init", {"README": "hi\n"})
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", "-b", "wip", str(linked))
    (linked / "wip.txt").write_text(f"{token}\n")
    git(linked, "add", "wip.txt")
    git(linked, "commit", "-q", "-m", "wip key")
    commit = git(linked, "rev-parse", "HEAD")

    for target in (repo.path, linked):
        done, report = scan(run, target)
        assert done.returncode == 1, done.stderr
        assert placements(report) == [(token, "wip.txt", commit)]


def test_submodules_are_noted_and_scanned_with_recurse_submodules(tmp_path, run):
    token = github_token(34)
    library = GitRepo(tmp_path / "library")
    library_commit = library.commit("lib", {"lib/keys.py": f"KEY = '{token}'\n"})
    app = GitRepo(tmp_path / "app")
    app.commit("init", {"README": "app\n"})
    app.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library.path), "vendor/library")
    app.commit("add library")

    done, report = scan(run, app.path)
    assert done.returncode == 0, done.stderr
    assert report["scan"]["notes"] == [
        "submodules not scanned (gitlinks at vendor/library); "
        "--recurse-submodules scans those that are checked out"
    ]

    done, report = scan(run, app.path, "--recurse-submodules")
    assert done.returncode == 1, done.stderr
    assert placements(report) == [(token, "vendor/library/lib/keys.py", library_commit)]


def test_lfs_pointers_are_noted_not_fetched(tmp_path, run):
    pointer = (
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 12345\n"
    )
    repo = GitRepo(tmp_path / "r")
    repo.commit("assets", {"assets/model.bin": pointer})
    done, report = scan(run, repo.path)
    assert done.returncode == 0, done.stderr
    assert report["scan"]["notes"] == [
        "1 Git LFS pointer file(s) (e.g. assets/model.bin): their content is stored outside git "
        "and was not fetched or scanned"
    ]


def test_blobs_over_the_size_cap_are_listed_not_scanned(tmp_path, run):
    token = github_token(35)
    repo = GitRepo(tmp_path / "r")
    repo.commit("big", {"big.txt": "x" * 4000 + f"\n{token}\n", "small.txt": f"{token}\n"})
    big = repo.blob("HEAD:big.txt")
    done, report = scan(run, repo.path, "--max-file-size", "1K")
    assert done.returncode == 1, done.stderr
    assert [f["path"] for f in report["findings"]] == ["small.txt"]
    assert report["scan"]["skipped"] == [
        {"path": "big.txt", "reason": f"blob {big}: larger than --max-file-size (4042 bytes)"}
    ]


def test_worker_processes_give_the_same_findings(tmp_path, run):
    repo = GitRepo(tmp_path / "r")
    files: dict[str, str | bytes] = {f"f{i:04d}.txt": f"line {i}\n" for i in range(1200)}
    tokens = {f"f{i:04d}.txt": github_token(100 + i) for i in range(0, 1200, 97)}
    files.update({name: f"key {token}\n" for name, token in tokens.items()})
    repo.commit("many files", files)
    _, one = scan(run, repo.path, "--jobs", "1")
    done, two = scan(run, repo.path, "--jobs", "2")
    assert done.returncode == 1, done.stderr
    assert placements(two) == placements(one)
    assert sorted((s, p) for s, p, _ in placements(two)) == sorted((t, n) for n, t in tokens.items())
    assert two["scan"]["files"] == 1200


def test_text_report_shows_the_commit(tmp_path, run):
    token = github_token(36)
    repo = GitRepo(tmp_path / "r")
    commit = repo.commit("add key", {"k.txt": f"{token}\n"}, date="2024-01-02T10:00:00Z")
    done = run("git", str(repo.path))
    out = done.stdout.decode()
    assert done.returncode == 1
    assert f"commit {commit[:12]}  Ada Lovelace <ada@example.com>  2024-01-02T10:00:00Z  add key" in out
    assert "1 secret found (1 critical) in 1 file; scanned 1 blobs" in out
    assert token not in out


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_report_file_is_private(tmp_path, run, fmt):
    repo = GitRepo(tmp_path / "r")
    repo.commit("add key", {"k.txt": f"{github_token(37)}\n"})
    out = tmp_path / f"report.{fmt}"
    done = run("git", str(repo.path), "--format", fmt, "-o", str(out))
    assert done.returncode == 1
    assert out.stat().st_mode & 0o777 == 0o600


def test_a_missing_tree_stops_the_log_pass_is_named_and_newer_findings_stay(tmp_path, run):
    old, new = github_token(40), github_token(41)
    repo = GitRepo(tmp_path / "r")
    repo.commit("old", {"old/key.txt": f"{old}\n"}, date="2024-01-01T00:00:00Z")
    newer = repo.commit("new", {"new/key.txt": f"{new}\n"}, date="2024-02-01T00:00:00Z")
    repo.loose_object(repo.git("rev-parse", "HEAD:old")).unlink()

    done, report = scan(run, repo.path)

    assert done.returncode == 2
    assert placements(report) == [(new, "new/key.txt", newer)]
    [error] = report["scan"]["errors"]
    assert error["path"] == str(repo.path)
    assert error["message"].startswith("git log stopped: ")
    assert "Scan incomplete" in run("git", str(repo.path)).stdout.decode()


def test_secrets_in_notes_and_on_remote_tracking_branches(tmp_path, run):
    in_note, on_remote = github_token(42), github_token(43)
    upstream = GitRepo(tmp_path / "upstream")
    base = upstream.commit("init", {"README": "hi\n"})
    upstream.git("checkout", "-q", "-b", "topic")
    topic = upstream.commit("topic key", {"topic.txt": f"{on_remote}\n"})
    upstream.git("checkout", "-q", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream.path), str(clone))
    git(clone, "notes", "add", "-m", f"deploy with {in_note}", base)
    notes_commit = git(clone, "rev-parse", "refs/notes/commits")

    done, report = scan(run, clone)

    assert done.returncode == 1, done.stderr
    assert placements(report) == sorted([(in_note, base, notes_commit), (on_remote, "topic.txt", topic)])


def test_detached_head_and_replaced_commits_are_read_as_stored(tmp_path, run):
    hidden, detached_token = github_token(44), github_token(45)
    repo = GitRepo(tmp_path / "r")
    repo.commit("init", {"README": "hi\n"})
    original = repo.commit("key", {"k.txt": f"{hidden}\n"})
    repo.git("replace", original, repo.git("rev-parse", "HEAD~1"))  # would show the parent instead
    repo.git("checkout", "-q", "--detach")
    detached = repo.commit("detached", {"d.txt": f"{detached_token}\n"})

    done, report = scan(run, repo.path)

    assert done.returncode == 1, done.stderr
    assert placements(report) == sorted([(hidden, "k.txt", original), (detached_token, "d.txt", detached)])


def test_sha256_repository(tmp_path, run):
    token = github_token(46)
    repo = GitRepo(tmp_path / "r", object_format="sha256")
    commit = repo.commit("key", {"k.txt": f"{token}\n"})
    done, report = scan(run, repo.path)
    assert done.returncode == 1, done.stderr
    assert placements(report) == [(token, "k.txt", commit)]
    assert len(report["findings"][0]["blob"]) == 64


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the repository to another user")
def test_a_repository_git_refuses_is_one_line_with_gits_reason(tmp_path, run):
    repo = GitRepo(tmp_path / "theirs")
    repo.commit("init", {"README": "hi\n"})
    for folder, _, files in os.walk(repo.path):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            os.chown(name, 65534, 65534)
    done = run("git", str(repo.path), env={"HOME": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.decode() == (
        f"leakscan: error: {repo.path}: detected dubious ownership in repository at '{repo.path}'\n"
    )


def test_a_broken_submodule_is_named_and_the_rest_reported(tmp_path, run):
    token = github_token(47)
    library = GitRepo(tmp_path / "library")
    library.commit("lib", {"lib.py": "x = 1\n"})
    app = GitRepo(tmp_path / "app")
    commit = app.commit("init", {"app.py": f"KEY = '{token}'\n"})
    app.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library.path), "lib")
    app.commit("add library")
    (app.path / "lib" / ".git").write_text(f"gitdir: {tmp_path / 'gone'}\n")

    done, report = scan(run, app.path, "--recurse-submodules")

    assert done.returncode == 2
    assert placements(report) == [(token, "app.py", commit)]
    [error] = report["scan"]["errors"]
    assert error["path"] == "lib"
    assert error["message"].startswith("submodule not scanned: ")


def test_a_history_of_many_windows_reports_every_version_at_its_path_with_workers(tmp_path, run):
    # 2,400 blobs: the log pass hands them out in windows (512, 1,024, ...), each sorted by
    # path, to two workers; every version holding a secret is still one finding at its path.
    repo = GitRepo(tmp_path / "r")
    names = ["a/0007.txt", "m/0400.txt", "z/0799.txt"]
    tokens = {name: github_token(100 + i) for i, name in enumerate(names)}
    files = {f"{d}/{n:04}.txt": f"{d} {n} one\n" for d in "amz" for n in range(800)}
    first = repo.commit("many", files, date="2024-01-01T00:00:00Z")
    second = repo.commit(
        "keys", {path: f"token = {token}\n" for path, token in tokens.items()}, date="2024-02-01T00:00:00Z"
    )
    third = repo.commit(
        "more keys",
        {path: f"token = {token}\nsecond line\n" for path, token in tokens.items()},
        date="2024-03-01T00:00:00Z",
    )

    done, report = scan(run, repo.path, "--jobs", "2")

    assert done.returncode == 1
    expected = [(token, path, commit) for path, token in tokens.items() for commit in (second, third)]
    assert placements(report) == sorted(expected)
    assert report["scan"]["files"] == 2400 + 6
    assert first not in {f["commit"] for f in report["findings"]}
