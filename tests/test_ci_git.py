"""CI on git history: ranges with baselines, SARIF of history scans, and real git hooks
(pre-commit with `git commit -a`, pre-push to a remote)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SHARED
from gitrepo import GitRepo, git
from tokens import github_token

# git run directly (hooks, pushes): a fixed identity and no user or system config.
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.invalid",
    "GIT_COMMITTER_NAME": "Test Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.invalid",
}

RULE = "github-pat-classic"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, list[str]]:
    """main: c0 (clean), c1 (a known token in app.py), c2 (clean edit), c3 (a new token in new.py)."""
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    ids = [g.commit("c0", {"README.md": "hello\n"})]
    ids.append(g.commit("c1", {"app.py": f'TOKEN = "{github_token(61)}"\n'}))
    ids.append(g.commit("c2", {"README.md": "hello again\n"}))
    ids.append(g.commit("c3", {"new.py": f'NEW = "{github_token(62)}"\n'}))
    return repo, ids


def test_range_with_baseline_fails_only_on_new_findings(run, history):
    repo, ids = history
    made = run("baseline", "create", "known.json", "--history", cwd=repo)
    assert made.returncode == 0, made.stderr
    # The baseline was made from the whole history: accept what it holds, then stop knowing c3's token.
    entries = json.loads((repo / "known.json").read_text())["entries"]
    assert sorted(e["path"] for e in entries) == ["app.py", "new.py"]
    (repo / "old.json").write_text(
        json.dumps(
            {
                "version": 1,
                "kind": "leakscan-baseline",
                "entries": [e for e in entries if e["path"] == "app.py"],
            }
        )
    )
    known = run("git", ".", "--range", f"{ids[0]}..{ids[2]}", "--baseline", "old.json", cwd=repo)
    assert known.returncode == 0, known.stdout
    new = run(
        "git", ".", "--range", f"{ids[0]}..{ids[3]}", "--baseline", "old.json", "--format", "json", cwd=repo
    )
    assert new.returncode == 1
    report = json.loads(new.stdout)
    assert [(f["path"], f["commit"]) for f in report["findings"]] == [("new.py", ids[3])]
    assert report["scan"]["suppressed"] == {"baseline": 1}
    assert (
        run("git", ".", "--range", f"{ids[0]}..{ids[3]}", "--baseline", "known.json", cwd=repo).returncode
        == 0
    )


def test_json_report_of_a_history_scan_is_a_baseline(run, history):
    repo, ids = history
    assert run("git", ".", "--format", "json", "-o", "report.json", cwd=repo).returncode == 1
    assert (
        run("git", ".", "--range", f"{ids[0]}..{ids[3]}", "--baseline", "report.json", cwd=repo).returncode
        == 0
    )


def test_rewritten_history_stays_known(run, history):
    repo, ids = history
    run("baseline", "create", "known.json", "--history", cwd=repo)
    # Rewrite every commit after c0 (new dates and messages): the ids all change, the content does not.
    env = {
        **os.environ,
        **GIT_ENV,
        "GIT_COMMITTER_DATE": "2030-01-01T00:00:00Z",
        "GIT_SEQUENCE_EDITOR": "true",
    }
    subprocess.run(
        ["git", "-C", str(repo), "rebase", "-q", "--root", "--exec", "git commit -q --amend -m rewritten"],
        check=True,
        env=env,
        capture_output=True,
    )
    new_head = git(repo, "rev-parse", "HEAD")
    assert new_head != ids[3]
    result = run("git", ".", "--baseline", "known.json", "--format", "json", cwd=repo)
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["scan"]["suppressed"] == {"baseline": 2}


def test_sarif_of_a_history_scan(run, history):
    repo, ids = history
    result = run(
        "git", ".", "--range", f"{ids[2]}..{ids[3]}", "--format", "sarif", "-o", "out.sarif", cwd=repo
    )
    assert result.returncode == 1, result.stderr
    path = repo / "out.sarif"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert github_token(62) not in path.read_text()
    log = json.loads(path.read_text())
    schema = SHARED / "schemas" / "sarif-schema-2.1.0.json"
    if schema.is_file():
        import jsonschema

        document = json.loads(schema.read_text())
        jsonschema.validators.validator_for(document)(document).validate(log)
    (found,) = log["runs"][0]["results"]
    location = found["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "new.py", "uriBaseId": "%SRCROOT%"}
    assert (location["region"]["startLine"], location["region"]["startColumn"]) == (1, 8)
    assert found["properties"]["commit"] == ids[3]
    assert found["properties"]["author"] == "Ada Lovelace"
    identity = f"{RULE}:{sha256(github_token(62))}:new.py"
    assert found["partialFingerprints"] == {"leakscan/identity/v1": sha256(identity)}


def install_hook(repo: Path, name: str, command: str) -> None:
    hook = repo / ".git" / "hooks" / name
    hook.write_text(f"#!/bin/sh\nexec {sys.executable} -m leakscan {command}\n")
    hook.chmod(0o755)


def git_run(repo: Path, *args: str, cache_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "LEAKSCAN_CACHE_DIR": str(cache_dir), "NO_COLOR": "1"}
    return subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True)


def test_commit_hook_sees_what_commit_a_stages(tmp_path, cache_dir):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    start = g.commit("start", {"app.py": "DEBUG = True\n"})
    install_hook(repo, "pre-commit", "git --staged")
    token = github_token(63)
    g.write({"app.py": f'DEBUG = True\nTOKEN = "{token}"\n'})  # modified, not staged
    blocked = git_run(repo, "commit", "-a", "-m", "add token", cache_dir=cache_dir)
    assert blocked.returncode != 0
    out = blocked.stdout.decode() + blocked.stderr.decode()
    assert f"  2:10  critical  {RULE}  {token[:4]}…{token[-2:]}" in out
    assert token not in out
    assert git(repo, "rev-parse", "HEAD") == start
    g.write({"app.py": f'DEBUG = True\nTOKEN = "{token}"  # leakscan:allow\n'})
    assert git_run(repo, "commit", "-a", "-m", "allowed", cache_dir=cache_dir).returncode == 0


@pytest.fixture
def pushing(tmp_path: Path) -> tuple[GitRepo, Path]:
    """A clone with a pre-push hook, and its bare remote holding main with an old token."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    g.commit("old token", {"old.py": f'OLD = "{github_token(64)}"\n'})
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    install_hook(repo, "pre-push", "git --pre-push")
    return g, remote


def test_pre_push_blocks_new_secrets_only(pushing, cache_dir):
    g, remote = pushing
    repo = g.path
    g.commit("clean", {"README.md": "hello\n"})
    clean = git_run(repo, "push", "-q", "origin", "main", cache_dir=cache_dir)
    assert clean.returncode == 0, clean.stderr  # the old token is already on the remote
    token = github_token(65)
    g.commit("token", {"new.py": f'NEW = "{token}"\n'})
    g.commit("removed again", {"new.py": "NEW = None\n"})
    blocked = git_run(repo, "push", "origin", "main", cache_dir=cache_dir)
    assert blocked.returncode != 0
    assert f'NEW = "{token[:4]}…{token[-2:]}"' in blocked.stdout.decode() + blocked.stderr.decode()
    assert git(remote, "rev-parse", "main") != git(repo, "rev-parse", "main")


def test_pre_push_of_a_new_branch(pushing, cache_dir):
    g, remote = pushing
    repo = g.path
    git(repo, "checkout", "-q", "-b", "feature")
    g.commit("feature", {"feature.py": "x = 1\n"})
    assert git_run(repo, "push", "-q", "origin", "feature", cache_dir=cache_dir).returncode == 0
    git(repo, "checkout", "-q", "-b", "leaky")
    g.commit("leaky", {"leak.py": f'T = "{github_token(66)}"\n'})
    blocked = git_run(repo, "push", "origin", "leaky", cache_dir=cache_dir)
    assert blocked.returncode != 0
    assert "leak.py" in blocked.stdout.decode() + blocked.stderr.decode()
    assert (
        git_run(repo, "push", "-q", "origin", ":feature", cache_dir=cache_dir).returncode == 0
    )  # a deletion


def test_pre_push_reads_pre_commit_environment(run, history):
    repo, ids = history
    env = {"PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": ids[1], "PRE_COMMIT_TO_REF": ids[2]}
    assert run("git", "--pre-push", cwd=repo, env=env).returncode == 0
    env["PRE_COMMIT_TO_REF"] = ids[3]
    result = run("git", "--pre-push", "--format", "json", cwd=repo, env=env)
    assert result.returncode == 1
    assert [f["path"] for f in json.loads(result.stdout)["findings"]] == ["new.py"]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (
            ["--staged", "--range", "a..b"],
            "--staged scans the staged changes only; it takes no history options",
        ),
        (
            ["--pre-push", "--branch", "main"],
            "--pre-push takes the commits from the push; give no --range/--branch/--since",
        ),
    ],
)
def test_hook_modes_refuse_history_options(run, history, args, problem):
    repo, _ = history
    result = run("git", *args, cwd=repo)
    assert result.returncode == 2
    assert problem in result.stderr.decode()


def test_pre_push_by_hand_scans_what_head_would_push(pushing, run):
    g, _ = pushing
    g.commit("local only", {"local.py": f'L = "{github_token(67)}"\n'})
    result = run("git", "--pre-push", "--format", "json", cwd=g.path, input=b"")  # no refs given
    assert result.returncode == 1
    assert [f["path"] for f in json.loads(result.stdout)["findings"]] == ["local.py"]  # not old.py
    env = {"PRE_COMMIT": "1", "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main"}
    whole = run("git", "--pre-push", "--format", "json", cwd=g.path, env=env)
    assert sorted(f["path"] for f in json.loads(whole.stdout)["findings"]) == ["local.py", "old.py"]
