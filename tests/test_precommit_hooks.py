"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit framework.

`pre-commit try-repo` installs a snapshot of this checkout (as it is on disk, committed or not)
into a fresh virtualenv, as a user's pre-commit would from a tag, so these tests also prove the
packaging. pip fetches the dependencies from the configured index (PyPI) or its cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
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

_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache", "build", "dist", "out"
)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's files as one commit: what a user's pre-commit would clone."""
    snapshot = tmp_path_factory.mktemp("hook-repo") / "leakscan"
    shutil.copytree(REPO, snapshot, ignore=_NOT_SOURCE)
    GitRepo(snapshot).commit("snapshot")
    return snapshot


def try_repo(
    hook_repo: Path, repo: Path, hook: str, cache_dir: Path, *args: str
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **GIT_ENV,
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
        "LEAKSCAN_CACHE_DIR": str(cache_dir),
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--color", "never", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        timeout=600,
    )


def test_hook_blocks_a_staged_secret(hook_repo, tmp_path, cache_dir):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    g.commit("start", {"app.py": "DEBUG = True\n"})
    token = github_token(51)
    g.write({"app.py": f'DEBUG = True\nTOKEN = "{token}"\n'})
    git(repo, "add", "app.py")
    result = try_repo(hook_repo, repo, "leakscan", cache_dir)
    out = result.stdout.decode()
    assert result.returncode == 1, out + result.stderr.decode()
    assert "leakscan (secrets in staged changes)" in out and "Failed" in out
    assert f"  2:10  critical  github-pat-classic  {token[:4]}…{token[-2:]}" in out
    assert "add `leakscan:allow` in a comment on its line" in out
    assert token not in out


def test_hook_passes_a_clean_change(hook_repo, tmp_path, cache_dir):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    g.commit("start", {"app.py": f'TOKEN = "{github_token(52)}"  # committed before the hook\n'})
    g.write({"app.py": f'TOKEN = "{github_token(52)}"  # committed before the hook\nDEBUG = False\n'})
    git(repo, "add", "app.py")
    result = try_repo(hook_repo, repo, "leakscan", cache_dir)
    out = result.stdout.decode()
    assert result.returncode == 0, out + result.stderr.decode()
    assert "leakscan (secrets in staged changes)" in out and "Passed" in out


def test_push_hook_blocks_pushed_commits_with_a_secret(hook_repo, tmp_path, cache_dir):
    g = GitRepo(tmp_path / "repo")
    repo = g.path
    base = g.commit("start", {"app.py": "DEBUG = True\n"})
    token = github_token(53)
    g.commit("token", {"deploy.sh": f"export TOKEN={token}\n"})
    tip = g.commit("token removed", {"deploy.sh": "export TOKEN=$TOKEN\n"})
    args = ("--hook-stage", "pre-push", "--from-ref", base, "--to-ref", tip)
    result = try_repo(hook_repo, repo, "leakscan-push", cache_dir, *args)
    out = result.stdout.decode()
    assert result.returncode == 1, out + result.stderr.decode()
    assert "leakscan (secrets in pushed commits)" in out and "Failed" in out
    assert f"export TOKEN={token[:4]}…{token[-2:]}" in out
    assert token not in out
