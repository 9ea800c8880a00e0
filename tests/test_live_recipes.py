"""The live-check recipes themselves: every built-in block loads and builds a request to its own
issuer, malformed blocks are rule errors, hosts are held to the rule's, SigV4 signs as AWS does."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import regex

from leakscan.errors import RuleError
from leakscan.live.checks import build_call
from leakscan.live.http import Call, Failure, HttpPolicy, Sender, host_allowed, parse_endpoints
from leakscan.live.sigv4 import signed_headers
from leakscan.live.templates import Context, matches_masked
from leakscan.rules import load_rules, parse_rule_document

RULES = load_rules()
LIVE = [r for r in RULES.rules if r.live is not None]


# A value each kind of part takes, as it would be found beside a secret (checked against the part's
# pattern below, so that the sample cannot drift from what the rule finds).
PART_SAMPLES = {
    "shop": ["acme-store.myshopify.com"],
    "email": ["ops@acme.it"],
    "cluster": ["acme.vault.11eb-a2c4.hashicorp.cloud"],
    "org": ["acme.okta.com"],
    "site": ["acme.atlassian.net"],
    "resource": ["acme-ai.openai.azure.com"],
    "workspace": ["dbc-1234abcd-5678.cloud.databricks.com"],
    "project": ["abcdefghijklmnopqrst.supabase.co"],
    "account_sid": ["AC" + "0123456789abcdef" * 2],
    "key_sid": ["SK" + "0123456789abcdef" * 2],
    "key_id": ["rzp_live_A1b2C3d4E5f6G7"],
    "host": ["acme.grafana.net", "acme.octopus.app", "acme.zendesk.com"],
}


def _part_value(part) -> str:
    if part.rule is not None:  # another rule's finding: its own first example
        example = next(r for r in RULES.rules if r.id == part.rule).examples[0]
        return example.secret or example.text
    samples = PART_SAMPLES[part.name]
    for sample in samples:
        found = regex.search(part.pattern, sample)
        if found:
            return found.group(1) if found.groups() else found.group(0)
    raise AssertionError(f"no sample for part {part.name} matches its pattern")


def _context(rule) -> Context:
    secret = rule.examples[0].secret or rule.examples[0].text
    parts = {p.name: _part_value(p) for p in rule.live.parts}
    steps = {}
    if rule.live.revoke:
        for step in rule.live.revoke.steps:
            steps[step.name] = {name: "id-1" for name, _ in step.extract}
    return Context(secret, parts, steps)


def test_the_catalogue_verifies_and_revokes_enough_issuers():
    verifying = {r.provider for r in LIVE if r.live.verify}
    revoking = {r.provider for r in LIVE if r.live.revoke}
    assert len(revoking) >= 20, sorted(revoking)
    assert revoking <= verifying


@pytest.mark.parametrize("rule", LIVE, ids=[r.id for r in LIVE])
def test_every_builtin_request_builds_and_may_only_reach_its_issuer(rule):
    sender = Sender(HttpPolicy())
    context = _context(rule)
    requests = [rule.live.verify.request] if rule.live.verify else []
    if rule.live.revoke:
        requests += [s.request for s in rule.live.revoke.steps] + [rule.live.revoke.request]
    for request in requests:
        secrets = [context.secret] if rule.live.revoke and request is rule.live.revoke.request else None
        call = build_call(request, context, secrets if rule.live.revoke and rule.live.revoke.batch else None)
        target = sender.target(call)
        assert not isinstance(target, Failure), (rule.id, target)
        assert target.startswith("https://")
        assert "{" not in target and all("{" not in v for v in call.headers.values())


def _rule(live: str) -> str:
    return (
        "provider: acme\nrules:\n  - id: acme-key\n    name: Acme\n    severity: high\n"
        "    pattern: '\\b(acme_[a-z0-9]{20})\\b'\n    keywords: [acme_]\n"
        "    examples: [acme_0123456789abcdefghij]\n" + live
    )


def _verify(request: str) -> str:
    return f"    verify: {{request: {{{request}}}, live: {{status: 200}}, invalid: {{status: 401}}}}\n"


@pytest.mark.parametrize(
    ("live", "field", "problem"),
    [
        (
            _verify("url: 'http://api.acme.dev/me'"),
            "verify.request.url",
            "must start with https://",
        ),
        (
            _verify("url: 'https://{part.host}/me'"),
            "verify.request.hosts",
            "required when the URL's host is a template",
        ),
        (
            "    verify: {request: {url: 'https://api.acme.dev/me'}, live: {}, invalid: {status: 401}}\n",
            "verify.live",
            "an empty condition would match any response",
        ),
        (
            _verify("url: 'https://api.acme.dev/{part.org}'"),
            "parts",
            "{part.org} is used but no part 'org' is declared",
        ),
        (
            "    revoke: {request: {method: DELETE, url: 'https://api.acme.dev/me'},"
            " success: {status: 204}}\n",
            "revoke",
            "needs a verify block",
        ),
        (
            _verify("url: 'https://api.acme.dev/me', headers: {X: '{secret.upper}'}"),
            "verify.request",
            None,
        ),
        (
            _verify("url: 'https://api.acme.dev/me', hdrs: {}"),
            "verify.request.hdrs",
            "unknown field",
        ),
    ],
)
def test_malformed_live_checks_are_rule_errors_naming_the_field(live, field, problem):
    import yaml

    document = yaml.safe_load(_rule(live))
    if problem is None:  # `{secret.upper}` is a placeholder root `secret` with a path: it must not resolve
        rule = parse_rule_document(document, "acme.yml")[0]
        with pytest.raises(Exception, match="no value"):
            build_call(rule.live.verify.request, Context("acme_0123456789abcdefghij"))
        return
    with pytest.raises(RuleError) as caught:
        parse_rule_document(document, "acme.yml")
    assert f"field '{field}'" in str(caught.value) and problem in str(caught.value)


def test_hosts_are_held_to_the_rule():
    assert host_allowed("discord.com", ("discord.com",))
    assert host_allowed("acme.myshopify.com", ("*.myshopify.com",))
    assert not host_allowed("myshopify.com.evil.example", ("*.myshopify.com",))
    assert not host_allowed("evilmyshopify.com", ("*.myshopify.com",))
    sender = Sender(HttpPolicy())
    call = Call("GET", "https://collector.example/api/webhooks/1/abc", ("discord.com",))
    assert sender.target(call) == Failure("refused: collector.example is not a host this rule may contact")
    assert sender.target(Call("GET", "http://discord.com/x", ("discord.com",))) == Failure(
        "refused: a live check must use https://"
    )


def test_endpoints_map_a_host_onto_a_base_url():
    endpoints = parse_endpoints(["api.github.com=http://127.0.0.1:9/gh/", "gitlab.com=https://git.corp/"])
    sender = Sender(HttpPolicy(endpoints=endpoints))
    call = Call("GET", "https://api.github.com/user?x=1", ("api.github.com",))
    assert sender.target(call) == "http://127.0.0.1:9/gh/user?x=1"
    assert (
        sender.target(Call("GET", "https://gitlab.com/api/v4/x", ("gitlab.com",)))
        == "https://git.corp/api/v4/x"
    )


def test_masked_listings_match_only_both_ends():
    secret = "npm_abcdefgh0123456789012345678901wxyz"
    assert matches_masked("npm_abcd...wxyz", secret)
    assert matches_masked("npm_abcd…wxyz", secret)
    assert not matches_masked("npm_abcd...wxyZ", secret)
    assert not matches_masked("npm_abcX...wxyz", secret)
    assert not matches_masked("npm_abcd", secret)


def test_sigv4_signs_the_documented_s3_example():
    # The GET Object example of AWS's "Signature Calculations for the Authorization Header" page.
    headers = signed_headers(
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        {
            "Range": "bytes=0-9",
            "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        },
        b"",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "us-east-1",
        "s3",
        datetime(2013, 5, 24),
    )
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    assert headers["X-Amz-Date"] == "20130524T000000Z"
    assert re.fullmatch(r"[0-9a-f]{64}", headers["Authorization"].rsplit("=", 1)[1])
