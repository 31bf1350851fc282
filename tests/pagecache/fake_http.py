"""A local HTTP server that answers from a script (recorded answers) and records what it was
sent: the cache tiers' tests talk to it instead of a real Varnish, Fastly or Cloudflare."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> dict:
    """An answer recorded in tests/pagecache/recorded/<name>.json: status, headers, body."""
    return json.loads((RECORDED / f"{name}.json").read_text())


class FakeServer:
    """``answers``: a list of answers (dicts with status, headers, body: a JSON value or text)
    given in turn, the last one repeated; or a callable given the request, answering one.
    ``hold``: an Event every request waits for before it is answered."""

    def __init__(self, answers, hold: threading.Event | None = None):
        self.answers = answers
        self.hold = hold
        self.requests: list[dict] = []
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one_request(self):
                self.raw_requestline = self.rfile.readline(65537)
                if not self.raw_requestline:
                    self.close_connection = True
                    return
                if not self.parse_request():
                    return
                length = int(self.headers.get("Content-Length") or 0)
                request = {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": self.rfile.read(length) if length else b"",
                }
                with fake.lock:
                    fake.requests.append(request)
                    answer = fake.next_answer(request)
                fake.arrived.set()
                if fake.hold is not None:
                    fake.hold.wait(30)
                body = answer.get("body", "")
                if not isinstance(body, str):
                    body = json.dumps(body)
                data = body.encode()
                self.send_response(answer.get("status", 200))
                for name, value in answer.get("headers", {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def next_answer(self, request):
        if callable(self.answers):
            return self.answers(request)
        if len(self.answers) > 1:
            return self.answers.pop(0)
        return self.answers[0]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


def varnish(request):
    """What the project's VCL answers a purge from an address in its ACL."""
    if request["method"] != "PURGE" or "xkey-purge" not in request["headers"]:
        return {"status": 405, "body": "Not allowed."}
    return {"status": 200, "headers": {"xkey-purged": "2"}, "body": "Purged"}
