"""Filling recipe templates in, and judging responses against conditions.

A template names what it needs in braces: `{secret}`, `{secrets}` (a batch, only as a whole JSON
value), `{part.NAME}`, `{step.NAME.FIELD}` (what a lookup step kept), `{json.a.0.b}` and
`{header.Name}` and `{xml.Tag}` (the response being read), `{item.a.b}` (the list entry a step selected) and
`{base64:...}`, which base64-encodes what it wraps once that is filled in.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from leakscan.live.recipes import Condition

_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+(?:\.[^{}:]+)?)\}")
_BASE64 = re.compile(r"\{base64:((?:[^{}]|\{[^{}]*\})*)\}")
_MASK = re.compile(r"^(.+?)(?:\.\.\.|…|\*{3,})(.+)$")


class MissingValue(Exception):
    """A template names a value that is not there (a part not found, a field not in the response)."""


@dataclass(frozen=True)
class Reply:
    """An HTTP response as a recipe sees it."""

    status: int
    headers: Mapping[str, str]
    text: str
    json: Any = None  # the parsed body, or None when it is not JSON


@dataclass
class Context:
    """The values templates are filled from."""

    secret: str
    parts: dict[str, str] = field(default_factory=dict)
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    reply: Reply | None = None
    item: Any = None


def render(template: str, context: Context) -> str:
    """The template with every placeholder filled in."""
    expanded = _BASE64.sub(
        lambda m: base64.b64encode(render(m.group(1), context).encode()).decode(), template
    )
    return _PLACEHOLDER.sub(lambda m: lookup(m.group(1), context), expanded)


def render_json(value: Any, context: Context, secrets: list[str] | None = None) -> Any:
    """A JSON body template filled in; a string that is exactly `{secrets}` becomes the batch."""
    if isinstance(value, str):
        if value == "{secrets}":
            if secrets is None:
                raise MissingValue("{secrets} outside a batched revocation")
            return secrets
        return render(value, context)
    if isinstance(value, dict):
        return {k: render_json(v, context, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [render_json(v, context, secrets) for v in value]
    return value


def lookup(name: str, context: Context) -> str:
    """One placeholder's value."""
    root, _, rest = name.partition(".")
    if root == "secret" and not rest:
        return context.secret
    if root == "part" and rest in context.parts:
        return context.parts[rest]
    if root == "step":
        step, _, key = rest.partition(".")
        if key in context.steps.get(step, {}):
            return context.steps[step][key]
    if root == "json" and context.reply is not None:
        return _scalar(json_path(context.reply.json, rest), name)
    if root == "item" and context.item is not None:
        return _scalar(json_path(context.item, rest), name)
    if root == "xml" and context.reply is not None:  # AWS answers in XML: the first <rest> element
        found = re.search(rf"<{re.escape(rest)}>([^<]*)</{re.escape(rest)}>", context.reply.text)
        if found:
            return found.group(1)
    if root == "header" and context.reply is not None:
        for key, value in context.reply.headers.items():
            if key.lower() == rest.lower():
                return value
    raise MissingValue(f"no value for {{{name}}}")


_ABSENT = object()


def json_path(document: Any, path: str) -> Any:
    """The value at a dotted path (`result.id`, `items.0.key`), or a sentinel when absent."""
    value = document
    for key in path.split(".") if path else []:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _ABSENT
    return value


def _scalar(value: Any, name: str) -> str:
    if value is _ABSENT or value is None or isinstance(value, dict | list):
        raise MissingValue(f"no value for {{{name}}}")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def holds(condition: Condition, reply: Reply) -> bool:
    """Whether the response meets every entry of the condition."""
    if condition.status and reply.status not in condition.status:
        return False
    for path, wanted in condition.json:
        if json_path(reply.json, path) not in wanted:
            return False
    for path in condition.json_present:
        if json_path(reply.json, path) in (_ABSENT, None):
            return False
    if condition.body_contains is not None and condition.body_contains not in reply.text:
        return False
    return not condition.any or any(holds(c, reply) for c in condition.any)


def matches_masked(shown: str, secret: str) -> bool:
    """Whether a listing's cut-short form (`npm_abcd1234...wxyz`) is exactly this secret: both ends
    given, both equal, and not overlapping beyond the secret's length."""
    found = _MASK.match(shown)
    if not found:
        return shown == secret
    head, tail = found.groups()
    return len(head) + len(tail) <= len(secret) and secret.startswith(head) and secret.endswith(tail)
