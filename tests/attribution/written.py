"""The texts written for sentence-level attribution (issue 18), as journalists paste them.

Built from written pieces (evaluation/articles.json: frames, a reporter's
sentences, invented continuations, the ways an article quotes a denied
letter) around the originals' own sentences, each with the headline verdict
and the passage verdicts it must get, plus the hard cases written one by one
(evaluation/hard_cases.json, each with why). For every original, in both
languages:

* the whole statement quoted inside a frame: contained, or mixed when a
  sentence of the reporter's follows the quote;
* one of its sentences quoted inside a frame: the same;
* the organisation's trick: a true sentence followed, or preceded, by an
  invented one: mixed, and never signed;
* an article: a reporter's sentence, a quote of one sentence, another
  reporter's sentence: mixed;
* a quote with a gap: words in the middle of a sentence replaced by an
  ellipsis (…, ..., […], [...], (…)): contained, since a gap is not an alteration;

for every denial, its denied text quoted anywhere in an article in ten ways
(eight frames, the first 70% of it ending in an ellipsis, a gap in the
middle): denied, naming that denial; for every Persian original, the ZWNJ
typed as a space as phones do: signed where the rules of docs/normalisation.md
cover every such word, altered otherwise (spelled out independently below);
for every English original, one letter a replaced by Cyrillic а: altered, and
the result must say that a word mixes alphabets.

A third of the cases ask about no author; the others about the author.
"""

from __future__ import annotations

import json
import random
import re

from firsthand.attribution import normalise
from tests.attribution.corpus import HERE, Case, Corpus, Span, sentences, shares_run

ZWNJ = "\u200c"
ELLIPSES = ["…", "...", "[…]", "[...]", "(…)"]
CYRILLIC_A = "\u0430"

# What docs/normalisation.md says joins across a space, written out again here so the
# expected answers do not come from the code they test (after alef folding: ان is آن).
PREFIXES = {"می", "نمی"}
SUFFIXES = {"ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان"}
SUFFIXES |= {"تر", "تری", "ترها", "ترهای", "ترین", "ی"}
AFTER_HEH = {"ام", "ای", "ایم", "اید", "اند", "ات", "اش", "مان", "تان", "شان"}
COMPOUNDS = {("هیچ", w) for w in ("کس", "کدام", "وقت", "گاه", "چیز", "یک")}
COMPOUNDS |= {("این", "که"), ("ان", "که"), ("چنان", "که"), ("ان", "چه"), ("چنان", "چه")}
COMPOUNDS |= {(w, "جا") for w in ("این", "ان", "همین", "همان")}
COMPOUNDS |= {("همین", "طور"), ("همان", "طور"), ("یک", "دیگر")}
COMPOUNDS |= {("هم", w) for w in ("چنین", "چنان", "اکنون", "دیگر")}
_ALEF = str.maketrans("آأإٱ", "اااا")


def _covered(left: str, right: str) -> bool:
    """Whether the rules join two parts a ZWNJ separated, when a space separates them."""
    left, right = left.translate(_ALEF), right.translate(_ALEF)
    return (
        left in PREFIXES
        or right in SUFFIXES
        or (left.endswith("ه") and right in AFTER_HEH)
        or (left, right) in COMPOUNDS
        or left == "به"
    )


def space_for_zwnj(text: str, only_covered: bool) -> tuple[str, bool]:
    """Every ZWNJ (or only those the rules cover) typed as a space; and whether all are covered."""
    every = True
    out = []
    for token in re.split(r"(\s+)", text):
        parts = token.split(ZWNJ)
        built = parts[0]
        for right in parts[1:]:
            left = re.sub(r"^\W+", "", built.split(" ")[-1].replace(ZWNJ, ""))
            covered = _covered(left, re.sub(r"\W+$", "", right))
            every = every and covered
            built += (" " if covered or not only_covered else ZWNJ) + right
        out.append(built)
    return "".join(out), every


def _span(text: str, part: str, verdict: str, after: int = 0) -> Span:
    start = text.index(part, after)
    return (start, start + len(part), verdict)


def _frame_case(
    group: str, lang: str, quote: str, frame: dict[str, object], authors: tuple[str, ...]
) -> Case:
    before, after = str(frame["before"]), str(frame["after"])
    text = f"{before}{quote}{after}"
    spans: list[Span] = []
    if normalise(before):
        spans.append((0, len(before), "unknown"))
    spans.append((len(before), len(before) + len(quote), "contained"))
    if normalise(after):
        spans.append((len(before) + len(quote), len(text), "unknown"))
    expected = "mixed" if frame["after_is_sentence"] else "contained"
    return Case(group, expected, text, authors, lang=lang, passages=tuple(spans), written=True)


def _joined(group: str, lang: str, parts: list[tuple[str, str]], authors: tuple[str, ...]) -> Case:
    """Sentences joined by spaces, each with its verdict: mixed when some appear nowhere."""
    text = " ".join(p for p, _ in parts)
    spans = []
    at = 0
    for part, verdict in parts:
        spans.append((at, at + len(part), verdict))
        at += len(part) + 1
    verdicts = {v for _, v in parts}
    expected = "mixed" if "unknown" in verdicts and len(verdicts) > 1 else parts[0][1]
    return Case(group, expected, text, authors, lang=lang, passages=tuple(spans), written=True)


def _gap_quote(rng: random.Random, sentence: str, marker: str) -> str | None:
    words = sentence.split(" ")
    if len(words) < 10:
        return None
    size = rng.randint(2, 4)
    start = rng.randint(3, len(words) - size - 3)
    return " ".join(words[:start]) + f" {marker} " + " ".join(words[start + size :])


def written_cases(corpus: Corpus, seed: int = 18) -> list[Case]:
    rng = random.Random(seed)
    pieces = json.loads((HERE / "articles.json").read_text())
    found: list[Case] = []
    for lang in ("en", "fa"):
        blocks = pieces[lang]
        frames, news, invented = blocks["frames"], blocks["news"], blocks["invented"]
        mine = [(a, t) for a, wl, t in corpus.originals if wl == lang]
        for i, (author, text) in enumerate(mine):
            who = (author,) if i % 3 else ()
            frame = frames[i % len(frames)]
            found.append(_frame_case("statement quoted in a frame", lang, text, frame, who))
            long_ones = [s for s in sentences(text) if len(s.split()) >= 6] or sentences(text)
            sentence = rng.choice(long_ones)
            other = frames[(i + 5) % len(frames)]
            found.append(_frame_case("sentence quoted in a frame", lang, sentence, other, who))
            made_up = invented[i % len(invented)]
            first = sentences(text)[0]
            found.append(
                _joined(
                    "true sentence, then invented",
                    lang,
                    [(first, "contained"), (made_up, "unknown")],
                    who,
                )
            )
            found.append(
                _joined(
                    "invented, then true sentence",
                    lang,
                    [(invented[(i + 7) % len(invented)], "unknown"), (sentence, "contained")],
                    who,
                )
            )
            quoted = _frame_case("", lang, sentence, frames[i % 5], who)
            found.append(
                _article(lang, news[i % len(news)], quoted, news[(i + 3) % len(news)], who)
            )
            gapped = None
            for candidate in sorted(sentences(text), key=lambda s: -len(s.split())):
                gapped = _gap_quote(rng, candidate, ELLIPSES[i % len(ELLIPSES)])
                if gapped:
                    break
            if gapped:
                found.append(_frame_case("quote with an ellipsis", lang, gapped, frames[0], who))
        found += _denials(corpus, lang, blocks, rng)
    found += _spacing(corpus)
    found += _look_alikes(corpus)
    found += hard_cases(corpus)
    found += hard_cases(corpus, "held_out.json", "held-out case")
    return found


def _article(lang: str, opening: str, quoted: Case, closing: str, who: tuple[str, ...]) -> Case:
    """A reporter's sentence, a frame and a quote, another reporter's sentence."""
    text = f"{opening} {quoted.text} {closing}"
    at = len(opening) + 1
    spans = [(0, len(opening), "unknown")]
    spans += [(a + at, b + at, v) for a, b, v in quoted.passages]
    spans.append((len(text) - len(closing), len(text), "unknown"))
    return Case(
        "article quoting a sentence",
        "mixed",
        text,
        who,
        lang=lang,
        passages=tuple(spans),
        written=True,
    )


def _denials(
    corpus: Corpus, lang: str, blocks: dict[str, list[str]], rng: random.Random
) -> list[Case]:
    found = []
    news = blocks["news"]
    for n, (author, denied_lang, denied) in enumerate(corpus.denied):
        if denied_lang != lang:
            continue
        leaf = corpus.denial_leaves[denied]
        words = denied.split(" ")
        cut = " ".join(words[: max(5, len(words) * 7 // 10)]) + " …"
        middle = len(words) // 2
        gapped = " ".join(words[: middle - 1]) + " [...] " + " ".join(words[middle + 2 :])
        quotes = [(frame, denied) for frame in blocks["denial_frames"]]
        quotes += [(blocks["denial_frames"][0], cut), (blocks["denial_frames"][2], gapped)]
        for j, (frame, quote) in enumerate(quotes):
            who = (author,) if j % 2 == 0 else ()
            filled = frame.replace("{text}", "\x00")
            spans: list[Span] = []
            k = n + j
            while "{news}" in filled:
                filled = filled.replace("{news}", news[k % len(news)], 1)
                k += 3
            text = filled.replace("\x00", quote)
            start = text.index(quote)
            spans.append((start, start + len(quote), "denied"))
            for sentence in news:
                if sentence in text:
                    spans.append(_span(text, sentence, "unknown"))
            group = "denied text quoted in an article"
            if quote is cut:
                group = "denied text, first 70% quoted"
            elif quote is gapped:
                group = "denied text quoted with a gap"
            found.append(
                Case(
                    group,
                    "denied",
                    text,
                    who,
                    lang=lang,
                    passages=tuple(sorted(spans)),
                    denial=leaf,
                    written=True,
                )
            )
    return found


def _spacing(corpus: Corpus) -> list[Case]:
    found = []
    for i, (author, lang, text) in enumerate(corpus.originals):
        if lang != "fa" or ZWNJ not in text:
            continue
        who = (author,) if i % 3 else ()
        covered, _ = space_for_zwnj(text, only_covered=True)
        found.append(
            Case("zwnj typed as a space (rules)", "signed", covered, who, lang="fa", written=True)
        )
        every, all_covered = space_for_zwnj(text, only_covered=False)
        expected = "signed" if all_covered else "altered"
        found.append(
            Case("every zwnj typed as a space", expected, every, who, lang="fa", written=True)
        )
        arabic = covered.translate(str.maketrans({"ی": "ي", "ک": "ك"}))
        found.append(
            Case("spaced, with arabic letters", "signed", arabic, who, lang="fa", written=True)
        )
    return found


def _look_alikes(corpus: Corpus) -> list[Case]:
    found = []
    for author, lang, text in corpus.originals:
        if lang != "en":
            continue
        match = re.search(r"\b([B-Zb-z][a-z]*a[a-z]*)\b", text)
        if match is None:
            continue
        word = match.group(1)
        swapped = word.replace("a", CYRILLIC_A, 1)
        changed = text[: match.start()] + swapped + text[match.end() :]
        found.append(
            Case(
                "look-alike letter",
                "altered",
                changed,
                (author,),
                lang=lang,
                written=True,
                look_alike=True,
            )
        )
    return found


def hard_cases(
    corpus: Corpus, name: str = "hard_cases.json", group: str = "hard case"
) -> list[Case]:
    found = []
    for item in json.loads((HERE / name).read_text())["cases"]:
        text = item["text"]
        spans = []
        at = 0
        for part, verdict in item["passages"]:
            start = text.index(part, at)
            spans.append((start, start + len(part), verdict))
            at = start + len(part)
        who = (corpus.keys[item["author"]],) if item["author"] else ()
        found.append(
            Case(
                group,
                item["expected"],
                text,
                who,
                lang=item["lang"],
                passages=tuple(spans),
                written=True,
                look_alike="\u0430" in text,
                why=item["why"],
            )
        )
    return found


def check_pieces(corpus: Corpus) -> list[str]:
    """Written pieces that share five words in a row with an original or a denied text."""
    pieces = json.loads((HERE / "articles.json").read_text())
    every = [t for _, _, t in corpus.originals] + [t for _, _, t in corpus.denied]
    bad = []
    for lang in ("en", "fa"):
        blocks = pieces[lang]
        texts = [*blocks["news"], *blocks["invented"]]
        texts += [f"{f['before']} {f['after']}" for f in blocks["frames"]]
        texts += [f.replace("{text}", " ").replace("{news}", " ") for f in blocks["denial_frames"]]
        bad += [t for t in texts if any(shares_run(t, o) for o in every)]
    return bad
