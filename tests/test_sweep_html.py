"""The sweep's HTML report, loaded in a real headless Chromium: charts drawn, table sortable."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess

import pytest

from gitrepo import GitRepo
from tokens import github_token

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _dom(page: str, fragment: str = "") -> str:
    """The page's DOM after its scripts ran, as headless Chromium serializes it."""
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--virtual-time-budget=3000",
            "--dump-dom",
            f"file://{page}{fragment}",
        ],
        capture_output=True,
        timeout=120,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)")
def test_html_report_renders_charts_and_sorts_the_table(tmp_path, run):
    root = tmp_path / "repos"
    for name, seed, path in (("zeta", 1, "b.env"), ("alpha", 2, "c.env"), ("mid", 3, "a.env")):
        GitRepo(root / name).commit("c", {path: f"TOKEN={github_token(300 + seed)}\n"})
    db = tmp_path / "sweep.db"
    assert run("sweep", "--db", str(db), "--no-progress", str(root)).returncode == 1
    page = tmp_path / "report.html"
    assert run("report", "--db", str(db), "--format", "html", "-o", str(page)).returncode == 1
    assert stat.S_IMODE(os.stat(page).st_mode) == 0o600
    html = page.read_text()
    assert "http://" not in html and "https://" not in html  # self-contained: nothing fetched
    assert github_token(301) not in html

    dom = _dom(str(page), "#sort=path")
    assert re.search(r'<body[^>]*data-sorted="path"', dom)
    rows = re.findall(r"<tr><td[^>]*>[^<]*</td><td[^>]*>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>", dom)
    assert [path for _, path in rows] == ["a.env", "b.env", "c.env"]
    assert len(re.findall(r"<rect [^>]*data-count=", dom)) >= 3  # provider, severity, repository bars

    dom = _dom(str(page), "#sort=-repository")
    rows = re.findall(r"<tr><td[^>]*>[^<]*</td><td[^>]*>[^<]*</td><td>([^<]*)</td>", dom)
    assert [os.path.basename(r) for r in rows] == ["zeta", "mid", "alpha"]
