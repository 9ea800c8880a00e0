"""CI report formats (SARIF, GitHub annotations, JUnit) and --exit-code, through the CLI."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import SHARED
from tokens import github_token

SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def leaky(tmp_path: Path) -> tuple[Path, str]:
    """A folder with one token on line 2 of app/settings.py, column 10."""
    token = github_token(11)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text(f'DEBUG = 1\nTOKEN = "{token}"\n')
    return tmp_path, token


def test_sarif_is_valid_and_locates_the_finding(run, leaky):
    folder, token = leaky
    result = run("scan", ".", "--format", "sarif", "-o", "out.sarif", "--no-progress", cwd=folder)
    assert result.returncode == 1, result.stderr
    report = folder / "out.sarif"
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    text = report.read_text()
    assert token not in text
    log = json.loads(text)
    _validate_sarif(log)
    (run_,) = log["runs"]
    (rule,) = run_["tool"]["driver"]["rules"]
    assert rule["id"] == "github-pat-classic"
    assert rule["helpUri"].startswith("https://")
    assert "leakscan:allow" in rule["help"]["text"]
    assert rule["properties"]["security-severity"] == "9.5"
    (found,) = run_["results"]
    assert found["ruleId"] == "github-pat-classic" and found["ruleIndex"] == 0
    assert found["level"] == "error"
    location = found["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "app/settings.py", "uriBaseId": "%SRCROOT%"}
    region = {k: v for k, v in location["region"].items() if k != "snippet"}
    assert region == {"startLine": 2, "startColumn": 10, "endLine": 2, "endColumn": 50}
    assert location["region"]["snippet"] == {"text": f'TOKEN = "{token[:4]}…{token[-2:]}"'}
    identity = f"github-pat-classic:{sha256(token)}:app/settings.py"
    assert found["partialFingerprints"] == {"leakscan/identity/v1": sha256(identity)}
    assert run_["invocations"] == [{"executionSuccessful": True}]


def test_sarif_fingerprint_survives_a_moved_line(run, leaky):
    folder, token = leaky

    def fingerprint() -> dict:
        out = run("scan", ".", "--format", "sarif", "--no-progress", cwd=folder)
        return json.loads(out.stdout)["runs"][0]["results"][0]["partialFingerprints"]

    before = fingerprint()
    (folder / "app" / "settings.py").write_text(f'"""Settings."""\n\n\nDEBUG = 1\n  TOKEN = "{token}"\n')
    assert fingerprint() == before


def test_sarif_reports_an_incomplete_scan(run, leaky):
    folder, _ = leaky
    result = run("scan", "app", "missing.txt", "--format", "sarif", "--no-progress", cwd=folder)
    assert result.returncode == 2
    log = json.loads(result.stdout)
    _validate_sarif(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == "could not scan missing.txt: No such file or directory"
    assert len(log["runs"][0]["results"]) == 1


def test_sarif_of_a_clean_scan_is_valid(run, tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here\n")
    result = run("scan", ".", "--format", "sarif", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0
    log = json.loads(result.stdout)
    _validate_sarif(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def _validate_sarif(log: dict) -> None:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"the SARIF schema is not on this machine ({SARIF_SCHEMA})")
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(log)


def test_github_annotations_escape_hostile_names(run, tmp_path):
    token = github_token(12)
    name = "a,b:c%d.py"
    (tmp_path / name).write_text(f"x = 1\ny = 2\nkey = '{token}'\n")
    result = run("scan", ".", "--format", "github", "--no-progress", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.decode().splitlines()
    assert lines[0] == (
        "::error file=a%2Cb%3Ac%25d.py,line=3,col=8,title=leakscan%3A github-pat-classic,endColumn=47"
        f"::GitHub personal access token (classic) (critical): {token[:4]}…{token[-2:]}. "
        "Not a secret? Add `leakscan:allow` in a comment on the line, or record it in a baseline."
    )
    assert lines[1].startswith("1 secret found (1 critical) in 1 file; scanned 1 files")
    assert len(lines) == 2


def test_junit_has_a_failure_per_finding(run, leaky):
    folder, token = leaky
    result = run("scan", ".", "--format", "junit", "-o", "junit.xml", "--no-progress", cwd=folder)
    assert result.returncode == 1
    text = (folder / "junit.xml").read_text()
    assert token not in text
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "1", "0")
    (case,) = root.iter("testcase")
    assert case.get("classname") == "app/settings.py"
    assert case.get("name") == "github-pat-classic at line 2, column 10"
    failure = case.find("failure")
    assert failure.get("type") == "github-pat-classic"
    assert failure.get("message") == f"GitHub personal access token (classic): {token[:4]}…{token[-2:]}"
    assert failure.text.splitlines()[0] == "app/settings.py:2:10  critical  github-pat-classic"


def test_junit_clean_and_incomplete(run, tmp_path):
    (tmp_path / "ok.txt").write_text("fine\n")
    clean = ET.fromstring(run("scan", "ok.txt", "--format", "junit", cwd=tmp_path).stdout)
    assert [c.get("name") for c in clean.iter("testcase")] == ["no secrets found"]
    assert clean.get("failures") == "0"
    broken = run("scan", "ok.txt", "gone.txt", "--format", "junit", cwd=tmp_path)
    assert broken.returncode == 2
    root = ET.fromstring(broken.stdout)
    (case,) = root.iter("testcase")
    assert case.get("classname") == "gone.txt"
    assert case.find("error").get("message") == "No such file or directory"
    assert root.get("errors") == "1"


@pytest.mark.parametrize(("code", "expected"), [("0", 0), ("7", 7), ("1", 1)])
def test_exit_code_for_findings(run, leaky, code, expected):
    folder, _ = leaky
    result = run("scan", ".", "--exit-code", code, "--no-progress", cwd=folder)
    assert result.returncode == expected
    assert b"1 secret found" in result.stdout


def test_exit_code_never_hides_an_incomplete_scan(run, leaky):
    folder, _ = leaky
    result = run("scan", ".", "missing", "--exit-code", "0", "--no-progress", cwd=folder)
    assert result.returncode == 2
    assert b"could not scan missing" in result.stderr


def test_exit_code_zero_when_clean(run, tmp_path):
    (tmp_path / "ok.txt").write_text("fine\n")
    assert run("scan", ".", "--exit-code", "9", cwd=tmp_path).returncode == 0


def test_report_file_mode_ignores_umask(run, leaky):
    folder, _ = leaky
    old = os.umask(0)
    try:
        run("scan", ".", "--format", "junit", "-o", "r.xml", cwd=folder)
    finally:
        os.umask(old)
    assert stat.S_IMODE((folder / "r.xml").stat().st_mode) == 0o600
