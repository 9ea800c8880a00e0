"""Baselines: known findings by content identity, through the CLI."""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
from pathlib import Path

import pytest

from tokens import github_token


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def known(seed: int, path: str = "app/settings.py") -> dict:
    """The baseline entry of github_token(seed) at `path`."""
    return {"rule_id": "github-pat-classic", "path": path, "secret_sha256": sha256(github_token(seed))}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A working tree (a git repository) with one known token in app/settings.py."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text(f'DEBUG = 1\nTOKEN = "{github_token(21)}"\n')
    return tmp_path


def scan(run, folder: Path, *args: str, cwd: Path | None = None):
    return run("scan", *(args or (".",)), "--format", "json", "--no-progress", cwd=cwd or folder)


def test_create_records_identity_without_the_secret(run, repo):
    result = run("baseline", "create", "known.json", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == (
        "baseline known.json: 1 entry (1 new, 0 still found, 0 no longer found)\n"
    )
    baseline = repo / "known.json"
    assert stat.S_IMODE(baseline.stat().st_mode) == 0o600
    token = github_token(21)
    text = baseline.read_text()
    assert token not in text and token[4:-2] not in text
    assert json.loads(text) == {
        "version": 1,
        "kind": "leakscan-baseline",
        "entries": [
            {"rule_id": "github-pat-classic", "path": "app/settings.py", "secret_sha256": sha256(token)}
        ],
    }


def test_baseline_suppresses_known_and_reports_new(run, repo):
    run("baseline", "create", "known.json", cwd=repo)
    clean = scan(run, repo, ".", "--baseline", "known.json")
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["scan"]["suppressed"] == {"baseline": 1}
    new = github_token(22)
    (repo / "app" / "settings.py").write_text(
        f'"""Moved."""\n\n\nTOKEN = "{github_token(21)}"\nNEW = "{new}"\n'
    )
    (repo / "other.py").write_text(f'TOKEN = "{github_token(21)}"\n')  # the known secret, but elsewhere
    result = scan(run, repo, ".", "--baseline", "known.json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("app/settings.py", 5), ("other.py", 1)]
    assert report["scan"]["suppressed"] == {"baseline": 1}


def test_json_report_works_as_a_baseline(run, repo):
    report = run("scan", ".", "--format", "json", "-o", "report.json", cwd=repo)
    assert report.returncode == 1
    assert scan(run, repo, ".", "--baseline", "report.json").returncode == 0
    built = run("baseline", "create", "from-report.json", "--from-report", "report.json", cwd=repo)
    assert built.returncode == 0
    assert json.loads((repo / "from-report.json").read_text())["entries"] == [
        {
            "rule_id": "github-pat-classic",
            "path": "app/settings.py",
            "secret_sha256": sha256(github_token(21)),
        }
    ]


def test_paths_are_relative_to_the_repository_root(run, repo):
    run("baseline", "create", "known.json", cwd=repo)
    (repo / "docs").mkdir()
    result = run("scan", "..", "--baseline", "../known.json", "--format", "json", cwd=repo / "docs")
    assert result.returncode == 0, result.stdout
    absolute = run("scan", str(repo), "--baseline", str(repo / "known.json"), cwd=repo.parent)
    assert absolute.returncode == 0


def test_update_adds_keeps_and_prunes(run, repo):
    run("baseline", "create", "known.json", cwd=repo)
    before = (repo / "known.json").read_bytes()
    same = run("baseline", "update", "known.json", cwd=repo)
    assert same.returncode == 0
    assert (repo / "known.json").read_bytes() == before  # no churn
    (repo / "app" / "settings.py").write_text(f'NEW = "{github_token(23)}"\n')
    added = run("baseline", "update", "known.json", cwd=repo)
    assert (
        added.stderr.decode() == "baseline known.json: 2 entries (1 new, 0 still found, 1 no longer found)\n"
    )
    entries = json.loads((repo / "known.json").read_text())["entries"]
    assert sorted(e["secret_sha256"] for e in entries) == sorted(
        [sha256(github_token(21)), sha256(github_token(23))]
    )
    pruned = run("baseline", "update", "known.json", "--prune", cwd=repo)
    assert pruned.stderr.decode() == (
        "baseline known.json: 1 entry (0 new, 1 still found, 1 no longer found and removed)\n"
    )
    assert json.loads((repo / "known.json").read_text())["entries"] == [known(23)]


def test_create_does_not_overwrite(run, repo):
    (repo / "known.json").write_text("precious\n")
    result = run("baseline", "create", "known.json", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "leakscan: error: known.json exists; use `leakscan baseline update`, or --force to replace it\n"
    )
    assert (repo / "known.json").read_text() == "precious\n"
    assert run("baseline", "create", "known.json", "--force", cwd=repo).returncode == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json", "known.json: not a baseline or JSON report: not valid JSON"),
        ('{"entries": []}', "known.json: not a baseline or JSON report (no 'entries' or 'findings')"),
        (
            '{"version": 1, "kind": "leakscan-baseline", "entries": [{"rule_id": "x", "path": "a"}]}',
            "known.json: entry 1: needs rule_id, path and a hex secret_sha256",
        ),
    ],
)
def test_bad_baseline_is_a_clear_error(run, repo, content, problem):
    (repo / "known.json").write_text(content)
    result = run("scan", ".", "--baseline", "known.json", cwd=repo)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode().startswith(f"leakscan: error: {problem}")


def test_missing_baseline_is_an_error(run, repo):
    result = run("scan", ".", "--baseline", "nope.json", cwd=repo)
    assert (result.returncode, result.stderr.decode()) == (
        2,
        "leakscan: error: nope.json: cannot read baseline: No such file or directory\n",
    )


def test_the_config_can_name_the_baseline_every_scan_honours(run, repo):
    """A team commits its baseline and names it in .leakscan.toml: hooks and CI need no flag."""
    assert run("baseline", "create", ".leakscan-baseline.json", cwd=repo).returncode == 0
    (repo / ".leakscan.toml").write_text('[allowlist]\nbaseline = ".leakscan-baseline.json"\n')
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "x"],
        check=True,
    )
    tree = scan(run, repo)
    history = run("git", ".", "--format", "json", "--no-progress", cwd=repo)
    for proc in (tree, history):
        assert proc.returncode == 0, proc.stderr.decode()
        doc = json.loads(proc.stdout)
        assert doc["findings"] == [] and doc["scan"]["suppressed"] == {"baseline": 1}
    (repo / "app" / "more.py").write_text(f'KEY = "{github_token(22)}"\n')
    assert scan(run, repo).returncode == 1
    (repo / ".leakscan.toml").write_text('[allowlist]\nbaseline = "missing.json"\n')
    proc = scan(run, repo)
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == (
        f"leakscan: error: {repo / 'missing.json'}: cannot read baseline: No such file or directory"
    )
