"""Waiting as a server asks: 429 and 503 answers with Retry-After, honoured with bounded patience.

A firsthand server limits how many statements one client sends a minute, and
answers 503 while its sequencer restarts; both say when to come back
(``Retry-After``, RFC 9110 section 10.2.3: seconds, or an HTTP date). A client
that gives up at the first such answer fails a hundred-statement publish half
way; one that retries at once only spends its budget faster. So the CLI waits
as long as the server says, up to ``MOST_SECONDS`` a wait and ``TRIES`` waits a
request, showing a bar that counts the wait down when stderr is a terminal and
one plain line otherwise (no bar noise in logs), and then sends the same
request again: publishing is idempotent, the same statement gets the same index.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TextIO, TypeVar

from tqdm import tqdm

T = TypeVar("T")

TRIES = 10
MOST_SECONDS = 900.0
# Without a Retry-After, a 503 is tried again after this long (a 429 always says).
DEFAULT_SECONDS = 5.0


class ServerBusy(Exception):
    """The server asked to come back later (429, or 503 with Retry-After)."""

    def __init__(self, message: str, seconds: float) -> None:
        super().__init__(message)
        self.seconds = seconds


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if
    there is none or it cannot be read."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def wait(
    seconds: float,
    reason: str,
    *,
    stream: TextIO | None = None,
    sleep: Callable[[float], None] | None = None,
) -> None:
    """Sleep ``seconds``, saying why: a countdown bar on a terminal, a line otherwise."""
    stream = sys.stderr if stream is None else stream
    sleep = time.sleep if sleep is None else sleep
    whole = max(1, math.ceil(seconds))
    if not stream.isatty():
        print(f"waiting {whole} s as the server asks: {reason}", file=stream, flush=True)
        sleep(seconds)
        return
    with tqdm(
        total=whole,
        desc=f"waiting as the server asks ({reason[:60]})",
        unit="s",
        file=stream,
        leave=False,
        position=1,
        bar_format="{desc}: {n_fmt}/{total_fmt} s {bar}",
    ) as bar:
        left = seconds
        while left > 0:
            step = min(1.0, left)
            sleep(step)
            left -= step
            bar.update(1)


def patiently(
    call: Callable[[], T],
    *,
    tries: int = TRIES,
    most_seconds: float = MOST_SECONDS,
    stream: TextIO | None = None,
    sleep: Callable[[float], None] | None = None,
) -> T:
    """``call()``, waited on and sent again each time it raises ServerBusy, at most ``tries``
    times; the last ServerBusy is raised, saying so, when patience runs out."""
    for attempt in range(tries + 1):
        try:
            return call()
        except ServerBusy as busy:
            if attempt == tries or busy.seconds > most_seconds:
                raise ServerBusy(
                    f"{busy} (gave up after waiting {attempt} times; send it again later, "
                    "nothing is logged twice)",
                    busy.seconds,
                ) from None
            wait(busy.seconds, str(busy), stream=stream, sleep=sleep)
    raise AssertionError("unreachable")
