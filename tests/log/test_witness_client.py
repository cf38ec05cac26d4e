"""The log's witness client and background collector, against real witnesses over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from firsthand.log.checkpoint import Checkpoint, open_checkpoint
from firsthand.log.cosignature import CosignatureSigner, verify_cosignatures
from firsthand.log.note import parse_note
from firsthand.log.witness import TrustedLog, Witness
from firsthand.log.witness_client import (
    CosignatureCollector,
    CosignedCheckpoint,
    WitnessClient,
    WitnessEndpoint,
)
from firsthand.log.witness_http import make_app, make_server
from tests.log.test_witness import ORIGIN, TreeLog

LOG = TreeLog.new(200)


class RunningWitness:
    """A real witness behind waitress on a free port; ``gate`` can hold its answers."""

    def __init__(self, directory: Path, name: str) -> None:
        self.signer = CosignatureSigner.generate(name)
        self.witness = Witness(
            directory / f"{name}.db", [self.signer], [TrustedLog(ORIGIN, (LOG.signer.verifier(),))]
        )
        self.gate = threading.Event()
        self.gate.set()
        app = make_app(self.witness)

        def gated(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            self.gate.wait(30)
            return app(environ, start_response)

        self.server = make_server(self.witness)
        self.server.application = gated
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        self.endpoint = WitnessEndpoint(
            f"http://127.0.0.1:{self.server.effective_port}", self.signer.verifier()
        )

    def stop(self) -> None:
        self.gate.set()
        # Closed on the server's own thread: closing its socket from here while its loop
        # sits in select() would make that select fail with EBADF.
        closed = threading.Event()

        def close() -> None:
            self.server.close()
            closed.set()

        self.server.trigger.pull_trigger(close)
        closed.wait(10)
        self.witness.close()


@pytest.fixture
def witnesses(tmp_path: Path) -> Iterator[list[RunningWitness]]:
    running = [RunningWitness(tmp_path, f"w{i}.example") for i in range(3)]
    yield running
    for w in running:
        w.stop()


def client_for(endpoints: list[WitnessEndpoint], log: TreeLog = LOG) -> WitnessClient:
    return WitnessClient(endpoints, log.proof, timeout=5, attempts=2, backoff=0.01)


def checkpoint(size: int, log: TreeLog = LOG) -> tuple[bytes, Checkpoint]:
    note = log.note(size)
    return note, open_checkpoint(note, log.signer.verifier())[0]


def test_every_witness_cosigns_in_parallel_and_the_lines_verify(
    witnesses: list[RunningWitness],
) -> None:
    client = client_for([w.endpoint for w in witnesses])
    for size in (10, 50, 200):
        outcomes = client.cosign(*checkpoint(size))
        assert [o.ok for o in outcomes] == [True, True, True], [o.error for o in outcomes]
    note = parse_note(LOG.note(200) + b"".join(o.cosignatures[0].line().encode() for o in outcomes))
    assert len(verify_cosignatures(note, [w.signer.verifier() for w in witnesses])) == 3
    client.close()


def test_the_client_learns_the_witness_size_from_409_and_retries(
    witnesses: list[RunningWitness],
) -> None:
    w = witnesses[0]
    assert w.witness.add_checkpoint(LOG.request(0, 77)).status == 200  # fed by someone else
    client = client_for([w.endpoint])
    [outcome] = client.cosign(*checkpoint(150))
    assert outcome.ok, outcome.error
    assert w.witness.latest(ORIGIN).size == 150  # type: ignore[union-attr]
    client.close()


def test_an_unreachable_witness_fails_alone(witnesses: list[RunningWitness]) -> None:
    dead = RunningWitness(witnesses[0].witness.path.parent, "dead.example")
    dead.stop()
    client = client_for([witnesses[0].endpoint, dead.endpoint])
    good, bad = client.cosign(*checkpoint(20))
    assert good.ok and not bad.ok and "could not be reached" in (bad.error or "")
    client.close()


def test_a_witness_holding_another_tree_is_reported_as_a_conflict(
    witnesses: list[RunningWitness],
) -> None:
    fork = LOG.fork(5, 200, b"other")
    w = witnesses[0]
    assert w.witness.add_checkpoint(fork.request(0, 30)).status == 200
    client = client_for([w.endpoint])
    [same_size] = client.cosign(*checkpoint(30))
    assert same_size.conflict and "split view" in (same_size.error or "")
    [larger] = client.cosign(*checkpoint(40))
    assert larger.conflict and not larger.ok
    client.close()


def test_a_witness_ahead_of_us_is_a_conflict(witnesses: list[RunningWitness]) -> None:
    w = witnesses[0]
    assert w.witness.add_checkpoint(LOG.request(0, 100)).status == 200
    [outcome] = client_for([w.endpoint]).cosign(*checkpoint(60))
    assert outcome.conflict and "larger than ours" in (outcome.error or "")


def test_a_cosignature_by_another_key_is_not_accepted(witnesses: list[RunningWitness]) -> None:
    wrong = WitnessEndpoint(
        witnesses[0].endpoint.url, CosignatureSigner.generate("w0.example").verifier()
    )
    [outcome] = client_for([wrong]).cosign(*checkpoint(10))
    assert not outcome.ok and "no cosignature" in (outcome.error or "")


def test_the_collector_never_blocks_and_keeps_only_the_newest_checkpoint(
    witnesses: list[RunningWitness],
) -> None:
    w = witnesses[0]
    w.gate.clear()  # the witness holds every answer until we let it go
    seen: list[CosignedCheckpoint] = []
    collector = CosignatureCollector(client_for([w.endpoint]), LOG.signer.verifier(), seen.append)
    collector.start()
    collector.submit(LOG.note(10))
    for size in (20, 30, 40):
        collector.submit(LOG.note(size))  # returns at once although the witness is stuck
    assert seen == []
    w.gate.set()
    assert collector.wait_idle(20)
    # The one the collector had taken when the witness stuck (10, or 20 or 30 if its thread
    # started late), then only the newest: the ones in between were never sent.
    assert [c.checkpoint.size for c in seen] in ([10, 40], [20, 40], [30, 40], [40])
    latest = collector.latest()
    assert latest is not None and latest.cosigners == 1
    checkpoint_, note = open_checkpoint(latest.note, LOG.signer.verifier())
    assert checkpoint_.size == 40
    assert len(verify_cosignatures(note, [w.signer.verifier()])) == 1
    collector.stop()


def test_the_collector_survives_a_bad_checkpoint(witnesses: list[RunningWitness]) -> None:
    collector = CosignatureCollector(client_for([witnesses[0].endpoint]), LOG.signer.verifier())
    collector.start()
    collector.submit(b"not a checkpoint")
    assert collector.wait_idle(10)
    collector.submit(LOG.note(12))
    assert collector.wait_idle(10)
    assert collector.latest().checkpoint.size == 12  # type: ignore[union-attr]
    assert "MalformedNote" in collector.errors()[0]
    collector.stop()
