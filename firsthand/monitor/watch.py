"""Following a firsthand log from the outside, trusting nothing but the log key.

A monitor reads only the public C2SP tlog-tiles API (``tile_client.py``). Each
pass it

1. fetches ``/checkpoint`` and verifies the log key's signature on it;
2. checks the new tree against the last one it verified: a smaller tree, the
   same size with another root (a *split view*), or a tree whose first entries
   hash to another root (an *inconsistency*, found by computing the RFC 9162
   consistency proof from the served tiles) is misbehaviour. Two checkpoints
   that contradict each other are written as an evidence file
   (``evidence.py``) that anyone can check with the log key alone;
3. checks that every tile it read hashes up to the signed root: the partial
   tiles of the right edge by recomputing the root, each full tile against the
   hash one tile level up;
4. reads every new entry from the entry bundles, checks it against its leaf
   hash in the verified tiles, opens it as a statement head and checks the
   author's signature;
5. reports, as one JSON object each: statements under a watched author key,
   denials by or about a watched author, withholding notices on a watched
   author's statement, statements by another key under a name that looks like
   a watched author's, two-way rotations from another key to a watched one,
   and every kind of misbehaviour.

An author is their public key, known here by its fingerprint (SHA-256 of the
key): never by the name, which is the key holder's to choose, nor by the 32-bit
key ID, which anyone can match with a key of their own in minutes. Names are
compared by their Unicode TR39 skeletons (statements.identity.skeletons): a
different key whose key name or profile display name has the skeleton of a
watched author's is reported as a look-alike.

Watched keys follow their owners' key rotations forward, by the rules of the
author pages (docs/statement-format.md, "Key rotations"): a rotation counts only
if it is two-way (the new key signed it too), it is the key's first two-way
rotation, it is the first two-way rotation in the log to name its new key, and
the new key had not signed in the log before it.

The state (the last verified checkpoint, how far the entries were read, the
watched keys) lives in one JSON file written atomically, and is saved before
the reports it covers are handed out: a restart continues where the last pass
stopped and never reports an entry twice (at worst, a crash in between loses
the reports of the last few seconds; they stay findable in the log).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from firsthand.log.checkpoint import Checkpoint, open_checkpoint
from firsthand.log.errors import (
    InvalidProof,
    InvalidSignature,
    LogError,
    MalformedNote,
    UnverifiedNote,
)
from firsthand.log.evidence import NotEvidence, make_evidence
from firsthand.log.files import write_atomically
from firsthand.log.merkle import HASH_SIZE, leaf_hash, root_from_leaf_hashes, verify_consistency
from firsthand.log.note import Note, Verifier
from firsthand.log.reader import LogReader
from firsthand.log.storage import StoredCheckpoint
from firsthand.log.tile_client import BadTile, HTTPTileSource, LogClient
from firsthand.log.tiles import TILE_HEIGHT, TILE_WIDTH, TileID
from firsthand.monitor.state import (
    MonitorError,
    MonitorState,
    StateLock,
    WatchedKey,
    fingerprint,
)
from firsthand.statements.errors import StatementError, WrongAuthor
from firsthand.statements.format import (
    Head,
    device_accepted,
    open_head,
    rotation_accepted_by_new_key,
)
from firsthand.statements.identity import grouped_fingerprint, skeletons

Report = dict[str, Any]
Emit = Callable[[Report], None]

EVIDENCE_DIR = "evidence"
# Catching up saves the state at most this often (seconds): it may hold every signer's key.
SAVE_PERIOD = 2.0
PROGRESS_THRESHOLD = 1024
# What a watched author signs that changes who may speak for them (docs/recovery.md).
_SUCCESSION_KINDS = frozenset({"contacts", "device", "device-revocation"})
MISBEHAVIOUR = frozenset({"inconsistency", "split-view", "bad-signature", "bad-entry", "bad-tiles"})

# Why a rotation from a watched key is not followed (the rules: docs/statement-format.md).
ONE_WAY = "one-way: signed by the old key only; anyone can name any key as their new one"
NOT_FIRST = "only a key's first two-way rotation counts"
CLAIMED = "another key's two-way rotation named this new key first"
USED_KEY = "the new key had signed in this log before"


@dataclass(frozen=True)
class _Label:
    """A watched key's name or display name, for finding names that look like it."""

    text: str
    what: str  # "key name" or "display name"
    key: WatchedKey
    fingerprint: str  # the watched key's


class TilesDoNotMatch(LogError):
    """The tiles or entries the server serves do not hash to the root it signed."""


class Progress(Protocol):
    def update(self, n: int) -> object: ...

    def close(self) -> None: ...


ProgressFactory = Callable[[int], Progress]
"""Given how many entries a pass will read, something to tell as they are read (tqdm)."""


@dataclass
class PassOutcome:
    """What one pass found: misbehaviour, how far it read, lines for the operator."""

    size: int = 0
    entries_read: int = 0
    reports: int = 0
    misbehaviour: bool = False
    notes: list[str] = field(default_factory=list)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class _TreeCheck:
    """Checks that every tile read for one signed tree hashes up to its root.

    The partial tiles of the right edge all feed ``tree_hash``, so recomputing
    the root checks them; a full tile at level L must hash to node
    (8(L + 1), N), which sits in a tile one level up, checked the same way.
    """

    def __init__(self, source: HTTPTileSource, reader: LogReader, checkpoint: Checkpoint) -> None:
        self.source, self.reader, self.checkpoint = source, reader, checkpoint
        self._checked = 0  # how many of source.fetched_order were looked at
        self._verified: set[TileID] = set()
        self._root_checked = False

    def root(self) -> None:
        """Recompute the root from the tiles; it reads every partial tile of the tree."""
        size, root = self.checkpoint.size, self.checkpoint.root_hash
        computed = self.reader.tree_hash(size)
        if computed != root:
            raise TilesDoNotMatch(
                f"the tiles served for size {size} hash to {_b64(computed)}, "
                f"not to the signed root {_b64(root)}"
            )
        self._root_checked = True
        self.tiles()

    def tiles(self) -> None:
        """Check every tile fetched since the last call."""
        order = self.source.fetched_order
        while self._checked < len(order):
            self._verify(order[self._checked])
            self._checked += 1

    def _verify(self, tile: TileID) -> None:
        if tile in self._verified:
            return
        served = self.source.served(tile)
        if len(served) == TILE_WIDTH * HASH_SIZE:
            parent = self.reader.read_nodes([(TILE_HEIGHT * (tile.level + 1), tile.number)])[0]
            # The parent tile first, so that a bad tile is named as such, not its children.
            self._verify(TileID(tile.level + 1, tile.number // TILE_WIDTH))
            hashes = [served[i : i + HASH_SIZE] for i in range(0, len(served), HASH_SIZE)]
            if root_from_leaf_hashes(hashes) != parent:
                raise TilesDoNotMatch(
                    f"tile {tile.level}/{tile.number} does not hash to its node in the tile above, "
                    f"in the tree of size {self.checkpoint.size}"
                )
        elif not self._root_checked:  # a partial tile: every hash in it feeds the root
            raise TilesDoNotMatch(f"tile {tile} was used before the root was checked")
        self._verified.add(tile)

    def forget(self, tile: TileID) -> None:
        """Let the source drop a tile; read again, it is checked again."""
        self.source.forget(tile)
        self._verified.discard(tile)


class Monitor:
    """One log followed from ``client``, with its state in ``state_dir``."""

    def __init__(
        self,
        client: LogClient,
        log_key: Verifier,
        state_dir: Path,
        *,
        progress: ProgressFactory | None = None,
    ) -> None:
        self.client = client
        self.log_key = log_key
        self.origin = log_key.name
        self.state_dir = state_dir
        self.progress = progress
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock = StateLock(state_dir)
        try:
            self.state = MonitorState.load(state_dir, log_key)
        except BaseException:
            self._lock.release()
            raise
        self._last_save = 0.0
        self._labels: dict[str, list[_Label]] | None = None  # by skeleton; None: to build

    def close(self) -> None:
        self._lock.release()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def watch(self, authors: list[Verifier]) -> list[tuple[Verifier, int]]:
        """Watch these keys too; returns the new ones with the entry they count from."""
        added = []
        for author in authors:
            known = fingerprint(author)
            if known not in self.state.watched:  # the same public key under any name is known
                since = self.state.next_index
                text = author.text()
                self.state.watched[known] = WatchedKey(text, since, text)
                added.append((author, since))
        if added:
            self._labels = None
            self.state.save(self.state_dir)
        return added

    # -- one pass ---------------------------------------------------------------------------

    def run_once(self, emit: Emit) -> PassOutcome:
        """Fetch, verify and report what is new; raises LogUnreachable if the log cannot be read."""
        outcome = PassOutcome()
        note = self.client.checkpoint()
        old = self.state.verified_checkpoint(self.log_key)
        try:
            checkpoint, _ = open_checkpoint(note, self.log_key)
        except (UnverifiedNote, InvalidSignature, MalformedNote) as error:
            if old is None and not isinstance(error, InvalidSignature):
                # No checkpoint of this log was ever verified here: most likely a wrong key or URL.
                raise MonitorError(
                    f"{self.client.base_url}/checkpoint is not a checkpoint signed by "
                    f"{self.log_key.text()} ({error}); check --log and --log-key"
                ) from None
            report: Report = {"type": "bad-signature", "log": self.origin, "what": "checkpoint"}
            report |= {"error": str(error), "checkpoint": note.decode("utf-8", "replace")}
            self._alarm(report, note, emit, outcome)
            return outcome
        outcome.size = checkpoint.size
        if old is not None and not self._extends(old, checkpoint, note, emit, outcome):
            return outcome
        if old is not None and old[0].size == self.state.next_index == checkpoint.size:
            return outcome  # the tree it verified last (_extends compared the roots)
        source = self.client.tiles(StoredCheckpoint(checkpoint.size, note))
        reader = LogReader(source, cached_tiles=64)
        check = _TreeCheck(source, reader, checkpoint)
        try:
            check.root()
            grown = old if old is not None and 0 < old[0].size < checkpoint.size else None
            if grown is not None and not self._consistent(
                grown, checkpoint, note, reader, check, emit, outcome
            ):
                return outcome
            self.state.checkpoint = note.decode("utf-8")
            self._save()
            self._read_entries(source, reader, check, checkpoint.size, emit, outcome)
        except (TilesDoNotMatch, BadTile) as error:
            bad = {"type": "bad-tiles", "log": self.origin, "size": checkpoint.size}
            bad |= {"error": str(error), "checkpoint": note.decode("utf-8")}
            self._alarm(bad, note + str(error).encode(), emit, outcome)
        return outcome

    def _extends(
        self,
        old: tuple[Checkpoint, bytes],
        new: Checkpoint,
        note: bytes,
        emit: Emit,
        outcome: PassOutcome,
    ) -> bool:
        """False (and a report) if the new tree is smaller, or the same size with another root."""
        previous, previous_note = old
        if new.size < previous.size:
            report = self._contradiction("inconsistency", previous, new, previous_note, note)
            report["explanation"] = (
                f"the log served a tree of size {new.size} after one of size {previous.size}; "
                "a log only grows (if a cache served an old checkpoint, the next pass clears it)"
            )
            self._alarm(report, note, emit, outcome)
            return False
        if new.size == previous.size and new.root_hash != previous.root_hash:
            evidence = make_evidence(previous_note, note, self.log_key)
            report = self._contradiction("split-view", previous, new, previous_note, note)
            report |= self._evidence_fields(evidence, "same-size", previous, new, note)
            self._alarm(report, note, emit, outcome)
            return False
        return True

    def _consistent(
        self,
        old: tuple[Checkpoint, bytes],
        new: Checkpoint,
        note: bytes,
        reader: LogReader,
        check: _TreeCheck,
        emit: Emit,
        outcome: PassOutcome,
    ) -> bool:
        previous, previous_note = old
        proof = reader.consistency_proof(previous.size, new.size)
        check.tiles()
        try:
            verify_consistency(previous.size, new.size, previous.root_hash, new.root_hash, proof)
            return True
        except InvalidProof:
            pass
        # The tiles hash to the signed root, so the proof is the log's own: its first
        # entries hash to another root than the one it signed before.
        prefix_root = reader.tree_hash(previous.size)
        check.tiles()
        try:
            evidence = make_evidence(previous_note, note, self.log_key, tuple(proof), prefix_root)
        except NotEvidence as error:  # cannot be, with tiles that hash to the root; yet if so:
            raise TilesDoNotMatch(f"the tiles prove nothing about the old tree: {error}") from None
        report = self._contradiction("inconsistency", previous, new, previous_note, note)
        report |= self._evidence_fields(evidence, "not-a-prefix", previous, new, note)
        self._alarm(report, note, emit, outcome)
        return False

    def _contradiction(
        self, kind: str, old: Checkpoint, new: Checkpoint, old_note: bytes, new_note: bytes
    ) -> Report:
        return {
            "type": kind,
            "log": self.origin,
            "old_size": old.size,
            "old_root": _b64(old.root_hash),
            "new_size": new.size,
            "new_root": _b64(new.root_hash),
            "old_checkpoint": old_note.decode("utf-8"),
            "new_checkpoint": new_note.decode("utf-8"),
            "evidence": None,
        }

    def _evidence_fields(
        self, evidence: bytes, kind: str, old: Checkpoint, new: Checkpoint, note: bytes
    ) -> Report:
        directory = self.state_dir / EVIDENCE_DIR
        directory.mkdir(mode=0o700, exist_ok=True)
        tag = hashlib.sha256(note).hexdigest()[:12]
        path = directory / f"{kind}-{old.size}-{new.size}-{tag}.json"
        write_atomically(path, evidence)
        explanation = str(json.loads(evidence)["explanation"])
        return {"evidence": str(path.resolve()), "explanation": explanation}

    def _alarm(self, report: Report, what: bytes, emit: Emit, outcome: PassOutcome) -> None:
        """Report misbehaviour once; seen again, it is a note for the operator only."""
        outcome.misbehaviour = True
        fingerprint = hashlib.sha256(report["type"].encode() + b"\n" + what).hexdigest()
        if fingerprint in self.state.alarms:
            earlier = self.state.alarms[fingerprint]
            outcome.notes.append(
                f"the log {self.origin} still shows the {report['type']} reported before"
                + (f" (evidence: {earlier})" if earlier else "")
            )
            return
        self.state.alarms[fingerprint] = str(report.get("evidence") or "")
        self._save()
        outcome.reports += 1
        emit(report)

    def _save(self) -> None:
        self.state.save(self.state_dir)
        self._last_save = time.monotonic()

    # -- entries ----------------------------------------------------------------------------

    def _read_entries(
        self,
        source: HTTPTileSource,
        reader: LogReader,
        check: _TreeCheck,
        size: int,
        emit: Emit,
        outcome: PassOutcome,
    ) -> None:
        start = self.state.next_index
        bar = None
        if self.progress is not None and size - start >= PROGRESS_THRESHOLD:
            bar = self.progress(size - start)
        pending: list[Report] = []
        try:
            while self.state.next_index < size:
                first = self.state.next_index
                end = min(size, (first // TILE_WIDTH + 1) * TILE_WIDTH)
                leaves = reader.read_nodes([(0, i) for i in range(first, end)])
                check.tiles()
                entries = source.read_entries(first, end)
                for index, entry, leaf in zip(range(first, end), entries, leaves, strict=True):
                    if leaf_hash(entry) != leaf:
                        raise TilesDoNotMatch(
                            f"entry {index} of the entry bundle does not hash to leaf {index} "
                            f"of the signed tree of size {size}"
                        )
                # The whole chunk verified: only now may it change the state.
                for index, entry, leaf in zip(range(first, end), entries, leaves, strict=True):
                    pending += self._examine(index, entry, leaf)
                self.state.next_index = end
                if end % TILE_WIDTH == 0:
                    check.forget(TileID(0, end // TILE_WIDTH - 1))
                outcome.entries_read += end - first
                if bar is not None:
                    bar.update(end - first)
                if end == size or time.monotonic() - self._last_save >= SAVE_PERIOD:
                    self._hand_out(pending, emit, outcome)
                    pending = []
        except BaseException:
            # The chunks read before the failure stand: save them and say what they hold.
            self._hand_out(pending, emit, outcome)
            raise
        finally:
            if bar is not None:
                bar.close()

    def _hand_out(self, reports: list[Report], emit: Emit, outcome: PassOutcome) -> None:
        self._save()  # first, so that a restart never reports these again
        for report in reports:
            outcome.reports += 1
            if report["type"] in MISBEHAVIOUR:
                outcome.misbehaviour = True
            emit(report)

    def _examine(self, index: int, entry: bytes, leaf: bytes) -> list[Report]:
        where = {"log": self.origin, "index": index, "leaf_hash": leaf.hex()}
        try:
            head, note = open_head(entry, check_time=False)
        except WrongAuthor as error:
            return [{"type": "bad-signature", "what": "entry", **where, "error": str(error)}]
        except StatementError as error:
            return [{"type": "bad-entry", **where, "error": str(error)}]
        author = fingerprint(head.author)
        rotation = _Rotation.judge(self.state, head, note) if head.kind == "key-rotation" else None
        reports: list[Report] = []
        watched = self.state.watched.get(author)
        if watched is not None and index >= watched.since:
            self.state.watched_leaves.add(leaf.hex())
            report = self._describe(head, where, watched)
            if rotation is not None:
                report |= self._rotate(watched, head, rotation, index)
            if head.kind in _SUCCESSION_KINDS:
                report |= self._succession(watched, head, note, index)
            if head.name is not None and head.name not in watched.names:
                watched.names.append(head.name)  # a profile: the name readers will see
                self._labels = None
            reports.append(report)
        else:
            if head.kind in ("denial", "withholding"):
                reports += self._about_watched(head, where)
            if rotation is not None and rotation.two_way:
                reports += self._claims_watched(head, rotation, where)
            if head.kind in ("revocation", "recovery", "social-recovery"):
                reports += self._revokes_watched(head, where)
            if head.kind == "device" and device_accepted(head, note):
                reports += self._device_claims_watched(head, where)
            if self.state.watched and watched is None:
                reports += self._look_alike(head, author, where)
        self.state.add_signer(head.author)
        return reports

    def _about_watched(self, head: Head, where: Report) -> list[Report]:
        """A denial or a withholding notice that names a watched author's statement."""
        named = [
            r.sha256
            for r in head.refers
            if r.kind == "leaf" and r.sha256 in self.state.watched_leaves
        ]
        if not named:
            return []
        if head.kind == "denial":
            report = self._describe(head, where, None)
            return [report | {"why": "refers-to-watched-statement", "denied_statements": named}]
        # The operator stopped serving a watched author's body.
        report = self._describe(head, where, None) | {"type": "withholding"}
        return [report | {"withheld_statement": named[0]}]

    def _revokes_watched(self, head: Head, where: Report) -> list[Report]:
        """A revocation or recovery of a watched key by another key (docs/recovery.md).

        It counts only if that other key is the recovery key the watched key's first
        statement named; the monitor says which key signed it, and the reader's site
        decides (it knows the first statement, which the monitor may not have read).
        """
        subject = None if head.subject is None else fingerprint(head.subject)
        watched = None if subject is None else self.state.watched.get(subject)
        if watched is None or subject is None:
            return []
        report = self._describe(head, where, watched) | {"type": head.kind}
        report["subject_fingerprint"] = subject
        report["revoked_from"] = head.revoked_from
        # A social recovery's new key is its author, co-signed by contacts.
        new_key = head.author if head.kind == "social-recovery" else head.new_key
        if new_key is not None:
            report["new_key_fingerprint"] = fingerprint(new_key)
        continues = ""
        if new_key is not None:
            new = grouped_fingerprint(fingerprint(new_key))
            continues = f", and that the identity continues as {new}"
        since = "" if head.revoked_from is None else f" from log entry {head.revoked_from}"
        valid_if = "only if it is the recovery key the watched key's first statement named"
        if head.kind == "social-recovery":
            report["contacts"] = [fingerprint(c) for c in head.contacts]
            valid_if = (
                "only if enough of the trusted contacts the watched key named before signed it "
                f"({len(head.contacts)} listed)"
            )
        report["warning"] = (
            f"the key {grouped_fingerprint(fingerprint(head.author))} says the watched key "
            f"{grouped_fingerprint(subject)} is no longer its author's{since}{continues}: valid "
            + valid_if
        )
        return [report]

    def _device_claims_watched(self, head: Head, where: Report) -> list[Report]:
        """Another key adds a watched key as its device, and the watched key co-signed."""
        claimed = (
            None if head.subject is None else self.state.watched.get(fingerprint(head.subject))
        )
        if claimed is None or head.subject is None:
            return []
        report = self._describe(head, where, claimed) | {"type": "device-claims-watched-key"}
        report["device_fingerprint"] = fingerprint(head.subject)
        report["warning"] = (
            f"the key {grouped_fingerprint(fingerprint(head.author))} adds the watched key "
            f"{grouped_fingerprint(fingerprint(head.subject))} as its device, and the watched key "
            "signed it too: its holder accepted, or someone else holds that key"
        )
        return [report]

    def _succession(self, watched: WatchedKey, head: Head, note: Note, index: int) -> Report:
        """A watched author names trusted contacts, adds a device, or revokes one.

        Each changes who can speak for the author or take the identity over, so it is
        reported as its own type with a warning: if the author did not sign it, their key
        is in someone else's hands. An added device (two-way) is watched from then on.
        """
        report: Report = {"type": head.kind}
        if head.kind == "contacts":
            report["contacts"] = [fingerprint(c) for c in head.contacts]
            report["threshold"] = head.threshold
            report["warning"] = (
                f"the watched key names {len(head.contacts)} trusted contacts, {head.threshold} "
                "of whom can move the identity to a new key: if its author did not, the key is "
                "in someone else's hands"
            )
            return report
        assert head.subject is not None
        device = fingerprint(head.subject)
        report["device_fingerprint"] = device
        report["revoked_from"] = head.revoked_from
        if head.kind == "device-revocation":
            report["warning"] = f"the device key {grouped_fingerprint(device)} is revoked"
            return report
        two_way = device_accepted(head, note)
        report["two_way"] = two_way
        report["warning"] = (
            f"the watched key adds the device key {grouped_fingerprint(device)}, which then "
            "signs as its author: if its author did not, the key is in someone else's hands"
        )
        if two_way and device not in self.state.watched:
            self.state.watched[device] = WatchedKey(
                head.subject.text(), index + 1, watched.watched_as
            )
            self._labels = None
        return report

    def _claims_watched(self, head: Head, rotation: _Rotation, where: Report) -> list[Report]:
        """Another key's two-way rotation to a watched key: its holder signed it, or lost it."""
        claimed = self.state.watched.get(rotation.new)
        if claimed is None:
            return []
        report = self._describe(head, where, claimed) | {"type": "rotation-to-watched-key"}
        report |= rotation.fields()
        report["warning"] = (
            f"the key {grouped_fingerprint(fingerprint(head.author))} ({head.author.name}) "
            f"hands over to the watched key {grouped_fingerprint(rotation.new)}, and the watched "
            "key signed the rotation too: its holder accepted, or someone else holds that key"
        )
        return [report]

    def _look_alike(self, head: Head, author: str, where: Report) -> list[Report]:
        """A key not watched whose name, or profile's display name, looks like a watched one."""
        labels = [(head.author.name, "key name")]
        if head.name is not None:
            labels.append((head.name, "display name"))
        known = self._watched_labels()
        for text, what in labels:
            for label in (found for key in skeletons(text) for found in known.get(key, ())):
                if label.fingerprint == author:
                    continue
                report = self._describe(head, where, label.key) | {"type": "look-alike"}
                report["looks_like"] = {
                    "label": text,
                    "label_of": what,
                    "watched_label": label.text,
                    "watched_label_of": label.what,
                    "watched_key": label.key.key,
                    "watched_key_fingerprint": label.fingerprint,
                }
                report["warning"] = (
                    f"the {what} {text!r} of the key {grouped_fingerprint(author)} looks like "
                    f"the {label.what} {label.text!r} of the watched key "
                    f"{grouped_fingerprint(label.fingerprint)}: another key, and so "
                    "another person, unless the watched author says it is theirs"
                )
                return [report]
        return []

    def _watched_labels(self) -> dict[str, list[_Label]]:
        """Every watched key's name and display names, by skeleton (built when they change)."""
        if self._labels is None:
            labels: dict[str, list[_Label]] = {}
            for known, watched in self.state.watched.items():
                key_name = Verifier.from_text(watched.key).name
                named = [_Label(key_name, "key name", watched, known)]
                named += [_Label(name, "display name", watched, known) for name in watched.names]
                for label in named:
                    for key in skeletons(label.text):
                        labels.setdefault(key, []).append(label)
            self._labels = labels
        return self._labels

    def _describe(self, head: Head, where: Report, watched: WatchedKey | None) -> Report:
        kind = "denial" if head.kind == "denial" else "statement"
        report: Report = {"type": kind, **where, "kind": head.kind}
        report |= {
            "author": head.author.text(),
            "author_fingerprint": fingerprint(head.author),
            "key_id": head.author.key_id.hex(),  # a hint for signature lines, never who
            "time": head.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lang": head.lang,
            "body_sha256": head.body_sha256,
            "body_length": head.body_length,
            "refers": [r.line() for r in head.refers],
        }
        if watched is not None:
            report["watched"] = watched.watched_as
            report["watched_fingerprint"] = fingerprint(Verifier.from_text(watched.watched_as))
            if kind == "denial":
                report["why"] = "by-watched-author"
        if head.kind == "denial":
            report["denied_texts"] = [r.sha256 for r in head.refers if r.kind == "text"]
        if head.subject is not None:
            report["subject"] = head.subject.text()
        if head.seen_at is not None:
            report["seen_at"] = head.seen_at
        if head.reason is not None:
            report["reason"] = head.reason
        return report

    def _rotate(self, watched: WatchedKey, head: Head, rotation: _Rotation, index: int) -> Report:
        """Follow a watched key's rotation forward if the rules let the author pages follow it."""
        assert head.new_key is not None
        if rotation.two_way:
            watched.rotated = True
        if rotation.followed and rotation.new not in self.state.watched:
            self.state.watched[rotation.new] = WatchedKey(
                head.new_key.text(), index + 1, watched.watched_as
            )
            self._labels = None
        return rotation.fields()


@dataclass(frozen=True)
class _Rotation:
    """A logged key rotation judged by the rules (docs/statement-format.md, "Key rotations")."""

    new_key: Verifier
    new: str  # the new key's fingerprint
    two_way: bool
    not_followed: str | None  # why the chain does not follow it; None: it does

    @property
    def followed(self) -> bool:
        return self.not_followed is None

    @classmethod
    def judge(cls, state: MonitorState, head: Head, note: Note) -> _Rotation:
        """Judge a rotation against the log read so far, and remember it for later ones.

        Over every key in the log, not only watched ones: a key is claimed by the first
        two-way rotation naming it, whichever chain that is.
        """
        assert head.new_key is not None
        old, new = fingerprint(head.author), fingerprint(head.new_key)
        two_way = rotation_accepted_by_new_key(head, note)
        reason = None
        if not two_way:
            reason = ONE_WAY
        elif old in state.rotated:
            reason = NOT_FIRST
        elif new in state.claimed:
            reason = CLAIMED
        elif state.has_signed(head.new_key):
            reason = USED_KEY
        if two_way:
            state.rotated.add(old)
            state.claimed.add(new)
        return cls(head.new_key, new, two_way, reason)

    def fields(self) -> Report:
        fields: Report = {
            "new_key": self.new_key.text(),
            "new_key_fingerprint": self.new,
            "two_way": self.two_way,
            "followed": self.followed,
        }
        if self.not_followed is not None:
            fields["not_followed"] = self.not_followed
        return fields
