"""A varnishd of the tests' own, in front of a test server, with the project's VCL.

``Varnish(backend_port).start()`` renders ops/varnish/newsroom.vcl with ops/varnish/render-vcl.sh
(the backend at 127.0.0.1:backend_port), and starts ``varnishd -F`` on a free loopback port with
a working directory of its own under /tmp (nothing shared with a Varnish of the machine), its
admin interface on another free loopback port. ``stop()`` ends it and removes the folder.
``request()`` asks it something, from 127.0.0.1 (in the VCL's purge ACL) or from another
loopback address (127.0.0.2: outside it).

Without ``varnishd`` and the xkey vmod (Debian: apt-get install varnish varnish-modules) the
Varnish tests are skipped, saying so.
"""

import glob
import http.client
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parent.parent
VCL = ROOT / "ops" / "varnish" / "newsroom.vcl"
RENDER = ROOT / "ops" / "varnish" / "render-vcl.sh"


def binary() -> str | None:
    return shutil.which("varnishd") or next(
        (
            path
            for path in ("/usr/sbin/varnishd", "/usr/local/sbin/varnishd")
            if os.access(path, os.X_OK)
        ),
        None,
    )


def has_xkey() -> bool:
    return bool(glob.glob("/usr/lib/*/varnish/vmods/libvmod_xkey.so")
                or glob.glob("/usr/lib/varnish/vmods/libvmod_xkey.so")
                or glob.glob("/usr/local/lib/varnish/vmods/libvmod_xkey.so"))  # fmt: skip


def available() -> bool:
    return binary() is not None and has_xkey()


SKIP_REASON = (
    "needs varnishd with the xkey vmod (apt-get install varnish varnish-modules; .ci/run does)"
)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"<Response {self.status} X-Cache={self.header('x-cache')}>"


class Varnish:
    def __init__(self, backend_port: int, purgers: str = ""):
        self.backend_port, self.purgers = backend_port, purgers
        self.process, self.folder, self.port, self.admin_port = None, None, None, None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.folder = Path(tempfile.mkdtemp(prefix="newsroom-test-varnish-"))
        os.chmod(self.folder, 0o755)  # varnishd drops root for its own users, who read it.
        vcl = self.folder / "newsroom.vcl"
        env = {**os.environ, "VARNISH_BACKEND_HOST": "127.0.0.1",
               "VARNISH_BACKEND_PORT": str(self.backend_port), "VARNISH_PROBE_HOST": "localhost",
               "VARNISH_PURGERS": self.purgers}  # fmt: skip
        vcl.write_text(
            subprocess.run(
                ["sh", str(RENDER), str(VCL)], env=env, check=True, capture_output=True, text=True
            ).stdout  # fmt: skip
        )
        self.port, self.admin_port = free_port(), free_port()
        self.log = open(self.folder / "varnishd.log", "w+b")  # noqa: SIM115
        self.process = subprocess.Popen(
            [binary(), "-F", "-a", f"127.0.0.1:{self.port}", "-T", f"127.0.0.1:{self.admin_port}",
             "-f", str(vcl), "-n", str(self.folder / "work"), "-s", "malloc,64m",
             "-p", "vsl_space=1m"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                output = self.log.read().decode(errors="replace")
                self.stop()
                raise RuntimeError(f"varnishd did not start:\n{output}")
            try:
                if self.request("GET", "/healthz").status in (200, 503):
                    return self
            except OSError:
                pass
            time.sleep(0.1)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if getattr(self, "log", None):
            self.log.close()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def admin(self, *command) -> str:
        """A varnishadm command (the CLI of this varnishd)."""
        return subprocess.run(
            ["varnishadm", "-n", str(self.folder / "work"), *command],
            check=True, capture_output=True, text=True, timeout=30,
        ).stdout  # fmt: skip

    def forget_everything(self):
        """Empty the cache (between tests: the database is emptied too)."""
        self.admin("ban", "obj.status", "!=", "0")

    def request(self, method, path, headers=None, body=None, source="127.0.0.1") -> Response:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(source, 0)
        )
        try:
            connection.request(
                method, path, body=body, headers={"Host": "localhost", **(headers or {})}
            )
            answer = connection.getresponse()
            return Response(
                answer.status,
                {name.lower(): value for name, value in answer.getheaders()},
                answer.read(),
            )
        finally:
            connection.close()

    def get(self, path, **headers) -> Response:
        return self.request(
            "GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()}
        )

    def purge(self, *keys, source="127.0.0.1") -> Response:
        return self.request("PURGE", "/", headers={"xkey-purge": " ".join(keys)}, source=source)


def describe() -> str:
    if available():
        return f"varnish: {binary()} with xkey (tests start their own)"
    return f"varnish: none ({SKIP_REASON})"
