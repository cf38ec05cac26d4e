"""What each witness this log follows has cosigned, for the "How it works" page.

Read from the newest cosigned checkpoint (runtime.cosigned_file), so every
web worker can show it, not only the process that talks to the witnesses.
A witness missing from that checkpoint has not cosigned the newest tree yet:
it may be down, slow, or refusing, and the operator should look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from firsthand.log.cosignature import verify_cosignatures
from firsthand.log.errors import LogError
from firsthand.log.note import parse_note
from firsthand.web import runtime

BAR_WIDTH = 200  # the picture's width in SVG units; the bar's fill is the share cosigned


@dataclass(frozen=True)
class WitnessStatus:
    name: str
    key: str
    url: str
    about: str  # who runs it, in the operator's words (runtime.witness_about)
    cosigned_size: int | None  # the tree size it last cosigned (None: not in the newest)
    cosigned_at: datetime | None
    log_size: int

    @property
    def current(self) -> bool:
        return self.cosigned_size == self.log_size

    @property
    def bar(self) -> int:
        """The filled width of the picture: how much of the log this witness has vouched for."""
        if not self.cosigned_size or not self.log_size:
            return 0
        return max(1, round(BAR_WIDTH * self.cosigned_size / self.log_size))


def witness_status() -> list[WitnessStatus]:
    witnesses = runtime.witnesses()
    log_size = runtime.log().reader.latest().size
    cosigned = runtime.cosigned_file().load()
    found = {}
    if cosigned is not None:
        try:
            lines = verify_cosignatures(parse_note(cosigned.note), [w.verifier for w in witnesses])
        except LogError:
            lines = []  # a bad line from a followed witness: show it as not cosigned
        found = {c.cosigner: c for c in lines}
    statuses = []
    for witness in witnesses:
        line = found.get(witness.verifier)
        statuses.append(
            WitnessStatus(
                name=witness.verifier.name,
                key=witness.verifier.text(),
                url=witness.url,
                about=runtime.witness_about(witness.verifier.name),
                cosigned_size=None if line is None or cosigned is None else cosigned.size,
                cosigned_at=None if line is None else datetime.fromtimestamp(line.timestamp, UTC),
                log_size=log_size,
            )
        )
    return statuses
