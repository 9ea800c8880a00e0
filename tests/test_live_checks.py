"""Live checks against fake issuers on 127.0.0.1: the exact requests they receive, and the outcomes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from gitrepo import GitRepo
from issuer import Answer
from tokens import github_token

GH_USER = Answer(200, {"login": "octo", "id": 1}, {"X-OAuth-Scopes": "repo, gist"})
GH_BAD = Answer(401, {"message": "Bad credentials"})


def _gh(issuer) -> str:
    return f"api.github.com={issuer.url}/gh"


def _scan(run, path: Path, *args: str, env: dict | None = None):
    return run("scan", str(path), "--format", "json", "--no-progress", *args, env=env)


def _tokens_file(tmp_path: Path) -> tuple[Path, list[str]]:
    tokens = [github_token(11), github_token(12), github_token(13, "gho_")]
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "a.env").write_text(f"T1={tokens[0]}\nT2={tokens[1]}\n")
    (folder / "b.env").write_text(f"AGAIN={tokens[0]}\nOAUTH={tokens[2]}\n")
    return folder, tokens


def test_verify_sends_one_request_per_distinct_secret_and_reports_identity(tmp_path, run, issuer):
    folder, tokens = _tokens_file(tmp_path)
    issuer.on("GET", "/gh/user", GH_USER)
    done = _scan(run, folder, "--verify", "--endpoint", _gh(issuer))
    assert done.returncode == 1, done.stderr
    calls = issuer.requests_to("GET", "/gh/user")
    assert sorted(c.headers["Authorization"] for c in calls) == sorted(f"token {t}" for t in tokens)
    findings = json.loads(done.stdout)["findings"]
    assert len(findings) == 4
    assert all(
        f["verification"]
        == {"status": "live", "reason": "HTTP 200", "identity": "octo", "scopes": ["repo", "gist"]}
        for f in findings
    )
    assert all(f["revocation"] == {"status": "not_attempted"} for f in findings)
    assert not any(t.encode() in done.stdout + done.stderr for t in tokens)


def test_revoke_batches_github_tokens_without_authorization_and_confirms_by_verifying_again(
    tmp_path, run, issuer
):
    folder, tokens = _tokens_file(tmp_path)
    issuer.on("GET", "/gh/user", GH_USER, GH_USER, GH_USER, GH_BAD)
    issuer.on("POST", "/gh/credentials/revoke", Answer(202, {}))
    audit = tmp_path / "audit.jsonl"
    done = run(
        "scan",
        str(folder),
        "--no-progress",
        "--revoke",
        "--yes",
        "--audit-log",
        str(audit),
        "--endpoint",
        _gh(issuer),
    )
    assert done.returncode == 1, done.stderr
    revokes = issuer.requests_to("POST", "/gh/credentials/revoke")
    assert len(revokes) == 1  # ghp_ and gho_ tokens go to one endpoint: one batch
    assert "Authorization" not in revokes[0].headers
    assert sorted(revokes[0].json()["credentials"]) == sorted(tokens)
    assert len(issuer.requests_to("GET", "/gh/user")) == 6  # 3 verifications, 3 re-verifications
    text = done.stdout.decode()
    assert "4 secrets found (4 critical) in 2 files; 3 live, 3 revoked;" in text
    assert "revocation: revoked (verified invalid afterwards)" in text

    assert stat.S_IMODE(os.stat(audit).st_mode) == 0o600
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(r["action"], r["outcome"]) for r in lines].count(("revoke", "revoked")) == 3
    assert {r["http_status"] for r in lines if r["action"] == "revoke"} == {202}
    assert set(lines[0]) == {
        "time",
        "rule",
        "provider",
        "secret_sha256",
        "location",
        "action",
        "http_status",
        "outcome",
        "reason",
    }
    assert not any(t in audit.read_text() for t in tokens)


def test_revoke_off_a_terminal_without_yes_sends_nothing_and_says_so(tmp_path, run, issuer):
    folder, _ = _tokens_file(tmp_path)
    issuer.on("GET", "/gh/user", GH_USER)
    done = _scan(run, folder, "--revoke", "--endpoint", _gh(issuer))
    assert issuer.requests_to("POST", "/gh/credentials/revoke") == []
    report = json.loads(done.stdout)
    assert {f["revocation"]["status"] for f in report["findings"]} == {"declined"}
    assert "not on a terminal; pass --yes to revoke" in " ".join(report["scan"]["notes"])


def test_dry_run_verifies_but_sends_no_revocation(tmp_path, run, issuer):
    folder, _ = _tokens_file(tmp_path)
    issuer.on("GET", "/gh/user", GH_USER)
    done = _scan(run, folder, "--revoke", "--yes", "--dry-run", "--endpoint", _gh(issuer))
    assert issuer.requests_to("POST", "/gh/credentials/revoke") == []
    assert {f["revocation"]["status"] for f in json.loads(done.stdout)["findings"]} == {"dry_run"}


def test_revocation_the_issuer_accepts_but_that_still_verifies_is_unconfirmed(tmp_path, run, issuer):
    path = tmp_path / "one.env"
    path.write_text(f"T={github_token(21)}\n")
    issuer.on("GET", "/gh/user", GH_USER)
    issuer.on("POST", "/gh/credentials/revoke", Answer(202, {}))
    done = _scan(run, path, "--revoke", "--yes", "--endpoint", _gh(issuer))
    revocation = json.loads(done.stdout)["findings"][0]["revocation"]
    assert revocation["status"] == "revoke_unconfirmed"
    assert "verifying again: live" in revocation["reason"]


def test_429_is_retried_after_retry_after(tmp_path, run, issuer):
    path = tmp_path / "one.env"
    path.write_text(f"T={github_token(31)}\n")
    issuer.on("GET", "/gh/user", Answer(429, {"message": "slow down"}, {"Retry-After": "1"}), GH_USER)
    done = _scan(run, path, "--verify", "--endpoint", _gh(issuer))
    assert len(issuer.requests_to("GET", "/gh/user")) == 2
    assert json.loads(done.stdout)["findings"][0]["verification"]["status"] == "live"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Answer(403, {"message": "blocked by a firewall"}), "HTTP 403: not an answer this rule knows"),
        (
            Answer(302, "", {"Location": "/gh/elsewhere"}),
            "HTTP 302: not an answer this rule knows (redirects are not followed)",
        ),
        (Answer(503, "down"), "HTTP 503: not an answer this rule knows"),
    ],
)
def test_undocumented_answers_are_unknown_never_invalid(tmp_path, run, issuer, answer, reason):
    path = tmp_path / "one.env"
    path.write_text(f"T={github_token(41)}\n")
    issuer.on("GET", "/gh/user", answer)
    issuer.on("GET", "/gh/elsewhere", GH_BAD)
    done = _scan(run, path, "--verify", "--endpoint", _gh(issuer))
    assert json.loads(done.stdout)["findings"][0]["verification"] == {"status": "unknown", "reason": reason}
    assert issuer.requests_to("GET", "/gh/elsewhere") == []
    assert done.returncode == 1  # the scan itself is complete


def test_a_timeout_is_unknown(issuer):
    from leakscan.live.checks import LiveOptions, run_live_checks
    from leakscan.live.http import HttpPolicy
    from leakscan.model import Finding
    from leakscan.rules import load_rules

    token = github_token(51)
    issuer.on("GET", "/gh/user", Answer(200, {"login": "slow"}, delay_s=2))
    finding = Finding("github-pat-classic", "GitHub", "github", "critical", token, "x.env", 1, 1, "", "")
    policy = HttpPolicy(timeout_s=0.3, retries=0, endpoints={"api.github.com": f"{issuer.url}/gh"})
    run = run_live_checks([finding], load_rules(), LiveOptions(verify=True, policy=policy))
    assert run.findings[0].verification.status == "unknown"
    assert run.findings[0].verification.reason == "timed out after 0.3 s"


def test_endpoints_must_be_https_or_loopback(tmp_path, run):
    path = tmp_path / "one.env"
    path.write_text(f"T={github_token(61)}\n")
    done = _scan(run, path, "--verify", "--endpoint", "api.github.com=http://collector.example/gh")
    assert done.returncode == 2
    assert b"plain http:// is allowed only to this machine" in done.stderr


def test_a_repository_config_cannot_add_a_live_check(tmp_path, run, issuer):
    (tmp_path / ".leakscan.toml").write_text(
        "[[rules.extra]]\nid = 'internal-key'\nname = 'Internal'\nseverity = 'high'\n"
        "pattern = '\\b(INT_[0-9a-f]{32})\\b'\nkeywords = ['INT_']\n"
        "examples = ['INT_0123456789abcdef0123456789abcdef']\n"
        "[rules.extra.verify.request]\nurl = 'https://collector.example/collect'\n"
        "[rules.extra.verify.live]\nstatus = 200\n[rules.extra.verify.invalid]\nstatus = 401\n"
    )
    (tmp_path / "k.txt").write_text("INT_8f14e45fceea167a5a36dedd4bea2543\n")
    done = _scan(run, tmp_path, "--verify")
    assert done.returncode == 2
    assert b"a repository config cannot define live checks" in done.stderr
    assert issuer.received == []


def test_environment_endpoints_and_leakscan_revoke_from_stdin(tmp_path, run, issuer):
    tokens = [github_token(71), github_token(72)]
    issuer.on("GET", "/gh/user", GH_USER, GH_BAD, GH_BAD)
    issuer.on("POST", "/gh/credentials/revoke", Answer(202, {}))
    done = run(
        "revoke",
        "--rule",
        "github-pat-classic",
        "--yes",
        "-",
        input="\n".join(tokens).encode(),
        env={"LEAKSCAN_ENDPOINTS": _gh(issuer)},
    )
    out = done.stdout.decode()
    assert out.count("  live  revoked") == 1 and out.count("  invalid  not_attempted") == 1
    revoked = issuer.requests_to("POST", "/gh/credentials/revoke")[0].json()["credentials"]
    assert len(revoked) == 1 and revoked[0] in tokens  # the one that verified live, whichever came first
    assert done.returncode == 0, done.stderr


def test_installation_tokens_revoke_themselves(tmp_path, run, issuer):
    token = github_token(81, "ghs_")
    (tmp_path / "ci.env").write_text(f"GITHUB_TOKEN={token}\n")
    issuer.on("GET", "/gh/installation/repositories", Answer(200, {"total_count": 3}), Answer(401, {}))
    issuer.on("DELETE", "/gh/installation/token", Answer(204))
    done = _scan(run, tmp_path, "--revoke", "--yes", "--endpoint", _gh(issuer))
    assert json.loads(done.stdout)["findings"][0]["revocation"]["status"] == "revoked"
    assert (
        issuer.requests_to("DELETE", "/gh/installation/token")[0].headers["Authorization"] == f"token {token}"
    )


def test_npm_revocation_deletes_only_the_exactly_matching_token(tmp_path, run, issuer):
    token = github_token(91, "npm_")
    near = token[:12] + "...zzzz"  # same first 8 after the prefix, different end
    listing = {
        "objects": [
            {"key": "k-near", "token": near},
            {"key": "k-right", "token": f"{token[:12]}...{token[-4:]}"},
            {"key": "k-other", "token": "npm_AAAAAAAA...BBBB"},
        ]
    }
    (tmp_path / ".npmrc").write_text(f"//registry.npmjs.org/:_authToken={token}\n")
    issuer.on("GET", "/npm/-/whoami", Answer(200, {"username": "ada"}), Answer(401, {}))
    issuer.on("GET", "/npm/-/npm/v1/tokens", Answer(200, listing))
    issuer.on("DELETE", "/npm/-/npm/v1/tokens/token/k-right", Answer(204))
    done = _scan(run, tmp_path, "--revoke", "--yes", "--endpoint", f"registry.npmjs.org={issuer.url}/npm")
    assert [r.path for r in issuer.received if r.method == "DELETE"] == ["/npm/-/npm/v1/tokens/token/k-right"]
    assert json.loads(done.stdout)["findings"][0]["revocation"]["status"] == "revoked"


def test_an_ambiguous_listing_touches_nothing(tmp_path, run, issuer):
    token = github_token(92, "npm_")
    masked = f"{token[:12]}...{token[-4:]}"
    listing = {"objects": [{"key": "k1", "token": masked}, {"key": "k2", "token": masked}]}
    (tmp_path / ".npmrc").write_text(f"//registry.npmjs.org/:_authToken={token}\n")
    issuer.on("GET", "/npm/-/whoami", Answer(200, {"username": "ada"}))
    issuer.on("GET", "/npm/-/npm/v1/tokens", Answer(200, listing))
    done = _scan(run, tmp_path, "--revoke", "--yes", "--endpoint", f"registry.npmjs.org={issuer.url}/npm")
    assert [r for r in issuer.received if r.method == "DELETE"] == []
    revocation = json.loads(done.stdout)["findings"][0]["revocation"]
    assert revocation == {
        "status": "failed",
        "reason": "tokens: 2 entries of the issuer's list could be this credential; none was touched",
    }


def test_heroku_lookup_matches_the_full_token(tmp_path, run, issuer):
    token = "HRKU-AA" + "q7Z1x9V3b5N7m2K4j6H8g0F2d4S6a8P0o2I4u6Y8t0R2e4W6q8E0r2T4y6U8i0O"[:58]
    other = "HRKU-AA" + "0" * 58
    (tmp_path / "deploy.env").write_text(f"HEROKU_API_KEY={token}\n")
    heroku = [
        {"id": "auth-1", "access_token": {"token": other}},
        {"id": "auth-2", "access_token": {"token": token}},
    ]
    issuer.on("GET", "/hk/account", Answer(200, {"id": "u1", "email": "ops@example.com"}), Answer(401, {}))
    issuer.on("GET", "/hk/oauth/authorizations", Answer(200, heroku))
    issuer.on("DELETE", "/hk/oauth/authorizations/auth-2", Answer(200, {}))
    done = _scan(run, tmp_path, "--revoke", "--yes", "--endpoint", f"api.heroku.com={issuer.url}/hk")
    assert [r.path for r in issuer.received if r.method == "DELETE"] == ["/hk/oauth/authorizations/auth-2"]
    finding = json.loads(done.stdout)["findings"][0]
    assert finding["verification"]["identity"] == "ops@example.com"
    assert finding["revocation"]["status"] == "revoked"


AWS_ID = "AKIAD7ZABUEXHW3HQSLK"
AWS_SECRET = "kPu2pKVG4XFRuFNDIXXT5zz9mrV1bl8LTw7p6nm7"
STS_OK = (
    "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn>"
    "</GetCallerIdentityResult></GetCallerIdentityResponse>"
)
STS_BAD = "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>"


def _aws(issuer) -> list[str]:
    return [
        "--endpoint",
        f"sts.amazonaws.com={issuer.url}/sts",
        "--endpoint",
        f"iam.amazonaws.com={issuer.url}/iam",
    ]


def test_aws_keys_are_paired_verified_with_sigv4_and_deactivated(tmp_path, run, issuer):
    (tmp_path / "creds").write_text(
        f"[ci]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    )
    issuer.on("POST", "/sts/", Answer(200, STS_OK), Answer(403, STS_BAD))
    issuer.on("POST", "/iam/", Answer(200, "<UpdateAccessKeyResponse/>"))
    done = _scan(run, tmp_path, "--revoke", "--yes", *_aws(issuer))
    sts = issuer.requests_to("POST", "/sts/")[0]
    assert sts.body == b"Action=GetCallerIdentity&Version=2011-06-15"
    assert sts.headers["Authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={AWS_ID}/")
    assert (
        "/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date"
        in sts.headers["Authorization"]
    )
    iam = issuer.requests_to("POST", "/iam/")[0]
    assert (
        iam.body == f"Action=UpdateAccessKey&AccessKeyId={AWS_ID}&Status=Inactive&Version=2010-05-08".encode()
    )
    key = next(f for f in json.loads(done.stdout)["findings"] if f["rule_id"] == "aws-access-key-id")
    assert key["verification"]["identity"] == "arn:aws:iam::123456789012:user/ci"
    assert key["revocation"]["status"] == "revoked"


def test_aws_key_without_the_right_to_deactivate_itself_says_so(tmp_path, run, issuer):
    (tmp_path / "creds").write_text(f"aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n")
    issuer.on("POST", "/sts/", Answer(200, STS_OK))
    issuer.on(
        "POST",
        "/iam/",
        Answer(403, "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>"),
    )
    done = _scan(run, tmp_path, "--revoke", "--yes", *_aws(issuer))
    key = next(f for f in json.loads(done.stdout)["findings"] if f["rule_id"] == "aws-access-key-id")
    assert key["revocation"] == {
        "status": "failed",
        "reason": "HTTP 403: the key lacks iam:UpdateAccessKey on itself; deactivate it in IAM",
    }


def test_aws_key_with_no_secret_nearby_is_unknown_and_sends_nothing(tmp_path, run, issuer):
    (tmp_path / "ids.txt").write_text(f"aws_access_key_id = {AWS_ID}\n")
    done = _scan(run, tmp_path, "--verify", *_aws(issuer))
    key = json.loads(done.stdout)["findings"][0]
    assert key["verification"] == {"status": "unknown", "reason": "no secret_key found within 5 lines"}
    assert issuer.received == []


def test_history_findings_pair_parts_from_their_blob(tmp_path, run, issuer):
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "creds",
        {
            "deploy/creds": (
                f"aws_access_key_id = {AWS_ID}\nregion = eu-west-1\naws_secret_access_key = {AWS_SECRET}\n"
            )
        },
    )
    repo.commit("remove", {"deploy/creds": "moved to the vault\n"})
    issuer.on("POST", "/sts/", Answer(200, STS_OK))
    done = run("git", str(repo.path), "--format", "json", "--no-progress", "--verify", *_aws(issuer))
    key = next(f for f in json.loads(done.stdout)["findings"] if f["rule_id"] == "aws-access-key-id")
    assert key["verification"]["status"] == "live"


def test_openapi_bearer_token_is_checked_with_the_account_credentials_beside_it(tmp_path, run, issuer):
    (tmp_path / ".env").write_text(
        "OPENAPI_EMAIL=ops@acme.it\nOPENAPI_API_KEY=YEjRhSQ36F1fnAwRldGFuseH2iCutQ6J\n"
        "OPENAPI_TOKEN=8d4a1bd97775199cacc08e59\n"
    )
    issuer.on("GET", "/oa/tokens/8d4a1bd97775199cacc08e59", Answer(200, {"data": {"expireAt": 1798761600}}))
    issuer.on("GET", "/oa/scopes", Answer(200, {"data": []}))
    done = _scan(run, tmp_path, "--verify", "--endpoint", f"oauth.openapi.com={issuer.url}/oa")
    token_check = issuer.requests_to("GET", "/oa/tokens/8d4a1bd97775199cacc08e59")[0]
    assert (
        token_check.headers["Authorization"]
        == "Basic b3BzQGFjbWUuaXQ6WUVqUmhTUTM2RjFmbkF3UmxkR0Z1c2VIMmlDdXRRNko="
    )
    statuses = {f["rule_id"]: f["verification"]["status"] for f in json.loads(done.stdout)["findings"]}
    assert statuses == {"openapi-bearer-token": "live", "openapi-account-credentials": "live"}
