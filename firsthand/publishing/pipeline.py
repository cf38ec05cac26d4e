"""One statement through the pipeline: accept -> record -> sequence -> answer.

``Publisher.publish`` is what the JSON API and the operator's console call
with a statement they have read and verified (web/api/publish.py):

1. **accept** (accept.py): the checks that need what this site holds;
2. **record** (rows.py, rows_sql.py): its row, with its body, stored by group
   commit before its head is logged, so nothing acknowledged is ever lost;
3. **sequence** (routes.py, sequence.py): its head to the log's one sequencer,
   by the route this process is configured for, and its index back onto its row;
   a withholding notice, once logged, is carried out (withhold.py);
4. **answer** (``Published``): its index and a signed checkpoint that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass

from firsthand.log.note import Verifier
from firsthand.log.sequencer import Sequencer
from firsthand.publishing import accept, process
from firsthand.publishing.errors import Unavailable
from firsthand.publishing.routes import Published, route_here
from firsthand.statements.format import Statement


@dataclass(frozen=True)
class Publisher:
    """The pipeline, with what the site knows that it asks (accept.py)."""

    keys: accept.KeyHistory
    media: accept.HeldMedia

    def publish(self, statement: Statement) -> Published:
        """Check a verified statement against what the log holds, record it and log its
        head. Raises PublishingError (or the site's own refusal from ``keys``/``media``)."""
        accept.check(statement, process.rows(), self.keys, self.media, _operator)
        sequencer = process.sequencer()
        if sequencer is None and not process.sequenced_elsewhere():
            raise Unavailable(
                "this server process does not run the log's sequencer; "
                "publish through the server started with “firsthand serve”"
            )
        return record_statement(statement, sequencer)


def record_statement(statement: Statement, sequencer: Sequencer | None) -> Published:
    """Record a checked statement and log its head, with ``sequencer`` if this process runs
    it, else by the route this process is configured for (routes.py)."""
    return route_here(sequencer).log(statement)


def _operator() -> Verifier:
    return process.operator().verifier()
