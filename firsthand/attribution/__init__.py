"""Who said it? Check any text against what authors signed and what they denied.

No Django and no web here: the site's endpoint and page call ``check``.

    index = AttributionIndex()            # or AttributionIndex(bodies=<a BodyStore>)
    index.add(StatementRecord.from_statement(statement))   # as statements are published
    result = check(index, "some text", authors=["rana.example+074c3487+AQOh..."])
    result.verdict    # "signed", "denied", "contained", "altered" or "unknown"

docs/normalisation.md specifies when two texts count as the same words.
"""

from firsthand.attribution.check import (
    NEAR_THRESHOLD,
    PRECEDENCE,
    CheckResult,
    Finding,
    Quote,
    StatementRef,
    Verdict,
    check,
)
from firsthand.attribution.diff import DiffSegment, word_diff
from firsthand.attribution.errors import (
    AttributionError,
    MalformedRecord,
    NothingToCheck,
    TextTooLong,
    UnknownAuthor,
)
from firsthand.attribution.index import AttributionIndex, BodyStore, MemoryBodies
from firsthand.attribution.normalise import normalise, normalised_hash
from firsthand.attribution.records import StatementRecord, denied_texts

__all__ = [
    "NEAR_THRESHOLD",
    "PRECEDENCE",
    "AttributionError",
    "AttributionIndex",
    "BodyStore",
    "CheckResult",
    "DiffSegment",
    "Finding",
    "MalformedRecord",
    "MemoryBodies",
    "NothingToCheck",
    "Quote",
    "StatementRecord",
    "StatementRef",
    "TextTooLong",
    "UnknownAuthor",
    "Verdict",
    "check",
    "denied_texts",
    "normalise",
    "normalised_hash",
    "word_diff",
]
