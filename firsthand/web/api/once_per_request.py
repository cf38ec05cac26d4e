"""Lookups made once per request: one author page asks the same questions many times.

An author page follows a key chain, weighs revocations, finds devices and their
revocations; each of those asks who revoked a key, whether a key is a device, what
its first statement named, often for the same key, so one page with one device made
47 queries (20 without). Inside ``looked_up_once()`` a function decorated with
``@once_per_request`` answers each distinct question once; outside it (publishing,
the sequencer, a test calling it directly) it asks the database every time. Only
read-only GET views enter it: nothing they do can change an answer mid-request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_answers: ContextVar[dict[Any, Any] | None] = ContextVar("firsthand_answers", default=None)


@contextmanager
def looked_up_once() -> Iterator[None]:
    """Within this block, each decorated lookup is made once per distinct question."""
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def _question(value: Any) -> Any:
    """An argument as a dictionary key: a set of keys (any iterable but text) by its members."""
    if isinstance(value, str | int | bool | None):
        return value
    return frozenset(value)


def once_per_request(lookup: Callable[P, R]) -> Callable[P, R]:
    """Answer from this request's answers, asking ``lookup`` only the first time.

    A list or dict answer is copied on the way out, so a caller that changes what it was
    given changes nobody else's answer.
    """

    @wraps(lookup)
    def answer(*args: P.args, **kwargs: P.kwargs) -> R:
        answers = _answers.get()
        if answers is None:
            return lookup(*args, **kwargs)
        asked = [_question(a) for a in args]
        key = (lookup.__module__, lookup.__qualname__, tuple(asked), tuple(sorted(kwargs.items())))
        if key not in answers:
            # An iterable argument was turned into a frozenset: give the lookup that.
            answers[key] = lookup(*asked, **kwargs)  # type: ignore[arg-type]
        found = answers[key]
        if isinstance(found, dict):
            return dict(found)  # type: ignore[return-value]
        if isinstance(found, list):
            return list(found)  # type: ignore[return-value]
        return found  # type: ignore[no-any-return]

    return answer


def answered_once(view: Callable[P, R]) -> Callable[P, R]:
    """A read-only view whose lookups are each made once while it runs."""

    @wraps(view)
    def once(*args: P.args, **kwargs: P.kwargs) -> R:
        with looked_up_once():
            return view(*args, **kwargs)

    return once
