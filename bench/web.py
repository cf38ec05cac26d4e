"""Web benchmark: requests/s and p50/p99 latency of the main pages under wrk.

    .venv/bin/python bench/web.py [--seconds 10] [--connections 16] [--statements 300]

A production server (Gunicorn, one worker per core, threads) serves a data
directory with the demo and a few hundred generated statements. wrk (Debian)
loads the home page, a statement page and /checkpoint, then a static file of
the same size as the statement page, served by the same server: that is the
ceiling a page could reach. Figures are printed, not asserted; the issue's
target is a statement page within 3x of the static file.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.serving import free_port  # noqa: E402


def prepare(data: Path, statements: int) -> None:
    env = {**os.environ, "FIRSTHAND_DATA": str(data), "PYTHONPATH": str(ROOT)}
    for command in ("migrate", "demo"):
        subprocess.run(
            [sys.executable, "-m", "firsthand.cli", command, "--data", str(data)],
            check=True,
            env=env,
            capture_output=True,
        )
    script = f"""
import django, os
django.setup()
from firsthand.log.note import Signer
from firsthand.statements.format import sign_statement
from firsthand.web import runtime
from firsthand.publishing.pipeline import record_statement
sequencer = runtime.log().sequencer(period=0.01)
sequencer.start()
authors = [Signer.generate(f"bench{{i}}.example") for i in range(20)]
for i in range({statements}):
    text = ("I was at the gathering of spring 2019, and this is what I saw. " * 6) + str(i)
    record_statement(sign_statement(authors[i % 20], text, kind="testimony"), sequencer)
sequencer.stop()
"""
    subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "firsthand.web.settings"},
    )


def wrk(url: str, seconds: int, connections: int) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 latency (ms) as wrk measures them."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    if re.search(r"Non-2xx or 3xx responses", out):
        raise SystemExit(f"wrk saw error responses from {url}:\n{out}")
    return rate, percentile("50"), percentile("99")


def until_serving(base: str, attempts: int = 100) -> bool:
    """Whether the server at ``base`` answered /checkpoint within ``attempts`` tries 0.1 s apart."""
    for _ in range(attempts):
        try:
            urllib.request.urlopen(base + "/checkpoint", timeout=1)
            return True
        except OSError:
            time.sleep(0.1)
    return False


@contextmanager
def serving(
    command: list[str], env: dict[str, str], base: str
) -> Iterator[subprocess.Popen[bytes]]:
    server = subprocess.Popen(command, env=env)
    try:
        until_serving(base)
        yield server
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--statements", type=int, default=300)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    for tool in ("wrk", "gunicorn"):
        if not shutil.which(tool) and not (ROOT / ".venv/bin" / tool).exists():
            raise SystemExit(f"{tool} is missing: apt-get install wrk; pip install gunicorn")

    with tempfile.TemporaryDirectory(prefix="firsthand-web-bench-") as tmp:
        data = Path(tmp) / "data"
        prepare(data, args.statements)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "FIRSTHAND_DATA": str(data),
            "PYTHONPATH": str(ROOT),
            "FIRSTHAND_READ_RATE_PER_MINUTE": "0",  # wrk is one client sending thousands a second
            "DJANGO_SETTINGS_MODULE": "firsthand.web.settings",
        }
        gunicorn = shutil.which("gunicorn") or str(ROOT / ".venv/bin/gunicorn")
        command = [
            gunicorn,
            "--workers", str(args.workers),
            "--threads", "4",
            "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning",
            "firsthand.web.wsgi:application",
        ]  # fmt: skip
        index = args.statements // 2
        static_file = ROOT / "firsthand/web/static/firsthand/bench.html"
        try:
            # First learn the statement page's size; whitenoise lists static files at
            # start-up, so the same-size file must exist before the measured server starts.
            with serving(command, env, base):
                size = len(urllib.request.urlopen(f"{base}/statements/{index}").read())
            static_file.write_bytes(b"x" * size)
            targets = [
                ("home page", f"{base}/"),
                (f"statement page ({size:,} bytes)", f"{base}/statements/{index}"),
                ("/checkpoint", f"{base}/checkpoint"),
                ("static file, same size (the ceiling)", f"{base}/static/firsthand/bench.html"),
            ]  # fmt: skip
            results = []
            with serving(command, env, base):
                for name, url in targets:
                    urllib.request.urlopen(url).read()  # warm
                    results.append((name, *wrk(url, args.seconds, args.connections)))
        finally:
            static_file.unlink(missing_ok=True)

    print(
        f"\nweb benchmark: gunicorn {args.workers} workers x 4 threads, wrk 2 threads, "
        f"{args.connections} connections, {args.seconds} s each, {os.cpu_count()} cores"
    )
    print(f"{'':44}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, rate, p50, p99 in results:
        print(f"{name:44}{rate:>10,.0f}{p50:>10.2f}{p99:>10.2f}")
    static_rate = results[-1][1]
    print(
        f"statement page at {static_rate / results[1][1]:.1f}x the static file's cost "
        f"(target: within 3x)"
    )


if __name__ == "__main__":
    main()
