"""What a passage's neighbours say about it, once every passage has its own findings.

* A passage too short to attribute on its own ("I never went back.") is
  ``contained`` when it continues, word for word, the statement its neighbour
  was found in: right after (or before) the neighbour's words, or anywhere
  after them when an ellipsis between the two says words were left out.
  Otherwise it stays ``unknown``: four words prove little.
* A passage that sits where its neighbours' statement has other words
  (between two passages of it, or right after or before one) is ``altered``
  when it resembles those words (similarity at least ``GAP_NEAR_THRESHOLD``):
  a changed sentence in a text that is otherwise the statement ("تعطیلات
  نبود" for "تعطیلات بود"). Again until nothing changes.
* Where two neighbouring passages come from one statement but the text skips
  some of its words with no ellipsis, the later says how many
  (``cut_before``): an unmarked cut is an alteration (headline.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rapidfuzz.distance import Indel

from firsthand.attribution.alignment import Source, region
from firsthand.attribution.diff import word_diff
from firsthand.attribution.findings import Passage
from firsthand.attribution.fingerprints import MIN_QUOTE_WORDS
from firsthand.attribution.normalise import word_list

GAP_NEAR_THRESHOLD = 0.5
_OWN = ("signed", "contained", "altered")

Reader = Callable[[int], Source | None]


def settle(found: list[Passage], source: Reader) -> list[Passage]:
    """Every passage after its neighbours have had their say."""
    return _mark_cuts(_fill_gaps(_bridge_short(found, source), source))


def _bridge_short(found: list[Passage], read: Reader) -> list[Passage]:
    """A short passage with no finding of its own that continues its neighbour's statement.

    Right after (or before) the neighbour's words, or anywhere after them when an
    ellipsis between the two says that words were left out.
    """
    result = list(found)
    for i, passage in enumerate(result):
        if passage.verdict != "unknown" or passage.frame or passage.split:
            continue
        if passage.words >= MIN_QUOTE_WORDS:
            continue
        words = word_list(passage.text)
        for j, forward in ((i - 1, True), (i + 1, False)):
            if not 0 <= j < len(result) or result[j].where is None:
                continue
            neighbour = result[j]
            assert neighbour.where is not None and neighbour.finding is not None
            if neighbour.finding.verdict not in ("signed", "contained", "denied"):
                continue
            entry, first, last = neighbour.where
            source = read(entry)
            if source is None:
                continue
            gap = (
                (passage.open_gap or neighbour.close_gap)
                if forward
                else (passage.close_gap or neighbour.open_gap)
            )
            if forward:
                at = last if source.words[last : last + len(words)] == words else -1
                if at < 0 and gap:
                    at = source.find(words, last)
            else:
                at = first - len(words)
                if at < 0 or source.words[at:first] != words:
                    at = -1
                    if gap:
                        found_at = source.occurrences(words)
                        before = [k for k in found_at if k + len(words) <= first]
                        at = before[-1] if before else -1
            if at < 0:
                continue
            finding = replace(
                neighbour.finding,
                verdict="denied" if neighbour.finding.verdict == "denied" else "contained",
                how="quote",
                similarity=Indel.normalized_similarity(words, source.words),
                diff=(),
                quote=source.quote(at, at + len(words)),
                part=True,
            )
            result[i] = replace(
                passage,
                verdict=finding.verdict,
                finding=finding,
                where=(entry, at, at + len(words)),
            )
            break
    return result


def _fill_gaps(passages: list[Passage], read: Reader) -> list[Passage]:
    """A passage where its neighbours' statement has other words, when it resembles them.

    Again until nothing changes: a passage found so may be the neighbour of the next.
    """
    result = list(passages)
    for _ in range(len(result)):
        changed = _fill_gaps_once(result, read)
        if changed == result:
            break
        result = changed
    return result


def _fill_gaps_once(passages: list[Passage], read: Reader) -> list[Passage]:
    result = list(passages)
    for i, passage in enumerate(result):
        if passage.verdict != "unknown" or passage.frame or passage.split:
            continue
        before = next((p for p in reversed(result[:i]) if not p.frame), None)
        after = next((p for p in result[i + 1 :] if not p.frame), None)
        if before is not None and (before.where is None or before.verdict not in _OWN):
            before = None
        if after is not None and (after.where is None or after.verdict not in _OWN):
            after = None
        if before is None and after is None:
            continue
        words = word_list(passage.text)
        reach = 2 * len(words) + 4
        if before is not None:
            assert before.where is not None
            entry, _, start = before.where
            end = None
            if after is not None and after.where is not None and after.where[0] == entry:
                end = after.where[1]
        else:
            assert after is not None and after.where is not None
            entry, end, start = after.where[0], after.where[1], max(0, after.where[1] - reach)
        source = read(entry)
        if source is None or (end is not None and end <= start):
            continue
        stop = end if end is not None else min(len(source.words), start + reach)
        aligned = region(words, source.words[:stop], start)
        if aligned is None:
            continue
        first, last, matched = aligned
        similarity = 2 * matched / (len(words) + last - first)
        if similarity < GAP_NEAR_THRESHOLD:
            continue
        if before is not None and end is not None:
            first, last = start, end  # between two passages of it: all the words it replaces
            similarity = Indel.normalized_similarity(words, source.words[first:last])
        found = before or after
        assert found is not None and found.finding is not None
        finding = replace(
            found.finding,
            verdict="altered",
            how="near copy",
            similarity=similarity,
            threshold=GAP_NEAR_THRESHOLD,
            diff=word_diff(source.region_text(first, last), passage.text),
            quote=None,
            part=True,
            gaps=0,
        )
        result[i] = replace(passage, verdict="altered", finding=finding, where=(entry, first, last))
    return result


def _mark_cuts(passages: list[Passage]) -> list[Passage]:
    """Neighbours from one statement that skip some of its words with no ellipsis between."""
    result = list(passages)
    for i in range(1, len(result)):
        before, now = result[i - 1], result[i]
        if before.where is None or now.where is None or before.frame or now.frame:
            continue
        if before.where[0] != now.where[0] or before.quoted != now.quoted:
            continue
        if before.close_gap or now.open_gap or before.verdict == "altered":
            continue
        skipped = now.where[1] - before.where[2]
        if skipped > 0:
            result[i] = replace(now, cut_before=skipped)
    return result
