"""The only code that sends a secret anywhere: to the hosts its rule names, over HTTPS (plain HTTP
only to this machine, through `--endpoint`), never following a redirect.

Failures are reasons, never exceptions and never guesses: a timeout, a refused connection, a 429
or a 5xx after its retries all end as an `unknown` verification. Reasons never quote a URL or an
exception's text, which could carry the secret.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from leakscan.errors import LeakscanError
from leakscan.live.templates import Reply

_RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class Call:
    """A request ready to send: every template filled in."""

    method: str
    url: str
    hosts: tuple[str, ...]
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class Failure:
    """Why no usable answer came back, in one line."""

    reason: str


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts, retries and where each issuer's host is really reached."""

    timeout_s: float = 10.0
    retries: int = 2  # after the first attempt, on 429, 5xx and refused connections
    max_wait_s: float = 30.0  # the longest Retry-After (or rate-limit pause) worth waiting for
    endpoints: Mapping[str, str] = field(default_factory=dict)  # host → base URL


def parse_endpoints(specs: list[str]) -> dict[str, str]:
    """`HOST=URL` overrides (from `--endpoint` and LEAKSCAN_ENDPOINTS): HTTPS anywhere, plain HTTP
    only to a loopback address."""
    out: dict[str, str] = {}
    for spec in specs:
        host, sep, url = spec.partition("=")
        host = host.strip().lower()
        parts = urlsplit(url.strip())
        if not sep or not host or not parts.hostname or parts.scheme not in ("http", "https"):
            raise LeakscanError(
                f"--endpoint {spec!r}: expected HOST=URL, e.g. api.github.com=https://ghe.corp/api/v3"
            )
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise LeakscanError(
                f"--endpoint {host}: plain http:// is allowed only to this machine"
                " (127.0.0.1, ::1, localhost)"
            )
        out[host] = url.strip().rstrip("/")
    return out


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_allowed(host: str, hosts: tuple[str, ...]) -> bool:
    """Whether `host` is one of the rule's hosts (`*.example.com` admits its subdomains)."""
    host = host.lower().rstrip(".")
    for allowed in hosts:
        if allowed.startswith("*."):
            if host.endswith(allowed[1:]) and len(host) > len(allowed) - 1:
                return True
        elif host == allowed:
            return True
    return False


class RateLimiter:
    """Calls per period for one issuer's action, shared by every thread of a run."""

    def __init__(self, calls: int, per_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.calls, self.per_s, self.clock = calls, per_s, clock
        self.sent: list[float] = []
        self.lock = threading.Lock()

    def wait_needed(self) -> float:
        """Reserve a call; how long to wait first (0 when one is free now)."""
        with self.lock:
            now = self.clock()
            self.sent = [t for t in self.sent if now - t < self.per_s]
            if len(self.sent) < self.calls:
                self.sent.append(now)
                return 0.0
            return self.sent[0] + self.per_s - now


class Sender:
    """Sends calls under one policy; safe to share between threads."""

    def __init__(self, policy: HttpPolicy, sleep: Callable[[float], None] = time.sleep) -> None:
        self.policy = policy
        self.sleep = sleep
        self.local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # no ~/.netrc credentials or proxies added to a secret's request
            self.local.session = session
        return session

    def target(self, call: Call) -> str | Failure:
        """The URL the call really goes to, or why it may not be sent."""
        parts = urlsplit(call.url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https":
            return Failure("refused: a live check must use https://")
        if not host_allowed(host, call.hosts):
            return Failure(f"refused: {host or 'the URL'} is not a host this rule may contact")
        base = self.policy.endpoints.get(host)
        if base is None:
            return call.url
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
        return base + rest

    def send(self, call: Call, limiter: RateLimiter | None = None) -> Reply | Failure:
        """Send with retries; a Reply for any HTTP answer (redirects included, never followed)."""
        url = self.target(call)
        if isinstance(url, Failure):
            return url
        attempt = 0
        while True:
            if limiter is not None:
                pause = limiter.wait_needed()
                if pause > self.policy.max_wait_s:
                    return Failure(f"rate limit of {limiter.calls} calls per {limiter.per_s:g} s reached")
                if pause > 0:
                    self.sleep(pause)
                    continue
            outcome = self._once(call, url)
            retry_in = self._retry_delay(outcome, attempt)
            if retry_in is None:
                return outcome
            if retry_in > self.policy.max_wait_s:
                status = outcome.status if isinstance(outcome, Reply) else 0
                return Failure(f"HTTP {status}: asked to retry after {retry_in:g} s")
            self.sleep(retry_in)
            attempt += 1

    def _once(self, call: Call, url: str) -> Reply | Failure:
        try:
            response = self._session().request(
                call.method,
                url,
                headers=dict(call.headers),
                data=call.body,
                timeout=self.policy.timeout_s,
                allow_redirects=False,
            )
        except requests.Timeout:
            return Failure(f"timed out after {self.policy.timeout_s:g} s")
        except requests.exceptions.SSLError:
            return Failure("TLS error: the issuer's certificate could not be verified")
        except requests.ConnectionError:
            return Failure("connection failed")
        except requests.RequestException as exc:
            return Failure(f"request failed ({type(exc).__name__})")
        text = response.text
        return Reply(response.status_code, dict(response.headers), text, _json(text))

    def _retry_delay(self, outcome: Reply | Failure, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None when the outcome is final."""
        if attempt >= self.policy.retries:
            return None
        if isinstance(outcome, Failure):
            return 0.5 * 2**attempt if outcome.reason == "connection failed" else None
        if outcome.status not in _RETRY_STATUSES:
            return None
        after = _retry_after(outcome.headers.get("Retry-After") or outcome.headers.get("retry-after"))
        return after if after is not None else 0.5 * 2**attempt


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _json(text: str) -> object:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
