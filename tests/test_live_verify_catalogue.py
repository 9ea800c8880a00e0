"""Built-in verify blocks against fake issuers on 127.0.0.1 that answer as each provider documents.

One tree holds a finding for each of 14 providers (with the second values some checks need
nearby). A loopback server plays every issuer at once, each behind its own path prefix reached
through `--endpoint HOST=URL`, and is scanned three times: answering as for a working
credential, as for a dead one, and as a firewall would. Each scan must send exactly one request
per credential, the documented one (method, path, query, credential placement), and must read
the answers as live / invalid / unknown as the provider documents them.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import yaml

# Runs once the live-check engine (branch `live`) is merged; until then there is nothing to check.
pytest.importorskip("leakscan.live", reason="the live-check engine is not merged yet")

REPO = Path(__file__).resolve().parents[1]

Reply = tuple[int, Any]  # status, JSON body (a dict) or text body (a str), or None for no body
FIREWALL: Reply = (403, "<html><body>Request blocked by the edge firewall</body></html>")


@functools.cache
def first_examples() -> dict[str, tuple[str, str]]:
    """Each built-in rule's first example: (text, secret)."""
    found = {}
    for path in sorted((REPO / "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            first = rule["examples"][0]
            found[rule["id"]] = (first, first) if isinstance(first, str) else (first["text"], first["secret"])
    return found


def example(rule_id: str) -> tuple[str, str]:
    """The text and secret of the rule's first example, read from the built-in rules."""
    return first_examples()[rule_id]


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@dataclass
class Case:
    """One provider: where its check goes, what it must carry, and how the issuer answers."""

    rule_id: str
    host: str
    method: str
    path: str  # path and query as the issuer receives them, after the case's prefix
    live: Reply
    invalid: Reply
    headers: dict[str, str] = field(default_factory=dict)  # exact header values expected
    body: Any = None  # the exact JSON body or form fields expected
    context: str = ""  # lines written above the example (second values the check needs)
    identity: str | None = None  # expected verification.identity when live
    invalid_status: str = "invalid"  # what the "invalid" answer must be read as
    unknown: Reply = FIREWALL

    @property
    def prefix(self) -> str:
        return "/" + self.rule_id

    @property
    def secret(self) -> str:
        return example(self.rule_id)[1]


def cases() -> list[Case]:
    s = {rule_id: example(rule_id)[1] for rule_id in RULES}
    sid = "AC" + "5f0e3a91c2b84d7e96a1f3c0b2d4e6a8"
    return [
        Case(
            "stripe-secret-key",
            "api.stripe.com",
            "GET",
            "/v1/balance",
            (200, {"object": "balance", "available": []}),
            (401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}),
            headers={"Authorization": f"Bearer {s['stripe-secret-key']}"},
        ),
        Case(
            "openai-api-key",
            "api.openai.com",
            "GET",
            "/v1/me",
            (200, {"object": "user", "email": "dev@example.com"}),
            (401, {"error": {"code": "invalid_api_key"}}),
            headers={"Authorization": f"Bearer {s['openai-api-key']}"},
            identity="dev@example.com",
        ),
        Case(
            "anthropic-api-key",
            "api.anthropic.com",
            "GET",
            "/v1/models",
            (200, {"data": [], "has_more": False}),
            (404, {"type": "error", "error": {"type": "not_found_error"}}),
            headers={"x-api-key": s["anthropic-api-key"], "anthropic-version": "2023-06-01"},
        ),
        Case(
            "twilio-auth-token",
            "api.twilio.com",
            "GET",
            f"/2010-04-01/Accounts/{sid}.json",
            (200, {"sid": sid, "friendly_name": "Acme Support"}),
            (401, {"code": 20003, "message": "Authenticate"}),
            headers={"Authorization": basic(sid, s["twilio-auth-token"])},
            context=f"TWILIO_ACCOUNT_SID={sid}\n",
            identity="Acme Support",
        ),
        Case(
            "mailgun-api-key",
            "api.mailgun.net",
            "GET",
            "/v3/domains?limit=1",
            (200, {"total_count": 0, "items": []}),
            (401, "Forbidden"),
            headers={"Authorization": basic("api", s["mailgun-api-key"])},
        ),
        Case(
            "telegram-bot-token",
            "api.telegram.org",
            "GET",
            f"/bot{s['telegram-bot-token']}/getMe",
            (200, {"ok": True, "result": {"id": 8992726439, "is_bot": True, "username": "acme_alerts_bot"}}),
            (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}),
            identity="acme_alerts_bot",
        ),
        Case(
            "linear-api-key",
            "api.linear.app",
            "POST",
            "/graphql",
            (200, {"data": {"viewer": {"id": "6f1c", "email": "lead@example.com"}}}),
            (401, {"errors": [{"message": "Authentication required"}]}),
            headers={"Authorization": s["linear-api-key"]},
            body={"query": "{ viewer { id email } }"},
            identity="lead@example.com",
        ),
        Case(
            "tailscale-key",
            "api.tailscale.com",
            "POST",
            "/api/v2/secret-scanning/verify",
            (204, None),
            (401, {"message": "invalid key"}),
            body={"key": [s["tailscale-key"]]},
        ),
        Case(
            "datadog-api-key",
            "api.datadoghq.com",
            "GET",
            "/api/v1/validate",
            (200, {"valid": True}),
            (403, {"errors": ["Forbidden"]}),
            headers={"DD-API-KEY": s["datadog-api-key"]},
            invalid_status="unknown",
        ),  # keys are per site: US1's 403 does not prove an EU key dead
        Case(
            "mapbox-secret-token",
            "api.mapbox.com",
            "GET",
            f"/tokens/v2?access_token={s['mapbox-secret-token']}",
            (200, {"code": "TokenValid", "token": {"usage": "sk", "user": "acme-maps"}}),
            (401, {"code": "TokenInvalid", "token": {}}),
            identity="acme-maps",
        ),
        Case(
            "sonarcloud-token",
            "sonarcloud.io",
            "GET",
            "/api/authentication/validate",
            (200, {"valid": True}),
            (200, {"valid": False}),
            headers={"Authorization": basic(s["sonarcloud-token"], "")},
        ),
        Case(
            "resend-api-key",
            "api.resend.com",
            "GET",
            "/domains",
            (
                401,
                {
                    "statusCode": 401,
                    "name": "restricted_api_key",
                    "message": "This API key is restricted to only send emails",
                },
            ),
            (403, {"statusCode": 403, "name": "invalid_api_key", "message": "API key is invalid"}),
            headers={"Authorization": f"Bearer {s['resend-api-key']}"},
        ),
        Case(
            "hubspot-private-app-token",
            "api.hubapi.com",
            "GET",
            "/crm/v3/owners/?limit=1",
            (403, {"status": "error", "category": "MISSING_SCOPES"}),
            (401, {"status": "error", "category": "INVALID_AUTHENTICATION"}),
            headers={"Authorization": f"Bearer {s['hubspot-private-app-token']}"},
        ),
        Case(
            "zendesk-api-token",
            "acme.zendesk.com",
            "GET",
            "/api/v2/users/me.json",
            (200, {"user": {"id": 361, "email": "agent@acme.example"}}),
            (401, {"error": "Couldn't authenticate you"}),
            headers={"Authorization": basic("agent@acme.example/token", s["zendesk-api-token"])},
            context="ZENDESK_URL=https://acme.zendesk.com\nZENDESK_EMAIL=agent@acme.example\n",
            identity="agent@acme.example",
            unknown=(200, {"user": {"id": None, "email": "invalid@example.com"}}),
        ),  # anonymous
    ]


RULES = [
    "stripe-secret-key",
    "openai-api-key",
    "anthropic-api-key",
    "twilio-auth-token",
    "mailgun-api-key",
    "telegram-bot-token",
    "linear-api-key",
    "tailscale-key",
    "datadog-api-key",
    "mapbox-secret-token",
    "sonarcloud-token",
    "resend-api-key",
    "hubspot-private-app-token",
    "zendesk-api-token",
]


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


class FakeIssuers:
    """A loopback HTTP server answering every case's requests as `mode` says."""

    def __init__(self, all_cases: list[Case]) -> None:
        self.cases = {case.prefix: case for case in all_cases}
        self.mode = "live"
        self.received: dict[str, list[Received]] = {}
        issuers = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                prefix = "/" + self.path.split("/")[1].split("?")[0]
                case = issuers.cases.get(prefix)
                if case is None:
                    self.send_error(404)
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                issuers.received.setdefault(case.rule_id, []).append(
                    Received(self.command, self.path[len(prefix) :], headers, body)
                )
                status, payload = getattr(case, issuers.mode)
                data = (
                    b""
                    if payload is None
                    else (json.dumps(payload).encode() if isinstance(payload, dict) else payload.encode())
                )
                self.send_response(status)
                kind = "application/json" if isinstance(payload, dict) else "text/html"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def issuers():
    fake = FakeIssuers(cases())
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("catalogue")
    for case in cases():
        (root / f"{case.rule_id}.env").write_text(case.context + example(case.rule_id)[0] + "\n")
    return root


def scan(run, tree: Path, issuers: FakeIssuers, mode: str) -> dict[str, dict]:
    """Scan the tree with --verify while the issuers answer as `mode`; verification by rule."""
    issuers.mode, issuers.received = mode, {}
    endpoints = [arg for case in cases() for arg in ("--endpoint", f"{case.host}={issuers.url}{case.prefix}")]
    proc = run("scan", str(tree), "--verify", *endpoints, "--format", "json", "--no-progress")
    assert proc.returncode == 1, proc.stderr.decode()
    findings = json.loads(proc.stdout)["findings"]
    by_rule = {f["rule_id"]: f["verification"] for f in findings if f["rule_id"] in RULES}
    assert sorted(by_rule) == sorted(RULES), proc.stderr.decode()
    for case in cases():
        assert case.secret not in proc.stdout.decode() + proc.stderr.decode()
    return by_rule


def assert_requests(issuers: FakeIssuers) -> None:
    """Each credential was checked once, with exactly the documented request."""
    for case in cases():
        [got] = issuers.received.get(case.rule_id, [None])
        assert got is not None, f"{case.rule_id}: no request"
        assert (got.method, got.target) == (case.method, case.path), case.rule_id
        for name, value in case.headers.items():
            assert got.headers.get(name.lower()) == value, (case.rule_id, name)
        if not any(name.lower() == "authorization" for name in case.headers):
            assert "authorization" not in got.headers, case.rule_id
        if isinstance(case.body, dict) and all(isinstance(v, list) for v in case.body.values()):
            assert got.headers["content-type"].startswith("application/x-www-form-urlencoded")
            assert parse_qs(got.body.decode()) == case.body, case.rule_id
        elif case.body is not None:
            assert json.loads(got.body) == case.body, case.rule_id
        else:
            assert got.body == b"", case.rule_id


def test_working_credentials_are_live_with_identity(run, tree: Path, issuers: FakeIssuers) -> None:
    verdicts = scan(run, tree, issuers, "live")
    assert_requests(issuers)
    for case in cases():
        assert verdicts[case.rule_id]["status"] == "live", (case.rule_id, verdicts[case.rule_id])
        assert verdicts[case.rule_id].get("identity") == case.identity, case.rule_id


def test_dead_credentials_are_invalid_where_documented(run, tree: Path, issuers: FakeIssuers) -> None:
    verdicts = scan(run, tree, issuers, "invalid")
    assert_requests(issuers)
    for case in cases():
        assert verdicts[case.rule_id]["status"] == case.invalid_status, (case.rule_id, verdicts[case.rule_id])
        assert "identity" not in verdicts[case.rule_id], case.rule_id


def test_firewall_answers_are_unknown_never_invalid(run, tree: Path, issuers: FakeIssuers) -> None:
    verdicts = scan(run, tree, issuers, "unknown")
    assert_requests(issuers)
    for case in cases():
        assert verdicts[case.rule_id]["status"] == "unknown", (case.rule_id, verdicts[case.rule_id])
