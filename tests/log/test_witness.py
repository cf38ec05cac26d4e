"""tlog-witness v1.0.0: every status code through the WSGI app, races, crashes and split views."""

from __future__ import annotations

import base64
import contextlib
import http.client
import io
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firsthand.log.checkpoint import Checkpoint, sign_checkpoint
from firsthand.log.cosignature import CosignatureSigner, verify_cosignatures
from firsthand.log.evidence import (
    NOT_A_PREFIX,
    SAME_SIZE,
    NotEvidence,
    make_evidence,
    verify_evidence,
)
from firsthand.log.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    leaf_hash,
    memory_node_reader,
    root_from_leaf_hashes,
)
from firsthand.log.note import Signer, parse_note
from firsthand.log.witness import AddCheckpointRequest, TrustedLog, Witness
from firsthand.log.witness_http import make_app

ORIGIN = "example.org/log"
REPO = Path(__file__).resolve().parents[2]


class TreeLog:
    """A real little log: a signing key and leaves, with checkpoints and proofs on demand."""

    def __init__(self, signer: Signer, leaves: list[bytes]) -> None:
        self.signer = signer
        self.leaves = leaves

    @classmethod
    def new(cls, size: int, seed: int = 0, tag: bytes = b"") -> TreeLog:
        signer = Signer.from_seed(ORIGIN, bytes([seed]) * 32)
        return cls(signer, [leaf_hash(b"entry %d%s" % (i, tag)) for i in range(size)])

    def fork(self, at: int, size: int, tag: bytes) -> TreeLog:
        """The same key and first ``at`` entries, then other entries: a split view."""
        extra = [leaf_hash(b"entry %d%s" % (i, tag)) for i in range(at, size)]
        return TreeLog(self.signer, self.leaves[:at] + extra)

    def root(self, size: int) -> bytes:
        return root_from_leaf_hashes(self.leaves[:size])

    def note(self, size: int, extensions: tuple[str, ...] = ()) -> bytes:
        return sign_checkpoint(Checkpoint(ORIGIN, size, self.root(size), extensions), self.signer)

    def proof(self, old: int, new: int) -> list[bytes]:
        if old in (0, new):
            return []
        return consistency_proof(old, new, memory_node_reader(self.leaves[:new]))

    def request(self, old: int, size: int, proof: list[bytes] | None = None) -> bytes:
        hashes = self.proof(old, size) if proof is None else proof
        return AddCheckpointRequest(old, tuple(hashes), self.note(size)).encode()


def call(app: Any, body: bytes, method: str = "POST", path: str = "/add-checkpoint") -> Any:
    """Drive the real WSGI app as a server would: returns (status, headers, body)."""
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(headers)

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    data = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], data


@pytest.fixture
def witness(tmp_path: Path) -> Iterator[Witness]:
    log = TreeLog.new(0)
    signer = CosignatureSigner.from_seed("witness.example/w1", bytes([7]) * 32)
    w = Witness(tmp_path / "w.db", [signer], [TrustedLog(ORIGIN, (log.signer.verifier(),))])
    yield w
    w.close()


def test_first_checkpoint_with_old_0_is_cosigned_and_stored(witness: Witness) -> None:
    log = TreeLog.new(10)
    status, _, body = call(make_app(witness), log.request(0, 10))
    assert status == 200
    note = parse_note(log.note(10) + body)
    [cosig] = verify_cosignatures(note, witness.verifiers())
    assert body.startswith("— witness.example/w1 ".encode()) and body.endswith(b"\n")
    stored = witness.latest(ORIGIN)
    assert stored is not None and (stored.size, stored.root_hash) == (10, log.root(10))
    assert cosig.timestamp > 0


def test_a_consistent_larger_checkpoint_is_cosigned(witness: Witness) -> None:
    log, app = TreeLog.new(300), make_app(witness)
    assert call(app, log.request(0, 7))[0] == 200
    assert call(app, log.request(7, 300))[0] == 200
    assert call(app, log.request(300, 300))[0] == 200  # the same tree again: a fresh cosignature
    assert witness.latest(ORIGIN).size == 300  # type: ignore[union-attr]


def test_unknown_origin_is_404(witness: Witness) -> None:
    other = Signer.generate("other.example/log")
    note = sign_checkpoint(Checkpoint("other.example/log", 1, bytes(32)), other)
    status, _, body = call(make_app(witness), b"old 0\n\n" + note)
    assert status == 404 and b"other.example/log" in body


def test_a_checkpoint_signed_by_another_key_is_403(witness: Witness) -> None:
    impostor = TreeLog(Signer.generate(ORIGIN), TreeLog.new(3).leaves)
    assert call(make_app(witness), impostor.request(0, 3))[0] == 403


def test_a_failing_signature_by_the_trusted_key_is_403(witness: Witness) -> None:
    log = TreeLog.new(3)
    tampered = log.request(0, 3).replace(b"\n3\n", b"\n4\n")
    assert call(make_app(witness), tampered)[0] == 403


def test_old_size_larger_than_the_checkpoint_is_400(witness: Witness) -> None:
    log = TreeLog.new(3)
    assert call(make_app(witness), b"old 4\n\n" + log.note(3))[0] == 400


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old\n\n",
        b"old 01\n\n",
        b"old -1\n\n",
        b"new 0\n\n",
        b"old 0\nnot base64!\n\n",
        b"old 0\n" + base64.b64encode(bytes(31)) + b"\n\n",
        b"old 0\n" + (base64.b64encode(bytes(32)) + b"\n") * 64 + b"\n",
        b"old 0\n",
        b"old 0\n\nnot a note",
    ],
)
def test_malformed_requests_are_400(witness: Witness, body: bytes) -> None:
    status, headers, text = call(make_app(witness), body)
    assert status == 400 and headers["Content-Type"].startswith("text/plain") and text


def test_old_size_other_than_the_stored_one_is_409_with_the_stored_size(witness: Witness) -> None:
    log, app = TreeLog.new(20), make_app(witness)
    assert call(app, log.request(0, 10))[0] == 200
    status, headers, body = call(app, log.request(5, 20))
    assert (status, headers["Content-Type"], body) == (409, "text/x.tlog.size", b"10\n")
    status, _, body = call(app, log.request(0, 20))
    assert (status, body) == (409, b"10\n")


def test_a_witness_that_never_cosigned_holds_size_0(witness: Witness) -> None:
    log = TreeLog.new(20)
    assert call(make_app(witness), log.request(10, 20))[1:] == (
        {"Content-Type": "text/x.tlog.size", "Content-Length": "2", "Cache-Control": "no-store"},
        b"0\n",
    )


def test_same_size_different_root_is_409_per_v1_0_0_and_is_kept(witness: Witness) -> None:
    log, app = TreeLog.new(10), make_app(witness)
    fork = log.fork(4, 10, b"fork")
    assert call(app, log.request(0, 10))[0] == 200
    status, headers, body = call(app, fork.request(10, 10))
    assert (status, headers["Content-Type"], body) == (409, "text/x.tlog.size", b"10\n")
    [refusal] = witness.refusals(ORIGIN)
    assert refusal.reason == "same-size-different-root"
    view = verify_evidence(
        make_evidence(refusal.stored_note, refusal.request.checkpoint, log.signer.verifier()),
        log.signer.verifier(),
    )
    assert view.kind == SAME_SIZE


def test_a_bad_consistency_proof_is_422(witness: Witness) -> None:
    log, app = TreeLog.new(20), make_app(witness)
    assert call(app, log.request(0, 5))[0] == 200
    proof = log.proof(5, 20)
    proof[0] = bytes(32)
    assert call(app, log.request(5, 20, proof))[0] == 422
    assert call(app, log.request(5, 20, []))[0] == 422
    assert witness.latest(ORIGIN).size == 5  # type: ignore[union-attr]


def test_old_0_needs_an_empty_proof(witness: Witness) -> None:
    log = TreeLog.new(20)
    assert call(make_app(witness), log.request(0, 20, log.proof(1, 20)))[0] == 422


def test_a_size_0_checkpoint_must_have_the_empty_root(witness: Witness) -> None:
    log, app = TreeLog.new(0), make_app(witness)
    assert log.root(0) == EMPTY_ROOT
    assert call(app, log.request(0, 0))[0] == 200
    wrong = sign_checkpoint(Checkpoint(ORIGIN, 0, bytes(32)), log.signer)
    assert call(app, b"old 0\n\n" + wrong)[0] == 409


def test_other_methods_paths_and_huge_bodies(witness: Witness) -> None:
    app = make_app(witness)
    assert call(app, b"", "GET")[0] == 405
    assert call(app, b"", "GET", "/elsewhere")[0] == 404
    status, _, keys = call(app, b"", "GET", "/")
    assert status == 200 and keys.decode().strip() == witness.verifiers()[0].text()
    assert call(app, b"old 0\n" + b"A" * 100_000)[0] == 413


def test_a_fork_is_refused_with_422_and_becomes_evidence(witness: Witness) -> None:
    log, app = TreeLog.new(5), make_app(witness)
    fork = log.fork(3, 9, b"fork")
    assert call(app, log.request(0, 5))[0] == 200
    assert call(app, fork.request(5, 9))[0] == 422  # the proof is from the forked tree
    [refusal] = witness.refusals(ORIGIN)
    assert refusal.reason == "inconsistent-proof"
    evidence = make_evidence(
        refusal.stored_note,
        refusal.request.checkpoint,
        log.signer.verifier(),
        refusal.request.proof,
    )
    view = verify_evidence(evidence, log.signer.verifier())
    assert view.kind == NOT_A_PREFIX and view.prefix_root == fork.root(5)


# --- concurrency: whatever the order, never two inconsistent cosignatures --------------------

BASE = TreeLog.new(40)
FORKS = [BASE, BASE.fork(12, 40, b"a"), BASE.fork(25, 40, b"b")]


def _consistent(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether checkpoint (fork, size) a is a prefix of b or b of a."""
    (fa, sa), (fb, _) = sorted([a, b], key=lambda c: c[1])
    return FORKS[fb].root(sa) == FORKS[fa].root(sa)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    requests=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 40), st.integers(0, 40)),
        min_size=5,
        max_size=40,
    ),
    threads=st.integers(1, 6),
)
def test_concurrent_requests_never_get_two_inconsistent_checkpoints_cosigned(
    tmp_path_factory: pytest.TempPathFactory,
    requests: list[tuple[int, int, int]],
    threads: int,
) -> None:
    signer = CosignatureSigner.generate("w")
    witness = Witness(
        tmp_path_factory.mktemp("w") / "w.db",
        [signer],
        [TrustedLog(ORIGIN, (BASE.signer.verifier(),))],
    )
    bodies = []
    for fork, a, b in requests:
        old, size = min(a, b), max(a, b)
        bodies.append(((fork, size), FORKS[fork].request(old, size)))
    cosigned: list[tuple[int, int]] = []
    lock = threading.Lock()

    def worker(mine: list[tuple[tuple[int, int], bytes]]) -> None:
        for checkpoint, body in mine:
            if witness.add_checkpoint(body).status == 200:
                with lock:
                    cosigned.append(checkpoint)

    workers = [threading.Thread(target=worker, args=(bodies[i::threads],)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    for i, a in enumerate(cosigned):
        for b in cosigned[i + 1 :]:
            assert _consistent(a, b), (a, b)
    stored = witness.latest(ORIGIN)
    if cosigned:
        assert stored is not None and stored.size == max(size for _, size in cosigned)
    witness.close()


# --- a real witness process killed with SIGKILL ---------------------------------------------

SERVE = (
    "import argparse, sys\n"
    "from firsthand.cli.witness import add_commands\n"
    "parser = argparse.ArgumentParser()\n"
    "add_commands(parser.add_subparsers())\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(args.func(args))\n"
)


def _start_witness(data: Path, log: TreeLog) -> tuple[subprocess.Popen[str], int, str]:
    vkey = log.signer.verifier().text()
    command = [sys.executable, "-c", SERVE, "witness", "serve", "--data", str(data)]
    process = subprocess.Popen(
        [*command, "--port", "0", "--log", f"{ORIGIN}={vkey}"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert process.stdout is not None
    key = process.stdout.readline().strip()
    url_line = process.stdout.readline()
    port = int(url_line.rsplit(":", 1)[1].split("/")[0])
    return process, port, key


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have been reaped already
        os.kill(pid, signal.SIGKILL)


def _post(port: int, body: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/add-checkpoint", body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_witness_killed_mid_requests_never_forgets_or_goes_back(tmp_path: Path) -> None:
    log = TreeLog.new(1500)
    rng = random.Random(1)
    acknowledged = 0  # the largest size the witness answered 200 for
    interrupted = 0  # requests cut off by the kill
    for _ in range(25):
        process, port, _ = _start_witness(tmp_path, log)
        try:
            status, body = _post(port, log.request(0, 0))
            held = int(body) if status == 409 else 0
            assert held >= acknowledged, "the witness forgot a checkpoint it cosigned"
            # Cosigning backwards is refused, whatever old size is claimed.
            if acknowledged > 1:
                assert _post(port, log.request(held, acknowledged - 1, []))[0] == 400
            stop_after = rng.randint(1, 12)
            size = held
            for n in range(stop_after):
                new = min(size + rng.randint(1, 20), len(log.leaves))
                if n == stop_after - 1:
                    # Kill it while this request may be anywhere between read and reply.
                    delay = rng.random() * 0.003
                    threading.Timer(delay, _kill, (process.pid,)).start()
                try:
                    status, _ = _post(port, log.request(size, new))
                except (OSError, http.client.HTTPException):
                    interrupted += 1
                    break
                if status == 200:
                    acknowledged = max(acknowledged, new)
                    size = new
        finally:
            process.kill()
            process.wait()
    assert interrupted > 0 and acknowledged > 0
    process, port, _ = _start_witness(tmp_path, log)
    try:
        status, body = _post(port, log.request(0, 0))
        assert status == 409 and int(body) >= acknowledged
    finally:
        process.kill()
        process.wait()


def test_the_witness_key_file_is_private_and_reused(tmp_path: Path) -> None:
    log = TreeLog.new(1)
    process, _, first = _start_witness(tmp_path, log)
    process.kill()
    process.wait()
    assert (tmp_path / "witness.key").stat().st_mode & 0o777 == 0o600
    process, _, second = _start_witness(tmp_path, log)
    process.kill()
    process.wait()
    assert first == second and first.split("+")[2].startswith("B")  # base64 of 0x04...


# --- split view: a log that shows two witnesses two trees is caught --------------------------


def test_a_log_showing_two_witnesses_two_trees_is_caught_and_the_evidence_verifies(
    tmp_path: Path,
) -> None:
    honest = TreeLog.new(30)
    liar = honest.fork(20, 30, b"rewritten")
    trust = [TrustedLog(ORIGIN, (honest.signer.verifier(),))]
    w1 = Witness(tmp_path / "w1.db", [CosignatureSigner.generate("w1")], trust)
    w2 = Witness(tmp_path / "w2.db", [CosignatureSigner.generate("w2")], trust)
    # Each witness, alone, sees a consistent history and cosigns it.
    assert w1.add_checkpoint(honest.request(0, 25)).status == 200
    assert w1.add_checkpoint(honest.request(25, 30)).status == 200
    assert w2.add_checkpoint(liar.request(0, 30)).status == 200
    # A monitor compares the cosigned checkpoints the two witnesses hold.
    a, b = w1.latest(ORIGIN), w2.latest(ORIGIN)
    assert a is not None and b is not None and a.root_hash != b.root_hash
    evidence = make_evidence(a.note, b.note, honest.signer.verifier())
    view = verify_evidence(evidence, honest.signer.verifier())
    assert view.kind == SAME_SIZE and view.origin == ORIGIN
    # Any third party with only the log key can check the file; a wrong key cannot.
    with pytest.raises(NotEvidence):
        verify_evidence(evidence, Signer.generate(ORIGIN).verifier())
    # When the liar later shows w1 its tree, w1 refuses and keeps the proof.
    assert w1.add_checkpoint(liar.request(30, 30)).status == 409
    assert [r.reason for r in w1.refusals(ORIGIN)] == ["same-size-different-root"]
    w1.close()
    w2.close()


def test_evidence_of_different_sizes_needs_a_proof_that_verifies_against_the_second_tree() -> None:
    honest = TreeLog.new(30)
    liar = honest.fork(10, 30, b"x")
    key = honest.signer.verifier()
    proof = tuple(liar.proof(21, 30))
    view = verify_evidence(make_evidence(honest.note(21), liar.note(30), key, proof), key)
    assert view.kind == NOT_A_PREFIX
    with pytest.raises(NotEvidence, match="extends"):
        make_evidence(honest.note(21), honest.note(30), key, tuple(honest.proof(21, 30)))
    wrong = (bytes(32), *proof[1:])
    with pytest.raises(NotEvidence, match="proves nothing"):
        make_evidence(honest.note(21), liar.note(30), key, wrong)
    with pytest.raises(NotEvidence, match="power of two"):
        make_evidence(honest.note(16), liar.note(30), key, tuple(liar.proof(16, 30)))
    evidence = make_evidence(
        honest.note(16), liar.note(30), key, tuple(liar.proof(16, 30)), liar.root(16)
    )
    assert verify_evidence(evidence, key).prefix_root == liar.root(16)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.replace(b'"kind": "same-size-different-roots"', b'"kind": "not-a-prefix"'),
        lambda d: d.replace(b"firsthand/split-view-evidence/v1", b"something/else"),
        lambda d: d[:-40],
        lambda d: d.replace(b"\\n30\\n", b"\\n31\\n", 1),
    ],
)
def test_a_tampered_evidence_file_is_refused(edit: Any) -> None:
    honest = TreeLog.new(30)
    liar = honest.fork(20, 30, b"y")
    key = honest.signer.verifier()
    evidence = make_evidence(honest.note(30), liar.note(30), key)
    with pytest.raises(NotEvidence):
        verify_evidence(edit(evidence), key)
