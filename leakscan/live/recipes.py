"""The `verify`, `revoke` and `parts` blocks of a rule, validated into typed recipes on load.

Every error names the rule file, the rule and the field, like any other rule error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import regex

from leakscan.errors import RuleError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
# What the templates fill in: `{name}` or `{name.path}` / `{base64:...}`; braces with spaces (a
# GraphQL query's `{ viewer { id } }`) are text.
_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+(?:[.:][^{}\s]*)?)\}")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class SigV4:
    """Sign the request with AWS Signature Version 4, from two templated key parts."""

    service: str
    region: str
    access_key: str
    secret_key: str


@dataclass(frozen=True)
class Request:
    """One HTTP request, every string a template."""

    method: str
    url: str
    hosts: tuple[str, ...]  # where the request may go: exact names or `*.suffix`
    headers: tuple[tuple[str, str], ...] = ()
    json: Any = None
    form: tuple[tuple[str, str], ...] | None = None
    body: str | None = None
    auth: tuple[str, str] | None = None  # HTTP Basic (username, password)
    sign: SigV4 | None = None


@dataclass(frozen=True)
class Condition:
    """What a response must show; every entry given must hold."""

    status: tuple[int, ...] = ()
    json: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    json_present: tuple[str, ...] = ()
    body_contains: str | None = None
    any: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Select:
    """Pick the one list entry that is the found credential (never merely the first)."""

    list: str  # dotted path to the list in the JSON response ("" for the top level)
    field: str  # dotted path, in each entry, to the value compared
    equals: str | None = None  # template: the entry's value must equal it
    masked: str | None = None  # template: the entry shows it cut short, e.g. `npm_abcd...wxyz`


@dataclass(frozen=True)
class Step:
    """A lookup before the action: a request, what it must answer, and what to keep from it."""

    name: str
    request: Request
    expect: Condition
    select: Select | None = None
    extract: tuple[tuple[str, str], ...] = ()  # name → template over the response or `{item.…}`


@dataclass(frozen=True)
class Verify:
    """How to ask whether a credential works."""

    request: Request
    live: Condition
    invalid: Condition | None  # None: no answer is documented as meaning dead (then never invalid)
    identity: str | None = None
    scopes: str | None = None
    expires_at: str | None = None


@dataclass(frozen=True)
class Revoke:
    """How to kill a credential, with the lookups that must come first."""

    request: Request
    success: Condition
    steps: tuple[Step, ...] = ()
    denied: Condition | None = None  # the documented answer of a credential lacking the right
    denied_reason: str = "the credential lacks the right to revoke itself"
    batch: int = 0  # >0: up to this many secrets per request, as the `{secrets}` list
    rate_limit: tuple[int, float] | None = None  # (calls, per seconds)
    note: str = ""  # shown before asking: what revoking this does besides (e.g. uninstalls an app)


@dataclass(frozen=True)
class Part:
    """Another value a check needs, found near the secret in the same file or blob."""

    name: str
    rule: str | None
    pattern: str | None
    within_lines: int


@dataclass(frozen=True)
class Recipe:
    """A rule's live checks."""

    verify: Verify | None
    revoke: Revoke | None
    parts: tuple[Part, ...] = ()


class _Reader:
    """Reads one block of one rule, raising RuleError that names the field path."""

    def __init__(self, source: str, rule_id: str) -> None:
        self.source, self.rule_id = source, rule_id

    def fail(self, where: str, problem: str) -> RuleError:
        return RuleError(self.source, self.rule_id, where, problem)

    def mapping(
        self, value: object, where: str, allowed: set[str], required: frozenset[str] | set[str] = frozenset()
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        unknown = set(value) - allowed
        if unknown:
            raise self.fail(f"{where}.{sorted(unknown)[0]}", "unknown field")
        missing = required - set(value)
        if missing:
            raise self.fail(f"{where}.{sorted(missing)[0]}", "required")
        return value

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(where, "must be a non-empty string")
        return value

    def pairs(self, value: object, where: str) -> tuple[tuple[str, str], ...]:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise self.fail(where, "must be a mapping of names to strings")
        out = []
        for key, item in value.items():
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                raise self.fail(f"{where}.{key}", "must be a string")
            out.append((key, str(item)))
        return tuple(out)

    def request(self, value: object, where: str) -> Request:
        block = self.mapping(
            value,
            where,
            {"method", "url", "hosts", "headers", "json", "form", "body", "auth", "sign"},
            {"url"},
        )
        method = str(block.get("method", "GET")).upper()
        if method not in METHODS:
            raise self.fail(f"{where}.method", f"must be one of {', '.join(METHODS)}")
        url = self.text(block["url"], f"{where}.url")
        hosts = self._hosts(block, url, where)
        bodies = [k for k in ("json", "form", "body") if k in block]
        if len(bodies) > 1:
            raise self.fail(where, f"one body at most, not both {bodies[0]} and {bodies[1]}")
        auth = None
        if "auth" in block:
            pair = self.mapping(block["auth"], f"{where}.auth", {"username", "password"}, {"username"})
            auth = (str(pair["username"]), str(pair.get("password", "")))
        sign = None
        if "sign" in block:
            spec = self.mapping(block["sign"], f"{where}.sign", {"aws_sigv4"}, {"aws_sigv4"})["aws_sigv4"]
            keys = {"service", "region", "access_key", "secret_key"}
            spec = self.mapping(spec, f"{where}.sign.aws_sigv4", keys, keys)
            sign = SigV4(
                *(
                    self.text(spec[k], f"{where}.sign.aws_sigv4.{k}")
                    for k in ("service", "region", "access_key", "secret_key")
                )
            )
        request = Request(
            method,
            url,
            hosts,
            self.pairs(block.get("headers", {}), f"{where}.headers"),
            block.get("json"),
            self.pairs(block["form"], f"{where}.form") if "form" in block else None,
            self.text(block["body"], f"{where}.body") if "body" in block else None,
            auth,
            sign,
        )
        for text in _strings(request):
            self._placeholders(text, where)
        return request

    def _hosts(self, block: dict[str, Any], url: str, where: str) -> tuple[str, ...]:
        """The hosts a request may reach: given, or the URL's own host when it is literal."""
        if "hosts" in block:
            hosts = block["hosts"]
            if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) and h for h in hosts):
                raise self.fail(f"{where}.hosts", "must be a non-empty list of host names")
            return tuple(h.lower() for h in hosts)
        if not url.startswith("https://"):
            raise self.fail(f"{where}.url", "must start with https:// (or name its `hosts`)")
        host = urlsplit(url).hostname or ""
        if "{" in host or not host:
            raise self.fail(f"{where}.hosts", "required when the URL's host is a template")
        return (host.lower(),)

    def _placeholders(self, text: str, where: str) -> None:
        for name in _PLACEHOLDER.findall(text):
            root = name.split(":", 1)[0].split(".", 1)[0]
            if root not in ("secret", "secrets", "part", "json", "xml", "header", "step", "item", "base64"):
                raise self.fail(where, f"unknown placeholder {{{name}}}")

    def condition(self, value: object, where: str) -> Condition:
        block = self.mapping(value, where, {"status", "json", "json_present", "body_contains", "any"})
        status = block.get("status", [])
        status = [status] if isinstance(status, int) else status
        if not isinstance(status, list) or not all(isinstance(s, int) and 100 <= s <= 599 for s in status):
            raise self.fail(f"{where}.status", "must be an HTTP status or a list of them")
        fields = block.get("json", {})
        if not isinstance(fields, dict):
            raise self.fail(f"{where}.json", "must map dotted paths to values")
        present = block.get("json_present", [])
        if not isinstance(present, list) or not all(isinstance(p, str) for p in present):
            raise self.fail(f"{where}.json_present", "must be a list of dotted paths")
        contains = block.get("body_contains")
        if contains is not None and not isinstance(contains, str):
            raise self.fail(f"{where}.body_contains", "must be a string")
        alternatives = block.get("any", [])
        if not isinstance(alternatives, list):
            raise self.fail(f"{where}.any", "must be a list of conditions")
        condition = Condition(
            tuple(status),
            tuple((str(k), tuple(v) if isinstance(v, list) else (v,)) for k, v in fields.items()),
            tuple(present),
            contains,
            tuple(self.condition(c, f"{where}.any[{n}]") for n, c in enumerate(alternatives)),
        )
        if condition == Condition():
            raise self.fail(where, "an empty condition would match any response")
        return condition

    def verify(self, value: object) -> Verify:
        block = self.mapping(
            value,
            "verify",
            {"request", "live", "invalid", "identity", "scopes", "expires_at"},
            {"request", "live"},
        )
        optional = {
            k: self.text(block[k], f"verify.{k}") for k in ("identity", "scopes", "expires_at") if k in block
        }
        return Verify(
            self.request(block["request"], "verify.request"),
            self.condition(block["live"], "verify.live"),
            self.condition(block["invalid"], "verify.invalid") if "invalid" in block else None,
            **optional,
        )

    def revoke(self, value: object) -> Revoke:
        allowed = {"request", "success", "steps", "denied", "denied_reason", "batch", "rate_limit", "note"}
        block = self.mapping(value, "revoke", allowed, {"request", "success"})
        steps = block.get("steps", [])
        if not isinstance(steps, list):
            raise self.fail("revoke.steps", "must be a list")
        batch = block.get("batch", 0)
        if not isinstance(batch, int) or batch < 0:
            raise self.fail("revoke.batch", "must be a positive number of secrets per request")
        rate = None
        if "rate_limit" in block:
            spec = self.mapping(
                block["rate_limit"], "revoke.rate_limit", {"calls", "per_seconds"}, {"calls", "per_seconds"}
            )
            if (
                not isinstance(spec["calls"], int)
                or spec["calls"] < 1
                or not isinstance(spec["per_seconds"], int | float)
            ):
                raise self.fail("revoke.rate_limit", "calls must be a positive integer, per_seconds a number")
            rate = (spec["calls"], float(spec["per_seconds"]))
        return Revoke(
            self.request(block["request"], "revoke.request"),
            self.condition(block["success"], "revoke.success"),
            tuple(self.step(s, f"revoke.steps[{n}]") for n, s in enumerate(steps)),
            self.condition(block["denied"], "revoke.denied") if "denied" in block else None,
            self.text(block["denied_reason"], "revoke.denied_reason")
            if "denied_reason" in block
            else Revoke.denied_reason,
            batch,
            rate,
            self.text(block["note"], "revoke.note") if "note" in block else "",
        )

    def step(self, value: object, where: str) -> Step:
        block = self.mapping(
            value, where, {"name", "request", "expect", "select", "extract"}, {"name", "request", "expect"}
        )
        name = self.text(block["name"], f"{where}.name")
        if not _NAME.match(name):
            raise self.fail(f"{where}.name", "must be a lowercase identifier")
        select = None
        if "select" in block:
            spec = self.mapping(
                block["select"], f"{where}.select", {"list", "field", "equals", "masked"}, {"field"}
            )
            if ("equals" in spec) == ("masked" in spec):
                raise self.fail(f"{where}.select", "give exactly one of equals or masked")
            select = Select(
                str(spec.get("list", "")),
                self.text(spec["field"], f"{where}.select.field"),
                spec.get("equals"),
                spec.get("masked"),
            )
        return Step(
            name,
            self.request(block["request"], f"{where}.request"),
            self.condition(block["expect"], f"{where}.expect"),
            select,
            self.pairs(block.get("extract", {}), f"{where}.extract"),
        )

    def parts(self, value: object) -> tuple[Part, ...]:
        block = self.mapping(value, "parts", set(value) if isinstance(value, dict) else set())
        out = []
        for name, spec in block.items():
            where = f"parts.{name}"
            if not _NAME.match(str(name)):
                raise self.fail(where, "part names are lowercase identifiers")
            spec = self.mapping(spec, where, {"rule", "pattern", "within_lines"}, {"within_lines"})
            if ("rule" in spec) == ("pattern" in spec):
                raise self.fail(where, "give exactly one of rule or pattern")
            lines = spec["within_lines"]
            if not isinstance(lines, int) or not 0 <= lines <= 50:
                raise self.fail(f"{where}.within_lines", "must be a number of lines from 0 to 50")
            pattern = spec.get("pattern")
            if pattern is not None:
                try:
                    regex.compile(pattern)
                except regex.error as exc:
                    raise self.fail(f"{where}.pattern", f"not a valid regex: {exc}") from None
            out.append(Part(str(name), spec.get("rule"), pattern, lines))
        return tuple(out)


def parse_recipe(source: str, rule_id: str, verify: object, revoke: object, parts: object) -> Recipe | None:
    """The rule's live checks, or None when it has none. Raises RuleError on a malformed block."""
    if verify is None and revoke is None and parts is None:
        return None
    reader = _Reader(source, rule_id)
    recipe = Recipe(
        reader.verify(verify) if verify is not None else None,
        reader.revoke(revoke) if revoke is not None else None,
        reader.parts(parts) if parts is not None else (),
    )
    if recipe.revoke is not None and recipe.verify is None:
        raise reader.fail("revoke", "needs a verify block: a revocation is confirmed by verifying again")
    names = {p.name for p in recipe.parts}
    for text in (_strings(recipe.verify.request) if recipe.verify else []) + (
        [s for step in recipe.revoke.steps for s in _strings(step.request)] + _strings(recipe.revoke.request)
        if recipe.revoke
        else []
    ):
        for used in re.findall(r"\{part\.([a-z0-9_]+)\}", text):
            if used not in names:
                raise reader.fail("parts", f"{{part.{used}}} is used but no part {used!r} is declared")
    return recipe


def _strings(request: Request) -> list[str]:
    """Every template string of a request."""
    out = [request.url, *(v for _, v in request.headers)]
    out.extend(v for _, v in request.form or ())
    if request.body:
        out.append(request.body)
    if request.auth:
        out.extend(request.auth)
    if request.sign:
        out.extend((request.sign.access_key, request.sign.secret_key))
    out.extend(_json_strings(request.json))
    return out


def _json_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return []
