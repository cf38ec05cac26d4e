"""Who said it? Check any text against what authors signed and what they denied.

No Django and no web here: the site's endpoint and page call ``check``.

    index = AttributionIndex()            # or AttributionIndex(bodies=<a BodyStore>)
    index.add(StatementRecord.from_statement(statement))   # as statements are published
    result = check(index, "some text", authors=["rana.example+074c3487+AQOh..."])
    result.verdict    # "signed", "denied", "contained", "mixed", "altered" or "unknown"
    result.passages   # each sentence of the text, and who said it

docs/normalisation.md specifies when two texts count as the same words.
"""

from firsthand.attribution.check import PRECEDENCE, CheckResult, check
from firsthand.attribution.diff import DiffSegment, word_diff
from firsthand.attribution.errors import (
    AttributionError,
    MalformedRecord,
    NothingToCheck,
    TextTooLong,
    UnknownAuthor,
)
from firsthand.attribution.findings import (
    NEAR_THRESHOLD,
    Finding,
    Passage,
    Quote,
    StatementRef,
    Verdict,
)
from firsthand.attribution.headline import Group, groups, numbered
from firsthand.attribution.index import AttributionIndex, BodyStore, MemoryBodies
from firsthand.attribution.normalise import legacy_hash, normalise, normalised_hash
from firsthand.attribution.records import StatementRecord, denied_texts
from firsthand.attribution.scripts import MixedWord, mixed_script_words

__all__ = [
    "NEAR_THRESHOLD",
    "PRECEDENCE",
    "AttributionError",
    "AttributionIndex",
    "BodyStore",
    "CheckResult",
    "DiffSegment",
    "Finding",
    "Group",
    "MalformedRecord",
    "MemoryBodies",
    "MixedWord",
    "NothingToCheck",
    "Passage",
    "Quote",
    "StatementRecord",
    "StatementRef",
    "TextTooLong",
    "UnknownAuthor",
    "Verdict",
    "check",
    "denied_texts",
    "groups",
    "legacy_hash",
    "mixed_script_words",
    "normalise",
    "normalised_hash",
    "numbered",
    "word_diff",
]
