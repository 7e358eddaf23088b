"""A loopback HTTP server that records every POST and answers from a script (status, headers, delay)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorder:
    """Requests received ({path, body, content_type, at}) and the answers still to give (then 200)."""

    script: list[tuple[int, dict[str, str], float]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def bodies(self, path: str | None = None) -> list[Any]:
        return [r["body"] for r in self.requests if path is None or r["path"] == path]


@contextmanager
def webhook_server(script: list[tuple[int, dict[str, str], float]] | None = None) -> Iterator[tuple[str, Recorder]]:
    """(base URL, recorder); answers follow `script` in order, then 200 "ok"."""
    recorder = Recorder(script=list(script or []))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                recorder.requests.append(
                    {
                        "path": self.path,
                        "body": json.loads(raw.decode("utf-8")),
                        "content_type": self.headers.get("Content-Type"),
                        "at": time.monotonic(),
                    }
                )
                status, headers, delay = recorder.script.pop(0) if recorder.script else (200, {}, 0.0)
            time.sleep(delay)
            try:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the client timed out and hung up (the timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()
