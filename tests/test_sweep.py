"""`leakscan sweep`, `triage` and `report` over real repositories and a real SQLite datastore."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitrepo import GitRepo
from leakscan.findings import secret_sha256
from leakscan.rules import load_rules
from leakscan.sweep.run import SweepOptions, sweep
from tokens import github_token

SHARED = github_token(101)  # committed to two repositories: reuse across repositories
ALPHA_ONLY = github_token(102)
BETA_LATER = github_token(103)


def _repos(root: Path) -> dict[str, GitRepo]:
    alpha = GitRepo(root / "alpha")
    alpha.commit("config", {"deploy.env": f"GITHUB_TOKEN={SHARED}\n"}, date="2023-05-01T10:00:00+00:00")
    alpha.commit("more", {"ci/settings.py": f"# ci\ntoken = '{ALPHA_ONLY}'\n"})
    beta = GitRepo(root / "beta")
    beta.commit("readme", {"README.md": "nothing here\n"})
    beta.commit("oops", {"scripts/push.sh": f"#!/bin/sh\nexport GH={SHARED}\n"})
    return {"alpha": alpha, "beta": beta}


def _sweep(run, db: Path, *targets: str, extra: tuple[str, ...] = ()):
    return run(
        "sweep", "--db", str(db), "--cache", str(db.parent / "mirrors"), "--no-progress", *extra, *targets
    )


def _report(run, db: Path) -> dict:
    done = run("report", "--db", str(db), "--format", "json")
    assert done.returncode == 1, done.stderr
    return json.loads(done.stdout)


def _rows(db: Path, query: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(query))


def test_sweep_of_a_folder_of_repositories_stores_each_finding_with_its_provenance(tmp_path, run):
    repos = _repos(tmp_path / "repos")
    db = tmp_path / "sweep.db"
    done = _sweep(run, db, str(tmp_path / "repos"))
    assert done.returncode == 1, done.stderr
    assert b"swept 2 repositories" in done.stderr and b"3 new findings" in done.stderr
    assert SHARED.encode() not in done.stdout + done.stderr
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    report = _report(run, db)
    found = sorted(
        (Path(f["repository"]).name, f["path"], f["line"], f["rule_id"], f["secret_sha256"], f["commit"])
        for f in report["findings"]
    )
    alpha, beta = repos["alpha"], repos["beta"]
    assert found == sorted(
        [
            (
                "alpha",
                "deploy.env",
                1,
                "github-pat-classic",
                secret_sha256(SHARED),
                alpha.git("rev-parse", "HEAD~1"),
            ),
            ("alpha", "ci/settings.py", 2, "github-pat-classic", secret_sha256(ALPHA_ONLY), alpha.head()),
            ("beta", "scripts/push.sh", 2, "github-pat-classic", secret_sha256(SHARED), beta.head()),
        ]
    )
    assert report["version"] == 1
    assert report["totals"]["findings"] == 3 and report["totals"]["secrets"] == 2
    assert report["totals"]["by_provider"] == {"github": 3}
    assert report["totals"]["by_repository"] == {str(alpha.path): 2, str(beta.path): 1}
    assert report["reuse"] == [
        {
            "secret_sha256": secret_sha256(SHARED),
            "rule_id": "github-pat-classic",
            "repositories": [str(alpha.path), str(beta.path)],
        }
    ]
    assert all(f["verification"] == {"status": "not_checked"} for f in report["findings"])
    assert SHARED not in json.dumps(report)


def test_rerun_scans_only_new_blobs_and_stores_nothing_twice(tmp_path, run):
    repos = _repos(tmp_path / "repos")
    db = tmp_path / "sweep.db"
    _sweep(run, db, str(tmp_path / "repos"))
    before = _rows(db, "SELECT * FROM findings ORDER BY id")
    blobs_before = _rows(db, "SELECT COUNT(*) FROM scanned_blobs")[0][0]

    again = _sweep(run, db, str(tmp_path / "repos"))
    assert b"0 new blobs" in again.stderr and b"0 new findings" in again.stderr
    assert _rows(db, "SELECT * FROM findings ORDER BY id") == before

    repos["beta"].commit("later", {"later.env": f"TOKEN={BETA_LATER}\n"})
    third = _sweep(run, db, str(tmp_path / "repos"))
    assert b"1 new blobs" in third.stderr and b"1 new findings" in third.stderr
    assert _rows(db, "SELECT COUNT(*) FROM scanned_blobs")[0][0] == blobs_before + 1
    assert _rows(db, "SELECT path FROM findings ORDER BY id DESC LIMIT 1") == [("later.env",)]


def test_changed_rules_rescan_every_blob(tmp_path, run):
    _repos(tmp_path / "repos")
    db = tmp_path / "sweep.db"
    _sweep(run, db, str(tmp_path / "repos"))
    rules = tmp_path / "extra.yml"
    rules.write_text(
        "provider: internal\nrules:\n  - id: internal-nothing\n    name: Internal marker\n    severity: low\n"
        "    pattern: '\\b(NOTHING_[0-9]{12})\\b'\n    keywords: [NOTHING_]\n"
        "    examples: [NOTHING_123456789012]\n"
    )
    done = _sweep(run, db, str(tmp_path / "repos"), extra=("--rules", str(rules)))
    assert b"0 new blobs" not in done.stderr
    assert b"0 new findings" in done.stderr
    assert _rows(db, "SELECT COUNT(*) FROM findings")[0][0] == 3


def test_git_urls_are_mirrored_into_the_cache_and_fetched_incrementally(tmp_path, run):
    repos = _repos(tmp_path / "repos")
    url = (tmp_path / "repos" / "beta").as_uri()
    db = tmp_path / "sweep.db"
    listing = tmp_path / "targets.txt"
    listing.write_text(f"# the team's repositories\n{url}\n\n")
    assert _sweep(run, db, f"@{listing}").returncode == 1
    mirrors = list((tmp_path / "mirrors").iterdir())
    assert len(mirrors) == 1 and (mirrors[0] / "objects").is_dir()

    repos["beta"].commit("later", {"later.env": f"TOKEN={BETA_LATER}\n"})
    again = _sweep(run, db, url)
    assert b"1 new findings" in again.stderr
    names = {f["repository"] for f in _report(run, db)["findings"]}
    assert names == {url}


def test_unreachable_targets_are_reported_and_the_rest_is_swept(tmp_path, run):
    _repos(tmp_path / "repos")
    db = tmp_path / "sweep.db"
    done = _sweep(
        run, db, str(tmp_path / "repos" / "alpha"), str(tmp_path / "missing"), "file:///no/such/repo.git"
    )
    assert done.returncode == 2
    assert b"missing: no such folder" in done.stderr
    assert b"file:///no/such/repo.git: git could not fetch it" in done.stderr
    assert b"the sweep is incomplete" in done.stderr
    assert _rows(db, "SELECT COUNT(*) FROM findings")[0][0] == 2


def test_a_killed_sweep_resumes_to_the_same_datastore(tmp_path, run):
    root = tmp_path / "repos"
    for n in range(6):
        GitRepo(root / f"r{n}").commit("c", {f"f{n}.env": f"T={github_token(200 + n)}\n"})
    clean_db = tmp_path / "clean.db"
    assert _sweep(run, clean_db, str(root), extra=("--jobs", "1")).returncode == 1

    killed_db = tmp_path / "killed.db"
    env = {**os.environ, "NO_COLOR": "1"}
    args = [
        sys.executable,
        "-m",
        "leakscan",
        "sweep",
        "--db",
        str(killed_db),
        "--no-progress",
        "-j",
        "1",
        str(root),
    ]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:  # kill once the first repository is stored
        if killed_db.exists() and _stored(killed_db) >= 1:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _stored(killed_db) < 6  # it really was cut short

    assert _sweep(run, killed_db, str(root)).returncode == 1
    query = (
        "SELECT r.name, f.rule_id, f.secret_sha256, f.path, f.line, f.blob, f.commit_id FROM findings f"
        " JOIN repositories r ON r.id = f.repository_id ORDER BY 1, 4"
    )
    assert _rows(killed_db, query) == _rows(clean_db, query)
    blobs = (
        "SELECT r.name, s.oid FROM scanned_blobs s"
        " JOIN repositories r ON r.id = s.repository_id ORDER BY 1, 2"
    )
    assert _rows(killed_db, blobs) == _rows(clean_db, blobs)


def _stored(db: Path) -> int:
    try:
        return _rows(db, "SELECT COUNT(*) FROM repositories WHERE scanned_at IS NOT NULL")[0][0]
    except sqlite3.Error:
        return 0


def test_dask_local_cluster_gives_the_same_datastore_as_the_local_pool(tmp_path):
    distributed = pytest.importorskip("distributed", reason="Dask distributed is not installed")
    _repos(tmp_path / "repos")
    rules = load_rules([])
    local_db, dask_db = tmp_path / "local.db", tmp_path / "dask.db"
    sweep(
        [str(tmp_path / "repos")],
        rules,
        SweepOptions(str(local_db), str(tmp_path / "m"), jobs=2, progress=False),
    )
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = sweep(
            [str(tmp_path / "repos")],
            rules,
            SweepOptions(
                str(dask_db), str(tmp_path / "m"), scheduler=cluster.scheduler_address, progress=False
            ),
        )
    assert summary.complete and summary.repositories == 2 and summary.new_findings == 3
    query = (
        "SELECT r.name, f.rule_id, f.secret_sha256, f.path, f.line, f.commit_id FROM findings f"
        " JOIN repositories r ON r.id = f.repository_id ORDER BY 1, 4"
    )
    assert _rows(dask_db, query) == _rows(local_db, query)
    assert len(_rows(dask_db, query)) == 3


def test_triage_is_recorded_and_shown_in_reports(tmp_path, run):
    _repos(tmp_path / "repos")
    db = tmp_path / "sweep.db"
    _sweep(run, db, str(tmp_path / "repos"))
    sha = secret_sha256(ALPHA_ONLY)
    done = run("triage", sha[:10], "--db", str(db), "--status", "false_positive", "--note", "test fixture")
    assert done.returncode == 0, done.stderr
    triaged = [f for f in _report(run, db)["findings"] if f["secret_sha256"] == sha]
    assert [f["triage"] for f in triaged] == [{"status": "false_positive", "note": "test fixture"}]

    ambiguous = run("triage", "0" * 3, "--db", str(db), "--status", "accepted")
    assert ambiguous.returncode == 2 and b"at least its first 6 hex digits" in ambiguous.stderr
    unknown = run("triage", "ab" * 32, "--db", str(db), "--status", "accepted")
    assert unknown.returncode == 2 and b"no finding" in unknown.stderr


def test_csv_and_text_reports(tmp_path, run):
    _repos(tmp_path / "repos")
    db = tmp_path / "sweep.db"
    _sweep(run, db, str(tmp_path / "repos"))
    out = tmp_path / "report.csv"
    done = run("report", "--db", str(db), "--format", "csv", "-o", str(out))
    assert done.returncode == 1 and stat.S_IMODE(os.stat(out).st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 3
    assert list(rows[0])[:8] == [
        "repository",
        "rule_id",
        "provider",
        "severity",
        "secret_sha256",
        "redacted",
        "path",
        "line",
    ]
    assert {r["path"] for r in rows} == {"deploy.env", "ci/settings.py", "scripts/push.sh"}
    assert all(SHARED not in r["redacted"] for r in rows)
    text = run("report", "--db", str(db)).stdout.decode()
    assert text.splitlines()[0] == "3 findings, 2 distinct secrets in 2 repositories; 0 live"
    assert f"reused: {secret_sha256(SHARED)[:12]} (github-pat-classic) in 2 repositories" in text


def test_report_of_a_missing_datastore_is_an_error(tmp_path, run):
    done = run("report", "--db", str(tmp_path / "none.db"))
    assert done.returncode == 2 and b"no such datastore" in done.stderr
    assert not (tmp_path / "none.db").exists()


def test_sweep_verifies_each_distinct_secret_once_across_repositories(tmp_path, run, issuer):
    from issuer import Answer

    _repos(tmp_path / "repos")
    db = tmp_path / "sweep.db"
    issuer.on("GET", "/gh/user", Answer(200, {"login": "octo"}), Answer(401, {}))
    endpoint = f"api.github.com={issuer.url}/gh"
    done = _sweep(run, db, str(tmp_path / "repos"), extra=("--verify", "--endpoint", endpoint))
    assert done.returncode == 1, done.stderr
    calls = issuer.requests_to("GET", "/gh/user")
    assert sorted(c.headers["Authorization"] for c in calls) == sorted(
        [f"token {SHARED}", f"token {ALPHA_ONLY}"]
    )
    report = _report(run, db)
    states = {f["verification"]["status"] for f in report["findings"]}
    assert states == {"live", "invalid"}
    shared = [f for f in report["findings"] if f["secret_sha256"] == secret_sha256(SHARED)]
    assert len(shared) == 2 and len({f["verification"]["status"] for f in shared}) == 1
    assert report["totals"]["live"] == 1
    assert report["findings"][0]["verification"]["status"] == "live"  # live first

    again = _sweep(run, db, str(tmp_path / "repos"), extra=("--verify", "--endpoint", endpoint))
    assert b"1 secrets already dead or triaged false_positive were not checked again" in again.stderr
    assert len(issuer.requests_to("GET", "/gh/user")) == 3
    assert _rows(db, "SELECT COUNT(*) FROM live_checks")[0][0] == 3
