"""The `firsthand monitor` command: follow a log over HTTP and report as JSON lines.

The checking is ``firsthand.monitor.watch``; this module is its edges: the
arguments, the state directory's default place, one JSON line per report on
stdout, the webhook, the progress bar and the loop (docs/monitor.md).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any

from tqdm import tqdm

from firsthand.cli.statements import verifier_arg, who
from firsthand.log.errors import LogError
from firsthand.log.note import Verifier
from firsthand.log.tile_client import LogClient, LogUnreachable
from firsthand.monitor.watch import Emit, Monitor, Progress, Report
from firsthand.statements.identity import is_fingerprint

DEFAULT_INTERVAL = 60.0
EXIT_MISBEHAVIOUR = 2
# How long, at exit, the webhook may take to deliver the lines still queued (seconds).
WEBHOOK_DRAIN = 30.0


class MonitorCommandError(Exception):
    """A monitor invocation that cannot run as given; printed as one line, exit status 1."""


class Webhook:
    """POSTs each report to a URL from a thread of its own, so a slow hook never stalls a pass.

    Each line gets a few tries with a time-out; a line that cannot be delivered
    is named on stderr, never raised.
    """

    def __init__(
        self, url: str, *, timeout: float = 10.0, attempts: int = 3, backoff: float = 0.5
    ) -> None:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise MonitorCommandError(f"--webhook {url!r} is not an http(s) URL")
        self.url, self.timeout, self.attempts, self.backoff = url, timeout, attempts, backoff
        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self._thread = threading.Thread(
            target=self._deliver_all, name="firsthand-monitor-webhook", daemon=True
        )
        self._thread.start()

    def send(self, line: bytes) -> None:
        self._queue.put(line)

    def close(self, wait: float) -> None:
        """Deliver what is queued, waiting at most ``wait`` seconds."""
        self._queue.put(None)
        self._thread.join(wait)
        if self._thread.is_alive():
            left = self._queue.qsize()
            _say(f"webhook: stopped waiting for {self.url}; about {left} line(s) not delivered")

    def _deliver_all(self) -> None:
        while (line := self._queue.get()) is not None:
            problem = self.post(line)
            if problem is not None:
                _say(f"webhook: {problem}")

    def post(self, line: bytes) -> str | None:
        """Deliver one JSON line; the reason it could not be delivered, or None."""
        problem = ""
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            request = urllib.request.Request(
                self.url,
                data=line,
                headers={"Content-Type": "application/json", "User-Agent": "firsthand-monitor"},
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    response.read(1 << 16)
                return None
            except urllib.error.HTTPError as error:
                problem = f"{self.url} answered {error.code} {error.reason}"
                if 400 <= error.code < 500 and error.code not in (408, 429):
                    break  # it will refuse the same line again
            except (OSError, ValueError) as error:  # URLError, time-outs, resets
                problem = f"cannot reach {self.url}: {getattr(error, 'reason', error)}"
        return f"{problem} (gave up after {attempt + 1} attempt(s))"


def default_state_dir(log_key: Verifier) -> Path:
    """One directory per log under $XDG_STATE_HOME (~/.local/state) /firsthand/monitor."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "firsthand" / "monitor" / urllib.parse.quote(log_key.name, safe="")


def _progress(total: int) -> Progress:
    bar: Progress = tqdm(total=total, desc="checking entries", unit="entry", file=sys.stderr)
    return bar


def _seconds(option: str, text: str) -> float:
    # Checked here, not by argparse, whose usage errors exit with 2: the status of misbehaviour.
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise MonitorCommandError(f"{option} {text!r} is not a positive number of seconds")
    return value


_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


def author_arg(text: str) -> Verifier:
    """A watched author: their verifier key (or its file), never a key ID or a bare name.

    The monitor knows authors by their fingerprint, and needs the key itself to
    name it in its reports; an 8-hex key ID is 32 bits that anyone can match with
    a key of their own in minutes, so it names no one.
    """
    given = text.strip()
    if _KEY_ID.fullmatch(given) and not Path(text).is_file():
        raise MonitorCommandError(
            f"--author {given} is a key ID: 32 bits that anyone can match with a key of their "
            "own in minutes, so it names no one; give the author's verifier key "
            "(name+hhhhhhhh+base64, as `firsthand keygen` prints it), or a file holding it"
        )
    if is_fingerprint(given.lower()) and not Path(text).is_file():
        raise MonitorCommandError(
            f"--author {given} is a fingerprint; the monitor needs the key itself, to name it "
            "in its reports: give the author's verifier key (name+hhhhhhhh+base64), or a file "
            "holding it"
        )
    try:
        return verifier_arg(text)
    except LogError as error:
        raise MonitorCommandError(
            f"--author {text[:80]!r} is not a verifier key (name+hhhhhhhh+base64) or a file "
            f"holding one: {error}"
        ) from None


def _say(text: str) -> None:
    print(f"firsthand monitor: {text}", file=sys.stderr, flush=True)


def cmd_monitor(args: argparse.Namespace) -> int:
    if not args.log or not args.log_key:
        # Not required=True in argparse, for the same reason as _seconds.
        raise MonitorCommandError("give the log's URL (--log) and its verifier key (--log-key)")
    interval = _seconds("--interval", args.interval)
    timeout = _seconds("--timeout", args.timeout)
    log_key = verifier_arg(args.log_key)
    authors = [author_arg(text) for text in args.author or []]
    state_dir = Path(args.state) if args.state else default_state_dir(log_key)
    client = LogClient(args.log, timeout=timeout)
    webhook = Webhook(args.webhook) if args.webhook else None

    def emit(report: Report) -> None:
        line = json.dumps(report, ensure_ascii=False).encode("utf-8")
        sys.stdout.buffer.write(line + b"\n")
        sys.stdout.buffer.flush()
        if webhook is not None:
            webhook.send(line)

    try:
        with Monitor(client, log_key, state_dir, progress=_progress) as monitor:
            for author, since in monitor.watch(authors):
                if since:
                    _say(f"watching {who(author)} from entry {since} on; earlier ones were read")
            if args.once:
                return EXIT_MISBEHAVIOUR if _pass(monitor, emit) else 0
            return _follow(monitor, emit, interval)
    finally:
        client.close()
        if webhook is not None:
            webhook.close(wait=WEBHOOK_DRAIN)


def _pass(monitor: Monitor, emit: Emit) -> bool:
    """One pass; whether the log misbehaved."""
    outcome = monitor.run_once(emit)
    for note in outcome.notes:
        _say(note)
    return outcome.misbehaviour


def _follow(monitor: Monitor, emit: Emit, interval: float) -> int:
    """Pass after pass until interrupted; a log that cannot be read is retried, not fatal."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    misbehaved = False
    try:
        while True:
            try:
                misbehaved |= _pass(monitor, emit)
            except LogUnreachable as error:
                _say(f"{error}; trying again in {interval:g} s")
            time.sleep(interval)
    except KeyboardInterrupt:
        return EXIT_MISBEHAVIOUR if misbehaved else 0


def add_commands(commands: Any) -> None:
    """Register `firsthand monitor` on the main parser's subparsers."""
    p = commands.add_parser(
        "monitor",
        help="follow a log over HTTP: verify it and report statements as JSON lines",
        description="Follow a firsthand log through its public tiles API: verify each "
        "checkpoint with the log key and against the last one, every tile against the root, "
        "every entry's signature; print one JSON line per statement by a watched author, "
        "denial by or about one, statement by another key under a look-alike name, or "
        "misbehaviour (docs/monitor.md). Exit status with --once: "
        "0 all is well, 2 the log misbehaved, 1 the monitor could not run.",
    )
    p.add_argument("--log", help="the log's base URL, e.g. https://example.org")
    p.add_argument("--log-key", help="the log's verifier key, or a file holding it")
    p.add_argument(
        "--author",
        action="append",
        metavar="KEY",
        help="an author's verifier key (or its file) to watch, known by its fingerprint; "
        "repeat for each (a key ID is no identity, and is refused)",
    )
    p.add_argument(
        "--state",
        metavar="DIR",
        help="where the monitor remembers what it verified "
        "(default: $XDG_STATE_HOME/firsthand/monitor/<origin>)",
    )
    p.add_argument("--webhook", metavar="URL", help="also POST each JSON line here")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument(
        "--interval",
        default=str(DEFAULT_INTERVAL),
        metavar="S",
        help=f"seconds between passes (default {DEFAULT_INTERVAL:g})",
    )
    p.add_argument(
        "--timeout",
        default="30",
        metavar="S",
        help="seconds to wait for each answer from the log (default 30)",
    )
    p.set_defaults(func=cmd_monitor)
