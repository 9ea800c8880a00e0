"""`leakscan scan` as a user runs it: exact findings, exit codes, report contents."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from tokens import broken_checksum, github_token

TOKEN_A = github_token(1)
TOKEN_B = github_token(2)


def report(proc) -> dict:
    return json.loads(proc.stdout)


def places(doc: dict) -> list[tuple[str, int, int, str]]:
    return [(f["path"], f["line"], f["column"], f["rule_id"]) for f in doc["findings"]]


def test_findings_have_exact_places_and_fields(run, tmp_path: Path, engine: str) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "settings.py").write_text(f"DEBUG = True\nGITHUB_TOKEN = '{TOKEN_A}'\n")
    (tmp_path / "notes.txt").write_text("nothing here\n")
    proc = run("scan", str(tmp_path), "--format", "json", "--engine", engine, "--no-progress")
    assert proc.returncode == 1, proc.stderr
    doc = report(proc)
    assert doc["version"] == 1 and doc["tool"]["name"] == "leakscan" and doc["tool"]["engine"] == engine
    assert doc["scan"]["files"] == 2 and doc["scan"]["mode"] == "tree" and doc["scan"]["errors"] == []
    [finding] = doc["findings"]
    assert finding["path"] == str(tmp_path / "src" / "settings.py")
    assert (finding["line"], finding["column"]) == (2, 17)
    assert finding["rule_id"] == "github-pat-classic" and finding["provider"] == "github"
    assert finding["severity"] == "critical"
    assert finding["secret"] == finding["redacted"] == f"{TOKEN_A[:4]}…{TOKEN_A[-2:]}"
    assert finding["secret_sha256"] == hashlib.sha256(TOKEN_A.encode()).hexdigest()
    assert finding["snippet"] == f"GITHUB_TOKEN = '{TOKEN_A[:4]}…{TOKEN_A[-2:]}'"
    assert finding["commit"] is None and finding["author"] is None and finding["date"] is None
    assert finding["verification"] == {"status": "not_checked"}
    assert finding["revocation"] == {"status": "not_attempted"}
    assert TOKEN_A not in proc.stdout.decode()


def test_clean_tree_exits_0_and_says_so(run, tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("print('hello')\n")
    proc = run("scan", str(tmp_path), "--no-progress")
    assert proc.returncode == 0
    assert proc.stdout.decode().startswith("No leaks found; scanned 1 files")


def test_text_report_groups_by_file(run, tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(f"A={TOKEN_A}\nB={TOKEN_B}\n")
    proc = run("scan", ".", "--no-progress", cwd=tmp_path)
    lines = proc.stdout.decode().splitlines()
    assert proc.returncode == 1
    assert lines[0] == "a.env"
    assert lines[1] == f"  1:3  critical  github-pat-classic  {TOKEN_A[:4]}…{TOKEN_A[-2:]}"
    assert lines[2] == f"      A={TOKEN_A[:4]}…{TOKEN_A[-2:]}"
    assert lines[3].startswith("  2:3  critical  github-pat-classic")
    assert lines[-1].startswith("2 secrets found (2 critical) in 1 file; scanned 1 files")


def test_show_secrets_and_private_output_file(run, tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text(TOKEN_A)
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    proc = run("scan", str(tmp_path / "x.txt"), "--format", "json", "-o", str(out), "--show-secrets")
    assert proc.returncode == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text())["findings"][0]["secret"] == TOKEN_A
    assert proc.stdout == b""
    assert b"1 secret found" in proc.stderr


def test_existing_report_file_becomes_private(run, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    out.write_text("old")
    out.chmod(0o644)
    (tmp_path / "x.txt").write_text("clean")
    assert run("scan", str(tmp_path / "x.txt"), "--format", "json", "-o", str(out)).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_stdin(run) -> None:
    proc = run("scan", "-", "--format", "jsonl", input=f"token: {TOKEN_B}\n".encode())
    assert proc.returncode == 1
    [line] = proc.stdout.decode().splitlines()
    finding = json.loads(line)
    assert (finding["path"], finding["line"], finding["column"]) == ("<stdin>", 1, 8)


def test_csv_has_header_and_redacted_rows(run, tmp_path: Path) -> None:
    (tmp_path / "k.txt").write_text(f"{TOKEN_A}\n")
    proc = run("scan", str(tmp_path), "--format", "csv")
    rows = proc.stdout.decode().splitlines()
    assert rows[0].startswith("rule_id,rule_name,provider,severity,path,line,column,secret")
    assert rows[1].startswith("github-pat-classic,") and f"{TOKEN_A[:4]}…{TOKEN_A[-2:]}" in rows[1]
    assert TOKEN_A not in proc.stdout.decode()


def test_wrong_checksum_is_not_a_finding(run, tmp_path: Path, engine: str) -> None:
    (tmp_path / "a.txt").write_text(broken_checksum(TOKEN_A) + "\n")
    proc = run("scan", str(tmp_path), "--format", "json", "--engine", engine)
    assert proc.returncode == 0
    assert report(proc)["scan"]["dropped"] == {"checksum": 1}


def test_missing_path_is_named_exit_2_and_findings_still_reported(run, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TOKEN_A)
    missing = tmp_path / "nope"
    proc = run("scan", str(tmp_path / "a.txt"), str(missing), "--format", "json")
    assert proc.returncode == 2
    doc = report(proc)
    assert places(doc) == [(str(tmp_path / "a.txt"), 1, 1, "github-pat-classic")]
    assert doc["scan"]["errors"] == [{"path": str(missing), "message": "No such file or directory"}]
    assert doc["scan"]["complete"] is False
    assert (
        proc.stderr.decode().splitlines()[0]
        == f"leakscan: could not scan {missing}: No such file or directory"
    )


def test_incomplete_clean_scan_never_says_no_leaks(run, tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("fine")
    (tmp_path / "self").symlink_to("self")  # ELOOP: cannot be read even by root
    proc = run("scan", str(tmp_path))
    assert proc.returncode == 2
    out = proc.stdout.decode()
    assert "No leaks found" not in out
    assert "Scan incomplete: 1 input could not be read" in out
    assert f"{tmp_path / 'self'}: Too many levels of symbolic links" in out


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files whatever their mode")
def test_unreadable_file_is_an_error(run, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(TOKEN_A)
    secret.chmod(0)
    proc = run("scan", str(tmp_path), "--format", "json")
    assert proc.returncode == 2
    assert report(proc)["scan"]["errors"] == [{"path": str(secret), "message": "Permission denied"}]


def test_walk_skips_git_and_symlink_loops_and_special_files(run, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(TOKEN_A)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")
    (tmp_path / "sub" / "t.txt").write_text(TOKEN_B)
    (tmp_path / "link.txt").symlink_to("sub/t.txt")
    (tmp_path / "dangling").symlink_to("nowhere")
    os.mkfifo(tmp_path / "pipe")
    proc = run("scan", ".", "--format", "json", cwd=tmp_path)
    doc = report(proc)
    assert proc.returncode == 1
    assert places(doc) == [("sub/t.txt", 1, 1, "github-pat-classic")]
    assert doc["scan"]["skipped"] == [
        {"path": "dangling", "reason": "broken symlink"},
        {"path": "pipe", "reason": "not a regular file"},
        {"path": "sub/up", "reason": "symlink to a directory already scanned"},
    ]


def test_nasty_files(run, tmp_path: Path, engine: str) -> None:
    (tmp_path / "crlf.txt").write_bytes(f"a\r\nkey={TOKEN_A}\r\nb\r\n".encode())
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9 \xff\xfe=" + TOKEN_A.encode() + b" \xe9t\xe9\n")
    (tmp_path / "utf8.txt").write_bytes(f"héllo wörld {TOKEN_A}\n".encode())
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02\x7fELF\x00" * 100 + TOKEN_B.encode() + b"\x00\x00")
    (tmp_path / "app.min.js").write_bytes(b"var a=1;" * 12_500 + f'k="{TOKEN_B}";'.encode() + b"x" * 30_000)
    proc = run("scan", ".", "--format", "json", "--engine", engine, cwd=tmp_path)
    assert proc.returncode == 1
    doc = report(proc)
    assert places(doc) == [
        ("app.min.js", 1, 100_004, "github-pat-classic"),
        ("blob.bin", 1, 801, "github-pat-classic"),
        ("crlf.txt", 2, 5, "github-pat-classic"),
        ("latin1.txt", 1, 9, "github-pat-classic"),
        ("utf8.txt", 1, 13, "github-pat-classic"),
    ]
    snippets = {f["path"]: f["snippet"] for f in doc["findings"]}
    assert snippets["crlf.txt"] == f"key={TOKEN_A[:4]}…{TOKEN_A[-2:]}"
    assert len(snippets["app.min.js"]) < 140
    assert snippets["latin1.txt"].startswith("caf\ufffd \ufffd\ufffd=")
    assert "\x00" not in snippets["blob.bin"]


def test_max_file_size_skips_and_lists_but_scan_is_complete(run, tmp_path: Path) -> None:
    (tmp_path / "big.log").write_bytes(b"x" * 2048 + TOKEN_A.encode())
    (tmp_path / "small.txt").write_text(TOKEN_B)
    proc = run("scan", str(tmp_path), "--format", "json", "--max-file-size", "1K")
    assert proc.returncode == 1
    doc = report(proc)
    assert places(doc) == [(str(tmp_path / "small.txt"), 1, 1, "github-pat-classic")]
    assert doc["scan"]["skipped"] == [
        {"path": str(tmp_path / "big.log"), "reason": "larger than --max-file-size (2088 bytes)"}
    ]
    assert doc["scan"]["complete"] is True


def test_bad_max_file_size_is_a_usage_error(run, tmp_path: Path) -> None:
    proc = run("scan", str(tmp_path), "--max-file-size", "lots")
    assert proc.returncode == 2
    assert b"'lots' is not a size such as 500K, 50M or 1G" in proc.stderr


def test_inline_allow_marks_finding_suppressed(run, tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text(f"KEY = '{TOKEN_A}'  # leakscan:allow test fixture\n")
    proc = run("scan", str(tmp_path), "--format", "json")
    assert proc.returncode == 0
    doc = report(proc)
    assert doc["findings"] == [] and doc["scan"]["suppressed"] == {"inline": 1}


def test_config_allowlist_and_disabled_rules(run, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "t.txt").write_text(TOKEN_A)
    (tmp_path / "app.txt").write_text(TOKEN_B)
    (tmp_path / ".leakscan.toml").write_text('[allowlist]\npaths = ["fixtures/**"]\n')
    doc = report(run("scan", ".", "--format", "json", cwd=tmp_path))
    assert places(doc) == [("app.txt", 1, 1, "github-pat-classic")]
    assert doc["scan"]["suppressed"] == {"allowlist": 1}
    # The config beside the target governs even when run from elsewhere.
    doc = report(run("scan", str(tmp_path / "fixtures"), "--format", "json"))
    assert doc["findings"] == []
    (tmp_path / ".leakscan.toml").write_text('[rules]\ndisable = ["github-pat-classic"]\n')
    proc = run("scan", ".", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0 and report(proc)["findings"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[allowlist]\npaths = 'x'\n", "allowlist.paths: must be a list of strings"),
        ("[alowlist]\n", "unknown section [alowlist]"),
        ("[rules]\nmin_severity = 'urgent'\n", "rules.min_severity: must be one of critical"),
        ("[allowlist\n", "not valid TOML"),
    ],
)
def test_malformed_config_is_one_line_exit_2(run, tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / ".leakscan.toml").write_text(text)
    proc = run("scan", str(tmp_path))
    assert proc.returncode == 2
    [line] = proc.stderr.decode().splitlines()
    assert line.startswith(f"leakscan: error: {tmp_path / '.leakscan.toml'}: ") and message in line


def test_parallel_workers_give_the_same_findings(run, tmp_path: Path) -> None:
    filler = ("lorem ipsum dolor sit amet " * 40 + "\n").encode()
    for n in range(60):
        body = filler * 100 + (f"t = {github_token(100 + n)}\n".encode() if n % 3 == 0 else b"")
        (tmp_path / f"f{n:02}.txt").write_bytes(body)
    one = report(run("scan", str(tmp_path), "--format", "json", "--jobs", "1"))
    two = report(run("scan", str(tmp_path), "--format", "json", "--jobs", "2"))
    assert one["scan"]["bytes"] > 4_000_000
    assert len(one["findings"]) == 20
    assert one["findings"] == two["findings"]


def test_version_and_module_entry_point(run) -> None:
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.decode().startswith("leakscan, version ")


def test_a_key_block_is_redacted_to_its_armour_line(run, tmp_path: Path) -> None:
    from corpus import Forge

    key = Forge(3).pem("RSA PRIVATE KEY", 900)
    (tmp_path / "deploy.pem").write_text(key + "\n")
    [finding] = report(run("scan", str(tmp_path), "--format", "json"))["findings"]
    assert finding["rule_id"] == "private-key-rsa"
    assert finding["secret"] == finding["redacted"] == "-----BEGIN RSA PRIVATE KEY-----…"
    assert finding["snippet"] == "-----BEGIN RSA PRIVATE KEY-----…"
