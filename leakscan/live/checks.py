"""Verify, then revoke: every distinct secret checked once, whatever the number of places it is at.

Verification asks the issuer with the rule's `verify` request and reads the answer against its
`live` and `invalid` conditions; anything else (a timeout, a 5xx, a 403 the provider does not
document for a bad key) is `unknown`, never `invalid`. Revocation touches only what was verified
live, only after a yes (a terminal prompt or `--yes`), and is believed only when verifying again
says `invalid`; otherwise it is `revoke_unconfirmed`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlencode

import regex

from leakscan.findings import secret_sha256
from leakscan.live.audit_log import AuditLog
from leakscan.live.http import Call, Failure, HttpPolicy, RateLimiter, Sender
from leakscan.live.recipes import Part, Recipe, Request, Revoke, Step
from leakscan.live.sigv4 import signed_headers
from leakscan.live.templates import (
    Context,
    MissingValue,
    holds,
    json_path,
    matches_masked,
    render,
    render_json,
)
from leakscan.model import Finding, Revocation, Verification
from leakscan.rules import Rule, RuleSet


@dataclass(frozen=True)
class Planned:
    """A live secret about to be revoked, as the confirmation prompt lists it."""

    rule_id: str
    provider: str
    secret_sha256: str
    location: str
    note: str = ""


@dataclass(frozen=True)
class LiveOptions:
    """What to do and how: `revoke` implies verification; `confirm` asks at a terminal (None off one)."""

    verify: bool = False
    revoke: bool = False
    yes: bool = False
    dry_run: bool = False
    audit_log: str | None = None
    policy: HttpPolicy = HttpPolicy()
    concurrency: int = 8
    confirm: Callable[[list[Planned]], bool] | None = None
    read_item: Callable[[Finding], bytes | None] | None = None  # the text a finding is in, for `parts`


@dataclass
class LiveRun:
    """The findings with their live-check outcomes, and what the run wants the user to know."""

    findings: list[Finding]
    notes: list[str] = field(default_factory=list)


@dataclass
class _Check:
    """One distinct (rule, secret): its places, parts and outcomes."""

    rule: Rule
    recipe: Recipe | None
    secret: str
    findings: list[Finding]
    parts: dict[str, str] = field(default_factory=dict)
    missing: str | None = None
    verification: Verification = Verification()
    revocation: Revocation = Revocation()
    http_status: int | None = None  # of the last request about this secret, for the audit log

    @property
    def sha(self) -> str:
        return secret_sha256(self.secret)

    @property
    def location(self) -> str:
        first = self.findings[0]
        commit = f"@{first.commit.id[:12]}" if first.commit else ""
        return f"{first.path}:{first.line}{commit}"


def run_live_checks(findings: list[Finding], rules: RuleSet, options: LiveOptions) -> LiveRun:
    """Verify (and with `options.revoke`, revoke) the unsuppressed findings; returns them updated.

    One request per distinct (rule, secret), at most `options.concurrency` at once; every action
    is appended to the audit log when one is given.
    """
    if not (options.verify or options.revoke):
        return LiveRun(findings)
    by_id = {r.id: r for r in rules.rules}
    checks = _distinct(findings, by_id)
    run = LiveRun(findings)
    audit = AuditLog(options.audit_log)
    sender = Sender(options.policy)
    for check in checks.values():
        _find_parts(check, findings, by_id, options)
    with ThreadPoolExecutor(max(1, options.concurrency)) as pool:
        list(pool.map(lambda c: _verify(c, sender, audit), checks.values()))
    if options.revoke:
        _revoke_all(list(checks.values()), sender, audit, options, run)
    outcome = {(c.rule.id, c.secret): c for c in checks.values()}
    run.findings = [
        replace(
            f,
            verification=outcome[(f.rule_id, f.secret)].verification,
            revocation=outcome[(f.rule_id, f.secret)].revocation,
        )
        if (f.rule_id, f.secret) in outcome
        else f
        for f in findings
    ]
    return run


def _distinct(findings: list[Finding], by_id: dict[str, Rule]) -> dict[tuple[str, str], _Check]:
    checks: dict[tuple[str, str], _Check] = {}
    for finding in findings:
        rule = by_id.get(finding.rule_id)
        if finding.suppressed is not None or rule is None:
            continue
        key = (finding.rule_id, finding.secret)
        if key not in checks:
            checks[key] = _Check(rule, rule.live, finding.secret, [])
        checks[key].findings.append(finding)
    return checks


def _find_parts(check: _Check, findings: list[Finding], by_id: dict[str, Rule], options: LiveOptions) -> None:
    """Fill `check.parts` from the nearest match near any of the secret's places."""
    if check.recipe is None:
        return
    for part in check.recipe.parts:
        value = _nearby_finding(check, part, findings) or _nearby_text(check, part, by_id, options)
        if value is None:
            check.missing = f"no {part.name} found within {part.within_lines} lines"
            return
        check.parts[part.name] = value


def _nearby_finding(check: _Check, part: Part, findings: list[Finding]) -> str | None:
    if part.rule is None:
        return None
    best: tuple[int, str] | None = None
    for place in check.findings:
        for other in findings:
            if other.rule_id == part.rule and other.path == place.path and other.blob == place.blob:
                distance = abs(other.line - place.line)
                if distance <= part.within_lines and (best is None or distance < best[0]):
                    best = (distance, other.secret)
    return best[1] if best else None


def _nearby_text(check: _Check, part: Part, by_id: dict[str, Rule], options: LiveOptions) -> str | None:
    if options.read_item is None:
        return None
    source = part.pattern or (by_id[part.rule].pattern if part.rule in by_id else None)
    if source is None:
        return None
    compiled = regex.compile(source.encode() if isinstance(source, str) else source)
    for place in check.findings:
        data = options.read_item(place)
        if not data:
            continue
        lines = data.split(b"\n")
        low = max(0, place.line - 1 - part.within_lines)
        window = b"\n".join(lines[low : place.line + part.within_lines])
        for match in compiled.finditer(window):
            group = "secret" if "secret" in compiled.groupindex else (1 if compiled.groups else 0)
            value = match.group(group)
            if value and value.decode("utf-8", "replace") != check.secret:
                return value.decode("utf-8", "replace")
    return None


def build_call(request: Request, context: Context, secrets: list[str] | None = None) -> Call:
    """The request with its templates filled in (raises MissingValue when one cannot be)."""
    headers = {name: render(value, context) for name, value in request.headers}
    body: bytes | None = None
    if request.json is not None:
        body = json.dumps(render_json(request.json, context, secrets)).encode()
        headers.setdefault("Content-Type", "application/json")
    elif request.form is not None:
        body = urlencode([(k, render(v, context)) for k, v in request.form]).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif request.body is not None:
        body = render(request.body, context).encode()
    if request.auth is not None:
        user, password = (render(v, context) for v in request.auth)
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    url = render(request.url, context)
    if request.sign is not None:
        spec = request.sign
        headers = signed_headers(
            request.method,
            url,
            headers,
            body or b"",
            render(spec.access_key, context),
            render(spec.secret_key, context),
            spec.region,
            spec.service,
            datetime.now(UTC),
        )
    headers.setdefault("User-Agent", "leakscan-live-check")
    return Call(request.method, url, request.hosts, headers, body)


def _verify(check: _Check, sender: Sender, audit: AuditLog) -> None:
    check.http_status = None
    check.verification = verify_once(check, sender)
    _audit(audit, check, "verify", check.verification.status, check.verification.reason)


def verify_once(check: _Check, sender: Sender) -> Verification:
    """Ask the issuer once whether the secret works."""
    if check.recipe is None or check.recipe.verify is None:
        return Verification("not_checked", "this rule has no live check")
    if check.missing:
        return Verification("unknown", check.missing)
    spec = check.recipe.verify
    context = Context(check.secret, check.parts)
    try:
        call = build_call(spec.request, context)
    except MissingValue as exc:
        return Verification("unknown", str(exc))
    reply = sender.send(call)
    if isinstance(reply, Failure):
        return Verification("unknown", reply.reason)
    check.http_status = reply.status
    if holds(spec.live, reply):
        answered = Context(check.secret, check.parts, reply=reply)
        scopes = _optional(spec.scopes, answered)
        return Verification(
            "live",
            f"HTTP {reply.status}",
            _optional(spec.identity, answered),
            tuple(s for s in scopes.replace(",", " ").split() if s) if scopes else (),
            _optional(spec.expires_at, answered),
        )
    if spec.invalid is not None and holds(spec.invalid, reply):
        return Verification("invalid", f"HTTP {reply.status}")
    hint = " (redirects are not followed)" if 300 <= reply.status < 400 else ""
    return Verification("unknown", f"HTTP {reply.status}: not an answer this rule knows{hint}")


def _optional(template: str | None, context: Context) -> str | None:
    if template is None:
        return None
    try:
        return render(template, context) or None
    except MissingValue:
        return None


def _revoke_all(
    checks: list[_Check], sender: Sender, audit: AuditLog, options: LiveOptions, run: LiveRun
) -> None:
    live = [c for c in checks if c.verification.status == "live"]
    for check in live:
        if check.recipe is None or check.recipe.revoke is None:
            check.revocation = Revocation(
                "unsupported", f"{check.rule.provider} has no revocation leakscan can do"
            )
    ready = [c for c in live if c.revocation.status == "not_attempted"]
    if not ready:
        return
    plan = [
        Planned(
            c.rule.id,
            c.rule.provider,
            c.sha,
            c.location,
            c.recipe.revoke.note if c.recipe and c.recipe.revoke else "",
        )
        for c in ready
    ]
    if options.dry_run:
        for check in ready:
            check.revocation = Revocation("dry_run", "--dry-run: nothing was sent")
            _audit(audit, check, "revoke", "dry_run", None)
        run.notes.append(f"--dry-run: would revoke {len(ready)} live credentials")
        return
    if not options.yes:
        if options.confirm is None:
            for check in ready:
                check.revocation = Revocation("declined", "not on a terminal and no --yes")
            run.notes.append(
                f"not revoking {len(ready)} live credentials: not on a terminal; pass --yes to revoke"
            )
            return
        if not options.confirm(plan):
            for check in ready:
                check.revocation = Revocation("declined", "declined at the prompt")
            run.notes.append(f"not revoking {len(ready)} live credentials: declined")
            return
    limiters: dict[tuple[str, str], RateLimiter] = {}
    for group in _batches(ready):
        revoke = group[0].recipe.revoke  # type: ignore[union-attr]
        assert revoke is not None
        key = (group[0].rule.provider, revoke.request.url)
        if revoke.rate_limit and key not in limiters:
            limiters[key] = RateLimiter(*revoke.rate_limit)
        _revoke_group(group, revoke, sender, limiters.get(key))
        for check in group:
            revoke_status = check.http_status
            if check.revocation.status == "revoked_pending":
                again = verify_once(check, sender)
                if again.status == "invalid":
                    check.revocation = Revocation("revoked", "verified invalid afterwards")
                else:
                    reason = again.reason or again.status
                    check.revocation = Revocation(
                        "revoke_unconfirmed",
                        f"the issuer accepted, but verifying again: {again.status} ({reason})",
                    )
            check.http_status = revoke_status
            _audit(audit, check, "revoke", check.revocation.status, check.revocation.reason)


def _batches(checks: list[_Check]) -> Iterable[list[_Check]]:
    """Checks in groups of one, or up to a rule's `batch` for issuers that take many at once."""
    grouped: dict[tuple[str, str, str], list[_Check]] = {}
    for check in checks:
        revoke = check.recipe.revoke  # type: ignore[union-attr]
        assert revoke is not None
        if not revoke.batch:
            yield [check]
            continue
        grouped.setdefault((check.rule.provider, revoke.request.method, revoke.request.url), []).append(check)
    for group in grouped.values():
        size = group[0].recipe.revoke.batch  # type: ignore[union-attr]
        for start in range(0, len(group), size):
            yield group[start : start + size]


def _revoke_group(group: list[_Check], revoke: Revoke, sender: Sender, limiter: RateLimiter | None) -> None:
    """Send one revocation (for a batch, one request naming every secret of the group)."""
    first = group[0]
    context = Context(first.secret, first.parts)
    for step in revoke.steps:
        problem = _run_step(step, context, sender)
        if problem:
            for check in group:
                check.revocation = Revocation("failed", problem)
            return
    try:
        call = build_call(revoke.request, context, [c.secret for c in group] if revoke.batch else None)
    except MissingValue as exc:
        for check in group:
            check.revocation = Revocation("failed", str(exc))
        return
    reply = sender.send(call, limiter)
    for check in group:
        check.http_status = reply.status if not isinstance(reply, Failure) else None
    if isinstance(reply, Failure):
        status = Revocation("failed", reply.reason)
    elif holds(revoke.success, reply):
        status = Revocation("revoked_pending", f"HTTP {reply.status}")
    elif revoke.denied is not None and holds(revoke.denied, reply):
        status = Revocation("failed", f"HTTP {reply.status}: {revoke.denied_reason}")
    else:
        status = Revocation("failed", f"HTTP {reply.status}: the issuer did not confirm the revocation")
    for check in group:
        check.revocation = status


def _run_step(step: Step, context: Context, sender: Sender) -> str | None:
    """Run a lookup step into `context.steps`; the reason it failed, or None."""
    try:
        call = build_call(step.request, context)
    except MissingValue as exc:
        return str(exc)
    reply = sender.send(call)
    if isinstance(reply, Failure):
        return f"{step.name}: {reply.reason}"
    if not holds(step.expect, reply):
        return f"{step.name}: HTTP {reply.status}: not the answer expected"
    item = None
    if step.select is not None:
        entries = json_path(reply.json, step.select.list)
        if not isinstance(entries, list):
            return f"{step.name}: the answer holds no list at {step.select.list or 'its top level'}"
        item, problem = _select(entries, step, context)
        if problem:
            return f"{step.name}: {problem}"
    kept = Context(context.secret, context.parts, context.steps, reply, item)
    try:
        context.steps[step.name] = {name: render(template, kept) for name, template in step.extract}
    except MissingValue as exc:
        return f"{step.name}: {exc}"
    return None


def _select(entries: list[object], step: Step, context: Context) -> tuple[object, str | None]:
    """The single entry that is exactly the found credential."""
    assert step.select is not None
    spec = step.select
    wanted = render(spec.equals if spec.equals is not None else spec.masked or "", context)
    hits = []
    for entry in entries:
        value = json_path(entry, spec.field)
        if not isinstance(value, str):
            continue
        if (spec.equals is not None and value == wanted) or (
            spec.masked is not None and matches_masked(value, wanted)
        ):
            hits.append(entry)
    if len(hits) == 1:
        return hits[0], None
    if not hits:
        return None, "no entry of the issuer's list is exactly this credential"
    return None, f"{len(hits)} entries of the issuer's list could be this credential; none was touched"


def _audit(audit: AuditLog, check: _Check, action: str, outcome: str, reason: str | None) -> None:
    audit.write(
        {
            "rule": check.rule.id,
            "provider": check.rule.provider,
            "secret_sha256": check.sha,
            "location": check.location,
            "action": action,
            "http_status": check.http_status,
            "outcome": outcome,
            "reason": reason,
        }
    )
