"""A fake npm registry on 127.0.0.1 for tests and benchmarks: package documents from a
folder (or a dict), ETag/304 revalidation, and a log of what each request carried."""

from __future__ import annotations

import hashlib
import http.server
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote


@dataclass
class Seen:
    path: str
    if_none_match: str | None
    authorization: str | None
    accept: str | None
    status: int


@dataclass
class FakeRegistry:
    documents: dict[str, bytes]  # package name -> JSON body
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    _server: http.server.ThreadingHTTPServer | None = None

    @classmethod
    def from_folder(cls, folder: Path) -> FakeRegistry:
        """Documents named `<name with / as %2f>.json`; `${RECENT}` becomes a date a month
        ago, so "recent" releases stay recent whenever the tests run."""
        recent = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        documents = {
            unquote(path.stem): path.read_text(encoding="utf-8")
            .replace("${RECENT}", recent)
            .encode()
            for path in folder.glob("*.json")
        }
        return cls(documents)

    def start(self) -> FakeRegistry:
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                name = unquote(self.path.lstrip("/"))
                body = registry.documents.get(name)
                etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"' if body is not None else ""
                if body is None:
                    status, payload = 404, b'{"error":"Not found"}'
                elif self.headers.get("If-None-Match") == etag:
                    status, payload = 304, b""
                else:
                    status, payload = 200, body
                registry.seen.append(
                    Seen(
                        name,
                        self.headers.get("If-None-Match"),
                        self.headers.get("Authorization"),
                        self.headers.get("Accept"),
                        status,
                    )
                )
                self.send_response(status)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
