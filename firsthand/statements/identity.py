"""Who an author is, and how their name may be written.

An author *is* their Ed25519 public key. The C2SP key ID (4 bytes of
SHA-256 over the key's name and the key) is only a hint for matching a
signature line to a key: 32 bits, and the name is the signer's to choose, so
anyone can grind a name (invisible characters in a copy of someone's name)
until the ID matches theirs in a few minutes of one core. Nothing here or in
the site ever looks an author up by it.

The **fingerprint** is SHA-256 over the 32 raw bytes of the public key alone,
written as 64 lowercase hex digits: the name plays no part, and finding a second
key with a given fingerprint costs 2^256 hashes. Pages, feeds, the API and the
check name authors by it; a short form (its first 16 hex digits, in groups) may be
shown beside a name, never looked up.

Names (a key's name, a profile's display name) are labels an author chooses, so
they are checked before a new statement is accepted (check_label): no format
characters (Unicode category Cf: soft hyphen, zero-width spaces and joiners, bidi
controls, BOM...), no other invisible or default-ignorable character, no private
use or unassigned code points. The one exception is the zero-width non-joiner
between two Arabic-script letters, where Persian spelling needs it
("می‌خواهم"). Two labels that still *look* alike are found by their Unicode TR39
skeletons (skeleton()); pages flag them on both authors' pages.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from typing import Any

from firsthand.log.note import Verifier
from firsthand.statements.errors import MalformedStatement

FINGERPRINT_HEX = 64
SHORT_HEX = 16  # what a page may show beside a name: 64 bits, for the eye only

ZWNJ = "\u200c"

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties.txt) that are not Cf:
# rendered as nothing, so a name holding one looks like the name without it.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong/jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors and vowel separator
    (0x2060, 0x206F),  # word joiner, invisible operators, deprecated format characters
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format characters
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)
# Not ignorable by the property, but blank in every font.
_BLANK = frozenset({0x2800, 0x1D159, 0x1D455})


def fingerprint(key: Verifier) -> str:
    """The author's identity: SHA-256 of the raw public key, 64 lowercase hex digits."""
    return hashlib.sha256(key.public_key).hexdigest()


@functools.lru_cache(maxsize=65536)
def fingerprint_of_text(verifier_key: str) -> str:
    """fingerprint() of a verifier key's text (name+hhhhhhhh+base64), as rows store it."""
    return fingerprint(Verifier.from_text(verifier_key))


def short_fingerprint(fingerprint_hex: str) -> str:
    """The first 64 bits of a fingerprint in groups of four, for showing beside a name."""
    head = fingerprint_hex[:SHORT_HEX]
    return " ".join(head[i : i + 4] for i in range(0, SHORT_HEX, 4))


def grouped_fingerprint(fingerprint_hex: str) -> str:
    """The whole fingerprint in groups of four, for reading aloud and comparing."""
    return " ".join(fingerprint_hex[i : i + 4] for i in range(0, len(fingerprint_hex), 4))


def is_fingerprint(text: str) -> bool:
    return len(text) == FINGERPRINT_HEX and all(c in "0123456789abcdef" for c in text)


def _arabic_letter(ch: str) -> bool:
    return unicodedata.category(ch) == "Lo" and (
        0x0600 <= ord(ch) <= 0x06FF or 0x0750 <= ord(ch) <= 0x077F or 0x08A0 <= ord(ch) <= 0x08FF
    )


def _invisible_at(label: str, position: int) -> bool:
    ch = label[position]
    if ch == ZWNJ:
        before = label[position - 1] if position > 0 else ""
        after = label[position + 1] if position + 1 < len(label) else ""
        return not (before and after and _arabic_letter(before) and _arabic_letter(after))
    if unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cn", "Cs", "Zl", "Zp"):
        return True
    code = ord(ch)
    return code in _BLANK or any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def invisible_character(label: str) -> tuple[int, str] | None:
    """The position and character of the first invisible character in a label, if any.

    A zero-width non-joiner between two Arabic-script letters is Persian spelling,
    not a trick: it is allowed there and nowhere else.
    """
    for position, ch in enumerate(label):
        if _invisible_at(label, position):
            return position, ch
    return None


def visible_label(label: str) -> str:
    """The label with each invisible character written out as ⟦U+XXXX⟧, for display.

    Names logged before check_label existed may hold them; a page shows what is
    there rather than let a hidden character pass for nothing.
    """
    if label.isascii() and label.isprintable():
        return label
    return "".join(
        f"⟦U+{ord(ch):04X}⟧" if _invisible_at(label, i) else ch for i, ch in enumerate(label)
    )


def check_label(label: str, what: str) -> None:
    """Refuse a name that holds an invisible character (module docstring), saying which."""
    if label.isascii() and label.isprintable():
        return  # the common case, and none of it is invisible: checked in C
    found = invisible_character(label)
    if found is None:
        return
    position, ch = found
    name = unicodedata.name(ch, "an unnamed character")
    raise MalformedStatement(
        f"{what} holds the invisible character U+{ord(ch):04X} ({name}) at position "
        f"{position + 1}; names may hold only visible characters, so that no one can copy "
        "another author's name with hidden differences"
    )


@functools.lru_cache(maxsize=65536)
def skeleton(label: str) -> str:
    """The label's Unicode TR39 skeleton: two labels that look alike share it.

    ICU's SpoofChecker is the reference implementation of TR39 (confusables.txt).
    ICU keeps default-ignorable characters in a skeleton; they draw nothing, so they
    go first (the ZWNJ that Persian allows too: with or without it, a name reads the
    same). Case is kept: Cyrillic "М" is Latin "M" to the eye, while "м" is not "m".
    """
    shown = "".join(ch for i, ch in enumerate(label) if ch != ZWNJ and not _invisible_at(label, i))
    return str(_spoof_checker().getSkeleton(0, unicodedata.normalize("NFKC", shown)))


@functools.lru_cache(maxsize=65536)
def folded_skeleton(label: str) -> str:
    """The skeleton of the label with its case folded: "RANA", "Rana" and "rana" share it.

    Not the skeleton folded afterwards: TR39 reads a capital I as a small l, so
    "TAVAKOLI" would fold to "tavakoll" and miss "Tavakoli".
    """
    return skeleton(unicodedata.normalize("NFKC", label).casefold())


def skeletons(label: str) -> tuple[str, str]:
    """Both keys a label is compared by: its skeleton, and its case-folded skeleton."""
    return (skeleton(label), "folded:" + folded_skeleton(label))


def looks_alike(one: str, other: str) -> bool:
    """Whether two labels look alike to a reader: equal skeletons, with or without case."""
    return bool(set(skeletons(one)) & set(skeletons(other)))


@functools.cache
def _spoof_checker() -> Any:
    # PyICU is imported here, not at the top: only the site and the monitor compare
    # names, and a verifier of bundles needs neither it nor ICU.
    import icu

    return icu.SpoofChecker()
