"""Load benchmark: a mixed read load and a write load of signed statements on one machine.

    .venv/bin/python bench/load.py [--statements 1000000] [--seconds 20] [--postgresql]
        [--only reads|writes] [--data DIR (build once, reuse)] [--static-tiles]

1. Builds a log of --statements signed statements (signed in worker processes,
   stored and sequenced in batches: the same rows and entries the API writes).
2. Reads: Granian (a worker process per core, threads) serves the site; wrk (Debian)
   mixes the home page, random statement pages, /checkpoint, random full tiles
   and random bundles (tests in bench/load_reads.lua). req/s, p50/p99, errors.
   With --static-tiles, the same again with /tile/ served by Granian from a
   static export of the log, as a CDN or front server would (docs/deploy.md).
3. Writes: fresh signed statements from wrk (bench/load_writes.lua, each body
   sent once). On SQLite `firsthand serve --workers N` takes them: N web
   workers check them and hand them to the sequencer process serve starts
   beside them, the file's one writer (publishing/intake.py); on PostgreSQL
   (--postgresql, a throw-away durable cluster) Granian workers store them and
   `firsthand sequencer` logs them. accepted/s, p50/p99, errors, and the CPU
   each kind of server process spent per statement (a figure that a busy
   machine disturbs far less than the rates).
4. With py-spy installed, an 8 s profile of one web worker under the same load,
   taken after the measurement so that sampling does not slow it: where the
   time goes.
Targets (issue 8): at least 2,000 read req/s at p99 under 100 ms, and at least
1,000 accepted statements/s over HTTP, with zero errors.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cpu import tree_cpu_seconds  # noqa: E402  (bench/cpu.py)
from web import serving, until_serving  # noqa: E402  (bench/web.py)

from tests.crashing import sequencer_child  # noqa: E402
from tests.serving import free_port  # noqa: E402

CHUNK = 20_000
# A publish waits in its thread until its batch is logged (a batch every 20 ms at most
# here), so the writing workers need many threads; a read waits on nothing but the CPU,
# and more threads only queue for the GIL (1M, 2 workers: 16 threads 1,395 req/s, 8
# 1,499-1,557, 2 1,664-1,685).
WRITE_THREADS = 64
WRITE_PERIOD = "0.02"
# On PostgreSQL each thread keeps two connections (the site's and the log's): 2 workers x
# 64 x 2 stay inside the cluster's max_connections (300), beside the sequencer's.
PG_WRITE_THREADS = 64
READ_THREADS = 2
TEXT = "I was at the gathering of spring 2019 and I saw what happened there. " * 4


def _sign_chunk(args: tuple[int, int, int]) -> list[bytes]:
    from firsthand.log.note import Signer
    from firsthand.statements.format import sign_statement

    start, count, seed = args
    authors = [Signer.from_seed(f"load{i}.example", bytes([i, seed]) * 16) for i in range(50)]
    return [
        sign_statement(authors[i % 50], f"{TEXT}{seed}-{i}", kind="testimony").file_bytes()
        for i in range(start, start + count)
    ]


def signed(count: int, seed: int) -> list[bytes]:
    chunks = [(start, min(CHUNK, count - start), seed) for start in range(0, count, CHUNK)]
    out: list[bytes] = []
    with ProcessPoolExecutor(os.cpu_count() or 2) as pool:
        for files in tqdm(pool.map(_sign_chunk, chunks), total=len(chunks), desc="signing"):
            out.extend(files)
    return out


def build(env: dict[str, str], count: int) -> None:
    """Rows and log entries for ``count`` statements, in batches, as the API would write them."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from firsthand.publishing.listings import list_contents, list_labels
    from firsthand.publishing.rows import row_fields  # the API's own row fields
    from firsthand.statements.format import read_statement
    from firsthand.web import runtime
    from firsthand.web.api.models import PublishedStatement

    call_command("migrate", verbosity=0)
    sequencer = runtime.log().sequencer(max_batch=4096)
    for start in tqdm(range(0, count, CHUNK), desc="logging", unit="chunk"):
        files = _sign_chunk((start, min(CHUNK, count - start), 0))
        statements = [read_statement(f) for f in files]
        tickets = [sequencer.submit(s.head_bytes) for s in statements]
        sequencer.run_until_empty()
        created = PublishedStatement.objects.bulk_create(
            [
                PublishedStatement(
                    leaf_hash=s.leaf_hash.hex(), index=t.wait().index, **row_fields(s)
                )
                for s, t in zip(statements, tickets, strict=True)
            ],
            batch_size=2000,
        )
        list_contents((row.pk, row.refers, row.media) for row in created)
        list_labels(s.head for s in statements)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as after any bulk load: the planner needs statistics
    runtime.log().storage.close()
    connection.close()  # the cluster is stopped at the end; no connection of ours may be left


def wrk_lua(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    def ms(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": ms("50"),
        "p99": ms("99"),
        "errors": float(errors.group(1)) if errors else 0.0,
        "socket_errors": 1.0 if socket_errors else 0.0,
    }


def warm_up(url: str, script: Path, args: argparse.Namespace) -> None:
    """The same reads, unmeasured, for --warmup seconds: what a server that has been up
    for a while holds (the file's pages mapped into each worker, its tile cache filled,
    each language's templates compiled) instead of the first seconds after a start."""
    if args.warmup > 0:
        print(f"warming up for {args.warmup} s", flush=True)
        wrk_lua(url, script, args.warmup, args.connections)


def measured_reads(
    url: str,
    script: Path,
    args: argparse.Namespace,
    server: subprocess.Popen[bytes],
    database_pid: int | None,
) -> dict[str, float]:
    """The reads, with the servers' CPU per request beside them (web workers, PostgreSQL)."""
    pids = [server.pid] + ([database_pid] if database_pid else [])
    before = [tree_cpu_seconds(pid) for pid in pids]
    read = wrk_lua(url, script, args.seconds, args.connections)
    served = max(1.0, read["rate"] * args.seconds)
    for name, pid, was in zip(("web", "PostgreSQL"), pids, before, strict=False):
        read[f"cpu_ms {name}"] = 1000 * (tree_cpu_seconds(pid) - was) / served
    return read


def _spy() -> str | None:
    spy = shutil.which("py-spy") or str(ROOT / ".venv/bin/py-spy")
    return spy if Path(spy).exists() else None


def profile(pid: int, seconds: int, out: Path) -> list[tuple[str, float]]:
    """The functions py-spy saw most often in the writing server, with their share of samples."""
    spy = _spy()
    if spy is None:
        return []
    # --nonblocking: sampling must never pause the server being measured.
    command = [spy, "record", "--nonblocking", "-p", str(pid)]
    command += ["-d", str(seconds)]
    subprocess.run(
        [*command, "-f", "raw", "-o", str(out)],
        capture_output=True,
    )
    if not out.exists():
        return []
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack.strip():
            continue  # a thread with no Python frame: Granian's own, in Rust
        leaf = re.sub(r" \(.*", "", stack.split(";")[-1])
        if leaf in WAITING:
            continue
        own[leaf] += int(count)
        total += int(count)
    return [(name, n / total) for name, n in own.most_common(10)] if total else []


# Frames where a thread waits (a lock, a socket, the database) rather than computes. py-spy
# cannot always tell them from work, and they would otherwise fill the summary.
WAITING = {
    "Condition.wait", "Connection.wait", "GroupCommit.run", "Event.wait", "Ticket.wait",
    "wait", "poll", "select", "accept", "_wait_for_tstate_lock", "handler_thread", "notifies",
    "_read_exactly",  # a worker waiting for the sequencer's answer (intake.py)
}  # fmt: skip


def write_servers(
    env: dict[str, str], data: Path, port: int, rows: bool
) -> list[subprocess.Popen[bytes]]:
    """`firsthand serve --workers N`: a process per core, which hand statements over the
    intake socket to the sequencer process serve starts beside them, on either database.
    ``rows`` (PostgreSQL): Granian workers that store rows and NOTIFY, and
    `firsthand sequencer`, as web workers on other machines than the sequencer's do."""
    cli = [sys.executable, "-m", "firsthand.cli"]
    workers = str(os.cpu_count() or 2)
    if not rows:
        serve = [*cli, "serve", "--data", str(data), "--port", str(port), "--workers", workers]
        serve += ["--threads", str(WRITE_THREADS), "--period", WRITE_PERIOD]
        return [subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL)]
    sequencer = [*cli, "sequencer", "--data", str(data), "--period", WRITE_PERIOD]
    granian_workers = granian(port, workers=os.cpu_count() or 2, threads=PG_WRITE_THREADS)
    external = {**env, "FIRSTHAND_SEQUENCER": "external"}
    return [
        subprocess.Popen(sequencer, env=env, stdout=subprocess.DEVNULL),
        subprocess.Popen(granian_workers, env=external, stdout=subprocess.DEVNULL),
    ]


def measure_writes(
    args: argparse.Namespace, env: dict[str, str], data: Path, tmp: Path, database_pid: int | None
) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """Fresh signed statements sent by wrk; the figures, then (apart, so that sampling
    does not slow what is measured) a profile of a web worker under the same load."""
    measured, profiled = _writes_script(tmp, "measured", args.writes, 7), None
    if _spy() is not None:
        profiled = _writes_script(tmp, "profiled", PROFILE_SECONDS * 2_000, 8)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    servers = write_servers(env, data, port, args.rows)
    pids = [server.pid for server in servers] + ([database_pid] if database_pid else [])
    hot: list[tuple[str, float]] = []
    try:
        if not until_serving(url, attempts=300):
            raise SystemExit(f"the server on port {port} did not start")
        if not args.rows:  # serve's child: counted apart, and out of serve's tree
            pids = [sequencer_child(servers[0].pid), *pids]
        cpu_before = [tree_cpu_seconds(pid) for pid in pids]
        write = wrk_lua(url, measured, args.seconds, args.write_connections)
        used = [tree_cpu_seconds(pid) - b for pid, b in zip(pids, cpu_before, strict=True)]
        if not args.rows:
            used[1] -= used[0]
        accepted = max(1.0, write["rate"] * args.seconds)
        write["cpu_ms"] = 1000 * sum(used) / accepted
        names = ["sequencer", "web"] + (["PostgreSQL"] if args.postgresql else [])
        for name, seconds in zip(names, used, strict=True):
            write[f"cpu_ms {name}"] = 1000 * seconds / accepted
        if profiled is not None:
            # A worker of Granian's: its parent only starts and watches them.
            web = servers[-1].pid
            children = Path(f"/proc/{web}/task/{web}/children").read_text().split()
            with ProcessPoolExecutor(1) as pool:
                spied = pool.submit(
                    profile, int(children[0]) if children else web, PROFILE_SECONDS, tmp / "spy"
                )
                wrk_lua(url, profiled, PROFILE_SECONDS + 2, args.write_connections)
                hot = spied.result()
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()  # threads still waiting on a request must not hang the benchmark
                server.wait()
    return write, hot


PROFILE_SECONDS = 8


def _writes_script(tmp: Path, name: str, count: int, seed: int) -> Path:
    """A wrk script that sends ``count`` fresh statements, each once."""
    bodies = tmp / f"{name}.bodies"
    bodies.write_bytes(b"\0".join(signed(count, seed)))
    script = tmp / f"{name}.lua"
    script.write_text((ROOT / "bench/load_writes.lua").read_text().replace("BODIES", str(bodies)))
    return script


def static_tiles_server(env: dict[str, str], export: Path, port: int) -> list[str]:
    """Granian serving /tile/ from a static export of the log (as a CDN or a front server
    would, docs/deploy.md) and everything else through the site."""
    cli = [sys.executable, "-m", "firsthand.cli", "export-tiles", "--data", env["FIRSTHAND_DATA"]]
    subprocess.run([*cli, "--to", str(export)], env=env, check=True, stdout=subprocess.DEVNULL)
    command = granian(port, workers=os.cpu_count() or 2, threads=READ_THREADS)
    static = ["--static-path-route", "/tile", "--static-path-mount", str(export / "tile")]
    return [*command[:-1], *static, command[-1]]


def granian(port: int, workers: int, threads: int) -> list[str]:
    """Granian serving the site's WSGI app: HTTP in Rust, as `firsthand serve` does."""
    binary = shutil.which("granian") or str(ROOT / ".venv/bin/granian")
    command = [binary, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--blocking-threads", str(threads)]
    command += ["--backpressure", "2000", "--log-level", "error"]
    return [*command, "firsthand.web.wsgi:application"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--warmup", type=int, default=20, help="seconds of unmeasured reads before the measured"
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk's, for the reads")
    parser.add_argument("--write-connections", type=int, default=128, help="wrk's, for the writes")
    parser.add_argument("--writes", type=int, default=40_000, help="fresh statements to send")
    parser.add_argument("--only", choices=("reads", "writes"), help="run one half of the load")
    parser.add_argument(
        "--static-tiles",
        action="store_true",
        help="also run the reads with /tile/ served from a static export (as behind a CDN)",
    )
    parser.add_argument("--postgresql", action="store_true", help="a throw-away PostgreSQL cluster")
    parser.add_argument(
        "--rows",
        action="store_true",
        help="PostgreSQL writes: workers store rows and NOTIFY `firsthand sequencer` (as on "
        "other machines than its), instead of `serve --workers` and its intake socket",
    )
    parser.add_argument(
        "--data", type=Path, help="SQLite: keep the built log here, and reuse it once built"
    )
    args = parser.parse_args()
    if args.rows and not args.postgresql:
        parser.error("--rows is a way of writing to PostgreSQL")
    if args.postgresql and args.data:
        parser.error("--data keeps SQLite logs only; the PostgreSQL cluster is thrown away")
    with tempfile.TemporaryDirectory(prefix="firsthand-load-") as tmp, ExitStack() as stack:
        data = args.data or Path(tmp) / "data"
        env = {
            **os.environ,
            "FIRSTHAND_DATA": str(data),
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "firsthand.web.settings",
            # One client address sends everything: no per-client limit may refuse it.
            "FIRSTHAND_POST_RATE_PER_MINUTE": "100000000",
            "FIRSTHAND_READ_RATE_PER_MINUTE": "0",
        }
        database_pid = None
        if args.postgresql:
            from tests.postgres.cluster import ThrowawayCluster

            # Each writing thread holds a connection for the site and one for the log.
            cluster = stack.enter_context(ThrowawayCluster(durable=True, max_connections=300))
            env["FIRSTHAND_DATABASE_URL"] = cluster.create_database("firsthand_load")
            database_pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
        began = time.perf_counter()
        if not (data / "built").exists():
            build(env, args.statements)
            (data / "built").write_text(str(args.statements))
            print(f"built {args.statements:,} statements in {time.perf_counter() - began:.0f} s")
        args.statements = int((data / "built").read_text())

        read = write = tiled = None
        hot: list[tuple[str, float]] = []
        if args.only != "writes":
            reads = Path(tmp) / "reads.lua"
            lua = (ROOT / "bench/load_reads.lua").read_text()
            reads.write_text(lua.replace("SIZE", str(args.statements)))
            port = free_port()
            command = granian(port, workers=os.cpu_count() or 2, threads=READ_THREADS)
            with serving(command, env, f"http://127.0.0.1:{port}") as server:
                warm_up(f"http://127.0.0.1:{port}", reads, args)
                read = measured_reads(f"http://127.0.0.1:{port}", reads, args, server, database_pid)
            print(f"mixed reads: {read}", flush=True)  # kept even if the writes fail
            if args.static_tiles:
                static = static_tiles_server(env, Path(tmp) / "export", port := free_port())
                with serving(static, env, f"http://127.0.0.1:{port}") as server:
                    warm_up(f"http://127.0.0.1:{port}", reads, args)
                    tiled = measured_reads(
                        f"http://127.0.0.1:{port}", reads, args, server, database_pid
                    )
                print(f"mixed reads, tiles from the static export: {tiled}", flush=True)
        if args.only != "reads":
            write, hot = measure_writes(args, env, data, Path(tmp), database_pid)

    backend = "PostgreSQL" if args.postgresql else "SQLite"
    writer = "Granian + firsthand sequencer" if args.rows else "firsthand serve --workers"
    print(f"\nload benchmark: {args.statements:,} statements in the log ({backend}), ", end="")
    print(f"{os.cpu_count()} cores")
    print(f"{'measure':<50}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    rows = (
        ("mixed reads (Granian)", read),
        ("mixed reads, tiles from the static export", tiled),
        (f"signed statements ({writer})", write),
    )
    for label, r in rows:
        if r is None:
            continue
        print(
            f"{label:<50}{r['rate']:>10,.0f}{r['p50']:>10.1f}{r['p99']:>10.1f}{r['errors']:>8.0f}"
        )
    print("targets: 2,000 read req/s at p99 < 100 ms; 1,000 accepted statements/s; 0 errors")
    for label, r in (("read", read), ("read, static tiles", tiled)):
        if r is not None:
            parts = [(k.split(" ", 1)[1], v) for k, v in r.items() if k.startswith("cpu_ms ")]
            print(
                f"server CPU per {label} request: "
                + ", ".join(f"{n} {ms:.2f} ms" for n, ms in parts)
            )
    if write is not None:
        print(f"CPU per accepted statement, all server processes: {write['cpu_ms']:.2f} ms", end="")
        parts = [(k.split(" ", 1)[1], v) for k, v in write.items() if k.startswith("cpu_ms ")]
        print(" (" + ", ".join(f"{name} {ms:.2f} ms" for name, ms in parts) + ")")
    if hot:
        print("\nwhere the writing web server's time goes (py-spy, own time of busy samples):")
        for name, share in hot:
            print(f"  {share:6.1%}  {name}")


if __name__ == "__main__":
    main()
