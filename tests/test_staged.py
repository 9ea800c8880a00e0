"""`leakscan git --staged`: secrets on the lines a commit would add, in real repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitrepo import GitRepo, git
from tokens import github_token

RULE = "github-pat-classic"


def staged(run, repo: Path, *args: str, cwd: Path | None = None) -> tuple[int, dict]:
    result = run("git", "--staged", "--format", "json", *args, cwd=cwd or repo)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def places(report: dict) -> list[tuple[str, int, int, str]]:
    return [(f["path"], f["line"], f["column"], f["rule_id"]) for f in report["findings"]]


def test_first_commit_without_head(run, tmp_path, engine):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    g.write({"app/settings.py": f'DEBUG = True\nTOKEN = "{github_token(31)}"\n'})
    git(repo, "add", "-A")
    code, report = staged(run, repo, "--engine", engine)
    assert code == 1
    assert places(report) == [("app/settings.py", 2, 10, RULE)]
    assert report["scan"]["mode"] == "staged"
    assert report["findings"][0]["commit"] is None


def test_only_added_lines_of_the_staged_content(run, tmp_path, engine):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    old = github_token(32)
    g.commit("old secret", {"config.py": f'A = 1\nOLD = "{old}"\nB = 2\n'})
    new = github_token(33)
    # Staged: two lines inserted above the old secret, a new secret on line 6.
    g.write({"config.py": f'# header\n\nA = 1\nOLD = "{old}"\nB = 2\nNEW = "{new}"\n'})
    git(repo, "add", "config.py")
    # Not staged: another secret in the working tree only.
    g.write(
        {"config.py": f'# header\n\nA = 1\nOLD = "{old}"\nB = 2\nNEW = "{new}"\nX = "{github_token(34)}"\n'}
    )
    g.write({"untracked.py": f'U = "{github_token(35)}"\n'})
    code, report = staged(run, repo, "--engine", engine)
    assert code == 1
    assert places(report) == [("config.py", 6, 8, RULE)]
    assert report["findings"][0]["secret"] == f"{new[:4]}…{new[-2:]}"


def test_staged_content_not_the_working_tree(run, tmp_path):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    g.commit("start", {"a.py": "x = 1\n"})
    g.write({"a.py": f'x = 1\nT = "{github_token(36)}"\n'})
    git(repo, "add", "a.py")
    g.write({"a.py": "x = 1\n"})  # cleaned in the working tree, but not staged
    code, report = staged(run, repo)
    assert (code, places(report)) == (1, [("a.py", 2, 6, RULE)])


def test_deletions_and_removed_lines_are_clean(run, tmp_path):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    token = github_token(37)
    g.commit("secrets", {"gone.py": f'T = "{token}"\n', "kept.py": f'A = 1\nT = "{token}"\nB = 2\n'})
    git(repo, "rm", "-q", "gone.py")
    g.write({"kept.py": f'T = "{token}"\nB = 2\n'})  # a line removed above the old secret
    git(repo, "add", "kept.py")
    code, report = staged(run, repo)
    assert (code, places(report)) == (0, [])


def test_renames(run, tmp_path):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    token = github_token(38)
    body = "".join(f"line {n}\n" for n in range(20))
    g.commit("start", {"old.py": f'T = "{token}"\n{body}', "other.py": f"{body}"})
    git(repo, "mv", "old.py", "new.py")  # a pure rename adds nothing
    new = github_token(39)
    (repo / "moved").mkdir()
    git(repo, "mv", "other.py", "moved/other.py")
    g.write({"moved/other.py": f'{body}N = "{new}"\n'})  # a rename with an added line
    git(repo, "add", "-A")
    code, report = staged(run, repo)
    assert (code, places(report)) == (1, [("moved/other.py", 21, 6, RULE)])


def test_binary_files(run, tmp_path):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    old, new = github_token(40), github_token(41)
    g.write({"blob.bin": b"\x00\x01" + old.encode() + b"\x00\n"})
    git(repo, "add", "-A")
    code, report = staged(run, repo)
    assert (code, places(report)) == (1, [("blob.bin", 1, 3, RULE)])
    g.commit("binary")
    g.write({"blob.bin": b"\x00\x01" + old.encode() + b"\x00\n\x00" + new.encode() + b"\n"})
    git(repo, "add", "-A")
    code, report = staged(run, repo)
    assert (code, places(report)) == (1, [("blob.bin", 2, 2, RULE)])  # the old secret is not new


def test_odd_names_and_subdirectory(run, tmp_path):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    g.commit("start", {"docs/readme.md": "hi\n"})
    g.write({"dir with space/naïve ✓.py": f'T = "{github_token(42)}"\n'})
    git(repo, "add", "-A")
    code, report = staged(run, repo, cwd=repo / "docs")
    assert (code, places(report)) == (1, [("dir with space/naïve ✓.py", 1, 6, RULE)])


def test_submodule_change_is_noted(run, tmp_path):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    g.commit("start", {"a.py": "x = 1\n"})
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{git(repo, 'rev-parse', 'HEAD')},vendor/lib")
    code, report = staged(run, repo)
    assert (code, places(report)) == (0, [])
    assert report["scan"]["notes"] == ["vendor/lib: submodule commit changed (submodules are not scanned)"]


def test_a_blocked_commit_says_what_and_how_to_allow(run, tmp_path):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    token = github_token(43)
    g.write({"deploy.sh": f"#!/bin/sh\nexport GITHUB_TOKEN={token}\n"})
    git(repo, "add", "-A")
    result = run("git", "--staged", cwd=repo)
    assert result.returncode == 1
    out, err = result.stdout.decode(), result.stderr.decode()
    assert token not in out + err
    assert out.splitlines()[:3] == [
        "deploy.sh",
        f"  2:21  critical  {RULE}  {token[:4]}…{token[-2:]}",
        f"      export GITHUB_TOKEN={token[:4]}…{token[-2:]}",
    ]
    assert "add `leakscan:allow` in a comment on its line" in err
    assert "leakscan baseline update" in err


def test_allow_marker_and_baseline(run, tmp_path):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    g.write({"a.py": f'T = "{github_token(44)}"  # leakscan:allow\n'})
    g.write({"b.py": f'T = "{github_token(45)}"\n'})
    git(repo, "add", "-A")
    code, report = staged(run, repo)
    assert (code, places(report)) == (1, [("b.py", 1, 6, RULE)])
    assert run("baseline", "create", "known.json", cwd=repo).returncode == 0
    code, report = staged(run, repo, "--baseline", "known.json")
    assert (code, places(report)) == (0, [])
    assert report["scan"]["suppressed"] == {"baseline": 1, "inline": 1}


def test_bare_repository_has_nothing_staged(run, tmp_path):
    bare = GitRepo(tmp_path / "bare.git", bare=True).path
    result = run("git", "--staged", str(bare))
    assert result.returncode == 2
    assert result.stderr.decode() == (
        f"leakscan: error: {bare}: a bare repository has nothing staged; --staged needs a working tree\n"
    )


def test_nothing_staged(run, tmp_path):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    result = run("git", "--staged", cwd=repo)
    assert result.returncode == 0
    assert result.stdout.decode().startswith("No leaks found; scanned 0 files")


def test_not_a_repository(run, tmp_path):
    result = run("git", "--staged", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.decode() == f"leakscan: error: {tmp_path}: not a git repository\n"


def test_oversized_staged_file_is_listed(run, tmp_path):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    g.write({"big.txt": "x" * 200 + f'\nT = "{github_token(46)}"\n'})
    g.write({"small.txt": f'T = "{github_token(47)}"\n'})
    git(repo, "add", "-A")
    result = run("git", "--staged", "--max-file-size", "100", "--format", "json", cwd=repo)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert places(report) == [("small.txt", 1, 6, RULE)]
    assert report["scan"]["skipped"] == [
        {"path": "big.txt", "reason": "larger than --max-file-size (100 bytes)"}
    ]


def test_hook_never_waits_for_a_hyperscan_compile(run, tmp_path):
    pytest.importorskip("hyperscan", reason="the hyperscan package has no wheel for this platform")
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    g.write({"a.py": f'T = "{github_token(48)}"\n'})
    git(repo, "add", "-A")
    env = {"LEAKSCAN_CACHE_DIR": str(tmp_path / "empty-cache")}
    first = run("git", "--staged", "--format", "json", cwd=repo, env=env)
    assert json.loads(first.stdout)["tool"]["engine"] == "regex"  # nothing compiled yet
    assert run("scan", "a.py", cwd=repo, env=env).returncode == 1  # a full scan compiles and caches
    second = run("git", "--staged", "--format", "json", cwd=repo, env=env)
    assert json.loads(second.stdout)["tool"]["engine"] == "hyperscan"
    assert places(json.loads(first.stdout)) == places(json.loads(second.stdout)) == [("a.py", 1, 6, RULE)]


def test_the_hook_imports_only_what_it_needs(run, tmp_path, cache_dir):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    g.write({"a.py": "x = 1\n"})
    git(repo, "add", "-A")
    assert run("git", "--staged", cwd=repo).returncode == 0  # warm the rule cache
    probe = (
        "import sys\n"
        "from leakscan.cli import main\n"
        "sys.argv = ['leakscan', 'git', '--staged']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    env = {**os.environ, "LEAKSCAN_CACHE_DIR": str(cache_dir)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=repo, env=env, capture_output=True, check=True)
    loaded = set(done.stderr.decode().split())
    heavy = {"requests", "git", "dask", "multiprocessing", "concurrent.futures", "yaml", "regex", "tomllib"}
    assert loaded & heavy == set()


def test_long_file_changed_in_places(run, tmp_path, engine):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    lines = [f"line_{n} = {n}\n" for n in range(1, 501)]
    lines[99] = f'OLD = "{github_token(70)}"\n'  # committed: near the change, never reported
    g.commit("long file", {"long.py": "".join(lines)})
    new_low, new_high = github_token(71), github_token(72)
    lines[119] = f'NEW = "{new_low}"  # replaced line 120\n'
    lines[479:479] = ["# pragma: allowlist nextline secret\n", f'ALLOWED = "{github_token(73)}"\n']
    lines.insert(300, f'    HIGH = "{new_high}"\n')  # inserted: becomes line 301
    g.write({"long.py": "".join(lines)})
    git(repo, "add", "-A")
    code, report = staged(run, repo, "--engine", engine)
    assert code == 1
    assert places(report) == [("long.py", 120, 8, RULE), ("long.py", 301, 13, RULE)]
    assert report["scan"]["suppressed"] == {"inline": 1}
