"""The headline verdict of a check, from the whole text and from its passages.

The passages (passages.py) say who said each sentence; the headline says the
important thing first. In order, the first that holds:

* ``signed``: the whole text is, word for word, a signed statement. Nothing
  else is ever called signed: one true sentence beside invented ones is not.
* ``denied``: the author signed a denial of the whole text, or of a passage
  of it (the letter an article quotes, one sentence of a post).
* ``contained``: the whole text is a quote from a signed statement; or every
  passage is, word for word, in signed statements and the only other words are
  the short frames around quotes ("He said in an interview:").
* ``mixed``: some passages are the author's words (exact, quoted or altered)
  and others appear in no statement: "the first sentence is signed by X; the
  rest appears in no statement of X".
* ``altered``: the passages resemble signed statements, but words were
  changed, or some of a statement's words were left out with no ellipsis to
  say so (a gap an ellipsis marks is a quote's right, not an alteration); or,
  with no passage found, the whole text is a near copy of a statement.
* ``unknown``: none of these, which proves nothing either way.

Passages are numbered for the reader in text order, frames left out: the
messages below and the page name them by those numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from firsthand.attribution.findings import NEAR_THRESHOLD, Finding, Passage, Verdict
from firsthand.attribution.scripts import MixedWord

FRAME_WORDS = 15  # a frame longer than this is more than "who said it": it counts as content

UNKNOWN_MESSAGE = (
    "No signed statement or denial here matches this text. That proves nothing either way: "
    "the words may be genuine but never published here, or invented."
)
_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]


@dataclass(frozen=True)
class Group:
    """Numbered passages sharing a verdict, and the authors of what they were found in."""

    verdict: str
    numbers: tuple[int, ...]
    names: tuple[str, ...]
    quoted: bool  # every passage of the group is inside quotation marks
    statements: int  # how many different statements its passages were found in


def numbered(passages: Sequence[Passage]) -> list[tuple[int | None, Passage]]:
    """Each passage with its number for the reader (None for a frame)."""
    found: list[tuple[int | None, Passage]] = []
    n = 0
    for passage in passages:
        if passage.frame and passage.verdict == "unknown":
            found.append((None, passage))
        else:
            n += 1
            found.append((n, passage))
    return found


def _content(passage: Passage) -> bool:
    return not (passage.frame and passage.verdict == "unknown" and passage.words <= FRAME_WORDS)


def groups(passages: Sequence[Passage]) -> list[Group]:
    """The numbered passages by verdict, in the order a headline names them."""
    by_verdict: dict[str, list[tuple[int, Passage]]] = {}
    for number, passage in numbered(passages):
        if number is None and not _content(passage):
            continue
        verdict = "contained" if passage.verdict == "signed" else passage.verdict
        by_verdict.setdefault(verdict, []).append((number or 0, passage))
    found = []
    for verdict in ("denied", "contained", "altered", "unknown"):
        members = by_verdict.get(verdict, [])
        if not members:
            continue
        names = tuple(
            dict.fromkeys(p.finding.statement.author_name for _, p in members if p.finding)
        )
        quoted = all(p.quoted for _, p in members)
        leaves = {p.finding.statement.leaf_hash for _, p in members if p.finding}
        numbers = tuple(n for n, _ in members if n)
        found.append(Group(verdict, numbers, names, quoted, len(leaves)))
    return found


def which(numbers: Sequence[int], total: int, rest: bool = False) -> str:
    """ "the first sentence", "sentences 2–4", "the rest": numbered passages in words."""
    if rest:
        return "the rest"
    if len(numbers) == total and total > 1:
        return "every sentence"
    if len(numbers) == 1:
        n = numbers[0]
        if n == total and total > 1:
            return "the last sentence"
        if n <= len(_ORDINALS):
            return f"the {_ORDINALS[n - 1]} sentence"
        return f"sentence {n}"
    if list(numbers) == list(range(numbers[0], numbers[-1] + 1)):
        return f"sentences {numbers[0]}–{numbers[-1]}"
    listed = [str(n) for n in numbers]
    return f"sentences {', '.join(listed[:-1])} and {listed[-1]}"


def _names(names: Sequence[str]) -> str:
    if not names:
        return "its author"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _is(numbers: Sequence[int], total: int, rest: bool) -> bool:
    """Whether the words that name these passages take a singular verb."""
    return rest or len(numbers) == 1 or (len(numbers) == total and total > 1)


def verdict_of(
    whole: Sequence[Finding], passages: Sequence[Passage]
) -> tuple[Verdict, list[Finding]]:
    """The headline verdict and the findings it rests on, best first."""
    best = whole[0] if whole else None
    if best is not None and best.verdict == "signed":
        return "signed", [f for f in whole if f.verdict == "signed"]
    content = [p for p in passages if _content(p)]
    if best is not None and best.verdict == "denied" and best.strength == 1:
        # A near copy of a denied text, as a whole, unless its sentences are the author's
        # own signed words: then they say more than the resemblance (findings.py).
        own = any(p.verdict in ("signed", "contained") for p in content)
        if best.how != "near copy" or not own:
            return "denied", [f for f in whole if f.verdict == "denied"]
    denied = [p.finding for p in content if p.verdict == "denied" and p.finding]
    if denied:
        return "denied", _unique([*denied, *(f for f in whole if f.verdict == "denied")])
    if best is not None and best.verdict == "contained":
        return "contained", [f for f in whole if f.verdict == "contained"]
    matched = [p for p in content if p.verdict in ("signed", "contained", "altered")]
    unknown = [p for p in content if p.verdict == "unknown"]
    found = _unique([p.finding for p in matched if p.finding])
    if not matched:
        if best is not None and best.verdict == "altered":
            return "altered", [f for f in whole if f.verdict == "altered"]
        return "unknown", []
    if unknown:
        return "mixed", found
    if any(p.verdict == "altered" or p.cut_before for p in matched):
        altered = [f for f in whole if f.verdict == "altered"]
        changed = [f for f in found if f.verdict == "altered"]
        return "altered", _unique([*altered, *changed] or found)
    return "contained", found


def _unique(findings: Sequence[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        seen.setdefault((finding.statement.leaf_hash, finding.verdict), finding)
    return list(seen.values())


def message(
    verdict: Verdict,
    findings: Sequence[Finding],
    passages: Sequence[Passage],
    whole: Sequence[Finding],
    mixed_scripts: Sequence[MixedWord] = (),
) -> str:
    """The verdict in a sentence or two, in English (the API's "message")."""
    text = _message(verdict, findings, passages, whole)
    if mixed_scripts:
        shown = ", ".join(f"“{w.word}” ({' and '.join(w.scripts)})" for w in mixed_scripts[:3])
        count = len(mixed_scripts)
        text += (
            f" {count} word{'s' if count > 1 else ''} here mix{'' if count > 1 else 'es'} "
            f"letters of different alphabets, which look alike but are different text: {shown}."
        )
    return text


def _message(
    verdict: Verdict,
    findings: Sequence[Finding],
    passages: Sequence[Passage],
    whole: Sequence[Finding],
) -> str:
    if verdict == "unknown":
        return UNKNOWN_MESSAGE
    names = _names(list(dict.fromkeys(f.statement.author_name for f in findings)))
    best = findings[0]
    if verdict == "signed":
        return f"This text is, word for word, a statement signed by {names}."
    total = sum(1 for n, _ in numbered(passages) if n is not None)
    found = groups(passages)
    # The whole text's message, when its passages add nothing: they all agree with it.
    plain = len(found) <= 1 and not any(p.frame for p in passages)
    if not passages or (plain and bool(whole) and best in whole):
        if verdict == "denied":
            return f"{names} signed a denial of this text: they say they did not say it."
        if verdict == "contained":
            return f"These words appear, word for word, inside a statement signed by {names}."
        if verdict == "altered":
            return (
                f"This text resembles a statement signed by {names} but is not the same: "
                f"similarity {best.similarity:.2f} (the threshold is {NEAR_THRESHOLD:.2f}). "
                "Compare them word by word."
            )
    parts = []
    for group in found:
        rest = group.verdict == "unknown" and group is found[-1] and len(found) > 1
        words = which(group.numbers, total, rest)
        one = _is(group.numbers, total, rest)
        if group.verdict == "denied":
            quoted = group.quoted and any(p.frame or not p.quoted for p in passages)
            what = "the text quoted here" if quoted else words
            if len(found) == 1 and not quoted:
                what = "this text"
            parts.append(f"{_names(group.names)} signed a denial of {what}")
        elif group.verdict == "contained":
            quoted = group.quoted and any(p.frame for p in passages)
            where = "the words in quotation marks" if quoted else words
            one = one and not quoted
            several = "statements" if group.statements > 1 else "a statement"
            parts.append(
                f"{where} {'is' if one else 'are'} word for word in {several} "
                f"signed by {_names(group.names)}"
            )
        elif group.verdict == "altered":
            parts.append(
                f"{words} {'resembles' if one else 'resemble'} what {_names(group.names)} "
                "signed, with words changed"
            )
        else:
            whose = f" of {names}" if names != "its author" else " here"
            parts.append(f"{words} {'appears' if one else 'appear'} in no statement{whose}")
    cut = [n for n, p in numbered(passages) if n is not None and p.cut_before]
    if cut:
        parts.append(
            f"words of the statement were left out before {which(cut, total)}, "
            "with no ellipsis to say so"
        )
    body = "; ".join(parts)
    body = body[:1].upper() + body[1:]
    label = {"denied": "Denied", "contained": "Quoted", "altered": "Altered", "mixed": "Mixed"}
    frames = any(p.frame and p.verdict == "unknown" for p in passages)
    tail = ". The words around the quotes are the writer's own." if frames else "."
    return f"{label[verdict]}: {body}{tail}"
