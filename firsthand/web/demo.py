"""A small fictional demo for `make run`: invented people, invented words, really signed.

Nothing here is about a real person or a real organisation. The demo keys are
derived from the names below, and the times are fixed, so loading the demo
twice logs nothing new. Never use these keys for anything: their seeds are
public, in this file.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from firsthand.log.note import Signer
from firsthand.publishing.pipeline import record_statement
from firsthand.statements.format import Reference, Statement, body_sha256, sign_statement
from firsthand.web import runtime


def demo_signer(name: str) -> Signer:
    seed = hashlib.sha256(b"firsthand demo key, public, never use: " + name.encode()).digest()
    return Signer.from_seed(name, seed)


def demo_statements() -> list[Statement]:
    rana = demo_signer("rana.tavakoli.demo")
    omid = demo_signer("omid.farahani.demo")
    nasrin = demo_signer("nasrin.kazemi.demo")
    fabricated = "I, Rana Tavakoli, regret leaving and ask the Circle of Dawn to take me back.\n"
    return [
        sign_statement(
            rana,
            "I, Rana Tavakoli, declare that I left the Circle of Dawn in March 2019, "
            "of my own will.\n(Fictional demo statement.)\n",
            kind="declaration",
            lang="en",
            time=datetime(2026, 1, 31, 9, 30, tzinfo=UTC),
        ),
        sign_statement(
            omid,
            "I was at the summer retreat of 2019. We were kept from our phones for nine days, "
            "and those who asked to leave were shamed in front of everyone.\n"
            "(Fictional demo statement.)\n",
            kind="testimony",
            lang="en",
            time=datetime(2026, 2, 3, 18, 5, tzinfo=UTC),
        ),
        sign_statement(
            nasrin,
            "من، نسرین کاظمی، اعلام می‌کنم که در سال ۱۳۹۸ از «حلقهٔ سپیده» جدا شدم.\n"
            "(بیانیهٔ نمایشی و خیالی.)\n",
            kind="declaration",
            lang="fa",
            time=datetime(2026, 2, 10, 7, 0, tzinfo=UTC),
        ),
        sign_statement(
            rana,
            f"This letter, published under my name, is not mine:\n\n{fabricated}\n"
            "(Fictional demo statement.)\n",
            kind="denial",
            lang="en",
            time=datetime(2026, 2, 14, 12, 0, tzinfo=UTC),
            refers=[Reference("text", body_sha256(fabricated))],
            seen_at="a post on the Circle of Dawn's website (fictional)",
        ),
        sign_statement(
            omid,
            "I have known Nasrin Kazemi for ten years; this key is hers.\n"
            "(Fictional demo statement.)\n",
            kind="vouch",
            lang="en",
            time=datetime(2026, 2, 15, 9, 0, tzinfo=UTC),
            subject=nasrin.verifier(),
        ),
    ]


def load_demo() -> int:
    """Sign and log the demo statements that are not there yet; return how many were new."""
    sequencer = runtime.log().sequencer(period=0.02)
    sequencer.start()
    try:
        return sum(record_statement(s, sequencer)[2] for s in demo_statements())
    finally:
        sequencer.stop()
