"""Measure "who said it?" on the evaluation set: precision and recall per verdict.

    .venv/bin/python -m tests.attribution.evaluate

The set (tests/attribution/evaluation/*.json) is fictional: signed originals in
English and Persian, denials of fabricated texts, and unrelated texts. Variants
are made here from a fixed seed, each with the verdict it must get:

* signed: exact copies; whitespace, case and punctuation changes; Persian
  letter forms (Arabic yeh and kaf), ZWNJ dropped, digits in another script;
* altered: one word, three words or 10% of the words changed, a negation
  added or removed ("I never" -> "I"; Persian "ن" dropped from or added to a
  verb), a sentence inserted (three words of a short text, or a sentence, is a
  larger edit: reported, but not held to the 10% target);
* contained: quotes of 5 to 15 words, also with changed letter forms;
* denied: the denied text, its letter-form and 10% variants, quotes from it;
* unknown: unrelated texts and quotes from them, shuffled words, and exact
  copies checked against an author who did not sign them. Many unrelated
  texts are hard negatives: other people's accounts of the same gatherings,
  the same declaration formula with another name and life, sentences shared
  with a signed statement (the table prints how close they come).

The originals overlap the way real testimonies do: several people describe
the same gathering, retreat or fund in shared phrases, and several
declarations follow one formula, so a check must tell them apart.

Each signed statement is a real signed statement (Ed25519, statements/format.py)
fed to the index through StatementRecord.from_statement.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rapidfuzz.distance import Indel

from firsthand.attribution import (
    NEAR_THRESHOLD,
    AttributionIndex,
    StatementRecord,
    check,
    normalise,
    normalised_hash,
)
from firsthand.attribution.normalise import word_list
from firsthand.log.note import Signer
from firsthand.statements.format import Reference, sign_statement

HERE = Path(__file__).parent / "evaluation"
VERDICTS = ("signed", "altered", "contained", "denied", "unknown")
TIME = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)

ARABIC_FORMS = str.maketrans({"ی": "ي", "ک": "ك"})
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹0123456789", "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩")
LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
ZWNJ = "\u200c"


@dataclass(frozen=True)
class Case:
    group: str  # how the variant was made
    expected: str
    text: str
    authors: tuple[str, ...] = ()
    small_edit: bool = False  # changes at most 10% of the words
    lang: str = "en"


@dataclass
class Corpus:
    index: AttributionIndex
    originals: list[tuple[str, str, str]]  # (author key, lang, text)
    denied: list[tuple[str, str, str]]
    unrelated: list[str]
    keys: dict[str, str]


def signer(name: str) -> Signer:
    return Signer.from_seed(f"{name}.example", hashlib.sha256(name.encode()).digest())


def load() -> Corpus:
    index = AttributionIndex()
    keys: dict[str, str] = {}
    originals = []
    for lang in ("en", "fa"):
        for item in json.loads((HERE / f"originals_{lang}.json").read_text())["statements"]:
            key = signer(item["author"])
            keys[item["author"]] = key.verifier().text()
            statement = sign_statement(key, item["text"], lang=lang, time=TIME)
            index.add(StatementRecord.from_statement(statement))
            originals.append((keys[item["author"]], lang, item["text"]))
    denied = []
    for item in json.loads((HERE / "denials.json").read_text())["denials"]:
        key = signer(item["author"])
        body = item["body"].replace("{text}", item["text"])
        statement = sign_statement(
            key,
            body,
            kind="denial",
            lang=item["lang"],
            time=TIME,
            refers=[Reference("text", normalised_hash(item["text"]))],
            seen_at="a messaging channel",
        )
        index.add(StatementRecord.from_statement(statement))
        denied.append((keys[item["author"]], item["lang"], item["text"]))
    unrelated = json.loads((HERE / "unrelated.json").read_text())["texts"]
    return Corpus(index, originals, denied, unrelated, keys)


def _replace_words(rng: random.Random, text: str, count: int, pool: list[str]) -> str:
    words = text.split(" ")
    for at in rng.sample(range(len(words)), count):
        old = normalise(words[at])
        words[at] = rng.choice([w for w in pool if normalise(w) not in ("", old)])
    return " ".join(words)


# Common positive verbs, made negative with the prefix ن (است becomes نیست).
_PERSIAN_VERBS = frozenset(
    [
        "بودم",
        "بود",
        "بودیم",
        "کردم",
        "کرد",
        "کردیم",
        "رفتم",
        "رفت",
        "دادم",
        "دادیم",
        "داد",
        "گفتند",
        "گفت",
        "شد",
        "شدم",
        "است",
        "دارم",
    ]
)


def _negation(text: str, lang: str) -> str | None:
    """Add or remove a negation: the smallest edit that reverses a statement."""
    if lang == "en":
        for pattern, repl in ((r"\bnever ", ""), (r"\bnot ", ""), (r"\bno ", "")):
            if re.search(pattern, text):
                return re.sub(pattern, repl, text, count=1)
        changed = re.sub(r"\b(was|were|did|will) ", r"\1 not ", text, count=1)
        return changed if changed != text else None
    for word in text.split():
        bare = word.strip("،.:")
        if bare.startswith("نمی" + ZWNJ) or bare.startswith("نمی"):
            return text.replace(bare, bare[1:], 1)
        if (
            bare.startswith("ن")
            and bare.endswith(("م", "د", "ند", "یم", "ست", "ید"))
            and len(bare) > 3
        ):
            return text.replace(bare, bare[1:], 1)
    # No negative verb: make the first common positive one negative ("I was" -> "I was not").
    for word in text.split():
        bare = word.strip("،.:؛")
        if bare in _PERSIAN_VERBS:
            return text.replace(bare, "نیست" if bare == "است" else "ن" + bare, 1)
    return None


def _quote(rng: random.Random, text: str, size: int) -> str:
    words = text.split(" ")
    size = min(size, len(words))
    start = rng.randrange(0, len(words) - size + 1)
    return " ".join(words[start : start + size])


def _signed_variants(rng: random.Random, text: str, lang: str) -> list[tuple[str, str]]:
    found = [
        ("exact copy", text),
        ("whitespace", "  " + re.sub(" ", lambda _: rng.choice([" ", "  ", "\n", "\t "]), text)),
        ("case and punctuation", re.sub(r"[,.:؛،]", "", text).upper() + " !!"),
    ]
    if lang == "fa":
        found += [
            ("arabic yeh and kaf", text.translate(ARABIC_FORMS)),
            ("zwnj dropped", text.replace(ZWNJ, "")),
            ("latin digits", text.translate(LATIN_DIGITS)),
            ("arabic-indic digits", text.translate(ARABIC_DIGITS)),
            ("tatweel and harakat", text.replace("ا", "ا\u064e", 2).replace("م", "مـ", 2)),
        ]
    else:
        found.append(("persian digits", text.translate(PERSIAN_DIGITS)))
    return found


def cases(corpus: Corpus, seed: int = 2026) -> list[Case]:
    rng = random.Random(seed)
    found: list[Case] = []
    pool = {
        lang: [w for _, wl, t in corpus.originals if wl == lang for w in t.split()]
        for lang in ("en", "fa")
    }
    authors = sorted(set(corpus.keys.values()))
    for author, lang, text in corpus.originals:
        other = rng.choice([a for a in authors if a != author])
        for group, variant in _signed_variants(rng, text, lang):
            found.append(Case(group, "signed", variant, (author,), lang=lang))
        found.append(Case("exact copy, unattributed", "signed", text, lang=lang))
        found.append(Case("exact copy, wrong author", "unknown", text, (other,), lang=lang))
        count = len(text.split(" "))
        tenth = max(1, count // 10)
        for group, changed in (("one word changed", 1), ("three words changed", 3)):
            variant = _replace_words(rng, text, changed, pool[lang])
            found.append(Case(group, "altered", variant, (author,), changed <= tenth, lang))
        variant = _replace_words(rng, text, tenth, pool[lang])
        found.append(Case("10% words changed", "altered", variant, (author,), True, lang))
        negated = _negation(text, lang)
        if negated is not None:
            found.append(Case("negation", "altered", negated, (author,), True, lang))
        sentence = rng.choice([u for u in corpus.unrelated if (u.isascii()) == (lang == "en")])
        first = sentence.split(". ")[0].rstrip(".") + "."
        cut = text.find(". ") + 2 if ". " in text else len(text)
        inserted = f"{text[:cut].rstrip()} {first} {text[cut:]}".strip()
        found.append(Case("sentence inserted", "altered", inserted, (author,), lang=lang))
        for size in (5, 8, 15):
            if size >= count:  # a "quote" of every word is the statement itself
                continue
            quote = _quote(rng, text, size)
            found.append(Case(f"quote of {size} words", "contained", quote, (author,), lang=lang))
        if lang == "fa" and count > 10:
            quote = _quote(rng, text, 10).translate(ARABIC_FORMS).replace(ZWNJ, "")
            found.append(Case("quote, letter forms", "contained", quote, (author,), lang=lang))
        shuffled = text.split(" ")
        rng.shuffle(shuffled)
        found.append(Case("shuffled words", "unknown", " ".join(shuffled), (author,), lang=lang))
    for author, lang, text in corpus.denied:
        other = rng.choice([a for a in authors if a != author])
        found.append(Case("denied, exact", "denied", text, (author,), lang=lang))
        found.append(Case("denied, unattributed", "denied", text, lang=lang))
        found.append(Case("denied, wrong author", "unknown", text, (other,), lang=lang))
        reformatted = (
            text.upper() if lang == "en" else text.translate(ARABIC_FORMS).replace(ZWNJ, "")
        )
        found.append(
            Case("denied, letter forms or case", "denied", reformatted, (author,), lang=lang)
        )
        tenth = max(1, len(text.split(" ")) // 10)
        variant = _replace_words(rng, text, tenth, pool[lang])
        found.append(Case("denied, 10% words changed", "denied", variant, (author,), lang=lang))
        quote = _quote(rng, text, 8)
        found.append(Case("denied, quote of 8 words", "denied", quote, (author,), lang=lang))
    for text in corpus.unrelated:
        lang = "en" if text.isascii() else "fa"
        found.append(Case("unrelated text", "unknown", text, lang=lang))
        quote = _quote(rng, text, 8)
        # Texts on the same gatherings share phrases: a quote of one may be, word for word,
        # in a signed statement or a denied text too. Which is a fact about the words.
        found.append(
            Case("quote of an unrelated text", _quoted_in(corpus, quote), quote, lang=lang)
        )
    return found


def _quoted_in(corpus: Corpus, quote: str) -> str:
    """The verdict a quote must get from word-for-word containment alone (no similarity)."""
    phrase = f" {normalise(quote)} "
    if any(phrase in f" {normalise(text)} " for _, _, text in corpus.denied):
        return "denied"
    if any(phrase in f" {normalise(text)} " for _, _, text in corpus.originals):
        return "contained"
    return "unknown"


def hardest_negatives(corpus: Corpus) -> list[tuple[float, str]]:
    """Each unrelated text's similarity to its nearest original: how hard the negatives are."""
    originals = [word_list(text) for _, _, text in corpus.originals]
    found = []
    for text in corpus.unrelated:
        words = word_list(text)
        found.append((max(Indel.normalized_similarity(words, o) for o in originals), text))
    return sorted(found, reverse=True)


@dataclass(frozen=True)
class Score:
    verdict: str
    expected: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0


def _scores(results: list[tuple[Case, str]]) -> dict[str, Score]:
    expected = Counter(case.expected for case, _ in results)
    predicted = Counter(got for _, got in results)
    correct = Counter(case.expected for case, got in results if case.expected == got)
    return {v: Score(v, expected[v], predicted[v], correct[v]) for v in VERDICTS}


def _small_edit_recall(results: list[tuple[Case, str]]) -> float:
    small = [got == "altered" for case, got in results if case.small_edit]
    return sum(small) / len(small) if small else 1.0


@dataclass
class Report:
    scores: dict[str, Score]  # both languages together
    small_edit_recall: float
    unrelated_as_altered: int
    misses: list[tuple[Case, str]]
    total: int
    by_language: dict[str, tuple[int, dict[str, Score], float]]  # lang -> (checks, scores, recall)
    hardest: list[tuple[float, str]]  # unrelated texts' similarity to their nearest original

    def table(self) -> str:
        lines = []
        for name, (total, scores, recall) in [
            ("both languages", (self.total, self.scores, self.small_edit_recall)),
            *((f"lang {lang}", row) for lang, row in self.by_language.items()),
        ]:
            lines += [
                f"{name}: {total} checks",
                "| verdict | expected | predicted | correct | precision | recall |",
                "| --- | ---: | ---: | ---: | ---: | ---: |",
            ]
            for verdict in VERDICTS:
                s = scores[verdict]
                lines.append(
                    f"| {verdict} | {s.expected} | {s.predicted} | {s.correct} "
                    f"| {s.precision:.3f} | {s.recall:.3f} |"
                )
            lines.append(f"altered recall on edits of at most 10% of the words: {recall:.3f}")
            lines.append("")
        lines.append(f"unrelated texts flagged as altered: {self.unrelated_as_altered}")
        similar = [score for score, _ in self.hardest]
        lines.append(
            f"unrelated texts' similarity to their nearest original: max {similar[0]:.2f}, "
            f"{sum(1 for x in similar if x >= 0.4)} of {len(similar)} at 0.40 or more "
            f"(the near-copy threshold is {NEAR_THRESHOLD:.2f})"
        )
        for case, got in self.misses:
            lines.append(
                f"  miss: {case.group}: expected {case.expected}, got {got}: {case.text[:70]!r}"
            )
        return "\n".join(lines)


def evaluate(corpus: Corpus | None = None) -> Report:
    corpus = corpus or load()
    results = [
        (case, check(corpus.index, case.text, case.authors).verdict) for case in cases(corpus)
    ]
    unrelated_altered = sum(
        1 for case, got in results if case.expected == "unknown" and got == "altered"
    )
    misses = [(case, got) for case, got in results if case.expected != got]
    by_language = {}
    for lang in ("en", "fa"):
        mine = [(case, got) for case, got in results if case.lang == lang]
        by_language[lang] = (len(mine), _scores(mine), _small_edit_recall(mine))
    return Report(
        _scores(results),
        _small_edit_recall(results),
        unrelated_altered,
        misses,
        len(results),
        by_language,
        hardest_negatives(corpus),
    )


def main() -> None:
    print(evaluate().table())


if __name__ == "__main__":
    main()
