"""A small fictional demo for `make run`: invented people, invented words.

Nothing here is about a real person or a real organisation.
"""

from __future__ import annotations

from firsthand.web import runtime

DEMO_ENTRIES = [
    "Demo entry: Rana Tavakoli (fictional) declares she has left the Circle of Dawn (fictional).",
    "Demo entry: Omid Farahani (fictional) testifies about the summer retreat of 2019 (fictional).",
    "ورودی نمایشی: نسرین کاظمی (خیالی) اعلام می‌کند که از حلقهٔ سپیده (خیالی) جدا شده است.",
]


def load_demo() -> int:
    """Log the demo entries that are not there yet; return how many were new."""
    instance = runtime.log()
    sequencer = instance.sequencer()
    futures = [sequencer.submit(text.encode("utf-8")) for text in DEMO_ENTRIES]
    sequencer.run_until_empty()
    return sum(not f.wait().duplicate for f in futures)
