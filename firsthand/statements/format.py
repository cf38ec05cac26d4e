"""The statement: a signed head (one log entry) and the body it names.

The head is a C2SP signed note by the author's Ed25519 key. Its text is a
fixed sequence of header lines, one ``key value`` pair each, in this order
(docs/statement-format.md has the grammar and a worked example):

    firsthand-statement/v1
    author <verifier key>                     exactly once
    time <RFC 3339 UTC, seconds, Z>           exactly once
    lang <BCP 47 tag>                         exactly once
    kind <kind>                               exactly once
    body sha256:<64 hex> <length>             exactly once
    media sha256:<64 hex> <type/subtype> <size>   zero or more
    refers leaf:<64 hex> | text:<64 hex>      zero or more
    subject <verifier key>                    vouch, revocation, recovery: exactly once
    new-key <verifier key>                    key-rotation, recovery: exactly once
    seen-at <free text>                       denial only, at most once
    reason <free text>                        withholding only, exactly once
    name <free text>                          profile only, exactly once (the display name)
    from <log index>                          revocation, recovery: at most once
    recovery <verifier key>                   any other kind but withholding: at most once
    contact <verifier key>                    contacts, social-recovery: 1 to 16, by fingerprint
    threshold <k>                             contacts only, exactly once: 1 to the contacts

The head never holds a blank line, so it stays readable on paper and the
statement file (head, a blank line, the body) splits unambiguously.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from firsthand.log.errors import LogError
from firsthand.log.merkle import leaf_hash
from firsthand.log.note import Note, Signer, Verifier, parse_note, sign_note, verify_note
from firsthand.log.tiles import MAX_ENTRY_SIZE
from firsthand.statements.errors import (
    BodyMismatch,
    BodyTooLarge,
    MalformedStatement,
    StatementFromTheFuture,
    WrongAuthor,
)
from firsthand.statements.identity import check_label

VERSION = "firsthand-statement/v1"
KINDS = (
    "declaration",
    "testimony",
    "denial",
    "correction",
    "retraction",
    "vouch",
    "key-rotation",
    "withholding",
    "profile",
    "revocation",
    "recovery",
    "contacts",
    "social-recovery",
    "device",
    "device-revocation",
)
DEFAULT_MAX_BODY = 1_000_000
MAX_CLOCK_SKEW = timedelta(minutes=10)
MAX_FREE_TEXT = 500
MAX_DISPLAY_NAME = 100
MAX_BIO = 2000  # a profile's body: a short bio, not a statement
# Trusted contacts an author may name (docs/recovery.md): a social recovery carries
# one signature per co-signing contact, and 1 + 16 lines stays far below what signed
# notes allow (100) and what a person can check by eye.
MAX_CONTACTS = 16

# The header lines in their one allowed order (docs/statement-format.md).
_HEADER_POSITION = {
    name: i
    for i, name in enumerate(
        (
            "author",
            "time",
            "lang",
            "kind",
            "body",
            "media",
            "refers",
            "subject",
            "new-key",
            "seen-at",
            "reason",
            "name",
            "from",
            "recovery",
            "contact",
            "threshold",
        )
    )
}
_REQUIRED = ("author", "time", "lang", "kind", "body")
_REPEATABLE = frozenset({"media", "refers", "contact"})

_HEX64 = r"[0-9a-f]{64}"
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
# BCP 47, as far as a header needs: a 2-3 letter language, then subtags of 1-8 alphanumerics.
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_BODY = re.compile(rf"sha256:({_HEX64}) (0|[1-9][0-9]*)")
_MEDIA = re.compile(rf"sha256:({_HEX64}) ([a-z]+/[a-z0-9.+-]+) (0|[1-9][0-9]*)")
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# The same characters as UTF-8 bytes (each is one byte, and every byte of a multi-byte
# sequence is 0x80 or above): deleting them is a far cheaper test than the regex.
_BODY_CONTROL_BYTES = bytes(range(0x09)) + bytes(range(0x0B, 0x20)) + b"\x7f"
_REFERS = re.compile(rf"(leaf|text):({_HEX64})")
_INDEX = re.compile(r"0|[1-9][0-9]{0,18}")
_THRESHOLD = re.compile(r"[1-9][0-9]?")
MAX_INDEX = 2**63 - 1
# The kinds that name the key they are about (subject), and those that name a new key.
_SUBJECT_KINDS = frozenset(
    {"vouch", "revocation", "recovery", "social-recovery", "device", "device-revocation"}
)
_NEW_KEY_KINDS = frozenset({"key-rotation", "recovery"})
_FROM_KINDS = frozenset({"revocation", "recovery", "social-recovery", "device-revocation"})
_CONTACT_KINDS = frozenset({"contacts", "social-recovery"})
# Kinds that cannot name a recovery key: a notice, and statements about another key.
_NO_RECOVERY_KINDS = frozenset(
    {"withholding", "revocation", "recovery", "device", "device-revocation"}
)
# The commonest head whole: the five required lines, of a kind that needs no other
# (declaration, testimony). Each value is held to the pattern parse_head_text holds
# it to, so a head this matches passes every line-by-line check; the checks past the
# patterns (a real date, the author's key, the kind rules, canonical form) still run.
_PLAIN_HEAD = re.compile(
    rf"{re.escape(VERSION)}\nauthor ([^\n]+)\ntime ({_TIME.pattern})\n"
    rf"lang ({_LANG.pattern})\nkind (declaration|testimony)\nbody {_BODY.pattern}\n"
)


@dataclass(frozen=True)
class Media:
    """A cleaned media file the statement covers, by the hash of its cleaned bytes."""

    sha256: str
    type: str
    size: int


@dataclass(frozen=True)
class Reference:
    """An earlier statement (``leaf``: its leaf hash) or an outside text (``text``: its hash)."""

    kind: str
    sha256: str

    def line(self) -> str:
        return f"{self.kind}:{self.sha256}"


@dataclass(frozen=True)
class Head:
    """The parsed header lines of a statement head."""

    author: Verifier
    time: datetime
    lang: str
    kind: str
    body_sha256: str
    body_length: int
    media: tuple[Media, ...] = ()
    refers: tuple[Reference, ...] = ()
    subject: Verifier | None = None
    new_key: Verifier | None = None
    seen_at: str | None = None
    reason: str | None = None
    name: str | None = None  # a profile's display name
    revoked_from: int | None = None  # a revocation's or recovery's ``from``: a log index
    recovery: Verifier | None = None  # the author's recovery key, committed (identity.md)
    contacts: tuple[Verifier, ...] = ()  # trusted contacts, or a social recovery's co-signers
    threshold: int | None = None  # a contacts statement's k: how many contacts recover

    def text(self) -> str:
        """The head's note text: the header lines, in their fixed order."""
        # Rendered on every read too (the canonical-form check), so one f-string for
        # the lines every head has, and the optional ones only when present.
        text = (
            f"{VERSION}\nauthor {self.author.text()}\ntime {time_text(self.time)}\n"
            f"lang {self.lang}\nkind {self.kind}\n"
            f"body sha256:{self.body_sha256} {self.body_length}\n"
        )
        if (
            not self.media
            and not self.refers
            and self.subject is None
            and self.new_key is None
            and self.seen_at is None
            and self.reason is None
            and self.name is None
            and self.revoked_from is None
            and self.recovery is None
            and not self.contacts
            and self.threshold is None
        ):
            return text
        lines = [
            *(f"media sha256:{m.sha256} {m.type} {m.size}" for m in self.media),
            *(f"refers {r.line()}" for r in self.refers),
        ]
        if self.subject is not None:
            lines.append(f"subject {self.subject.text()}")
        if self.new_key is not None:
            lines.append(f"new-key {self.new_key.text()}")
        if self.seen_at is not None:
            lines.append(f"seen-at {self.seen_at}")
        if self.reason is not None:
            lines.append(f"reason {self.reason}")
        if self.name is not None:
            lines.append(f"name {self.name}")
        if self.revoked_from is not None:
            lines.append(f"from {self.revoked_from}")
        if self.recovery is not None:
            lines.append(f"recovery {self.recovery.text()}")
        lines.extend(f"contact {c.text()}" for c in self.contacts)
        if self.threshold is not None:
            lines.append(f"threshold {self.threshold}")
        return text + "".join(line + "\n" for line in lines)


@dataclass(frozen=True)
class Statement:
    """A verified statement: its head (as signed bytes and parsed) and its body."""

    head_bytes: bytes
    head: Head
    note: Note = field(repr=False)
    body: str

    @property
    def leaf_hash(self) -> bytes:
        """The RFC 6962 leaf hash of the head: how the log and references name it."""
        return leaf_hash(self.head_bytes)

    def file_bytes(self) -> bytes:
        """The statement file: the signed head, a blank line, the body."""
        return self.head_bytes + b"\n" + self.body.encode("utf-8")


def time_text(time: datetime) -> str:
    """A head's time as its line spells it: what strftime("%Y-%m-%dT%H:%M:%SZ") gives."""
    if time.year < 1000:
        # strftime writes such years unpadded ("999-..."), so the canonical-form check
        # refuses them; keep exactly that behaviour rather than pad them here.
        return time.strftime("%Y-%m-%dT%H:%M:%SZ")
    # The same text at a third of strftime's cost: this runs for every statement read.
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (  # noqa: UP031 (faster than an f-string here)
        time.year,
        time.month,
        time.day,
        time.hour,
        time.minute,
        time.second,
    )


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def check_body(body: str, max_body: int = DEFAULT_MAX_BODY) -> None:
    """A body is UTF-8 text without control characters other than newline and tab."""
    encoded = body.encode("utf-8")
    _check_body(body, encoded, max_body)


def _check_body(body: str, encoded: bytes, max_body: int) -> None:
    size = len(encoded)
    if size > max_body:
        raise BodyTooLarge(f"the body is {size:,} bytes; this server accepts at most {max_body:,}")
    if len(encoded.translate(None, _BODY_CONTROL_BYTES)) == size:
        return
    bad = _BODY_CONTROL.search(body)
    if bad is not None:
        raise MalformedStatement(f"the body holds the control character U+{ord(bad.group()):04X}")


def _free_text(value: str, what: str) -> str:
    if not value or len(value) > MAX_FREE_TEXT:
        raise MalformedStatement(f"{what} must be 1 to {MAX_FREE_TEXT} characters long")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise MalformedStatement(f"{what} cannot hold control characters or line breaks")
    return value


def _display_name(value: str) -> str:
    if len(value) > MAX_DISPLAY_NAME:
        raise MalformedStatement(f"a display name is at most {MAX_DISPLAY_NAME} characters")
    if value != value.strip():
        raise MalformedStatement("a display name cannot start or end with spaces")
    return _free_text(value, "the display name")


def _index(value: str) -> int:
    if not _INDEX.fullmatch(value) or int(value) > MAX_INDEX:
        raise MalformedStatement(
            f"'from' is a log index: a decimal number from 0 to {MAX_INDEX}, no leading zeros"
        )
    return int(value)


def _threshold(value: str) -> int:
    if not _THRESHOLD.fullmatch(value) or int(value) > MAX_CONTACTS:
        raise MalformedStatement(
            f"the threshold is how many contacts recover: a decimal number from 1 to "
            f"{MAX_CONTACTS}, no leading zeros"
        )
    return int(value)


def canonical_language_case(tag: str) -> str:
    """A language tag in the case RFC 5646 (section 2.1.1) writes it: ``en-GB``, ``zh-Hant-TW``.

    Tags are case-insensitive (``EN-gb`` is ``en-GB``), so a head could spell one tag
    several ways; new heads must use this one. Every subtag is lowercase except, when
    neither first nor after a singleton (``x``, ``u``...), two letters (a region) in
    uppercase and four letters (a script) in titlecase.
    """
    subtags = tag.split("-")
    written = [subtags[0].lower()]
    after_singleton = False
    for subtag in subtags[1:]:
        after_singleton = after_singleton or len(subtag) == 1
        if not after_singleton and subtag.isalpha() and len(subtag) == 2:
            written.append(subtag.upper())
        elif not after_singleton and subtag.isalpha() and len(subtag) == 4:
            written.append(subtag[0].upper() + subtag[1:].lower())
        else:
            written.append(subtag.lower())
    return "-".join(written)


def check_language_case(tag: str) -> None:
    """New heads spell their language tag one way: canonical_language_case's."""
    canonical = canonical_language_case(tag)
    if canonical != tag:
        raise MalformedStatement(
            f"the language tag {tag[:40]!r} is not in its canonical case: write {canonical[:40]!r} "
            "(RFC 5646, section 2.1.1), so that one language has one spelling"
        )


def _verifier(value: str, what: str) -> Verifier:
    try:
        return Verifier.from_text(value)
    except LogError as error:
        raise MalformedStatement(f"the {what} key is not a verifier key: {error}") from None


def _check_kind_rules(head: Head) -> None:
    """What each kind must and must not carry."""
    leaves = [r for r in head.refers if r.kind == "leaf"]
    texts = [r for r in head.refers if r.kind == "text"]
    if head.kind == "denial" and not texts:
        raise MalformedStatement("a denial must refer to the denied text: refers text:<hash>")
    if head.kind in ("correction", "retraction", "withholding") and len(leaves) != 1:
        raise MalformedStatement(
            f"a {head.kind} refers to exactly one statement: refers leaf:<hash>"
        )
    if (head.kind in _SUBJECT_KINDS) != (head.subject is not None):
        raise MalformedStatement(
            "only a vouch, a revocation or a recovery names its subject key, and each must"
        )
    if (head.kind in _NEW_KEY_KINDS) != (head.new_key is not None):
        raise MalformedStatement(
            "only a key rotation or a recovery names its new key, and each must"
        )
    if head.revoked_from is not None and head.kind not in _FROM_KINDS:
        raise MalformedStatement(
            "only a revocation, a recovery or a device revocation says from which log index"
        )
    _check_contacts(head)
    if (
        head.kind in ("device", "social-recovery")
        and head.subject is not None
        and head.subject.public_key == head.author.public_key
    ):
        raise MalformedStatement(f"a {head.kind}'s subject must be another key than its author")
    if head.recovery is not None:
        if head.kind in _NO_RECOVERY_KINDS:
            raise MalformedStatement(f"a {head.kind} cannot name a recovery key")
        if head.recovery.public_key == head.author.public_key:
            raise MalformedStatement("the recovery key must be another key than the author's")
    if (
        head.kind == "recovery"
        and head.subject is not None
        and head.new_key is not None
        and head.new_key.public_key in (head.subject.public_key, head.author.public_key)
    ):
        raise MalformedStatement("a recovery's new key must be another key than the old ones")
    if head.seen_at is not None and head.kind != "denial":
        raise MalformedStatement("only a denial says where the denied text was seen")
    if (head.kind == "withholding") != (head.reason is not None):
        raise MalformedStatement("a withholding notice, and only one, gives a reason")
    if (head.kind == "profile") != (head.name is not None):
        raise MalformedStatement("a profile, and only a profile, gives a display name")
    if head.kind == "profile" and head.body_length > MAX_BIO:
        raise MalformedStatement(
            f"a profile's bio is at most {MAX_BIO:,} bytes, not {head.body_length:,}"
        )


def _check_contacts(head: Head) -> None:
    """Trusted contacts: named by a ``contacts`` statement with its threshold, or listed by a
    social recovery as the contacts who co-sign it (docs/recovery.md)."""
    if (head.kind in _CONTACT_KINDS) != bool(head.contacts):
        raise MalformedStatement(
            "only a contacts statement or a social recovery names contacts, and each must"
        )
    if (head.kind == "contacts") != (head.threshold is not None):
        raise MalformedStatement("a contacts statement, and only one, gives its threshold")
    if not head.contacts:
        return
    if len(head.contacts) > MAX_CONTACTS:
        raise MalformedStatement(f"a {head.kind} names at most {MAX_CONTACTS} contacts")
    prints = [hashlib.sha256(c.public_key).hexdigest() for c in head.contacts]
    if any(a >= b for a, b in itertools.pairwise(prints)):
        # One spelling per set: sorted, so a set is written one way and no key twice.
        raise MalformedStatement(
            "contact lines are in ascending order of their keys' fingerprints, each key once"
        )
    others = {head.author.public_key} | (
        set() if head.subject is None else {head.subject.public_key}
    )
    if any(c.public_key in others for c in head.contacts):
        raise MalformedStatement(
            "a contact is another person's key: not the author's, not the subject's"
        )
    if head.threshold is not None and head.threshold > len(head.contacts):
        raise MalformedStatement(
            f"the threshold {head.threshold} is more than the {len(head.contacts)} contacts named"
        )


def _plain_head(text: str) -> Head | None:
    """The head, if ``text`` is a plain head (_PLAIN_HEAD) that passes every check; else None.

    Statements are mostly plain, and one pattern reads one at half the cost of the
    line-by-line parse. None sends the text through that parse, which then names the
    problem exactly as it does for any head, so both paths refuse with one voice.
    """
    plain = _PLAIN_HEAD.fullmatch(text)
    if plain is None:
        return None
    author_text, time_line, lang, _, kind, body_hash, body_length = plain.groups()
    try:
        time = datetime.fromisoformat(time_line)
        author = Verifier.from_text(author_text)
    except (ValueError, LogError):
        return None
    head = _new_head(author, time, lang, kind, body_hash, int(body_length))
    try:
        _check_kind_rules(head)  # kept, though no rule binds these kinds yet
    except MalformedStatement:
        return None
    return head if head.text() == text else None


def _new_head(
    author: Verifier, time: datetime, lang: str, kind: str, body_hash: str, body_length: int
) -> Head:
    """A plain Head, without the frozen dataclass's thirteen object.__setattr__ calls.

    The same object Head(...) makes (fields in __dict__, defaults for the rest); it
    matters because a plain head is built once per accepted statement.
    """
    head = object.__new__(Head)
    head.__dict__.update(
        author=author,
        time=time,
        lang=lang,
        kind=kind,
        body_sha256=body_hash,
        body_length=body_length,
        media=(),
        refers=(),
        subject=None,
        new_key=None,
        seen_at=None,
        reason=None,
        name=None,
        revoked_from=None,
        recovery=None,
        contacts=(),
        threshold=None,
    )
    return head


def parse_head_text(text: str) -> Head:
    """Parse and check header lines (the note's text); MalformedStatement names the problem."""
    plain = _plain_head(text)
    return plain if plain is not None else _parse_head_lines(text)


def _parse_head_lines(text: str) -> Head:
    """parse_head_text line by line: any head, and the error naming what is wrong with one."""
    if not text.endswith("\n"):
        raise MalformedStatement("the head must end with a newline")
    lines = text[:-1].split("\n")
    if lines[0] != VERSION:
        raise MalformedStatement(
            f"unknown statement version {lines[0][:60]!r}; this server reads {VERSION}"
        )
    values: dict[str, list[str]] = {}
    position = 0
    for line in lines[1:]:
        name, space, value = line.partition(" ")
        if not space or not value:
            raise MalformedStatement(f"the header line {line[:60]!r} has no value")
        here = _HEADER_POSITION.get(name)
        if here is None:
            raise MalformedStatement(f"unknown header {name!r}")
        if here < position:
            raise MalformedStatement(f"the header {name!r} is out of order")
        position = here
        found = values.get(name)
        if found is None:
            values[name] = [value]
        elif name in _REPEATABLE:
            found.append(value)
        elif name in _REQUIRED:
            raise MalformedStatement(
                f"the header {name!r} must appear exactly once, not {len(found) + 1} times"
            )
        else:
            raise MalformedStatement(f"the header {name!r} appears {len(found) + 1} times")
    for name in _REQUIRED:
        if name not in values:
            raise MalformedStatement(f"the header {name!r} must appear exactly once, not 0 times")
    # Every required header is there exactly once; read them without helper calls
    # (this function runs once per accepted statement, holding the GIL).
    time_line = values["time"][0]
    lang = values["lang"][0]
    kind = values["kind"][0]
    if not _TIME.fullmatch(time_line):
        raise MalformedStatement(
            "the time must be RFC 3339 UTC to the second, like 2026-01-31T09:30:00Z"
        )
    try:
        time = datetime.fromisoformat(time_line)  # the regex above pinned the form
    except ValueError:
        raise MalformedStatement(f"the time {time_line!r} is not a real date") from None
    if not _LANG.fullmatch(lang):
        raise MalformedStatement(f"the language {lang[:20]!r} is not a BCP 47 tag")
    if kind not in KINDS:
        raise MalformedStatement(f"unknown kind {kind[:30]!r}; kinds are {', '.join(KINDS)}")
    body = _BODY.fullmatch(values["body"][0])
    if body is None:
        raise MalformedStatement("the body line must be 'body sha256:<64 hex> <length>'")
    media: list[Media] = []
    for value in values.get("media", ()):
        m = _MEDIA.fullmatch(value)
        if m is None:
            raise MalformedStatement(
                "a media line is 'media sha256:<64 hex> <type/subtype> <size>'"
            )
        media.append(Media(m.group(1), m.group(2), int(m.group(3))))
    refers: list[Reference] = []
    for value in values.get("refers", ()):
        r = _REFERS.fullmatch(value)
        if r is None:
            raise MalformedStatement(
                "a refers line is 'refers leaf:<64 hex>' or 'refers text:<64 hex>'"
            )
        refers.append(Reference(r.group(1), r.group(2)))
    author = _verifier(values["author"][0], "author")
    subject = new_key = None
    seen_at = reason = display_name = None
    revoked_from: int | None = None
    recovery: Verifier | None = None
    contacts: tuple[Verifier, ...] = ()
    threshold: int | None = None
    if len(values) > len(_REQUIRED):  # some optional line is there
        if "subject" in values:
            subject = _verifier(values["subject"][0], "subject")
        if "new-key" in values:
            new_key = _verifier(values["new-key"][0], "new")
        if "seen-at" in values:
            seen_at = _free_text(values["seen-at"][0], "seen-at")
        if "reason" in values:
            reason = _free_text(values["reason"][0], "the reason")
        if "name" in values:
            display_name = _display_name(values["name"][0])
        if "from" in values:
            revoked_from = _index(values["from"][0])
        if "recovery" in values:
            recovery = _verifier(values["recovery"][0], "recovery")
        contacts = tuple(_verifier(v, "contact") for v in values.get("contact", ()))
        if "threshold" in values:
            threshold = _threshold(values["threshold"][0])
    head = Head(
        author=author,
        time=time,
        lang=lang,
        kind=kind,
        body_sha256=body.group(1),
        body_length=int(body.group(2)),
        media=tuple(media),
        refers=tuple(refers),
        subject=subject,
        new_key=new_key,
        seen_at=seen_at,
        reason=reason,
        name=display_name,
        revoked_from=revoked_from,
        recovery=recovery,
        contacts=contacts,
        threshold=threshold,
    )
    _check_kind_rules(head)
    if head.text() != text:
        # One canonical spelling per head, so two heads never differ by formatting alone.
        raise MalformedStatement("the head is not in canonical form")
    return head


def open_head(
    head_bytes: bytes, *, now: datetime | None = None, check_time: bool = True
) -> tuple[Head, Note]:
    """Verify a signed head: grammar, the author's signature, the time and the size.

    ``check_time`` refuses heads dated in the future; offline verifiers turn it
    off, since their clock is not the author's business.
    """
    if len(head_bytes) > MAX_ENTRY_SIZE:
        raise MalformedStatement(
            f"the head is {len(head_bytes):,} bytes; a log entry holds at most {MAX_ENTRY_SIZE:,}"
        )
    try:
        unverified = parse_note(head_bytes)
    except LogError as error:
        raise MalformedStatement(f"the head is not a signed note: {error}") from None
    head = parse_head_text(unverified.text)
    try:
        note = verify_note(unverified, [head.author])
    except LogError as error:
        raise WrongAuthor(
            f"the head is not validly signed by its author {head.author.name}: {error}"
        ) from None
    now = now or datetime.now(UTC)
    if check_time and head.time > now + MAX_CLOCK_SKEW:
        raise StatementFromTheFuture(
            f"the statement is dated {head.time:%Y-%m-%d %H:%M}Z, in the future; check the clock"
        )
    return head, note


def verify_body(head: Head, body: str, max_body: int = DEFAULT_MAX_BODY) -> None:
    _verify_body(head, body, body.encode("utf-8"), max_body)


def _verify_body(head: Head, body: str, encoded: bytes, max_body: int) -> None:
    """verify_body, given the body's UTF-8 bytes too, so they are not encoded again."""
    _check_body(body, encoded, max_body)
    if len(encoded) != head.body_length or hashlib.sha256(encoded).hexdigest() != head.body_sha256:
        raise BodyMismatch(
            "the body is not the one the author signed: its SHA-256 or length differs from the head"
        )


def split_statement_file(data: bytes) -> tuple[bytes, bytes]:
    """Split a statement file into the signed head and the body bytes."""
    text_end = data.find(b"\n\n")
    if text_end < 0:
        raise MalformedStatement("a statement file is a signed head, a blank line, then the body")
    position = text_end + 2
    signature_prefix = "\u2014 ".encode()
    while data.startswith(signature_prefix, position):
        line_end = data.find(b"\n", position)
        if line_end < 0:
            raise MalformedStatement("the statement file ends inside a signature line")
        position = line_end + 1
    if position == text_end + 2:
        raise MalformedStatement("the statement's head carries no signature")
    if not data.startswith(b"\n", position):
        raise MalformedStatement("a blank line must separate the head's signatures from the body")
    return data[:position], data[position + 1 :]


def read_statement(
    data: bytes, *, max_body: int = DEFAULT_MAX_BODY, now: datetime | None = None
) -> Statement:
    """Parse and verify a statement file: every check, or a StatementError saying which failed."""
    head_bytes, body_bytes = split_statement_file(data)
    try:
        body = body_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedStatement("the body is not valid UTF-8") from None
    head, note = open_head(head_bytes, now=now)
    _verify_body(head, body, body_bytes, max_body)  # body_bytes is body's exact UTF-8
    check_new_head(head, note, head_bytes)
    return Statement(head_bytes, head, note, body)


def check_new_head(head: Head, note: Note, head_bytes: bytes) -> None:
    """The rules a statement logged from now on must meet, beyond what reading an old one needs.

    Names are labels without invisible characters (identity.check_label), the language
    tag is in its canonical case (check_language_case), a key rotation carries the new
    key's signature too (rotation_accepted_by_new_key), and the head is canonical
    (check_canonical_entry). Statements logged before these rules stay readable:
    open_head does not apply them, and the pages decide what an old one-way rotation is
    worth (it is never followed). docs/statement-format.md lists them ("Logging rules").
    """
    check_label(head.author.name, "the author key's name")
    if head.subject is not None:
        check_label(head.subject.name, "the subject key's name")
    if head.new_key is not None:
        check_label(head.new_key.name, "the new key's name")
    if head.recovery is not None:
        check_label(head.recovery.name, "the recovery key's name")
    for contact in head.contacts:
        check_label(contact.name, "a contact key's name")
    if head.name is not None:
        check_label(head.name, "the display name")
    check_language_case(head.lang)
    if head.kind == "recovery" and not new_key_accepted(head, note):
        raise WrongAuthor(
            "a recovery must be signed by both keys: the recovery key that vouches for the "
            "author, and the new key that accepts (`firsthand recover`), so that no one can "
            "claim a key that is not theirs"
        )
    if head.kind == "device" and not device_accepted(head, note):
        raise WrongAuthor(
            "a device statement must be signed by both keys: the identity key that certifies "
            "the device, and the device key that accepts (`firsthand device add`), so that no "
            "one can claim another person's key as their device"
        )
    if head.kind == "social-recovery":
        signed = contacts_signed(head, note)
        missing = [c.name for c in head.contacts if fingerprint_of(c) not in signed]
        if missing:
            raise WrongAuthor(
                "a social recovery carries a signature by each contact it lists, over the same "
                f"text; missing or invalid: {', '.join(missing[:4])}"
            )
    if head.kind == "key-rotation" and not rotation_accepted_by_new_key(head, note):
        raise WrongAuthor(
            "a key rotation must be signed by both keys: the old key that hands over and the new "
            "key that accepts (sign it with both; `firsthand sign --kind key-rotation --new-key "
            "NEW.key`), so that no one can claim a key that is not theirs"
        )
    check_canonical_entry(head, note, head_bytes)


def check_canonical_entry(head: Head, note: Note, head_bytes: bytes) -> None:
    """One statement, one log entry: the head carries exactly the signatures it needs, in
    canonical base64.

    A signed note verifies whatever else its signature lines hold: an extra line by a
    key no one checks, or a signature whose base64 sets the unused bits of its last
    character (``...w1=`` decodes as ``...w0=``). Each would be other bytes, so another
    leaf hash, for the same statement: a second entry for words logged once, and a
    ``refers leaf:`` that no longer names one thing. So the head must be byte for byte
    the note text plus, in order, the author's signature and, for a key rotation, the
    new key's, each as standard base64 writes it. Such a head is refused rather than
    trimmed: what the log holds is what the author's tool sent, and its leaf hash is the
    one the author computed (docs/statement-format.md, "Canonical head").
    """
    required = signers_in_order(head)
    signatures = note.signatures
    if [(s.name, s.key_id) for s in signatures] != [(k.name, k.key_id) for k in required]:
        wanted = " and ".join(k.name for k in required)
        raise MalformedStatement(
            f"the head carries {len(signatures)} signature line(s); a {head.kind} carries "
            f"exactly {len(required)}, by {wanted}, in that order, so that one statement "
            "is one log entry"
        )
    if Note(note.text, signatures).encode() != head_bytes:
        raise MalformedStatement(
            "a signature line of the head is not in canonical base64 (padding bits set, or "
            "another spelling of the same bytes); sign it again, or send it as signed"
        )


def signers_in_order(head: Head) -> list[Verifier]:
    """The keys whose signature lines a head accepted for logging carries, in their order.

    The author's first; then, for a key rotation or a recovery, the new key; for a
    device statement, the device key; for a social recovery, each contact in the order
    of its ``contact`` lines (ascending fingerprint). Every line is over the same note
    text (docs/statement-format.md, "Canonical head").
    """
    required = [head.author]
    if head.kind in _NEW_KEY_KINDS and head.new_key is not None:
        required.append(head.new_key)
    elif head.kind == "device" and head.subject is not None:
        required.append(head.subject)
    elif head.kind == "social-recovery":
        required.extend(head.contacts)
    return required


def fingerprint_of(key: Verifier) -> str:
    """identity.fingerprint, here so the format does not import the name rules' ICU path."""
    return hashlib.sha256(key.public_key).hexdigest()


def _signed_by(note: Note, key: Verifier) -> bool:
    """Whether ``note`` has a line by ``key`` (name and key ID) that verifies, and none failing."""
    if not any(s.name == key.name and s.key_id == key.key_id for s in note.signatures):
        return False
    try:
        verify_note(Note(note.text, note.signatures), [key])
    except LogError:
        return False
    return True


def device_accepted(head: Head, note: Note) -> bool:
    """Whether a device statement's note carries a valid signature by the device key it names.

    A device certified by the identity key alone would be one-way: anyone could name
    anyone's key as their device and have that person's words shown as their own.
    """
    return (
        head.kind == "device"
        and head.subject is not None
        and head.subject.public_key != head.author.public_key
        and _signed_by(note, head.subject)
    )


def contacts_signed(head: Head, note: Note) -> frozenset[str]:
    """The fingerprints of the contacts a social recovery lists whose signatures verify.

    Each contact counts once, however many lines it has; a contact's line that fails
    does not count (readers of a head logged elsewhere count what verifies; a server
    refuses the head unless every listed contact signed).
    """
    if head.kind != "social-recovery":
        return frozenset()
    return frozenset(fingerprint_of(c) for c in head.contacts if _signed_by(note, c))


def rotation_accepted_by_new_key(head: Head, note: Note) -> bool:
    """Whether a key rotation's note carries a valid signature by the new key it names.

    A rotation signed by the old key alone is one-way: anyone can name any key as
    their "new" one, so such a rotation is shown but never followed (docs/statement-format.md).
    """
    return head.kind == "key-rotation" and new_key_accepted(head, note)


def new_key_accepted(head: Head, note: Note) -> bool:
    """Whether a key rotation's or recovery's note carries a valid signature by its new key."""
    new_key = head.new_key
    if head.kind not in _NEW_KEY_KINDS or new_key is None or new_key == head.author:
        return False
    try:
        verify_note(Note(note.text, note.signatures), [new_key])
    except LogError:
        return False
    return True


def rotation_is_two_way(head_bytes: bytes) -> bool:
    """rotation_accepted_by_new_key for a signed head as logged; False for anything else."""
    try:
        unverified = parse_note(head_bytes)
        head = parse_head_text(unverified.text)
        verify_note(unverified, [head.author])
    except (LogError, MalformedStatement):
        return False
    return rotation_accepted_by_new_key(head, unverified)


def sign_statement(
    signer: Signer,
    body: str,
    *,
    kind: str = "declaration",
    lang: str = "en",
    time: datetime | None = None,
    media: Sequence[Media] = (),
    refers: Sequence[Reference] = (),
    subject: Verifier | None = None,
    new_key: Verifier | None = None,
    seen_at: str | None = None,
    reason: str | None = None,
    name: str | None = None,
    revoked_from: int | None = None,
    recovery: Verifier | None = None,
    contacts: Sequence[Verifier] = (),
    threshold: int | None = None,
    cosigners: Sequence[Signer] = (),
) -> Statement:
    """Sign a body as a statement by ``signer``; the result verifies with read_statement.

    ``cosigners`` sign the head too: a key rotation is signed by its new key as well, a
    device statement by the device key, a social recovery by its contacts. Contacts are
    written in their one order (ascending fingerprint), and a social recovery's contacts
    sign in that order whatever order they are given in.
    """
    check_body(body)
    contacts = sorted(contacts, key=fingerprint_of)
    if kind == "social-recovery":
        cosigners = sorted(cosigners, key=lambda c: fingerprint_of(c.verifier()))
    time = (time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    head = Head(
        author=signer.verifier(),
        time=time,
        lang=lang,
        kind=kind,
        body_sha256=body_sha256(body),
        body_length=len(body.encode("utf-8")),
        media=tuple(media),
        refers=tuple(refers),
        subject=subject,
        new_key=new_key,
        seen_at=seen_at,
        reason=reason,
        name=name,
        revoked_from=revoked_from,
        recovery=recovery,
        contacts=tuple(contacts),
        threshold=threshold,
    )
    text = head.text()
    parse_head_text(text)  # the same checks a reader will make
    head_bytes = sign_note(text, signer, *cosigners)
    return read_statement(head_bytes + b"\n" + body.encode("utf-8"), now=time)
