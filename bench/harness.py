"""What the benchmark scripts share: a fresh PostgreSQL database with the corpus imported,
gunicorn started and stopped, Django shell snippets, and wrk's output read.

Loopback only: everything listens on 127.0.0.1 and talks to the local PostgreSQL and Redis.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CORPUS = ROOT.parent / "shared" / "bench" / "corpus.py"


def base_env(db: str, work: Path) -> dict:
    """Production settings (DEBUG off) on database ``db``, with files under ``work``."""
    return {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SERVE_MEDIA": "1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
    }


def sh(cmd, env, **kwargs):
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kwargs)


def psql(sql, env):
    sh(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], env)


def django_shell(code: str, env: dict, marker="RESULT"):
    """Run ``code`` in manage.py shell; it prints ``marker`` + JSON, which is returned."""
    out = sh([PY, "manage.py", "shell", "-c", code], env, capture_output=True, text=True).stdout
    return json.loads(out.split(marker, 1)[1])


def prepare_site(db: str, articles: int, seed: int, corpus_script=CORPUS):
    """A work folder, collected static files, and a fresh database ``db`` holding ``articles``
    corpus stories imported with import_articles. Returns (work, env, import seconds)."""
    work = Path(tempfile.mkdtemp(prefix=f"newsroom-{db}-"))
    env = base_env(db, work)
    sh([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    corpus = work / "corpus.jsonl"
    with corpus.open("w") as out:
        sh([PY, str(corpus_script), str(articles), str(seed)], env, stdout=out)
    psql(f"DROP DATABASE IF EXISTS {db}", env)
    psql(f"CREATE DATABASE {db}", env)
    sh([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    started = time.perf_counter()
    sh([PY, "manage.py", "import_articles", str(corpus)], env, stderr=subprocess.DEVNULL)
    return work, env, time.perf_counter() - started


def wait_for(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def serve(app, port, env, workers=2):
    """gunicorn with ``workers`` sync workers on 127.0.0.1:port, once it answers."""
    proc = subprocess.Popen(
        [PY, "-m", "gunicorn", app, "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/")
    except BaseException:
        stop(proc)  # Never leave a server behind that did not come up.
        raise
    return proc


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


def parse_wrk(out: str) -> dict:
    """Requests per second, latency percentiles and non-2xx/3xx count from ``wrk --latency``."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = re.search(r"(\d+) requests in", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": lat.get("50"), "p75": lat.get("75"), "p90": lat.get("90"),
            "p99": lat.get("99"), "non2xx": int(errors.group(1)) if errors else 0,
            "requests": int(requests.group(1)) if requests else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}  # fmt: skip


def wrk(url, duration, script=None, threads=2, connections=8):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return {**parse_wrk(out), "output": out}
