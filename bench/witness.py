"""How many cosignatures a witness gives per second, and what witnessing adds to publication.

    .venv/bin/python bench/witness.py [--requests N]

1. In-process: Witness.add_checkpoint, one thread (every request its own fsync)
   and several threads (group commit shares one fsync among concurrent requests).
2. Through HTTP: POST /add-checkpoint on waitress (the in-process server tests
   use), and on `firsthand witness serve` (Granian, the service), with
   keep-alive Python clients that move the tree forward and with wrk.
3. Publication delay: the time WitnessClient.cosign takes for one new checkpoint
   with 1, 2 and 3 local witnesses (p50 and p99), i.e. what the witness step
   adds before a cosigned checkpoint can be served.

Each request moves the tree forward by a few entries with a real consistency
proof, as a busy log would. Peer figure, for scale: the spec's authors designed
witnesses for "a large number of rarely active logs"; one log checkpointing
every second needs 1 cosignature per second per witness.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from firsthand.log.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from firsthand.log.cosignature import CosignatureSigner
from firsthand.log.merkle import (
    consistency_proof,
    leaf_hash,
    memory_node_reader,
    root_from_leaf_hashes,
)
from firsthand.log.note import Signer
from firsthand.log.witness import (
    AddCheckpointRequest,
    TrustedLog,
    Witness,
    parse_request,
)
from firsthand.log.witness_client import WitnessClient, WitnessEndpoint
from firsthand.log.witness_http import make_server

ORIGIN = "bench.example/log"


class Chain:
    """A growing tree and, for each origin, a chain of add-checkpoint request bodies."""

    def __init__(self, steps: int, step: int = 3) -> None:
        self.size = steps * step
        self.leaves = [leaf_hash(b"bench %d" % i) for i in range(self.size)]
        self.reader = memory_node_reader(self.leaves)
        self.step = step
        # Roots of every prefix in O(n): fold leaves once.
        self.roots = {0: root_from_leaf_hashes([])}
        for s in range(step, self.size + 1, step):
            self.roots[s] = root_from_leaf_hashes(self.leaves[:s])

    def requests(self, signer: Signer, origin: str) -> list[bytes]:
        bodies = []
        for s in range(self.step, self.size + 1, self.step):
            old = s - self.step
            proof = consistency_proof(old, s, self.reader) if old else []
            note = sign_checkpoint(Checkpoint(origin, s, self.roots[s]), signer)
            bodies.append(AddCheckpointRequest(old, tuple(proof), note).encode())
        return bodies


def make_witness(directory: Path, logs: list[tuple[str, Signer]]) -> Witness:
    trust = [TrustedLog(origin, (signer.verifier(),)) for origin, signer in logs]
    return Witness(directory / "w.db", [CosignatureSigner.generate("bench-witness")], trust)


def run_threads(chains: list[list[bytes]], send: object) -> float:
    """Each thread plays one log's chain in order; returns cosignatures per second."""
    assert callable(send)
    failures: list[int] = []

    def play(chain: list[bytes], index: int) -> None:
        for body in chain:
            status = send(body, index)
            if status != 200:
                failures.append(status)

    threads = [threading.Thread(target=play, args=(c, i)) for i, c in enumerate(chains)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[:3]}")
    return sum(len(c) for c in chains) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    logging.getLogger("waitress").setLevel(logging.CRITICAL)  # queue depth, shutdown races
    n_logs = args.threads
    per_log = args.requests // n_logs
    chain = Chain(per_log)
    logs = [(f"{ORIGIN}/{i}", Signer.generate(f"{ORIGIN}/{i}")) for i in range(n_logs)]
    print(f"preparing {per_log * n_logs} signed requests for {n_logs} logs ...", flush=True)
    bodies = [chain.requests(signer, origin) for origin, signer in logs]
    print(f"{'measure':<52} {'figure':>14}")

    with tempfile.TemporaryDirectory() as tmp:
        w = make_witness(Path(tmp), logs[:1])
        rate = run_threads(bodies[:1], lambda body, _: w.add_checkpoint(body).status)
        print(f"{'in-process, 1 thread (fsync per request)':<52} {rate:>10.0f} /s")
        w.close()
    with tempfile.TemporaryDirectory() as tmp:
        w = make_witness(Path(tmp), logs)
        rate = run_threads(bodies, lambda body, _: w.add_checkpoint(body).status)
        label = f"in-process, {n_logs} threads (group commit)"
        print(f"{label:<52} {rate:>10.0f} /s")
        w.close()
    with tempfile.TemporaryDirectory() as tmp:
        w = make_witness(Path(tmp), logs)
        server = make_server(w, threads=n_logs)
        threading.Thread(target=server.run, daemon=True).start()
        port = server.effective_port
        with_keepalive_clients(port, bodies, f"waitress, {n_logs} keep-alive clients")
        with_wrk(Path(tmp), port, bodies[0][-1])
        server.close()
        w.close()

    with tempfile.TemporaryDirectory() as tmp:
        with_witness_service(Path(tmp), logs, bodies)

    publication_delay(chain, logs[0])


def with_keepalive_clients(port: int, bodies: list[list[bytes]], label: str) -> None:
    """One keep-alive Python client per log, each moving its log's tree forward."""
    connections = [http.client.HTTPConnection("127.0.0.1", port) for _ in bodies]

    def post(body: bytes, index: int) -> int:
        connections[index].request("POST", "/add-checkpoint", body)
        response = connections[index].getresponse()
        response.read()
        return response.status

    try:
        rate = run_threads(bodies, post)
    finally:
        for connection in connections:
            connection.close()
    print(f"{label:<52} {rate:>10.0f} /s")


def with_witness_service(
    directory: Path, logs: list[tuple[str, Signer]], bodies: list[list[bytes]]
) -> None:
    """The same requests against `firsthand witness serve`, the way a witness is deployed."""
    command = [sys.executable, "-m", "firsthand.cli", "witness", "serve", "--port", "0"]
    command += ["--data", str(directory / "w")]
    for origin, signer in logs:
        command += ["--log", f"{origin}={signer.verifier().text()}"]
    service = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1]
    )
    try:
        assert service.stdout is not None
        service.stdout.readline()  # the witness key
        port = int(service.stdout.readline().rsplit(":", 1)[1].split("/")[0])
        label = f"witness serve (Granian), {len(logs)} keep-alive clients"
        with_keepalive_clients(port, bodies, label)
        with_wrk(directory, port, bodies[0][-1], "witness serve (Granian), wrk, 8 connections")
    finally:
        service.terminate()
        service.wait(10)


def with_wrk(
    directory: Path,
    port: int,
    last: bytes,
    label: str = "waitress, wrk, 8 connections, same checkpoint again",
) -> None:
    """wrk (C, keep-alive) re-sending the latest checkpoint: each answer is a full cosignature.

    old = checkpoint size = stored size: the witness verifies the log signature,
    checks and rewrites its state in a transaction, commits, and signs.
    """
    if shutil.which("wrk") is None:
        print(f"{'HTTP with wrk':<52} {'(wrk not installed)':>14}")
        return
    request = parse_request(last)
    size = int(request.checkpoint.split(b"\n")[1])
    body = AddCheckpointRequest(size, (), request.checkpoint).encode()
    (directory / "body").write_bytes(body)
    script = directory / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f'local f = io.open("{directory / "body"}", "rb")\n'
        "wrk.body = f:read('*a')\nf:close()\n"
    )
    out = subprocess.run(
        ["wrk", "-t1", "-c8", "-d5s", "-s", str(script), f"http://127.0.0.1:{port}/add-checkpoint"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec"))
    bad = [line.strip() for line in out.splitlines() if "Non-2xx" in line]
    print(f"{label:<52} {float(rate):>10.0f} /s {' '.join(bad)}")


def publication_delay(chain: Chain, log: tuple[str, Signer]) -> None:
    origin, signer = log
    with tempfile.TemporaryDirectory() as tmp:
        servers, endpoints, witnesses = [], [], []
        for i in range(3):
            directory = Path(tmp) / f"w{i}"
            directory.mkdir()
            w = make_witness(directory, [log])
            server = make_server(w, threads=2)
            threading.Thread(target=server.run, daemon=True).start()
            servers.append(server)
            witnesses.append(w)
            url = f"http://127.0.0.1:{server.effective_port}"
            endpoints.append(WitnessEndpoint(url, w.verifiers()[0]))
        sizes = list(range(chain.step, chain.size + 1, chain.step))
        for count in (1, 2, 3):
            client = WitnessClient(
                endpoints[:count], lambda a, b: consistency_proof(a, b, chain.reader)
            )
            delays = []
            for s in sizes[(count - 1) * 200 : count * 200]:
                note = sign_checkpoint(Checkpoint(origin, s, chain.roots[s]), signer)
                checkpoint, _ = open_checkpoint(note, signer.verifier())
                start = time.perf_counter()
                outcomes = client.cosign(note, checkpoint)
                delays.append(time.perf_counter() - start)
                if not all(o.ok for o in outcomes):
                    raise SystemExit(f"cosigning failed: {[o.error for o in outcomes]}")
            client.close()
            q = statistics.quantiles(delays, n=100)
            label = f"publication delay, {count} witness(es), p50 / p99"
            print(f"{label:<52} {q[49] * 1000:>5.2f} / {q[98] * 1000:.2f} ms")
        for server in servers:
            server.close()
        for w in witnesses:
            w.close()


if __name__ == "__main__":
    main()
