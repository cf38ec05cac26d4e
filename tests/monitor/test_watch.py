"""The monitor against real logs served over real HTTP: reports, restarts, forks and evidence."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from firsthand.log.datadir import LOG_KEY_NAME, LogInstance, open_log
from firsthand.log.errors import NotFound
from firsthand.log.evidence import NOT_A_PREFIX, SAME_SIZE, verify_evidence
from firsthand.log.merkle import leaf_hash
from firsthand.log.note import Signer, Verifier, sign_note
from firsthand.log.reader import LogReader
from firsthand.log.tile_client import LogClient, LogUnreachable
from firsthand.log.tiles import parse_tile_path
from firsthand.monitor.state import STATE_FILE, MonitorError
from firsthand.monitor.watch import Monitor, Report
from firsthand.statements.format import Head, Reference, Statement, body_sha256, sign_statement
from firsthand.statements.identity import fingerprint, grouped_fingerprint

ORIGIN = "monitor.test/log"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class TileServer:
    """The tlog-tiles endpoints of a LogInstance over HTTP; swap ``log`` to rewrite history."""

    def __init__(self, log: LogInstance) -> None:
        self.log = log
        self.requests: list[str] = []
        self.tamper: Callable[[str, bytes], bytes] = lambda path, body: body
        self._server: WSGIServer = make_server("127.0.0.1", 0, self.app, handler_class=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ["PATH_INFO"].lstrip("/")
        self.requests.append(path)
        try:
            if path == "checkpoint":
                body = self.log.reader.latest().note
            else:
                body = self.log.reader.tile(parse_tile_path(path))
            status = "200 OK"
        except NotFound as error:
            status, body = "404 Not Found", str(error).encode()
        body = self.tamper(path, body)
        start_response(status, [("Content-Length", str(len(body)))])
        return [body]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def new_log(directory: Path, key_from: LogInstance | None = None) -> LogInstance:
    """A log; with ``key_from``, one signed by the same key (a rewritten history)."""
    directory.mkdir(parents=True)
    if key_from is not None:
        shutil.copy(key_from.directory / LOG_KEY_NAME, directory / LOG_KEY_NAME)
    log = open_log(directory, ORIGIN)
    log.sequencer()  # publishes the empty tree
    return log


def append(log: LogInstance, *entries: bytes) -> None:
    sequencer = log.sequencer()
    for entry in entries:
        sequencer.submit(entry)
    sequencer.run_until_empty()


def key(name: str) -> Signer:
    return Signer.from_seed(name, name.encode().ljust(32, b"."))


def said(signer: Signer, text: str, minutes: int = 0, **options: Any) -> Statement:
    return sign_statement(signer, text + "\n", time=T0 + timedelta(minutes=minutes), **options)


@dataclass
class Setup:
    log: LogInstance
    server: TileServer
    state: Path
    tmp: Path

    def monitor(self, *authors: Signer, log_key: Verifier | None = None) -> Monitor:
        monitor = Monitor(LogClient(self.server.url), log_key or self.log.verifier, self.state)
        monitor.watch([a.verifier() for a in authors])
        return monitor

    def run(self, *authors: Signer) -> tuple[list[Report], Any]:
        reports: list[Report] = []
        with self.monitor(*authors) as monitor:
            outcome = monitor.run_once(reports.append)
        return reports, outcome


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    log = new_log(tmp_path / "log")
    server = TileServer(log)
    yield Setup(log, server, tmp_path / "state", tmp_path)
    server.close()
    log.storage.close()


RANA, OMID = key("rana.example"), key("omid.example")


def test_a_first_pass_reports_the_watched_authors_statements_and_no_others(setup: Setup) -> None:
    mine = said(RANA, "I left in 2019.")
    append(setup.log, mine.head_bytes, said(OMID, "I was at the retreat.").head_bytes)
    reports, outcome = setup.run(RANA)
    assert [r["type"] for r in reports] == ["statement"]
    (report,) = reports
    assert report["index"] == 0 and report["kind"] == "declaration"
    assert report["author"] == RANA.verifier().text() == report["watched"]
    assert report["author_fingerprint"] == fingerprint(RANA.verifier())
    assert report["watched_fingerprint"] == fingerprint(RANA.verifier())
    assert report["leaf_hash"] == mine.leaf_hash.hex()
    assert report["log"] == ORIGIN and report["time"] == "2026-03-01T09:00:00Z"
    assert not outcome.misbehaviour and outcome.entries_read == 2 and outcome.size == 2
    json.dumps(report)  # a JSON line as it stands


def test_a_restart_continues_where_it_stopped_and_never_reports_twice(setup: Setup) -> None:
    append(setup.log, said(RANA, "one").head_bytes)
    first, _ = setup.run(RANA)
    append(setup.log, said(RANA, "two", 1).head_bytes, said(OMID, "three", 2).head_bytes)
    second, outcome = setup.run(RANA)
    assert [r["index"] for r in first] == [0] and [r["index"] for r in second] == [1]
    assert outcome.entries_read == 2
    setup.server.requests.clear()
    third, outcome = setup.run(RANA)
    assert third == [] and outcome.entries_read == 0
    assert setup.server.requests == ["checkpoint"]  # an unchanged tree needs no tile
    assert not list(setup.state.glob(".*.tmp"))
    saved = json.loads((setup.state / STATE_FILE).read_text(encoding="utf-8"))
    assert saved["next_index"] == 3 and saved["checkpoint"].startswith(ORIGIN + "\n3\n")


def test_a_key_added_later_counts_from_the_next_entry(setup: Setup) -> None:
    append(setup.log, said(OMID, "before").head_bytes)
    setup.run(RANA)
    append(setup.log, said(OMID, "after", 1).head_bytes)
    with setup.monitor() as monitor:
        assert monitor.watch([OMID.verifier()]) == [(OMID.verifier(), 1)]
        reports: list[Report] = []
        monitor.run_once(reports.append)
    assert [r["index"] for r in reports] == [1]


def rotate(old: Signer, new: Signer, text: str, minutes: int = 0) -> bytes:
    """A two-way rotation: signed by the old key, then by the new key that accepts it."""
    options: dict[str, Any] = {"kind": "key-rotation", "new_key": new.verifier()}
    return said(old, text, minutes, cosigners=[new], **options).head_bytes


def rotate_one_way(old: Signer, new: Signer, text: str, minutes: int = 0) -> bytes:
    """A rotation signed by the old key alone, as heads were logged before two-way rotations."""
    body = text + "\n"
    head = Head(
        author=old.verifier(),
        time=T0 + timedelta(minutes=minutes),
        lang="en",
        kind="key-rotation",
        body_sha256=body_sha256(body),
        body_length=len(body.encode()),
        new_key=new.verifier(),
    )
    return sign_note(head.text(), old)


def test_a_two_way_rotation_is_followed_forward_but_never_to_a_key_that_signed_before(
    setup: Setup,
) -> None:
    fresh, later = key("rana.new"), key("rana.newer")
    append(
        setup.log,
        said(OMID, "omid signs first").head_bytes,
        rotate(RANA, fresh, "rotating", 1),
        said(fresh, "with my new key", 2).head_bytes,
        # A second rotation by the old key (stolen?) is shown, not followed.
        rotate(RANA, later, "again", 3),
        said(later, "not followed", 4).head_bytes,
        # The new key rotates to a key that signed before: omid's words would become hers.
        rotate(fresh, OMID, "to omid", 5),
        said(OMID, "omid again", 6).head_bytes,
    )
    reports, outcome = setup.run(RANA)
    assert not outcome.misbehaviour
    by_index = {r["index"]: r for r in reports}
    assert sorted(by_index) == [1, 2, 3, 5]
    assert by_index[1]["followed"] is True and by_index[1]["two_way"] is True
    assert by_index[1]["new_key"] == fresh.verifier().text()
    assert by_index[1]["new_key_fingerprint"] == fingerprint(fresh.verifier())
    assert by_index[2]["author"] == fresh.verifier().text()
    assert by_index[2]["watched"] == RANA.verifier().text()
    assert by_index[2]["watched_fingerprint"] == fingerprint(RANA.verifier())
    assert by_index[3]["followed"] is False and "first" in by_index[3]["not_followed"]
    assert by_index[5]["followed"] is False and "signed" in by_index[5]["not_followed"]


def test_a_one_way_rotation_is_reported_and_never_followed(setup: Setup) -> None:
    fresh, other = key("rana.new"), key("rana.other")
    append(
        setup.log,
        rotate_one_way(RANA, fresh, "logged before rotations were two-way"),
        said(fresh, "not hers", 1).head_bytes,
        rotate(RANA, other, "a two-way rotation still counts as her first", 2),
        said(other, "hers", 3).head_bytes,
    )
    reports, _ = setup.run(RANA)
    by_index = {r["index"]: r for r in reports}
    assert sorted(by_index) == [0, 2, 3]
    assert by_index[0]["two_way"] is False and by_index[0]["followed"] is False
    assert by_index[0]["not_followed"].startswith("one-way: signed by the old key only")
    assert by_index[2]["two_way"] is True and by_index[2]["followed"] is True
    assert by_index[3]["author_fingerprint"] == fingerprint(other.verifier())


def test_a_key_is_claimed_by_the_first_two_way_rotation_that_names_it(setup: Setup) -> None:
    fresh = key("rana.new")
    append(
        setup.log,
        rotate(OMID, fresh, "omid's chain names the key first"),
        rotate(RANA, fresh, "then rana's", 1),
        said(fresh, "whose?", 2).head_bytes,
    )
    reports, _ = setup.run(RANA)
    assert [(r["index"], r["followed"]) for r in reports] == [(1, False)]
    assert "first" in reports[0]["not_followed"] and "named" in reports[0]["not_followed"]


def test_a_two_way_rotation_from_another_key_to_a_watched_one_is_a_warning(
    setup: Setup,
) -> None:
    append(
        setup.log,
        rotate_one_way(OMID, RANA, "anyone can name any key: not reported"),
        rotate(OMID, RANA, "rana's key signed this too", 1),
    )
    reports, outcome = setup.run(RANA)
    assert not outcome.misbehaviour
    (report,) = reports
    assert report["type"] == "rotation-to-watched-key" and report["index"] == 1
    assert report["author_fingerprint"] == fingerprint(OMID.verifier())
    assert report["new_key_fingerprint"] == fingerprint(RANA.verifier())
    assert report["watched"] == RANA.verifier().text() and report["two_way"] is True
    assert grouped_fingerprint(fingerprint(OMID.verifier())) in report["warning"]
    assert grouped_fingerprint(fingerprint(RANA.verifier())) in report["warning"]


def test_the_same_public_key_under_another_name_is_the_same_author(setup: Setup) -> None:
    renamed = Signer.from_seed("rana.renamed", RANA.seed())
    append(setup.log, said(renamed, "still me").head_bytes)
    with setup.monitor(RANA) as monitor:
        assert monitor.watch([renamed.verifier()]) == []  # already watched, by fingerprint
        reports: list[Report] = []
        monitor.run_once(reports.append)
    assert [(r["type"], r["author"]) for r in reports] == [("statement", renamed.verifier().text())]
    assert reports[0]["author_fingerprint"] == fingerprint(RANA.verifier())


def test_another_key_under_a_look_alike_name_is_reported_naming_both_fingerprints(
    setup: Setup,
) -> None:
    cyrillic = key("r\u0430na.example")  # a Cyrillic а
    stranger = key("stranger.example")
    append(
        setup.log,
        said(RANA, "", kind="profile", name="Rana Tavakoli").head_bytes,
        said(cyrillic, "I am Rana.", 1).head_bytes,
        said(stranger, "", 2, kind="profile", name="rana tavakoli").head_bytes,
        said(stranger, "no name in this head", 3).head_bytes,
        said(OMID, "", 4, kind="profile", name="Omid").head_bytes,
    )
    reports, outcome = setup.run(RANA)
    assert not outcome.misbehaviour  # a look-alike is a warning, not the log's fault
    assert [(r["type"], r["index"]) for r in reports] == [
        ("statement", 0),
        ("look-alike", 1),
        ("look-alike", 2),
    ]
    by_key_name, by_display_name = reports[1], reports[2]
    assert by_key_name["author_fingerprint"] == fingerprint(cyrillic.verifier())
    assert by_key_name["looks_like"] == {
        "label": "r\u0430na.example",
        "label_of": "key name",
        "watched_label": "rana.example",
        "watched_label_of": "key name",
        "watched_key": RANA.verifier().text(),
        "watched_key_fingerprint": fingerprint(RANA.verifier()),
    }
    assert by_key_name["watched"] == RANA.verifier().text()
    for report, author in ((by_key_name, cyrillic), (by_display_name, stranger)):
        assert grouped_fingerprint(fingerprint(author.verifier())) in report["warning"]
        assert grouped_fingerprint(fingerprint(RANA.verifier())) in report["warning"]
    assert by_display_name["looks_like"]["label_of"] == "display name"
    assert by_display_name["looks_like"]["watched_label"] == "Rana Tavakoli"


def test_a_watched_authors_display_name_is_remembered_across_restarts(setup: Setup) -> None:
    append(setup.log, said(RANA, "", kind="profile", name="Rana T.").head_bytes)
    setup.run(RANA)
    append(setup.log, said(OMID, "", 1, kind="profile", name="Rana T.").head_bytes)
    reports, _ = setup.run()
    assert [(r["type"], r["looks_like"]["label_of"]) for r in reports] == [
        ("look-alike", "display name")
    ]


def test_a_state_from_before_fingerprints_loads_and_keeps_its_signers(setup: Setup) -> None:
    fresh = key("rana.new")
    append(setup.log, said(fresh, "signed before any rotation names it").head_bytes)
    setup.run(RANA)
    path = setup.state / STATE_FILE
    saved = json.loads(path.read_text(encoding="utf-8"))
    for old_field in ("rotated", "claimed"):
        del saved[old_field]
    for watched in saved["watched"]:
        del watched["names"]
    # Its signers were hashes of each key's whole text.
    saved["signers"] = [hashlib.sha256(fresh.verifier().text().encode()).hexdigest()[:32]]
    path.write_text(json.dumps(saved), encoding="utf-8")
    append(setup.log, rotate(RANA, fresh, "to a key that signed before", 1))
    reports, _ = setup.run()
    assert [(r["index"], r["followed"]) for r in reports] == [(1, False)]
    assert "signed" in reports[0]["not_followed"]


def test_denials_by_and_about_a_watched_author_are_reported(setup: Setup) -> None:
    fabricated = "I regret leaving.\n"
    original = said(RANA, "I left in 2019.")
    append(
        setup.log,
        original.head_bytes,
        said(
            RANA,
            f"Not mine:\n{fabricated}",
            1,
            kind="denial",
            refers=[Reference("text", body_sha256(fabricated))],
            seen_at="a website",
        ).head_bytes,
        said(
            OMID,
            "That statement under Rana's key was not written by her.",
            2,
            kind="denial",
            refers=[Reference("text", "ab" * 32), Reference("leaf", original.leaf_hash.hex())],
        ).head_bytes,
        said(
            OMID, "An unrelated denial.", 3, kind="denial", refers=[Reference("text", "cd" * 32)]
        ).head_bytes,
    )
    reports, _ = setup.run(RANA)
    assert [(r["type"], r["index"]) for r in reports] == [
        ("statement", 0),
        ("denial", 1),
        ("denial", 2),
    ]
    assert reports[1]["why"] == "by-watched-author" and reports[1]["seen_at"] == "a website"
    assert reports[1]["denied_texts"] == [body_sha256(fabricated)]
    assert reports[2]["why"] == "refers-to-watched-statement"
    assert reports[2]["denied_statements"] == [original.leaf_hash.hex()]
    assert reports[2]["author"] == OMID.verifier().text()


def test_entries_with_a_bad_signature_or_no_statement_are_reported(setup: Setup) -> None:
    head = said(RANA, "genuine").head_bytes
    # Same text, another signature: the last byte of the signature line flipped in base64.
    text, _, line = head.decode().rstrip("\n").rpartition("\n")
    name, encoded = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    forged = f"{text}\n{name} {base64.b64encode(bytes(raw)).decode()}\n".encode()
    append(setup.log, forged, b"not a statement")
    reports, outcome = setup.run(RANA)
    assert [(r["type"], r["index"]) for r in reports] == [("bad-signature", 0), ("bad-entry", 1)]
    assert "not validly signed" in reports[0]["error"]
    assert reports[0]["leaf_hash"] == leaf_hash(forged).hex()
    assert outcome.misbehaviour
    again, outcome = setup.run(RANA)
    assert again == [] and not outcome.misbehaviour  # reported once, and the log is sound


def statements(count: int, start: int = 0, author: Signer = OMID) -> list[bytes]:
    return [said(author, f"statement {i}", i).head_bytes for i in range(start, start + count)]


@pytest.mark.parametrize(("old_size", "new_size"), [(3, 5), (4, 7), (300, 520)])
def test_a_log_that_rewrites_history_is_caught_with_evidence_that_verifies(
    setup: Setup, old_size: int, new_size: int
) -> None:
    append(setup.log, *statements(old_size))
    setup.run(RANA)
    fork = new_log(setup.tmp / "fork", key_from=setup.log)
    rewritten = statements(new_size)
    rewritten[1] = said(OMID, "a rewritten past").head_bytes
    append(fork, *rewritten)
    setup.server.log = fork
    reports, outcome = setup.run(RANA)
    assert outcome.misbehaviour
    (report,) = reports
    assert report["type"] == "inconsistency"
    assert (report["old_size"], report["new_size"]) == (old_size, new_size)
    view = verify_evidence(Path(report["evidence"]).read_bytes(), setup.log.verifier)
    assert view.kind == NOT_A_PREFIX and (view.first.size, view.second.size) == (old_size, new_size)
    assert report["explanation"] == view.explain()
    # The monitor stays on the history it verified, and does not report the fork twice.
    again, outcome = setup.run(RANA)
    assert again == [] and outcome.misbehaviour and "still" in outcome.notes[0]
    saved = json.loads((setup.state / STATE_FILE).read_text(encoding="utf-8"))
    assert saved["next_index"] == old_size
    fork.storage.close()


def test_the_same_size_with_another_root_is_a_split_view(setup: Setup) -> None:
    append(setup.log, *statements(3))
    setup.run()
    fork = new_log(setup.tmp / "fork", key_from=setup.log)
    append(fork, *statements(3, start=10))
    setup.server.log = fork
    reports, outcome = setup.run()
    assert outcome.misbehaviour and [r["type"] for r in reports] == ["split-view"]
    view = verify_evidence(Path(reports[0]["evidence"]).read_bytes(), setup.log.verifier)
    assert view.kind == SAME_SIZE
    fork.storage.close()


def test_a_smaller_tree_is_reported_and_not_followed(setup: Setup) -> None:
    append(setup.log, *statements(5))
    setup.run()
    smaller = new_log(setup.tmp / "smaller", key_from=setup.log)
    append(smaller, *statements(2))
    setup.server.log = smaller
    reports, outcome = setup.run()
    assert outcome.misbehaviour and [r["type"] for r in reports] == ["inconsistency"]
    assert reports[0]["evidence"] is None and "only grows" in reports[0]["explanation"]
    setup.server.log = setup.log  # the real log again: consistent with what was verified
    _, outcome = setup.run()
    assert not outcome.misbehaviour
    smaller.storage.close()


def test_a_tile_that_does_not_hash_to_the_signed_root_is_reported(setup: Setup) -> None:
    append(setup.log, *statements(600))

    def flip(path: str, body: bytes) -> bytes:
        return bytes([body[0] ^ 1]) + body[1:] if path == "tile/0/001" else body

    setup.server.tamper = flip
    reports, outcome = setup.run()
    assert outcome.misbehaviour and [r["type"] for r in reports] == ["bad-tiles"]
    assert "tile 0/1 does not hash" in reports[0]["error"]


def test_an_entry_that_is_not_its_leaf_in_the_tree_is_reported(setup: Setup) -> None:
    append(setup.log, *statements(3))
    other = new_log(setup.tmp / "other")
    append(other, *statements(3, start=5))

    def swap(path: str, body: bytes) -> bytes:
        return other.reader.tile(parse_tile_path(path)) if path.startswith("tile/entries") else body

    setup.server.tamper = swap
    reports, outcome = setup.run()
    assert outcome.misbehaviour and [r["type"] for r in reports] == ["bad-tiles"]
    assert "entry 0 of the entry bundle does not hash to leaf 0" in reports[0]["error"]
    other.storage.close()


def test_a_checkpoint_by_another_key_is_refused_first_and_reported_later(setup: Setup) -> None:
    stranger = key("stranger")
    with pytest.raises(MonitorError, match="check --log and --log-key"):
        setup.monitor(log_key=Verifier(ORIGIN, stranger.public_key)).run_once(print)
    append(setup.log, *statements(2))
    setup.run()
    impostor = new_log(setup.tmp / "impostor")  # same origin, its own key
    append(impostor, *statements(3))
    setup.server.log = impostor
    reports, outcome = setup.run()
    assert outcome.misbehaviour
    assert [(r["type"], r["what"]) for r in reports] == [("bad-signature", "checkpoint")]
    impostor.storage.close()


def test_catching_up_crosses_tiles_and_shows_progress(setup: Setup) -> None:
    append(setup.log, *statements(1100), *statements(2, 2000, RANA))
    shown: list[int] = []

    class Bar:
        def __init__(self, total: int) -> None:
            shown.append(total)

        def update(self, n: int) -> None:
            shown.append(n)

        def close(self) -> None:
            shown.append(-1)

    reports: list[Report] = []
    with Monitor(LogClient(setup.server.url), setup.log.verifier, setup.state, progress=Bar) as m:
        m.watch([RANA.verifier()])
        outcome = m.run_once(reports.append)
    assert [r["index"] for r in reports] == [1100, 1101] and outcome.entries_read == 1102
    assert shown[0] == 1102 and sum(shown[1:-1]) == 1102 and shown[-1] == -1


def test_tiles_read_over_http_give_the_proofs_of_the_stored_log(setup: Setup) -> None:
    append(setup.log, *[f"entry {i}".encode() for i in range(700)])
    client = LogClient(setup.server.url)
    remote = LogReader(client.tiles(setup.log.reader.latest()))
    local = setup.log.reader
    for old, new in [(1, 700), (255, 700), (256, 513), (699, 700)]:
        assert remote.consistency_proof(old, new) == local.consistency_proof(old, new)
    assert remote.inclusion_proof(300, 700) == local.inclusion_proof(300, 700)
    assert remote.tree_hash(700) == local.tree_hash(700)
    assert client.tiles(setup.log.reader.latest()).read_entries(250, 260) == [
        f"entry {i}".encode() for i in range(250, 260)
    ]


def test_one_state_directory_serves_one_monitor_and_one_log(setup: Setup) -> None:
    with setup.monitor(), pytest.raises(MonitorError, match="another monitor"):
        setup.monitor()
    setup.run()
    other = Signer.generate(ORIGIN).verifier()
    with pytest.raises(MonitorError, match="its own --state"):
        Monitor(LogClient(setup.server.url), other, setup.state)


def test_an_unreachable_log_raises_one_clear_error(tmp_path: Path) -> None:
    monitor = Monitor(LogClient("http://127.0.0.1:9"), key(ORIGIN).verifier(), tmp_path)
    with (
        monitor,
        pytest.raises(LogUnreachable, match=r"cannot read http://127\.0\.0\.1:9/checkpoint"),
    ):
        monitor.run_once(print)


def test_three_tile_levels_give_the_same_proofs_and_a_bad_upper_tile_is_named(
    setup: Setup,
) -> None:
    size = 256 * 256 + 70  # a full level-1 tile under a partial level-2 tile
    append(setup.log, *[f"entry {i}".encode() for i in range(size)])
    remote = LogReader(LogClient(setup.server.url).tiles(setup.log.reader.latest()))
    local = setup.log.reader
    for old in (1, 65_535, 65_536, 65_537):
        assert remote.consistency_proof(old, size) == local.consistency_proof(old, size)
    assert remote.tree_hash(size) == local.tree_hash(size)

    def flip(path: str, body: bytes) -> bytes:
        return bytes([body[0] ^ 1]) + body[1:] if path == "tile/1/000" else body

    setup.server.tamper = flip
    reports, outcome = setup.run()
    assert outcome.misbehaviour and [r["type"] for r in reports] == ["bad-tiles"]
    assert "tile 1/0 does not hash" in reports[0]["error"]


def test_a_failure_while_catching_up_keeps_and_reports_what_was_read_before(
    setup: Setup,
) -> None:
    heads = statements(600)
    heads[10], heads[300] = said(RANA, "early").head_bytes, said(RANA, "later", 1).head_bytes
    heads[550] = said(RANA, "after the bad bundle", 2).head_bytes
    append(setup.log, *heads)

    def truncate(path: str, body: bytes) -> bytes:
        return body[:-1] if path == "tile/entries/002.p/88" else body

    setup.server.tamper = truncate
    reports, outcome = setup.run(RANA)
    assert [(r["type"], r.get("index")) for r in reports] == [
        ("statement", 10),
        ("statement", 300),
        ("bad-tiles", None),
    ]
    assert outcome.misbehaviour and outcome.entries_read == 512
    setup.server.tamper = lambda path, body: body
    reports, outcome = setup.run(RANA)
    assert [r["index"] for r in reports] == [550] and not outcome.misbehaviour


def test_a_withholding_notice_on_a_watched_statement_is_reported(setup: Setup) -> None:
    original = said(RANA, "His address is 7 Imaginary Street.")
    operator = key(ORIGIN + "/operator")
    notice = said(
        operator,
        "A private address.",
        1,
        kind="withholding",
        refers=[Reference("leaf", original.leaf_hash.hex())],
        reason="a private address",
    )
    other = said(OMID, "not watched")
    withheld_other = said(
        operator,
        "x",
        2,
        kind="withholding",
        refers=[Reference("leaf", other.leaf_hash.hex())],
        reason="another",
    )
    append(
        setup.log,
        original.head_bytes,
        notice.head_bytes,
        other.head_bytes,
        withheld_other.head_bytes,
    )
    reports, _ = setup.run(RANA)
    assert [(r["type"], r["index"]) for r in reports] == [("statement", 0), ("withholding", 1)]
    assert reports[1]["withheld_statement"] == original.leaf_hash.hex()
    assert reports[1]["reason"] == "a private address"


def test_a_revocation_or_recovery_of_a_watched_key_is_reported_with_who_signed_it(
    setup: Setup,
) -> None:
    recovery, fresh = key("rana.recovery"), key("rana.2027")
    append(
        setup.log,
        said(RANA, "mine", 0, recovery=recovery.verifier()).head_bytes,
        said(
            recovery, "taken", 1, kind="revocation", subject=RANA.verifier(), revoked_from=0
        ).head_bytes,
        said(
            recovery,
            "moving on",
            2,
            kind="recovery",
            subject=RANA.verifier(),
            new_key=fresh.verifier(),
            cosigners=[fresh],
        ).head_bytes,
    )
    reports, _ = setup.run(RANA)
    by_type = {r["type"]: r for r in reports if r["type"] in ("revocation", "recovery")}
    assert by_type["revocation"]["revoked_from"] == 0
    assert by_type["revocation"]["subject_fingerprint"] == fingerprint(RANA.verifier())
    assert by_type["revocation"]["author_fingerprint"] == fingerprint(recovery.verifier())
    assert by_type["recovery"]["new_key_fingerprint"] == fingerprint(fresh.verifier())
    assert "recovery key" in by_type["recovery"]["warning"]


def test_contacts_devices_and_a_social_recovery_of_a_watched_author_are_reported(
    setup: Setup,
) -> None:
    """A seized key's holder may name contacts or add a device to keep speaking: the
    monitor says so as soon as it is logged, and follows a two-way device as the author."""
    friend, phone, fresh = key("rana.friend"), key("rana.phone"), key("rana.2027")
    append(
        setup.log,
        said(
            RANA, "contacts", 0, kind="contacts", contacts=[friend.verifier()], threshold=1
        ).head_bytes,
        said(
            RANA, "my phone", 1, kind="device", subject=phone.verifier(), cosigners=[phone]
        ).head_bytes,
        said(phone, "from my phone", 2).head_bytes,
        said(
            fresh,
            "recovered",
            3,
            kind="social-recovery",
            subject=RANA.verifier(),
            contacts=[friend.verifier()],
            cosigners=[friend],
        ).head_bytes,
    )
    reports, _ = setup.run(RANA)
    types = [r["type"] for r in reports]
    assert types == ["contacts", "device", "statement", "social-recovery"]
    contacts, device, from_phone, social = reports
    assert contacts["contacts"] == [fingerprint(friend.verifier())] and contacts["threshold"] == 1
    assert device["device_fingerprint"] == fingerprint(phone.verifier()) and device["two_way"]
    assert from_phone["author_fingerprint"] == fingerprint(phone.verifier())
    assert from_phone["watched_fingerprint"] == fingerprint(RANA.verifier())
    assert social["new_key_fingerprint"] == fingerprint(fresh.verifier())
    assert "trusted contacts" in social["warning"]
