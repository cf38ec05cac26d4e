#!/usr/bin/env python3
"""Write docs/vectors/*.json: test vectors for firsthand statements, heads, keys and bundles.

    .venv/bin/python scripts/make-vectors.py          # writes docs/vectors/
    .venv/bin/python scripts/make-vectors.py --check  # fails if the files differ from its output

Every case tests one rule of docs/statement-format.md or docs/bundle-format.md, named in
its ``rule``, and states what a verifier must answer. The expectation is written here by
hand, case by case, from the rule; the script then checks that our Python verifier gives
the same answer before it writes anything, so the files are never merely what the code
happens to do. docs/vectors/README.md describes the files; tests/statements/test_vectors.py
and tests/web/test_browser_vectors.py run them through the Python and JavaScript verifiers.

The output is deterministic: keys come from fixed seeds, times are fixed, and Ed25519
signatures are deterministic, so running the script again gives the same bytes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from firsthand.log import merkle  # noqa: E402
from firsthand.log.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from firsthand.log.cosignature import CosignatureSigner  # noqa: E402
from firsthand.log.errors import LogError  # noqa: E402
from firsthand.log.note import Note, Signer, Verifier, parse_note  # noqa: E402
from firsthand.statements.bundle import verify_bundle  # noqa: E402
from firsthand.statements.format import (  # noqa: E402
    Head,
    Media,
    Reference,
    body_sha256,
    check_new_head,
    open_head,
    parse_head_text,
    read_statement,
    rotation_is_two_way,
    split_statement_file,
    verify_body,
)
from firsthand.statements.identity import fingerprint  # noqa: E402

VECTORS = ROOT / "docs" / "vectors"
FORMAT = "firsthand-vectors/v1"
WHEN = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)  # the worked example's time
NOW = "2026-02-01T00:00:00Z"  # the server's clock for every "log" expectation
NOW_TIME = datetime(2026, 2, 1, tzinfo=UTC)
SF = "statement-format.md"
BF = "bundle-format.md"

# Test keys: never use them for anything else. RANA is the worked example's key.
RANA = Signer.from_seed("rana.example", bytes(range(32)))
OMID = Signer.from_seed("omid.example", bytes(range(1, 33)))
RECOVERY = Signer.from_seed("rana.recovery", bytes(range(2, 34)))
LOG = Signer.from_seed("vectors.example/log", bytes(range(3, 35)))
OPERATOR = Signer.from_seed("vectors.example/log/operator", bytes(range(4, 36)))
ALPHA = CosignatureSigner.from_seed("alpha.example/witness", bytes(range(5, 37)))
BETA = CosignatureSigner.from_seed("beta.example/witness", bytes(range(6, 38)))
COSIGNED_AT = 1_769_900_000  # 2026-01-31T22:53:20Z, when the witnesses cosigned

BODY = "I, Rana Tavakoli, declare that I left the Circle of Dawn in March 2019.\n"
LEAF = "ab" * 32
TEXT = "cd" * 32


def _seed_key(name: str, n: int) -> Signer:
    return Signer.from_seed(name, hashlib.sha256(f"vectors {n}".encode()).digest())


# --- signing without the library's own checks, so that broken heads can be made ----------


def raw_note(text: str, *signers: Signer) -> str:
    """``text`` signed by each signer in turn, with no check of the text (unlike sign_note)."""
    lines = []
    for s in signers:
        encoded = base64.b64encode(s.key_id + s.sign(text.encode("utf-8"))).decode()
        lines.append(f"\u2014 {s.name} {encoded}\n")
    return text + "\n" + "".join(lines)


def head_text(author: Signer | Verifier, body: str = BODY, **fields: Any) -> str:
    """A head's note text by Head.text(), the body named by its hash and length."""
    verifier = author.verifier() if isinstance(author, Signer) else author
    values: dict[str, Any] = {
        "author": verifier,
        "time": WHEN,
        "lang": "en",
        "kind": "declaration",
        "body_sha256": body_sha256(body),
        "body_length": len(body.encode()),
    }
    values.update(fields)
    return Head(**values).text()


def padded(line: str) -> str:
    """A signature line whose base64 sets the unused low bits of its last character."""
    prefix, encoded = line.rsplit(" ", 1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    body = encoded.rstrip("=")
    last = alphabet.index(body[-1])
    other = alphabet[last ^ 1]  # the lowest bit: unused when one "=" pads 2 bytes
    spelled = body[:-1] + other + encoded[len(body) :]
    assert base64.b64decode(spelled) == base64.b64decode(encoded) and spelled != encoded
    return f"{prefix} {spelled}"


# --- what a case expects, and how our Python verifier answers ---------------------------

Outcome = dict[str, Any]


def error_name(error: BaseException) -> str:
    return type(error).__name__


def head_fields(head: Head) -> dict[str, Any]:
    """A parsed head as the vectors write it: key texts, sizes and indices as decimal text."""

    def key(k: Verifier | None) -> str | None:
        return None if k is None else k.text()

    return {
        "author": head.author.text(),
        "time": f"{head.time:%Y-%m-%dT%H:%M:%SZ}",
        "lang": head.lang,
        "kind": head.kind,
        "body_sha256": head.body_sha256,
        "body_length": str(head.body_length),
        "media": [{"sha256": m.sha256, "type": m.type, "size": str(m.size)} for m in head.media],
        "refers": [r.line() for r in head.refers],
        "subject": key(head.subject),
        "new_key": key(head.new_key),
        "seen_at": head.seen_at,
        "reason": head.reason,
        "name": head.name,
        "from": None if head.revoked_from is None else str(head.revoked_from),
        "recovery": key(head.recovery),
        # Written only when present, so the heads of the older kinds keep their fields.
        **({"contacts": [c.text() for c in head.contacts]} if head.contacts else {}),
        **({"threshold": str(head.threshold)} if head.threshold is not None else {}),
    }


def python_read_head(head_bytes: bytes) -> Outcome:
    try:
        head, _ = open_head(head_bytes, check_time=False)
    except LogError as error:
        return {"valid": False, "error": error_name(error)}
    return {
        "valid": True,
        "leaf_hash": merkle.leaf_hash(head_bytes).hex(),
        "author_fingerprint": fingerprint(head.author),
        "two_way": rotation_is_two_way(head_bytes) if head.kind == "key-rotation" else None,
        "fields": head_fields(head),
    }


def python_log_head(head_bytes: bytes) -> Outcome:
    try:
        head, note = open_head(head_bytes, now=NOW_TIME)
        check_new_head(head, note, head_bytes)
    except LogError as error:
        return {"accepted": False, "error": error_name(error)}
    return {"accepted": True}


def python_read_statement(data: bytes) -> Outcome:
    try:
        head_bytes, body_bytes = split_statement_file(data)
        try:
            body = body_bytes.decode("utf-8")
        except UnicodeDecodeError:
            return {"valid": False, "error": "MalformedStatement"}
        head, _ = open_head(head_bytes, check_time=False)
        verify_body(head, body, max_body=len(body_bytes))  # readers set no size limit
    except LogError as error:
        return {"valid": False, "error": error_name(error)}
    outcome = python_read_head(head_bytes)
    outcome["body"] = body
    return outcome


def python_log_statement(data: bytes, max_body: int | None) -> Outcome:
    try:
        if max_body is None:
            read_statement(data, now=NOW_TIME)
        else:
            read_statement(data, now=NOW_TIME, max_body=max_body)
    except LogError as error:
        return {"accepted": False, "error": error_name(error)}
    return {"accepted": True}


# --- the cases ---------------------------------------------------------------------------


@dataclass
class Cases:
    """Cases of one file, each checked against the Python verifier as it is added."""

    kind: str
    cases: list[dict[str, Any]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def check(self, case_id: str, actual: Outcome, expected: Outcome) -> None:
        """Stop unless the Python verifier's answer holds every expected value."""
        for name, value in expected.items():
            if actual.get(name) != value:
                raise SystemExit(
                    f"{self.kind} {case_id}: expected {name}={value!r}, "
                    f"the Python verifier gives {actual.get(name)!r}\n{actual}"
                )

    def append(self, case: dict[str, Any]) -> None:
        assert case["id"] not in self.ids, f"two cases {case['id']}"
        self.ids.add(case["id"])
        self.cases.append(case)


VALID: Outcome = {"valid": True}
ACCEPTED: Outcome = {"accepted": True}


def refused(error: str) -> Outcome:
    return {"valid": False, "error": error}


def not_logged(error: str) -> Outcome:
    return {"accepted": False, "error": error}


M, W = "MalformedStatement", "WrongAuthor"


class HeadCases(Cases):
    def head(
        self,
        case_id: str,
        rule: str,
        doc: str,
        head: str,
        verify: Outcome,
        log: Outcome | None = None,
    ) -> None:
        """A signed head: what a verifier reads (``verify``) and a server logs (``log``)."""
        data = head.encode("utf-8")
        if log is None:  # refused when read: refused for logging as well
            log = not_logged(verify["error"]) if not verify["valid"] else ACCEPTED
        actual_read = python_read_head(data)
        actual_log = python_log_head(data)
        self.check(case_id, actual_read, verify)
        self.check(case_id, actual_log, log)
        self.append(
            {
                "id": case_id,
                "rule": rule,
                "doc": doc,
                "head": head,
                "verify": actual_read,
                "log": actual_log,
            }
        )


def succession_head_cases(c: HeadCases) -> None:
    """Trusted contacts, social recoveries and devices (docs/recovery.md): their lines, the
    order of contacts, and the signature lines a server logs, in their order."""
    # fmt: off
    friends = sorted((_seed_key(f"friend{i}.example", 100 + i) for i in range(3)),
                     key=lambda f: fingerprint(f.verifier()))
    keys = [f.verifier() for f in friends]

    def contacts(named: list[Verifier], threshold: int) -> str:
        return head_text(RANA, "My trusted contacts.\n", kind="contacts", contacts=tuple(named),
                         threshold=threshold)

    c.head("kind/contacts", "a contacts statement: contacts by fingerprint, and a threshold",
           f"{SF}#kinds", raw_note(contacts(keys, 2), RANA), VALID, ACCEPTED)
    for case_id, rule, named, k in (
        ("contacts/unsorted", "contact lines in ascending fingerprint order", keys[::-1], 2),
        ("contacts/twice", "a contact is named once", [keys[0], keys[0]], 1),
        ("contacts/threshold-above-n", "a threshold is at most the contacts named", keys[:2], 3),
        ("contacts/the-author", "a contact is another key than the author's",
         sorted([keys[0], RANA.verifier()], key=fingerprint), 1),
    ):
        c.head(case_id, rule, f"{SF}#kinds", raw_note(contacts(named, k), RANA), refused(M))
    c.head("contacts/threshold-zero", "a threshold is 1 to 16, no leading zeros", f"{SF}#grammar",
           raw_note(text_edit(contacts(keys, 2), "threshold 2", "threshold 0"), RANA), refused(M))
    social = head_text(OMID, "Rana's key was taken; this is her new key.\n",
                       kind="social-recovery", subject=RANA.verifier(), contacts=tuple(keys[:2]),
                       revoked_from=3)
    c.head("kind/social-recovery", "a social recovery: the new key's line, then each contact's in "
           "the order of the contact lines", f"{SF}#canonical-head",
           raw_note(social, OMID, *friends[:2]), VALID, ACCEPTED)
    c.head("social-recovery/contacts-out-of-order", "contacts sign in the order of their lines",
           f"{SF}#canonical-head", raw_note(social, OMID, friends[1], friends[0]), VALID,
           not_logged(M))
    c.head("social-recovery/a-contact-missing", "every listed contact signs",
           f"{SF}#logging-rules", raw_note(social, OMID, friends[0]), VALID, not_logged(W))
    c.head("social-recovery/threshold", "a social recovery gives no threshold", f"{SF}#kinds",
           raw_note(text_edit(social, "from 3\n", "from 3\nthreshold 1\n"), OMID, *friends[:2]),
           refused(M))
    device = head_text(RANA, "My phone.\n", kind="device", subject=OMID.verifier())
    c.head("kind/device", "a device statement: the identity's line, then the device key's",
           f"{SF}#kinds", raw_note(device, RANA, OMID), VALID, ACCEPTED)
    c.head("device/one-way", "a device the device key did not sign is not logged",
           f"{SF}#logging-rules", raw_note(device, RANA), VALID, not_logged(W))
    c.head("device/itself", "a device is another key than the identity's", f"{SF}#kinds",
           raw_note(head_text(RANA, kind="device", subject=RANA.verifier()), RANA), refused(M))
    c.head("device/recovery-line", "a device statement names no recovery key", f"{SF}#kinds",
           raw_note(head_text(RANA, kind="device", subject=OMID.verifier(),
                              recovery=RECOVERY.verifier()), RANA, OMID), refused(M))
    c.head("kind/device-revocation", "a device revokes itself", f"{SF}#kinds",
           raw_note(head_text(OMID, kind="device-revocation", subject=OMID.verifier()), OMID),
           VALID, ACCEPTED)
    c.head("device-revocation/from", "an identity revokes its device from an index",
           f"{SF}#kinds", raw_note(head_text(RANA, kind="device-revocation",
                                              subject=OMID.verifier(), revoked_from=7), RANA),
           VALID, ACCEPTED)
    # fmt: on


def text_edit(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def head_cases() -> list[dict[str, Any]]:
    # One case to a few lines, as a table: easier to read than one argument a line.
    # fmt: off
    c = HeadCases("heads")
    H = f"{SF}#the-head"
    base = head_text(RANA)

    def edited(old: str, new: str, *signers: Signer) -> str:
        return raw_note(text_edit(base, old, new), *(signers or (RANA,)))

    # Each kind, well formed.
    c.head("kind/declaration", "the worked example's head", f"{SF}#worked-example",
           raw_note(base, RANA), VALID, ACCEPTED)
    c.head("kind/testimony", "a testimony in Persian", H,
           raw_note(head_text(RANA, "شاهد بودم.\n", kind="testimony", lang="fa"), RANA),
           VALID, ACCEPTED)
    denial = head_text(RANA, kind="denial", refers=(Reference("text", TEXT),), seen_at="a forum")
    c.head("kind/denial", "a denial refers to the denied text and may say where it was seen",
           H, raw_note(denial, RANA), VALID, ACCEPTED)
    for kind in ("correction", "retraction"):
        text = head_text(RANA, kind=kind, refers=(Reference("leaf", LEAF),))
        c.head(f"kind/{kind}", f"a {kind} refers to exactly one statement by its leaf hash", H,
               raw_note(text, RANA), VALID, ACCEPTED)
    c.head("kind/vouch", "a vouch names its subject key", H,
           raw_note(head_text(RANA, kind="vouch", subject=OMID.verifier()), RANA),
           VALID, ACCEPTED)
    rotation = head_text(RANA, "My new key.\n", kind="key-rotation", new_key=OMID.verifier())
    c.head("kind/key-rotation", "a two-way key rotation: the old key's line, then the new key's",
           f"{SF}#key-rotations", raw_note(rotation, RANA, OMID), {**VALID, "two_way": True},
           ACCEPTED)
    notice = head_text(OPERATOR, "Withheld.\n", kind="withholding",
                       refers=(Reference("leaf", LEAF),), reason="it discloses a home address")
    c.head("kind/withholding", "an operator's withholding notice: one leaf, a reason", H,
           raw_note(notice, OPERATOR), VALID, ACCEPTED)
    c.head("kind/profile", "a profile names its author for readers", H,
           raw_note(head_text(RANA, "A short bio.\n", kind="profile", name="Parisa M."), RANA),
           VALID, ACCEPTED)
    c.head("kind/revocation", "a key revokes itself from now on", f"{SF}#the-head",
           raw_note(head_text(RANA, kind="revocation", subject=RANA.verifier()), RANA),
           VALID, ACCEPTED)
    recovery = head_text(RECOVERY, kind="recovery", subject=RANA.verifier(),
                         new_key=OMID.verifier(), revoked_from=5)
    c.head("kind/recovery", "a recovery: signed by the recovery key, then by the new key",
           f"{SF}#the-head", raw_note(recovery, RECOVERY, OMID), VALID, ACCEPTED)
    c.head("kind/recovery-one-signature", "a recovery the new key did not sign is not logged",
           f"{SF}#logging-rules", raw_note(recovery, RECOVERY), VALID, not_logged(W))
    c.head("header/recovery-line", "a first statement may commit to a recovery key", H,
           raw_note(head_text(RANA, recovery=RECOVERY.verifier()), RANA), VALID, ACCEPTED)
    succession_head_cases(c)
    media = (Media("ef" * 32, "image/jpeg", 123456), Media("01" * 32, "video/mp4", 0))
    lots = head_text(RANA, kind="denial", media=media,
                     refers=(Reference("text", TEXT), Reference("leaf", LEAF)), seen_at="x")
    c.head("header/media-and-refers", "media and refers lines repeat, each in its given order",
           H, raw_note(lots, RANA), VALID, ACCEPTED)

    # The version line and the order of lines.
    for case_id, old, new in [
        ("version/v2", "firsthand-statement/v1", "firsthand-statement/v2"),
        ("version/case", "firsthand-statement/v1", "Firsthand-statement/v1"),
        ("version/missing", "firsthand-statement/v1\n", ""),
    ]:
        c.head(case_id, "the first line is exactly firsthand-statement/v1", f"{SF}#grammar",
               edited(old, new), refused(M))
    author_line = f"author {RANA.verifier().text()}\n"
    time_line = "time 2026-01-31T09:30:00Z\n"
    for case_id, rule, old, new in [
        ("order/swapped", "header lines come in the one fixed order",
         author_line + time_line, time_line + author_line),
        ("order/duplicate-time", "a required header appears exactly once", time_line,
         time_line + time_line),
        ("order/unknown-header", "no header but those of the grammar", "kind declaration\n",
         "kind declaration\nmood calm\n"),
        ("order/missing-body", "a required header appears exactly once",
         "body sha256:", "xbody sha256:"),
        ("order/no-value", "a header line is its name, one space, a non-empty value",
         "lang en\n", "lang\n"),
        ("order/blank-line", "the head's text holds no blank line", "kind declaration\n",
         "kind declaration\n\n"),
        ("order/two-spaces", "exactly one space separates a header's name and value",
         "lang en", "lang  en"),
        ("order/trailing-space", "no trailing white space", "lang en\n", "lang en \n"),
        ("order/crlf", "lines end in LF alone; CR is a control character", "kind declaration\n",
         "kind declaration\r\n"),
        ("order/tab-separator", "the separator is one space, not a tab", "lang en", "lang\ten"),
    ]:
        c.head(case_id, rule, f"{SF}#grammar", edited(old, new), refused(M))

    # time
    T = f"{SF}#time"
    for case_id, old, new in [
        ("time/lowercase-t", "2026-01-31T09", "2026-01-31t09"),
        ("time/lowercase-z", "30:00Z", "30:00z"),
        ("time/offset", "30:00Z", "30:00+00:00"),
        ("time/fraction", "30:00Z", "30:00.5Z"),
        ("time/no-seconds", "09:30:00Z", "09:30Z"),
        ("time/leap-second", "2026-01-31T09:30:00Z", "2016-12-31T23:59:60Z"),
        ("time/hour-24", "09:30:00Z", "24:00:00Z"),
        ("time/february-30", "2026-01-31", "2026-02-30"),
        ("time/not-a-leap-year", "2026-01-31", "2025-02-29"),
        ("time/year-999", "2026-01-31", "0999-01-31"),
        ("time/year-0", "2026-01-31", "0000-01-31"),
        ("time/arabic-indic-digits", "2026-01-31", "\u0662\u0660\u0662\u0666-01-31"),
        ("time/space-separator", "2026-01-31T09", "2026-01-31 09"),
    ]:
        c.head(case_id, "time is RFC 3339 UTC to the second, uppercase T and Z, a real date; "
               "no leap second", T, edited(old, new), refused(M))
    c.head("time/leap-day", "29 February of a leap year is a real date", T,
           edited("2026-01-31", "2024-02-29"), VALID, ACCEPTED)
    c.head("time/year-1000", "the first year a head can carry", T,
           edited("2026-01-31T09:30:00Z", "1000-01-01T00:00:00Z"), VALID, ACCEPTED)
    c.head("time/year-9999", "readers do not check the time against a clock; servers refuse "
           "heads more than 10 minutes ahead of theirs", T,
           edited("2026-01-31T09:30:00Z", "9999-12-31T23:59:59Z"), VALID,
           not_logged("StatementFromTheFuture"))
    c.head("time/ten-minutes-ahead", "10 minutes ahead of the server's clock is accepted", T,
           edited("2026-01-31T09:30:00Z", "2026-02-01T00:10:00Z"), VALID, ACCEPTED)
    c.head("time/ten-minutes-and-a-second-ahead", "more than 10 minutes ahead is not logged", T,
           edited("2026-01-31T09:30:00Z", "2026-02-01T00:10:01Z"), VALID,
           not_logged("StatementFromTheFuture"))

    # lang
    L = f"{SF}#lang"
    for tag in ("en-GB", "fa-IR", "zh-Hant-TW", "az-Latn-x-latn", "sgn-BE-FR", "es-419",
                "de-CH-1901", "en-US-u-ca-gregory", "yue"):
        c.head(f"lang/{tag}", "a BCP 47 tag in its canonical case", L,
               edited("lang en", f"lang {tag}"), VALID, ACCEPTED)
    for tag in ("en-gb", "en-Gb", "zh-hant-tw", "zh-HANT-TW", "az-Latn-x-Latn", "en-x-AB"):
        c.head(f"lang/{tag}", "readers take any case after the language subtag; servers log "
               "only the canonical case (RFC 5646, section 2.1.1)", L,
               edited("lang en", f"lang {tag}"), VALID, not_logged(M))
    for tag in ("EN", "En", "en-", "e", "engl", "en-abcdefghi", "en_GB", "x-klingon", "en--GB",
                "-en"):
        c.head(f"lang/{tag}", "the language subtag is 2 or 3 lowercase letters, then subtags of "
               "1 to 8 ASCII letters or digits", L, edited("lang en", f"lang {tag}"), refused(M))

    # kind
    for case_id, kind in [("kind/capitalised", "Declaration"), ("kind/unknown", "gossip")]:
        c.head(case_id, "a kind is one of the listed words, lowercase", f"{SF}#kinds",
               edited("kind declaration", f"kind {kind}"), refused(M))

    # body, media, refers
    digest = body_sha256(BODY)
    B = f"{SF}#hashes-and-sizes"
    for case_id, rule, old, new in [
        ("body/uppercase-hex", "hashes are 64 lowercase hex digits", digest, digest.upper()),
        ("body/short-hash", "hashes are 64 lowercase hex digits", digest, digest[:-1]),
        ("body/leading-zero", "sizes are decimal without leading zeros", " 72\n", " 072\n"),
        ("body/negative", "sizes are decimal without leading zeros", " 72\n", " -72\n"),
        ("body/plus-sign", "sizes are decimal without leading zeros", " 72\n", " +72\n"),
        ("body/sha512", "the body line names sha256", "body sha256:", "body sha512:"),
        ("body/uppercase-prefix", "the hash prefix is lowercase", "body sha256:",
         "body SHA256:"),
    ]:
        c.head(case_id, rule, B, edited(old, new), refused(M))
    empty = head_text(RANA, "", kind="testimony")
    c.head("body/empty", "an empty body: the SHA-256 of nothing, length 0", B,
           raw_note(empty, RANA), VALID, ACCEPTED)
    one_media = head_text(RANA, media=(Media("ef" * 32, "image/png", 10),))
    for case_id, rule, old, new, ok in [
        ("media/svg", "a media type is lowercase type/subtype", "image/png", "image/svg+xml", True),
        ("media/vnd", "a media type is lowercase type/subtype", "image/png",
         "application/vnd.example-1.0", True),
        ("media/uppercase-type", "media types are lowercase only", "image/png", "image/PNG", False),
        ("media/no-subtype", "a media type is type/subtype", "image/png", "image", False),
        ("media/uppercase-hex", "hashes are lowercase hex", "ef" * 32, "EF" * 32, False),
        ("media/leading-zero", "sizes are decimal without leading zeros", " 10\n", " 010\n",
         False),
        ("media/parameter", "no media type parameters", "image/png", "image/png;q=1", False),
    ]:
        c.head(case_id, rule, B, raw_note(text_edit(one_media, old, new), RANA),
               VALID if ok else refused(M), ACCEPTED if ok else None)
    correction = head_text(RANA, kind="correction", refers=(Reference("leaf", LEAF),))
    for case_id, old, new in [
        ("refers/uppercase-scheme", "refers leaf:", "refers LEAF:"),
        ("refers/uppercase-hex", LEAF, LEAF.upper()),
        ("refers/short-hex", LEAF, LEAF[:62]),
        ("refers/unknown-scheme", "refers leaf:", "refers url:"),
        ("refers/space", "refers leaf:", "refers leaf: "),
    ]:
        c.head(case_id, "a reference is leaf:<64 lowercase hex> or text:<64 lowercase hex>", B,
               raw_note(text_edit(correction, old, new), RANA), refused(M))

    # What each kind must and must not carry.
    K = f"{SF}#kinds"
    for case_id, rule, fields in [
        ("rules/denial-without-text", "a denial refers to the denied text",
         {"kind": "denial"}),
        ("rules/denial-with-leaf-only", "a denial refers to the denied text",
         {"kind": "denial", "refers": (Reference("leaf", LEAF),)}),
        ("rules/correction-without-leaf", "a correction refers to exactly one leaf",
         {"kind": "correction"}),
        ("rules/correction-two-leaves", "a correction refers to exactly one leaf",
         {"kind": "correction", "refers": (Reference("leaf", LEAF), Reference("leaf", TEXT))}),
        ("rules/retraction-text-only", "a retraction refers to exactly one leaf",
         {"kind": "retraction", "refers": (Reference("text", TEXT),)}),
        ("rules/withholding-without-reason", "a withholding notice gives a reason",
         {"kind": "withholding", "refers": (Reference("leaf", LEAF),)}),
        ("rules/reason-on-declaration", "only a withholding notice gives a reason",
         {"reason": "because"}),
        ("rules/seen-at-on-testimony", "only a denial says where the text was seen",
         {"kind": "testimony", "seen_at": "there"}),
        ("rules/vouch-without-subject", "a vouch names its subject", {"kind": "vouch"}),
        ("rules/subject-on-declaration", "only a vouch, revocation or recovery names a subject",
         {"subject": OMID.verifier()}),
        ("rules/rotation-without-new-key", "a key rotation names its new key",
         {"kind": "key-rotation"}),
        ("rules/new-key-on-declaration", "only a rotation or a recovery names a new key",
         {"new_key": OMID.verifier()}),
        ("rules/profile-without-name", "a profile gives a display name", {"kind": "profile"}),
        ("rules/name-on-declaration", "only a profile gives a display name", {"name": "Rana"}),
        ("rules/from-on-declaration", "only a revocation or a recovery says from which index",
         {"revoked_from": 3}),
        ("rules/recovery-on-withholding", "a withholding notice names no recovery key",
         {"kind": "withholding", "refers": (Reference("leaf", LEAF),), "reason": "r",
          "recovery": OMID.verifier()}),
        ("rules/recovery-is-the-author", "the recovery key is another key than the author's",
         {"recovery": RANA.verifier()}),
    ]:
        c.head(case_id, rule, K, raw_note(head_text(RANA, **fields), RANA), refused(M))
    bio = "b" * 2000
    c.head("rules/profile-bio-2000-bytes", "a profile's body is at most 2,000 bytes", K,
           raw_note(head_text(RANA, bio, kind="profile", name="P"), RANA), VALID, ACCEPTED)
    c.head("rules/profile-bio-2001-bytes", "a profile's body is at most 2,000 bytes", K,
           raw_note(head_text(RANA, bio + "b", kind="profile", name="P"), RANA), refused(M))
    revocation = head_text(RANA, kind="revocation", subject=RANA.verifier(), revoked_from=0)
    c.head("rules/from-largest", "from is a log index up to 2^63 - 1", K,
           raw_note(text_edit(revocation, "from 0", f"from {2**63 - 1}"), RANA), VALID, ACCEPTED)
    for case_id, value in [("rules/from-too-large", str(2**63)), ("rules/from-leading-zero", "07")]:
        c.head(case_id, "from is decimal, 0 to 2^63 - 1, no leading zeros", K,
               raw_note(text_edit(revocation, "from 0", f"from {value}"), RANA), refused(M))

    # Free text and display names: limits in code points, control characters.
    F = f"{SF}#free-text"
    seen = head_text(RANA, kind="denial", refers=(Reference("text", TEXT),), seen_at="here")
    for case_id, rule, value, ok in [
        ("free-text/500-ascii", "1 to 500 code points", "x" * 500, True),
        ("free-text/501-ascii", "1 to 500 code points", "x" * 501, False),
        ("free-text/500-cyrillic", "counted in code points, not bytes (1,000 bytes)",
         "\u0436" * 500, True),
        ("free-text/500-emoji", "counted in code points, not UTF-16 units (2,000 bytes)",
         "\U0001f600" * 500, True),
        ("free-text/501-emoji", "counted in code points", "\U0001f600" * 501, False),
        ("free-text/tab", "no C0 control character, tab included", "a\tb", False),
        ("free-text/delete", "no DEL (U+007F)", "a\x7fb", False),
        ("free-text/escape", "no C0 control character", "a\x1bb", False),
        ("free-text/nel", "NEL (U+0085) is a C1 character, allowed", "a\x85b", True),
        ("free-text/line-separator", "U+2028 is not a control character", "a\u2028b", True),
        ("free-text/leading-space", "free text may start with a space: the value is all after "
         "the first space", " here", True),
        ("free-text/bidi-override", "free text is not a name: no label rule", "a\u202eb", True),
    ]:
        c.head(case_id, rule, F, raw_note(text_edit(seen, "seen-at here", f"seen-at {value}"),
               RANA), VALID if ok else refused(M), ACCEPTED if ok else None)
    c.head("free-text/empty", "1 to 500 code points", F,
           raw_note(text_edit(seen, "seen-at here", "seen-at "), RANA), refused(M))
    notice_text = head_text(OPERATOR, "W.\n", kind="withholding",
                            refers=(Reference("leaf", LEAF),), reason="r")
    for case_id, n, ok in [("free-text/reason-500", 500, True),
                           ("free-text/reason-501", 501, False)]:
        c.head(case_id, "a reason is 1 to 500 code points", F,
               raw_note(text_edit(notice_text, "reason r", f"reason {'r' * n}"), OPERATOR),
               VALID if ok else refused(M), ACCEPTED if ok else None)
    profile = head_text(RANA, "Bio.\n", kind="profile", name="Parisa M.")
    N = f"{SF}#names"
    for case_id, rule, value, verify, log in [
        ("name/100", "a display name is 1 to 100 code points", "n" * 100, VALID, ACCEPTED),
        ("name/101", "a display name is 1 to 100 code points", "n" * 101, refused(M), None),
        ("name/persian", "a display name in Persian", "\u067e\u0631\u06cc\u0633\u0627", VALID,
         ACCEPTED),
        ("name/persian-zwnj", "a zero-width non-joiner between two Arabic-script letters",
         "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", VALID, ACCEPTED),
        ("name/leading-space", "no white space at either end", " Parisa", refused(M), None),
        ("name/trailing-nbsp", "no white space at either end (U+00A0)", "Parisa\u00a0",
         refused(M), None),
        ("name/trailing-nel", "no white space at either end (U+0085 is white space)",
         "Parisa\x85", refused(M), None),
        ("name/delete", "no control character", "Parisa\x7f", refused(M), None),
        ("name/zero-width-space", "the label rule: no invisible character (U+200B)",
         "Parisa\u200bM", VALID, not_logged(M)),
        ("name/byte-order-mark", "the label rule: no format character (U+FEFF)",
         "\ufeffParisa", VALID, not_logged(M)),
        ("name/zwnj-between-latin", "the label rule: U+200C only between Arabic-script letters",
         "Pari\u200csa", VALID, not_logged(M)),
        ("name/tag-character", "the label rule: no tag character (U+E0041)",
         "Parisa\U000e0041", VALID, not_logged(M)),
        ("name/cyrillic-look-alike", "names that look alike are allowed (pages flag them)",
         "P\u0430risa M.", VALID, ACCEPTED),
    ]:
        c.head(case_id, rule, N, raw_note(text_edit(profile, "name Parisa M.", f"name {value}"),
               RANA), verify, log)

    # Keys on author, subject and new-key lines.
    vk = RANA.verifier().text()
    A = f"{SF}#verifier-keys"
    for case_id, rule, new in [
        ("key/uppercase-key-id", "the key ID is 8 lowercase hex digits",
         vk.replace("074c3487", "074C3487")),
        ("key/wrong-key-id", "the key ID is the one the name and key give",
         vk.replace("074c3487", "074c3488")),
        ("key/url-safe-base64", "the key is standard base64", vk.replace("+HX", "-HX")),
        ("key/cosigner-type", "an author key has type 0x01 (Ed25519), not 0x04",
         vk.split("+", 2)[0] + "+074c3487+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"),
        ("key/no-key-id", "a verifier key is name+keyID+base64",
         vk.replace("+074c3487", "")),
    ]:
        c.head(case_id, rule, A, raw_note(text_edit(base, vk, new), RANA), refused(M))
    for case_id, rule, name, log in [
        ("label/author-zero-width-space", "the label rule applies to key names",
         "rana\u200b.example", not_logged(M)),
        ("label/author-delete", "a key name may hold DEL when read; the label rule refuses it",
         "rana\x7f.example", not_logged(M)),
        ("label/author-rlo", "the label rule: no bidirectional control (U+202E)",
         "rana\u202e.example", not_logged(M)),
        ("label/author-variation-selector", "the label rule: no variation selector (U+FE0F)",
         "rana\ufe0f.example", not_logged(M)),
        ("label/author-hangul-filler", "the label rule: no Hangul filler (U+3164)",
         "rana\u3164.example", not_logged(M)),
        ("label/author-braille-blank", "the label rule: U+2800 is blank in every font",
         "rana\u2800.example", not_logged(M)),
        ("label/author-private-use", "the label rule: no private-use character",
         "rana\ue000.example", not_logged(M)),
        ("label/author-cgj", "the label rule: no combining grapheme joiner (U+034F)",
         "rana\u034f.example", not_logged(M)),
        ("label/author-persian", "a key name in Persian", "\u0631\u0639\u0646\u0627", ACCEPTED),
        ("label/author-cyrillic", "look-alike key names are allowed", "r\u0430na.example",
         ACCEPTED),
    ]:
        key = Signer.from_seed(name, bytes(range(32)))
        c.head(case_id, rule, N, raw_note(head_text(key), key), VALID, log)
    for case_id, name in [("key/name-nbsp", "rana\u00a0example"),
                          ("key/name-space", "rana example")]:
        text = text_edit(base, "author rana.example+", f"author {name}+")
        c.head(case_id, "a key name holds no Unicode white space", A, raw_note(text, RANA),
               refused(M))
    sh = _seed_key("omid\u00ad.example", 1)
    c.head("label/subject-soft-hyphen", "the label rule applies to a vouch's subject", N,
           raw_note(head_text(RANA, kind="vouch", subject=sh.verifier()), RANA), VALID,
           not_logged(M))

    # Signatures, and one statement, one entry.
    S = f"{SF}#canonical-head"
    signed = raw_note(base, RANA)
    line = signed.split("\n\n")[1].rstrip("\n")
    c.head("sig/other-key", "the head is signed by the key its author line names",
           f"{SF}#verifying", raw_note(base, OMID), refused(W))
    c.head("sig/altered-text", "the signature covers the text", f"{SF}#verifying",
           text_edit(signed, "lang en", "lang fr"), refused(W))
    c.head("sig/wrong-key-id", "a line is matched to the key by name and key ID",
           f"{SF}#verifying", signed.replace(line, line.replace("B0w0hz", "B0w1hz")), refused(W))
    c.head("sig/padding-bits", "readers accept any base64 of the signature; servers log only "
           "the canonical one", S, signed.replace(line, padded(line)), VALID, not_logged(M))
    stranger = _seed_key("stranger.example", 2)
    c.head("sig/extra-line-after", "readers ignore lines by keys they do not know; servers log "
           "exactly the lines the kind needs", S, raw_note(base, RANA, stranger), VALID,
           not_logged(M))
    c.head("sig/extra-line-before", "the author's line comes first", S,
           raw_note(base, stranger, RANA), VALID, not_logged(M))
    c.head("sig/author-line-twice", "exactly one line by the author", S,
           signed + line + "\n", VALID, not_logged(M))
    bad = f"\u2014 rana.example {base64.b64encode(RANA.key_id + bytes(64)).decode()}"
    c.head("sig/author-line-fails", "a line by the author's key that fails rejects the head, "
           "whatever other line holds", f"{SF}#verifying", signed + bad + "\n", refused(W))
    short = f"\u2014 rana.example {base64.b64encode(RANA.key_id + bytes(10)).decode()}"
    c.head("sig/short-signature", "an Ed25519 signature is 64 bytes", f"{SF}#verifying",
           base + "\n" + short + "\n", refused(W))
    c.head("sig/key-id-only", "a signature line holds a key ID and a signature",
           f"{SF}#verifying", base + "\n\u2014 rana.example " +
           base64.b64encode(RANA.key_id).decode() + "\n", refused(M))
    c.head("sig/none", "a head carries a signature line", f"{SF}#verifying", base + "\n",
           refused(M))
    c.head("sig/hyphen", "a signature line starts with an em dash (U+2014) and a space",
           f"{SF}#verifying", signed.replace("\u2014 ", "- "), refused(M))
    c.head("sig/not-base64", "the signature is standard base64", f"{SF}#verifying",
           signed.replace(line, line[:-4] + "!!!="), refused(M))
    many = raw_note(base, RANA, *[_seed_key(f"k{i}.example", 100 + i) for i in range(100)])
    c.head("sig/101-lines", "a note carries at most 100 signature lines", f"{SF}#verifying",
           many, refused(M))
    c.head("sig/100-lines", "a note may carry 100 signature lines (readers); servers log one",
           f"{SF}#verifying",
           raw_note(base, RANA, *[_seed_key(f"k{i}.example", 100 + i) for i in range(99)]),
           VALID, not_logged(M))

    # The size limit of a log entry.
    largest, too_large = _heads_at_the_limit()
    c.head("size/65535-bytes", "a signed head is at most 65,535 bytes", f"{SF}#limits",
           largest, VALID, ACCEPTED)
    c.head("size/65536-bytes", "a signed head is at most 65,535 bytes", f"{SF}#limits",
           too_large, refused(M))

    # Key rotations.
    R = f"{SF}#key-rotations"
    c.head("rotation/one-way", "a rotation signed by the old key alone is read (one-way, not "
           "followed) and no longer logged", R, raw_note(rotation, RANA),
           {**VALID, "two_way": False}, not_logged(W))
    c.head("rotation/new-key-first", "the old key's line comes first", R,
           raw_note(rotation, OMID, RANA), {**VALID, "two_way": True}, not_logged(M))
    forged = raw_note(rotation, RANA) + "\u2014 omid.example " + base64.b64encode(
        OMID.key_id + bytes(64)).decode() + "\n"
    c.head("rotation/new-key-line-fails", "a new key's line that fails makes the rotation "
           "one-way, not the head invalid", R, forged, {**VALID, "two_way": False}, not_logged(W))
    to_self = head_text(RANA, "Mine.\n", kind="key-rotation", new_key=RANA.verifier())
    c.head("rotation/to-itself", "a rotation to the author's own key is never two-way", R,
           raw_note(to_self, RANA), {**VALID, "two_way": False}, not_logged(W))
    c.head("rotation/extra-line", "a rotation carries exactly two lines", R,
           raw_note(rotation, RANA, OMID, stranger), {**VALID, "two_way": True}, not_logged(M))
    hidden = Signer.from_seed("omid\u200d.example", bytes(range(1, 33)))
    hidden_rotation = head_text(RANA, "New.\n", kind="key-rotation", new_key=hidden.verifier())
    c.head("rotation/new-key-invisible-name", "the label rule applies to the new key's name", R,
           raw_note(hidden_rotation, RANA, hidden), {**VALID, "two_way": True}, not_logged(M))
    padded_rotation = raw_note(rotation, RANA, OMID)
    second = padded_rotation.rstrip("\n").split("\n")[-1]
    c.head("rotation/padding-bits-on-new-key", "each line in canonical base64", R,
           padded_rotation.replace(second, padded(second)), {**VALID, "two_way": True},
           not_logged(M))
    # fmt: on
    return c.cases


def _heads_at_the_limit() -> tuple[str, str]:
    """Two signed denials, one of exactly 65,535 bytes and one of 65,536, by media lines."""
    refers = (Reference("text", TEXT),)
    media = tuple(Media(f"{i:064x}", "image/png", 10**6 + i) for i in range(700))

    def signed(count: int, seen_at: str) -> str:
        text = head_text(RANA, kind="denial", media=media[:count], refers=refers, seen_at=seen_at)
        return raw_note(text, RANA)

    count = 1
    while len(signed(count + 1, "x").encode()) <= 65535:
        count += 1
    pad = 65535 - len(signed(count, "x").encode())
    largest = signed(count, "x" * (1 + pad))
    too_large = signed(count, "x" * (2 + pad))
    assert len(largest.encode()) == 65535 and len(too_large.encode()) == 65536
    return largest, too_large


# --- statement files ---------------------------------------------------------------------


class StatementCases(Cases):
    def statement(
        self,
        case_id: str,
        rule: str,
        doc: str,
        data: bytes,
        verify: Outcome,
        log: Outcome | None = None,
        max_body: int | None = None,
    ) -> None:
        if log is None:
            log = not_logged(verify["error"]) if not verify["valid"] else ACCEPTED
        case: dict[str, Any] = {"id": case_id, "rule": rule, "doc": doc}
        try:
            case["file"] = data.decode("utf-8")
        except UnicodeDecodeError:
            case["file_base64"] = base64.b64encode(data).decode()
        if max_body is not None:
            case["max_body"] = max_body
        actual_read = python_read_statement(data)
        actual_log = python_log_statement(data, max_body)
        self.check(case_id, actual_read, verify)
        self.check(case_id, actual_log, log)
        case["verify"] = actual_read
        case["log"] = actual_log
        self.append(case)


def statement_file(body: str, signer: Signer = RANA, **fields: Any) -> bytes:
    """A statement file whose head names ``body``, however that body is (not checked)."""
    return (raw_note(head_text(signer, body, **fields), signer) + "\n" + body).encode("utf-8")


def statement_cases() -> list[dict[str, Any]]:
    # One case to a few lines, as a table: easier to read than one argument a line.
    # fmt: off
    c = StatementCases("statements")
    D = f"{SF}#the-body"
    F = f"{SF}#the-statement-file"
    example = statement_file(BODY)
    c.statement("file/worked-example", "the worked example, byte for byte", f"{SF}#worked-example",
                example, VALID, ACCEPTED)
    for case_id, rule, body in [
        ("body/tab", "tab and newline are the body's only C0 characters", "a\tb\n"),
        ("body/nel", "NEL (U+0085) is C1, allowed", "a\x85b\n"),
        ("body/c1", "C1 characters are allowed (U+0080)", "a\x80b\n"),
        ("body/line-separator", "U+2028 is allowed", "a\u2028b\n"),
        ("body/byte-order-mark", "a body may start with U+FEFF: it is hashed as it is",
         "\ufeffText.\n"),
        ("body/empty", "an empty body", ""),
        ("body/no-final-newline", "a body need not end with a newline", "No newline"),
        ("body/starts-with-em-dash", "a body may start like a signature line",
         "\u2014 not a signature\n"),
        ("body/blank-lines", "a body may hold blank lines", "One.\n\n\nTwo.\n"),
        ("body/leading-newline", "the body is everything after the blank line, newlines "
         "included", "\nStarts with a blank line.\n"),
        ("body/persian", "UTF-8 text in any script", "\u0645\u0646 \u0627\u06cc\u0646\u062c\u0627 "
         "\u0628\u0648\u062f\u0645.\n"),
    ]:
        c.statement(case_id, rule, D, statement_file(body), VALID, ACCEPTED)
    for case_id, rule, body in [
        ("body/crlf", "no carriage return: sign LF line endings (firsthand sign --lf)",
         "One.\r\nTwo.\r\n"),
        ("body/lone-cr", "no carriage return", "One.\rTwo.\n"),
        ("body/nul", "no NUL", "a\x00b\n"),
        ("body/delete", "no DEL (U+007F)", "a\x7fb\n"),
        ("body/escape", "no C0 control character but tab and newline", "a\x1bb\n"),
        ("body/form-feed", "no C0 control character but tab and newline", "a\x0cb\n"),
    ]:
        c.statement(case_id, rule, D, statement_file(body), refused(M))
    head = raw_note(head_text(RANA), RANA).encode()
    for case_id, rule, data in [
        ("utf8/invalid-byte", "the body is UTF-8", head + b"\n" + b"caf\xe9\n"),
        ("utf8/surrogate", "UTF-8 holds no surrogate code point (ED A0 80)",
         head + b"\n" + b"\xed\xa0\x80\n"),
        ("utf8/overlong", "no overlong UTF-8 (C0 AF for /)", head + b"\n" + b"\xc0\xaf\n"),
    ]:
        c.statement(case_id, rule, D, data, refused(M))
    altered = example.replace(b"March 2019", b"March 2018")
    c.statement("body/altered", "the body's SHA-256 is the head's", D, altered,
                refused("BodyMismatch"))
    c.statement("body/one-byte-more", "the body's length is the head's", D, example + b"\n",
                refused("BodyMismatch"))
    c.statement("body/one-byte-less", "the body's length is the head's", D, example[:-1],
                refused("BodyMismatch"))
    small = statement_file("x" * 101)
    c.statement("body/over-a-servers-limit", "readers set no size limit; a server refuses a "
                "body over its own (1,000,000 bytes by default; 100 here)", D, small, VALID,
                not_logged("BodyTooLarge"), max_body=100)
    c.statement("body/at-a-servers-limit", "a body of exactly the server's limit", D,
                statement_file("x" * 100), VALID, ACCEPTED, max_body=100)
    c.statement("file/no-blank-line", "one blank line separates the signatures from the body",
                F, head + BODY.encode(), refused(M))
    c.statement("file/head-only", "a statement file holds the blank line and the body", F,
                head, refused(M))
    c.statement("file/no-signature", "the head carries signature lines", F,
                head_text(RANA).encode() + b"\n\n" + BODY.encode(), refused(M))
    c.statement("file/crlf", "a statement file's lines end in LF", F,
                example.replace(b"\n", b"\r\n"), refused(M))
    rotation_body = "My new key.\n"
    c.statement("file/key-rotation", "a two-way rotation: two signature lines, then the body", F,
                (raw_note(head_text(RANA, rotation_body, kind="key-rotation",
                                    new_key=OMID.verifier()), RANA, OMID)
                 + "\n" + rotation_body).encode(), {**VALID, "two_way": True}, ACCEPTED)
    line = example.decode().split("\n\n")[1].split("\n")[0]
    c.statement("file/padding-bits", "readers take any base64 of the signature; servers log "
                "only the canonical one", f"{SF}#canonical-head",
                example.decode().replace(line, padded(line)).encode(), VALID, not_logged(M))
    c.statement("file/future", "servers refuse a statement dated more than 10 minutes ahead",
                f"{SF}#time",
                statement_file(BODY, time=datetime(2026, 2, 1, 1, 0, tzinfo=UTC)), VALID,
                not_logged("StatementFromTheFuture"))
    c.statement("file/profile-bio", "a profile's bio is at most 2,000 bytes", f"{SF}#kinds",
                statement_file("b" * 2000, kind="profile", name="Parisa M."), VALID, ACCEPTED)
    # fmt: on
    return c.cases


# --- verifier keys -----------------------------------------------------------------------


def key_cases() -> list[dict[str, Any]]:
    # One case to a few lines, as a table: easier to read than one argument a line.
    # fmt: off
    cases: list[dict[str, Any]] = []
    K = f"{SF}#verifier-keys"
    rana = RANA.verifier().text()
    _, kid, b64 = rana.split("+", 2)

    def case(case_id: str, rule: str, text: str, valid: bool) -> None:
        try:
            key = Verifier.from_text(text)
        except LogError as error:
            actual: Outcome = {"valid": False, "error": error_name(error)}
        else:
            actual = {
                "valid": True,
                "name": key.name,
                "key_id": key.key_id.hex(),
                "public_key": key.public_key.hex(),
                "fingerprint": fingerprint(key),
            }
        if actual["valid"] != valid:
            raise SystemExit(f"keys {case_id}: expected valid={valid}, Python gives {actual}")
        cases.append({"id": case_id, "rule": rule, "doc": K, "key": text, "expect": actual})

    case("valid/rana", "name+keyID+base64; this key's base64 holds '+' and '/': split at the "
         "first two '+' only", rana, True)
    case("valid/log", "a log's key: its name is the checkpoint origin", LOG.verifier().text(), True)
    case("valid/persian-name", "a name in any script", _seed_key("\u0631\u0639\u0646\u0627", 3)
         .verifier().text(), True)
    case("valid/delete-in-name", "DEL is not a note control character (labels refuse it in new "
         "heads)", _seed_key("a\x7fb", 4).verifier().text(), True)
    case("valid/em-dash-name", "an em dash in a name", _seed_key("a\u2014b", 5).verifier().text(),
         True)
    case("name/plus", "a name holds no '+'", "a+" + rana, False)
    case("name/empty", "a name is not empty", "+" + kid + "+" + b64, False)
    case("name/space", "a name holds no white space", "rana example+" + kid + "+" + b64, False)
    case("name/nbsp", "a name holds no Unicode white space (U+00A0)",
         "rana\u00a0example+" + kid + "+" + b64, False)
    case("name/ideographic-space", "a name holds no Unicode white space (U+3000)",
         "rana\u3000example+" + kid + "+" + b64, False)
    case("name/newline", "a name holds no control character", "rana\nexample+" + kid + "+" + b64,
         False)
    case("key-id/uppercase", "the key ID is lowercase hex", rana.replace(kid, kid.upper()), False)
    case("key-id/seven-digits", "the key ID is 8 hex digits", rana.replace(kid, kid[:7]), False)
    case("key-id/wrong", "the key ID is SHA-256(name || LF || 0x01 || key)[:4]",
         rana.replace(kid, "00000000"), False)
    case("key-id/other-name", "the key ID depends on the name",
         rana.replace("rana.example", "rana.exampl"), False)
    raw = base64.b64decode(b64)
    case("key/type-4", "a verifier key has type 0x01, not a cosigner's 0x04",
         f"rana.example+{kid}+" + base64.b64encode(b"\x04" + raw[1:]).decode(), False)
    case("key/31-bytes", "an Ed25519 key is 32 bytes",
         f"rana.example+{kid}+" + base64.b64encode(raw[:-1]).decode(), False)
    case("key/url-safe", "standard base64 alphabet",
         f"rana.example+{kid}+" + b64.replace("+", "-").replace("/", "_"), False)
    case("key/extra-padding", "no padding after a whole block", rana + "=", False)
    case("key/no-padding", "padding where the length needs it",
         f"rana.example+{kid}+" + base64.b64encode(raw + b"\x00").decode().rstrip("="), False)
    case("key/trailing-newline", "nothing after the key", rana + "\n", False)
    case("key/two-fields", "three fields", f"rana.example+{b64}", False)
    # fmt: on
    return cases


# --- bundles -----------------------------------------------------------------------------


def cosign(checkpoint: bytes, *witnesses: CosignatureSigner, timestamp: int = COSIGNED_AT) -> str:
    note = parse_note(checkpoint)
    lines = tuple(w.sign(note.text, timestamp=timestamp) for w in witnesses)
    return Note(note.text, note.signatures + lines).encode().decode()


@dataclass(frozen=True)
class Log:
    """A small log in memory: its entries and the checkpoint of all of them."""

    entries: tuple[bytes, ...]

    @property
    def leaves(self) -> list[bytes]:
        return [merkle.leaf_hash(e) for e in self.entries]

    def checkpoint(self, signer: Signer = LOG, extensions: tuple[str, ...] = ()) -> bytes:
        root = merkle.root_from_leaf_hashes(self.leaves)
        return sign_checkpoint(Checkpoint(signer.name, len(self.entries), root, extensions), signer)

    def proof(self, index: int) -> list[str]:
        reader = merkle.memory_node_reader(self.leaves)
        proof = merkle.inclusion_proof(index, len(self.entries), reader)
        return [base64.b64encode(h).decode() for h in proof]

    def bundle(self, head: bytes, body: str | None, notice: bytes | None = None) -> dict[str, Any]:
        index = self.entries.index(head)
        withheld = None
        if notice is not None:
            at = self.entries.index(notice)
            withheld = {"index": at, "head": notice.decode(), "inclusion_proof": self.proof(at)}
        return {
            "format": "firsthand-bundle/v1",
            "index": index,
            "head": head.decode(),
            "body": body,
            "withheld": withheld,
            "tree_size": len(self.entries),
            "inclusion_proof": self.proof(index),
            "checkpoint": self.checkpoint().decode(),
        }


def _utf8_safe(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class BundleCases(Cases):
    def bundle(
        self,
        case_id: str,
        rule: str,
        doc: str,
        bundle: dict[str, Any] | str,
        expect: Outcome,
        *,
        witnesses: tuple[CosignatureSigner, ...] = (),
        quorum: int | None = None,
        operator_key: Signer | None = None,
    ) -> None:
        case: dict[str, Any] = {"id": case_id, "rule": rule, "doc": doc}
        if isinstance(bundle, dict) and not _utf8_safe(bundle):
            bundle = json.dumps(bundle)  # a lone surrogate: only JSON's \u escape can carry it
        if isinstance(bundle, str):
            case["bundle_text"] = bundle
            data = bundle.encode("utf-8")
        else:
            case["bundle"] = bundle
            data = json.dumps(bundle).encode()
        options: dict[str, Any] = {}
        if witnesses:
            case["witnesses"] = [w.verifier().text() for w in witnesses]
            case["quorum"] = len(witnesses) if quorum is None else quorum
            options["witnesses"] = [w.verifier() for w in witnesses]
            options["quorum"] = case["quorum"]
        if operator_key is not None:
            case["operator_key"] = operator_key.verifier().text()
            options["operator_key"] = operator_key.verifier()
        try:
            actual = verify_bundle(data, LOG.verifier(), **options).as_json()
        except LogError as error:
            actual = {"valid": False, "failed_check": getattr(error, "check", None)}
        self.check(case_id, actual, expect)
        case["verdict"] = actual
        self.append(case)


def bundle_cases() -> list[dict[str, Any]]:
    # One case to a few lines, as a table: easier to read than one argument a line.
    # fmt: off
    c = BundleCases("bundles")
    B = f"{BF}#what-verify-checks"

    def statement(body: str, signer: Signer = RANA, *cosigners: Signer, **fields: Any) -> bytes:
        return raw_note(head_text(signer, body, **fields), signer, *cosigners).encode()

    plain = statement(BODY)
    address = "My address is 12 Example Street.\n"
    private = statement(address, kind="testimony")
    notice = statement("Withheld.\n", OPERATOR, kind="withholding",
                       refers=(Reference("leaf", merkle.leaf_hash(private).hex()),),
                       reason="it discloses a home address")
    two_way = statement("My new key.\n", RANA, OMID, kind="key-rotation", new_key=OMID.verifier())
    one_way = statement("My new key.\n", kind="key-rotation", new_key=OMID.verifier())
    line = plain.decode().split("\n\n")[1].rstrip("\n")
    padded_plain = plain.decode().replace(line, padded(line)).encode()
    fillers = tuple(f"filler {i}\n".encode() for i in range(13))
    log = Log((*fillers[:5], plain, private, *fillers[5:9], notice, two_way, one_way,
               padded_plain, *fillers[9:]))
    good = log.bundle(plain, BODY)
    checkpoint = good["checkpoint"]

    # The same size and root, under another origin, signed by the log key all the same.
    other_origin = raw_note("other.example/log\n" + checkpoint.split("\n", 1)[1].split("\n\n")[0]
                            + "\n", LOG)

    def tampered(change: Callable[[dict[str, Any]], Any], base: dict[str, Any] = good) -> Any:
        copy = json.loads(json.dumps(base))
        change(copy)
        return copy

    c.bundle("valid/plain", "a statement, its body, its proof and the log's checkpoint", B, good,
             {"valid": True, "other_checkpoint_signatures": [], "cosigned_by": [],
              "rotation": None, "withheld": None, "body_withheld": False})
    c.bundle("valid/padding-bits-head", "verifiers read heads logged before the canonical-head "
             "rule as they are", B, log.bundle(padded_plain, BODY), {"valid": True})
    c.bundle("valid/two-way-rotation", "a two-way rotation's verdict", f"{BF}#the-verdict",
             log.bundle(two_way, "My new key.\n"), {"valid": True, "rotation": {
                 "new_key": {"name": OMID.name, "key": OMID.verifier().text(),
                             "fingerprint": fingerprint(OMID.verifier())},
                 "two_way": True,
                 "message": "two-way: signed by the old key and by the new key, which accepted it",
             }})
    c.bundle("valid/one-way-rotation", "a one-way rotation verifies; the verdict says it is not "
             "followed", f"{BF}#the-verdict", log.bundle(one_way, "My new key.\n"),
             {"valid": True, "rotation": {
                 "new_key": {"name": OMID.name, "key": OMID.verifier().text(),
                             "fingerprint": fingerprint(OMID.verifier())},
                 "two_way": False,
                 "message": "one-way: signed by the old key only: not followed; anyone can name "
                 "any key as new",
             }})
    withheld = log.bundle(private, None, notice)
    W_ = f"{BF}#withheld-bodies"
    c.bundle("withheld/valid", "the operator's logged notice in place of the body", W_, withheld,
             {"valid": True, "body_withheld": True})
    c.bundle("withheld/operator-key", "--operator-key: the notice is signed by that key", W_,
             withheld, {"valid": True, "body_withheld": True}, operator_key=OPERATOR)
    c.bundle("withheld/wrong-operator-key", "--operator-key: the notice is signed by that key",
             W_, withheld, {"valid": False, "failed_check": "withheld"}, operator_key=OMID)
    c.bundle("withheld/body-kept-elsewhere", "a body put back must match the head", W_,
             tampered(lambda b: b.update(body=address), withheld),
             {"valid": True, "body_withheld": False})
    c.bundle("withheld/other-body", "a body put back must match the head", W_,
             tampered(lambda b: b.update(body="Elsewhere.\n"), withheld),
             {"valid": False, "failed_check": "body"})
    c.bundle("withheld/notice-for-another", "the notice names this statement's leaf hash", W_,
             tampered(lambda b: b.update(withheld=log.bundle(private, None, notice)["withheld"]),
                      log.bundle(plain, None)),
             {"valid": False, "failed_check": "withheld"})
    c.bundle("withheld/notice-index", "the notice's own proof leads to the same root", W_,
             tampered(lambda b: b["withheld"].update(index=b["withheld"]["index"] + 1), withheld),
             {"valid": False, "failed_check": "withheld"})
    c.bundle("withheld/notice-not-object", "the notice is an object", W_,
             tampered(lambda b: b.update(withheld=[]), withheld),
             {"valid": False, "failed_check": "withheld"})
    c.bundle("withheld/notice-not-withholding", "the notice is a withholding statement", W_,
             tampered(lambda b: b["withheld"].update(head=plain.decode()), withheld),
             {"valid": False, "failed_check": "withheld"})

    for case_id, rule, change, check in [
        ("format/name", "format is firsthand-bundle/v1", lambda b: b.update(format="x"), "format"),
        ("format/index-text", "index is an integer", lambda b: b.update(index="5"), "format"),
        ("format/index-bool", "index is an integer, not a boolean",
         lambda b: b.update(index=True), "format"),
        ("format/tree-size-missing", "tree_size is an integer", lambda b: b.pop("tree_size"),
         "format"),
        ("format/proof-text", "inclusion_proof is an array", lambda b: b.update(
            inclusion_proof="AAAA"), "format"),
        ("format/head-missing", "head is a string", lambda b: b.pop("head"), "format"),
        ("checkpoint/altered", "the checkpoint is signed by the log key", lambda b: b.update(
            checkpoint=b["checkpoint"].replace("\n\n", "\nextension\n\n", 1)), "checkpoint"),
        ("checkpoint/other-key", "the checkpoint is signed by the log key", lambda b: b.update(
            checkpoint=Log(log.entries).checkpoint(
                Signer.from_seed(LOG.name, bytes(32))).decode()), "checkpoint"),
        ("checkpoint/origin", "the checkpoint's origin is the log key's name",
         lambda b: b.update(checkpoint=other_origin), "checkpoint"),
        ("tree-size/mismatch", "tree_size is the checkpoint's size",
         lambda b: b.update(tree_size=b["tree_size"] + 1), "tree-size"),
        ("head/altered", "the head is signed by its author", lambda b: b.update(
            head=b["head"].replace("lang en", "lang fr")), "head"),
        ("head/other-signer", "the head is signed by its author", lambda b: b.update(
            head=raw_note(head_text(RANA), OMID)), "head"),
        ("head/lone-surrogate", "the head is Unicode text", lambda b: b.update(head="\ud800"),
         "head"),
        ("body/altered", "the body has the head's SHA-256 and length", lambda b: b.update(
            body=b["body"].replace("2019", "2018")), "body"),
        ("body/control", "the body holds no control character but tab and newline",
         lambda b: b.update(body=b["body"] + "\x00"), "body"),
        ("body/carriage-return", "the body holds no carriage return", lambda b: b.update(
            body=b["body"].replace("\n", "\r\n")), "body"),
        ("body/missing", "a body, or a withholding notice", lambda b: b.update(body=None),
         "body"),
        ("body/number", "the body is a string", lambda b: b.update(body=7), "body"),
        ("inclusion/index", "the proof puts the head at its index", lambda b: b.update(
            index=b["index"] - 1), "inclusion"),
        ("inclusion/cut", "the proof has the length of the path", lambda b: b.update(
            inclusion_proof=b["inclusion_proof"][:-1]), "inclusion"),
        ("inclusion/extra", "the proof has the length of the path", lambda b: b.update(
            inclusion_proof=[*b["inclusion_proof"], b["inclusion_proof"][0]]), "inclusion"),
        ("inclusion/swapped", "the proof's hashes in their order", lambda b: b.update(
            inclusion_proof=b["inclusion_proof"][1::-1] + b["inclusion_proof"][2:]),
         "inclusion"),
        ("inclusion/not-base64", "proof hashes are base64", lambda b: b["inclusion_proof"]
         .__setitem__(0, "@@@@"), "inclusion"),
        ("inclusion/short-hash", "proof hashes are 32 bytes", lambda b: b["inclusion_proof"]
         .__setitem__(0, "AAAA"), "inclusion"),
        ("inclusion/index-past-size", "the index is below the tree size",
         lambda b: b.update(index=b["tree_size"]), "inclusion"),
    ]:
        c.bundle(case_id, rule, B, tampered(change), {"valid": False, "failed_check": check})
    c.bundle("format/not-json", "a bundle is JSON", B, "{\"format\": ", {"valid": False,
             "failed_check": "format"})
    c.bundle("format/array", "a bundle is a JSON object", B, "[]", {"valid": False,
             "failed_check": "format"})
    text = json.dumps(good)
    index_field, size_field = f'"index": {good["index"]},', f'"tree_size": {good["tree_size"]},'
    assert index_field in text and size_field in text
    size = good["tree_size"]
    for case_id, rule, old, new, expect in [
        ("integer/index-5.0", "an integer is a number without a fractional part, however "
         "written", index_field, f'"index": {good["index"]}.0,', {"valid": True}),
        ("integer/tree-size-exponent", "an integer is a number without a fractional part, "
         "however written", size_field, f'"tree_size": {size / 10}e1,', {"valid": True}),
        ("integer/index-fraction", "index is an integer", index_field, '"index": 5.5,',
         {"valid": False, "failed_check": "format"}),
        ("integer/index-2^53", "integers are at most 2^53 - 1, as every JSON reader holds them",
         index_field, f'"index": {2**53},', {"valid": False, "failed_check": "format"}),
        ("integer/index-negative", "the index is in the tree", index_field, '"index": -1,',
         {"valid": False, "failed_check": "inclusion"}),
    ]:
        c.bundle(case_id, rule, B, text.replace(old, new), expect)
    c.bundle("checkpoint/extension", "a checkpoint may carry extension lines the log signed", B,
             tampered(lambda b: b.update(checkpoint=log.checkpoint(
                 extensions=("an extension",)).decode())), {"valid": True})

    # Witnesses.
    X = f"{BF}#witness-cosignatures"
    cosigned = tampered(lambda b: b.update(checkpoint=cosign(checkpoint.encode(), ALPHA, BETA)))
    alpha = {"witness": ALPHA.name, "key": ALPHA.verifier().text(), "timestamp": COSIGNED_AT}
    beta = {"witness": BETA.name, "key": BETA.verifier().text(), "timestamp": COSIGNED_AT}
    c.bundle("witness/none-named", "lines by witnesses the reader did not name are listed, "
             "not judged", X, cosigned, {"valid": True, "cosigned_by": [],
                                         "other_checkpoint_signatures": [ALPHA.name, BETA.name]})
    c.bundle("witness/one-named", "a named witness's verified line is under cosigned_by and "
             "not under other_checkpoint_signatures", X, cosigned,
             {"valid": True, "cosigned_by": [alpha], "other_checkpoint_signatures": [BETA.name]},
             witnesses=(ALPHA,))
    c.bundle("witness/both-named", "every named witness cosigned", X, cosigned,
             {"valid": True, "cosigned_by": [alpha, beta], "other_checkpoint_signatures": []},
             witnesses=(ALPHA, BETA))
    only_alpha = tampered(lambda b: b.update(checkpoint=cosign(checkpoint.encode(), ALPHA)))
    c.bundle("witness/quorum-not-met", "at least K named witnesses cosigned (K = all by "
             "default)", X, only_alpha, {"valid": False, "failed_check": "witnesses"},
             witnesses=(ALPHA, BETA))
    c.bundle("witness/quorum-met", "--quorum 1 of two named witnesses", X, only_alpha,
             {"valid": True, "cosigned_by": [alpha], "other_checkpoint_signatures": []},
             witnesses=(ALPHA, BETA), quorum=1)
    c.bundle("witness/not-cosigned", "a checkpoint without cosignatures meets no quorum", X,
             good, {"valid": False, "failed_check": "witnesses"}, witnesses=(ALPHA,))
    # Alpha's line with the end of its signature zeroed: its key ID still names Alpha.
    forged_lines = cosign(checkpoint.encode(), ALPHA).split("\n")
    forged_lines[-2] = forged_lines[-2][:-8] + "AAAAAAA="
    broken = "\n".join(forged_lines)
    c.bundle("witness/named-line-fails", "a named witness's line that fails fails the bundle",
             X, tampered(lambda b: b.update(checkpoint=broken)),
             {"valid": False, "failed_check": "witnesses"}, witnesses=(ALPHA,))
    c.bundle("witness/unnamed-line-fails", "an unnamed witness's line is not judged", X,
             tampered(lambda b: b.update(checkpoint=broken)),
             {"valid": True, "other_checkpoint_signatures": [ALPHA.name]})
    c.bundle("witness/log-key-cosigns-nothing", "the log's own line is not a cosignature", X,
             good, {"valid": True, "cosigned_by": [], "other_checkpoint_signatures": []},
             witnesses=(ALPHA,), quorum=0)
    # fmt: on
    revocation_cases(c)
    succession_cases(c)
    return c.cases


def revocation_cases(c: BundleCases) -> None:
    """Bundles that carry the revocations of their author's key (bundle-format.md, Revocations):
    a seized key (the thief signs at 3), revoked by the recovery key from 3 (at 4)."""
    R = f"{BF}#revocations"

    def statement(body: str, signer: Signer = RANA, *cosigners: Signer, **fields: Any) -> bytes:
        return raw_note(head_text(signer, body, **fields), signer, *cosigners).encode()

    rana = RANA.verifier()
    first = statement(BODY, recovery=RECOVERY.verifier())
    before = statement("Before.\n")
    stolen = statement("Stolen.\n")
    by_recovery = statement("My key was taken.\n", RECOVERY, kind="revocation", subject=rana,
                            revoked_from=3)
    by_stranger = statement("Not mine.\n", OMID, kind="revocation", subject=rana)
    by_itself = statement("Lost.\n", kind="revocation", subject=rana)
    later = statement("Later.\n")
    backdated = statement("Lost long ago.\n", kind="revocation", subject=rana, revoked_from=0)
    one_way = statement("Continues.\n", RECOVERY, kind="recovery", subject=rana,
                        new_key=OMID.verifier(), revoked_from=1)
    two_way = statement("Continues.\n", RECOVERY, OMID, kind="recovery", subject=rana,
                        new_key=OMID.verifier(), revoked_from=2)
    of_another = statement("Mine is lost.\n", OMID, kind="revocation", subject=OMID.verifier())
    log = Log((b"filler\n", first, before, stolen, by_recovery, by_stranger, by_itself, later,
               backdated, one_way, two_way, of_another))

    def entry(head: bytes) -> dict[str, Any]:
        at = log.entries.index(head)
        return {"index": at, "head": head.decode(), "inclusion_proof": log.proof(at)}

    def carrying(head: bytes, body: str, revocations: list[bytes],
                 commitment: bytes | None = first) -> dict[str, Any]:
        bundle = log.bundle(head, body)
        bundle["revocations"] = [entry(r) for r in revocations]
        bundle["recovery_commitment"] = None if commitment is None else entry(commitment)
        return bundle

    def stolen_key(since: int, by: int, by_recovery_key: bool) -> dict[str, Any]:
        kind = "recovery" if by == 10 else "revocation"
        return {"since": since, "by_index": by, "by_recovery_key": by_recovery_key, "kind": kind,
                "message": f"signed by a key its author reported stolen or lost from log entry "
                f"{since} on (statement {by})"}

    def known(counted: int) -> dict[str, Any]:
        return {"as_of_tree_size": len(log.entries), "counted": counted}

    # fmt: off
    c.bundle("revocations/stolen", "a statement at or after the point the recovery key revoked "
             "the key from is a stolen-key statement", R,
             carrying(stolen, "Stolen.\n", [by_recovery]),
             {"valid": True, "stolen_key": stolen_key(3, 4, True), "revocations": known(1)})
    c.bundle("revocations/before-the-point", "statements before the point stay the author's", R,
             carrying(before, "Before.\n", [by_recovery]),
             {"valid": True, "stolen_key": None, "revocations": known(1)})
    c.bundle("revocations/left-out", "a bundle that leaves the revocation out cannot show it: "
             "the verdict counts none", R, log.bundle(stolen, "Stolen.\n"),
             {"valid": True, "stolen_key": None, "revocations": known(0)})
    c.bundle("revocations/no-commitment", "a revocation by a recovery key counts only beside the "
             "key's commitment to it", R, carrying(stolen, "Stolen.\n", [by_recovery], None),
             {"valid": True, "stolen_key": None, "revocations": known(0)})
    c.bundle("revocations/by-a-stranger", "a third key's revocation is carried, never obeyed", R,
             carrying(stolen, "Stolen.\n", [by_stranger]),
             {"valid": True, "stolen_key": None, "revocations": known(0)})
    c.bundle("revocations/by-the-key-itself", "a key revoking itself does so from its own index",
             R, carrying(later, "Later.\n", [by_itself], None),
             {"valid": True, "stolen_key": stolen_key(6, 6, False), "revocations": known(1)})
    c.bundle("revocations/by-the-key-not-backdated", "a key revoking itself cannot disown its "
             "earlier statements, whatever its 'from' says", R,
             carrying(before, "Before.\n", [backdated], None),
             {"valid": True, "stolen_key": None, "revocations": known(1)})
    c.bundle("revocations/one-way-recovery", "a recovery its new key did not sign does not count",
             R, carrying(before, "Before.\n", [one_way]),
             {"valid": True, "stolen_key": None, "revocations": known(0)})
    c.bundle("revocations/two-way-recovery", "a recovery by the recovery key and the new key "
             "revokes from its 'from'", R, carrying(before, "Before.\n", [two_way]),
             {"valid": True, "stolen_key": stolen_key(2, 10, True), "revocations": known(1)})
    c.bundle("revocations/earliest-point", "the earliest point among the counted revocations "
             "decides", R, carrying(stolen, "Stolen.\n", [by_recovery, by_stranger, two_way]),
             {"valid": True, "stolen_key": stolen_key(2, 10, True), "revocations": known(2)})
    for case_id, rule, change in [
        ("revocations/not-this-key", "each carried revocation names the statement's key",
         lambda b: b["revocations"].append(entry(of_another))),
        ("revocations/not-a-revocation", "each carried entry is a revocation or a recovery",
         lambda b: b["revocations"].append(entry(later))),
        ("revocations/proof", "each carried revocation is in the checkpoint's tree",
         lambda b: b["revocations"][0].update(inclusion_proof=log.proof(3))),
        ("revocations/forged", "each carried revocation is signed by its author",
         lambda b: b["revocations"][0].update(
             head=b["revocations"][0]["head"].replace("from 3", "from 1"))),
        ("revocations/not-a-list", "revocations are a list",
         lambda b: b.update(revocations={"index": 4})),
        ("revocations/index", "a carried entry has its index",
         lambda b: b["revocations"][0].pop("index")),
        ("revocations/commitment-of-another-key", "the recovery commitment is the key's own",
         lambda b: b.update(recovery_commitment=entry(of_another))),
        ("revocations/commitment-without-recovery", "the recovery commitment names a recovery key",
         lambda b: b.update(recovery_commitment=entry(before))),
        ("revocations/commitment-moved", "the recovery commitment is in the tree at its index",
         lambda b: b.update(recovery_commitment=entry(first) | {"index": 5,
                                                                "inclusion_proof": log.proof(5)})),
    ]:
        bundle = carrying(stolen, "Stolen.\n", [by_recovery])
        change(bundle)
        c.bundle(case_id, rule, R, bundle, {"valid": False, "failed_check": "revocations"})
    # fmt: on


def succession_cases(c: BundleCases) -> None:
    """Bundles that carry social recoveries and device statements (bundle-format.md,
    Succession): the site's rules (statements/succession.py) on what a bundle carries."""
    S = f"{BF}#succession"

    def key(name: str, n: int) -> Signer:
        return _seed_key(name, n)

    friends = sorted((key(f"friend{i}.example", 200 + i) for i in range(3)),
                     key=lambda f: fingerprint(f.verifier()))
    a, b, _ = friends
    thief_friend, new, new2, new3, thief_new = (
        key(n, 210 + i) for i, n in enumerate(("thief.friend", "rana.new", "rana.new2",
                                                  "rana.new3", "thief.new")))
    ident, phone, laptop, watch, thief_phone = (
        key(n, 220 + i) for i, n in enumerate(("hamid.example", "hamid.phone", "hamid.laptop",
                                                  "hamid.watch", "thief.phone")))
    rana = RANA.verifier()

    def statement(body: str, signer: Signer, *cosigners: Signer, **fields: Any) -> bytes:
        return raw_note(head_text(signer, body, **fields), signer, *cosigners).encode()

    def contacts(author: Signer, named: list[Signer], threshold: int) -> bytes:
        keys = tuple(sorted((f.verifier() for f in named), key=fingerprint))
        return statement("My trusted contacts.\n", author, kind="contacts", contacts=keys,
                         threshold=threshold)

    def social(author: Signer, signers: list[Signer], since: int) -> bytes:
        ordered = sorted(signers, key=lambda f: fingerprint(f.verifier()))
        return statement("My phone was taken.\n", author, *ordered, kind="social-recovery",
                         subject=rana, contacts=tuple(f.verifier() for f in ordered),
                         revoked_from=since)

    entries = [
        b"filler\n",
        contacts(RANA, friends, 2),  # 1: the author's contacts, 2 of 3
        statement("Before.\n", RANA),  # 2
        statement("Stolen.\n", RANA),  # 3: the thief holds the key from here
        contacts(RANA, [thief_friend], 1),  # 4: the thief names a contact of his own
        social(thief_new, [thief_friend], 5),  # 5: ...and recovers to his key with it
        social(new, [a, b], 3),  # 6: the author's contacts recover from the theft on
        social(new2, [a], 3),  # 7: one contact of the two needed
        statement("Mine was taken.\n", b, kind="revocation", subject=b.verifier()),  # 8
        social(new3, [a, b], 2),  # 9: B signs after B's key was reported stolen
        statement("Hello.\n", ident, recovery=RECOVERY.verifier()),  # 10
        statement("My phone.\n", ident, phone, kind="device", subject=phone.verifier()),  # 11
        statement("From my phone.\n", phone),  # 12
        statement("The thief, on the phone.\n", phone),  # 13
        statement("My phone was taken.\n", ident, kind="device-revocation",
                  subject=phone.verifier(), revoked_from=13),  # 14
        statement("My laptop.\n", ident, kind="device", subject=laptop.verifier()),  # 15: one-way
        statement("From the laptop.\n", laptop),  # 16
        statement("My watch.\n", phone, watch, kind="device", subject=watch.verifier()),  # 17
        statement("From the watch.\n", watch),  # 18
        statement("Lost.\n", ident, kind="revocation", subject=ident.verifier()),  # 19
        statement("The thief's phone.\n", ident, thief_phone, kind="device",
                  subject=thief_phone.verifier()),  # 20
        statement("From the thief's phone.\n", thief_phone),  # 21
    ]
    log = Log(tuple(entries))

    def entry(at: int) -> dict[str, Any]:
        return {"index": at, "head": entries[at].decode(), "inclusion_proof": log.proof(at)}

    def carrying(at: int, succession: list[int]) -> dict[str, Any]:
        body = parse_head_text(parse_note(entries[at]).text)
        text = next(t for t in _BODIES if body_sha256(t) == body.body_sha256)
        bundle = log.bundle(entries[at], text)
        bundle["succession"] = [entry(i) for i in succession]
        return bundle

    def stolen_key(since: int, by: int, kind: str) -> dict[str, Any]:
        return {"since": since, "by_index": by, "by_recovery_key": False, "kind": kind,
                "message": f"signed by a key its author reported stolen or lost from log entry "
                f"{since} on (statement {by})"}

    def known(counted: int) -> dict[str, Any]:
        return {"as_of_tree_size": len(entries), "counted": counted}

    def device_of(device: Signer, at: int) -> dict[str, Any]:
        def who(k: Signer) -> dict[str, str]:
            return {"name": k.name, "key": k.verifier().text(), "fingerprint": fp(k)}
        return {"identity": who(ident), "device": who(device), "certified_at": at,
                "message": f"signed by device {fp(device)} of identity {fp(ident)}"}

    def fp(k: Signer) -> str:
        return fingerprint(k.verifier())

    social_stolen = stolen_key(3, 6, "social-recovery")
    # fmt: off
    for case_id, rule, at, carried, expect in [
        ("social/k-of-n", "k of the contacts in force co-signing a social recovery revoke the "
         "key from its 'from'", 3, [1, 6], {"stolen_key": social_stolen, "revocations": known(1)}),
        ("social/k-minus-one", "k - 1 contacts do not recover a key", 3, [1, 7],
         {"stolen_key": None, "revocations": known(0)}),
        ("social/no-contacts-carried", "a social recovery counts only beside the contacts "
         "statement it relies on", 3, [6], {"stolen_key": None, "revocations": known(0)}),
        ("social/thiefs-contacts-alone", "the thief's contacts count while the author has not "
         "revoked the key from before them", 3, [1, 4, 5],
         {"stolen_key": None, "revocations": known(1)}),
        ("social/thiefs-contacts-after-the-point", "contacts named at or after the point the "
         "author revoked the key from do not count", 3, [1, 4, 5, 6],
         {"stolen_key": social_stolen, "revocations": known(1)}),
        ("social/contact-reported-stolen", "a contact whose own key was reported stolen before "
         "the recovery does not count", 3, [1, 8, 9],
         {"stolen_key": None, "revocations": known(0)}),
        ("social/contact-revocation-left-out", "a bundle that leaves a contact's revocation out "
         "cannot show it", 3, [1, 9],
         {"stolen_key": stolen_key(2, 9, "social-recovery"), "revocations": known(1)}),
        ("device/signed-by-a-device", "a statement by a device key names the device and the "
         "identity that certified it", 12, [10, 11],
         {"device": device_of(phone, 11), "stolen_key": None, "revocations": known(0)}),
        ("device/revoked", "a device revoked by its identity signs stolen-key statements from "
         "the revocation's 'from'", 13, [10, 11, 14],
         {"device": device_of(phone, 11), "stolen_key": stolen_key(13, 14, "device-revocation"),
          "revocations": known(1)}),
        ("device/before-the-revocation", "a device's statements before its revocation stay the "
         "identity's", 12, [10, 11, 14],
         {"device": device_of(phone, 11), "stolen_key": None, "revocations": known(1)}),
        ("device/certificate-left-out", "without its certificate a device key is only its own "
         "key", 12, [], {"device": None, "stolen_key": None, "revocations": known(0)}),
        ("device/one-way", "a device statement the device key did not sign makes no device", 16,
         [15], {"device": None}),
        ("device/added-by-a-device", "a device cannot add devices", 18, [11, 17],
         {"device": None}),
        ("device/thiefs-device", "a device added after its identity was revoked is a thief's",
         21, [10, 19, 20], {"device": None}),
    ]:
        c.bundle(case_id, rule, S, carrying(at, carried), {"valid": True, **expect})
    for case_id, rule, change in [
        ("succession/not-a-list", "succession is a list", lambda b: b.update(succession={})),
        ("succession/proof", "each carried statement is in the checkpoint's tree",
         lambda b: b["succession"][1].update(inclusion_proof=log.proof(3))),
        ("succession/forged", "each carried statement is signed by its author",
         lambda b: b["succession"][1].update(
             head=b["succession"][1]["head"].replace("from 3", "from 1"))),
    ]:
        bundle = carrying(3, [1, 6])
        change(bundle)
        c.bundle(case_id, rule, S, bundle, {"valid": False, "failed_check": "revocations"})
    # fmt: on


_BODIES = ("Before.\n", "Stolen.\n", "From my phone.\n", "The thief, on the phone.\n",
           "From the laptop.\n", "From the watch.\n", "From the thief's phone.\n")


# --- writing -----------------------------------------------------------------------------


def documents() -> dict[str, Any]:
    """Every vectors file, by name, as the objects to write."""
    common = {"format": FORMAT, "generator": "scripts/make-vectors.py"}
    return {
        "verifier-keys.json": {
            **common,
            "description": "Verifier key texts (name+keyID+base64): valid keys and what they "
            "hold, invalid ones refused (MalformedNote).",
            "cases": key_cases(),
        },
        "heads.json": {
            **common,
            "description": "Signed heads: 'verify' is what a verifier reads (no clock, no "
            "logging rules), 'log' what a server accepts for logging at 'now'.",
            "now": NOW,
            "cases": head_cases(),
        },
        "statements.json": {
            **common,
            "description": "Statement files (head, blank line, body): 'verify' as a reader "
            "checks one (no clock, no size limit), 'log' as a server accepts one at 'now', "
            "with a body limit of 'max_body' bytes (1,000,000 when absent).",
            "now": NOW,
            "cases": statement_cases(),
        },
        "bundles.json": {
            **common,
            "description": "Offline bundles checked with 'log_key' (and a case's witnesses, "
            "quorum, operator_key): the verdict JSON of firsthand verify --json, whole for valid "
            "bundles, and the id of the first failed check for invalid ones.",
            "log_key": LOG.verifier().text(),
            "cases": bundle_cases(),
        },
    }


def rendered() -> dict[str, str]:
    return {
        name: json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        for name, document in documents().items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the files are not current")
    parser.add_argument("--out", type=Path, default=VECTORS)
    args = parser.parse_args()
    files = rendered()
    stale = [n for n, text in files.items() if _read(args.out / n) != text]
    if args.check:
        for name in stale:
            print(f"{args.out / name} is not what scripts/make-vectors.py makes", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    total = sum(len(d["cases"]) for d in documents().values())
    print(f"{total} cases in {len(files)} files under {args.out}")
    return 0


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
