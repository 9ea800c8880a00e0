"""A fake issuer: a real HTTP server on 127.0.0.1 that answers as a provider's documented API does
and records every request it receives (method, path, headers, body)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request as the issuer saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    """What the issuer sends back."""

    status: int
    body: Any = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class Issuer:
    """Routes `(METHOD, path)` to answers (a list is answered in turn, the last one repeatedly)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.received: list[Received] = []
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                issuer.received.append(Received(self.command, self.path, dict(self.headers.items()), body))
                answers = issuer.routes.get((self.command, self.path.split("?")[0])) or [
                    Answer(404, {"error": "no route"})
                ]
                answer = answers.pop(0) if len(answers) > 1 else answers[0]
                if answer.delay_s:
                    time.sleep(answer.delay_s)
                payload = answer.body if isinstance(answer.body, str | bytes) else json.dumps(answer.body)
                data = payload.encode() if isinstance(payload, str) else payload
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                if not isinstance(answer.body, str | bytes):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (a timeout test)
                    self.wfile.write(data)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def on(self, method: str, path: str, *answers: Answer) -> None:
        self.routes[(method, path)] = list(answers)

    def requests_to(self, method: str, path: str) -> list[Received]:
        return [r for r in self.received if r.method == method and r.path.split("?")[0] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
