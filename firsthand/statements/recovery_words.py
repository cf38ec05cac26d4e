"""A recovery key written as 24 words: the Python twin of the browser's recovery-words.js.

The recovery key is an Ed25519 key whose 32-byte seed is BIP-39 entropy
(docs/recovery.md, "The recovery sheet")::

    bits     = seed (256 bits) || first 8 bits of SHA-256(seed)          (264 bits)
    words[i] = WORDLIST[bits[11*i .. 11*i + 11)], i = 0..23, big-endian   (24 words)

with BIP-39's English list, the very file the site serves
(web/static/firsthand/js/bip39-english.json), so the words a CLI sheet prints are the
words the site's "recover with my sheet" page reads back, and any BIP-39 tool too. The
key is named ``recovery``, as the browser names it: names play no part in recovery.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from firsthand.log.note import Signer
from firsthand.statements.errors import KeyFileError

WORD_COUNT = 24
SEED_SIZE = 32
RECOVERY_KEY_NAME = "recovery"
# SHA-256 of english.txt as BIP-39 publishes it (2048 lines, each ending "\n").
WORDLIST_SHA256 = "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"
WORDLIST = Path(__file__).resolve().parents[1] / "web/static/firsthand/js/bip39-english.json"


@cache
def wordlist() -> tuple[str, ...]:
    """BIP-39's 2048 English words, checked against the published list's hash."""
    words = tuple(json.loads(WORDLIST.read_text(encoding="utf-8"))["words"])
    digest = hashlib.sha256("".join(f"{w}\n" for w in words).encode()).hexdigest()
    if len(words) != 2048 or digest != WORDLIST_SHA256:
        raise KeyFileError(f"{WORDLIST} is not BIP-39's English word list")
    return words


def words_from_seed(seed: bytes) -> list[str]:
    """The 24 words of a 32-byte seed."""
    if len(seed) != SEED_SIZE:
        raise ValueError(f"a recovery key's seed has {SEED_SIZE} bytes")
    bits = int.from_bytes(seed + hashlib.sha256(seed).digest()[:1], "big")
    words = wordlist()
    return [words[(bits >> (11 * (WORD_COUNT - 1 - i))) & 0x7FF] for i in range(WORD_COUNT)]


def seed_from_words(text: str) -> bytes:
    """The seed the words encode; KeyFileError names a word not in the list or a bad checksum.

    Numbers and punctuation between words are skipped ("1. abandon 2. ..."), and a word's
    first four letters are enough, as BIP-39's list is made for.
    """
    typed = [w for w in "".join(c if c.isalpha() else " " for c in text.lower()).split() if w]
    if len(typed) != WORD_COUNT:
        raise KeyFileError(f"a recovery sheet has {WORD_COUNT} words; {len(typed)} were given")
    words = wordlist()
    by_prefix = {w[:4]: n for n, w in enumerate(words)}
    bits = 0
    for position, word in enumerate(typed, 1):
        n = by_prefix.get(word[:4])
        if n is None or not words[n].startswith(word):
            raise KeyFileError(
                f"word {position}, {word!r}, is not in the recovery word list; check it on "
                "the sheet"
            )
        bits = (bits << 11) | n
    seed, checksum = (bits >> 8).to_bytes(SEED_SIZE, "big"), bits & 0xFF
    if hashlib.sha256(seed).digest()[0] != checksum:
        raise KeyFileError(
            "the words do not fit together (their checksum fails): a word is wrong or two are "
            "swapped; check them against the sheet"
        )
    return seed


def recovery_signer(seed: bytes) -> Signer:
    """The recovery key of a seed, named as the browser names it."""
    return Signer.from_seed(RECOVERY_KEY_NAME, seed)
