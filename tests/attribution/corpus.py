"""The evaluation corpus: really signed statements and denials, and what a case expects.

Every signed statement here is a real statement (Ed25519, statements/format.py)
fed to an AttributionIndex through StatementRecord.from_statement. The texts are
fictional (tests/attribution/evaluation/*.json).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from firsthand.attribution import AttributionIndex, StatementRecord, normalise, normalised_hash
from firsthand.log.note import Signer
from firsthand.statements.format import Reference, sign_statement

HERE = Path(__file__).parent / "evaluation"
TIME = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
VERDICTS = ("signed", "denied", "contained", "mixed", "altered", "unknown")
RUN = 5  # words in a row that make a quote (firsthand.attribution.fingerprints.MIN_QUOTE_WORDS)

# (start, end, verdict): the characters of a passage of the case's text and its verdict.
Span = tuple[int, int, str]


@dataclass(frozen=True)
class Case:
    group: str  # how the text was made
    expected: str  # the headline verdict it must get
    text: str
    authors: tuple[str, ...] = ()  # verifier keys: only these authors decide
    small_edit: bool = False  # changes at most 10% of the words
    lang: str = "en"
    passages: tuple[Span, ...] = ()  # expected passage verdicts, for texts of several passages
    denial: str | None = None  # the leaf hash of a denial this text quotes: it must be found
    written: bool = False  # one of the texts written for sentence-level attribution (issue 18)
    look_alike: bool = False  # a word has letters of another alphabet: the result must say so
    why: str = ""  # for hard cases: why the expected answer is right


@dataclass
class Corpus:
    index: AttributionIndex
    originals: list[tuple[str, str, str]]  # (author key, lang, text)
    denied: list[tuple[str, str, str]]  # (author key, lang, denied text)
    unrelated: list[str]
    keys: dict[str, str]  # author name -> verifier key
    denial_leaves: dict[str, str]  # denied text -> the leaf hash of its denial


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
    leaves = {}
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
        leaves[item["text"]] = statement.leaf_hash.hex()
    unrelated = json.loads((HERE / "unrelated.json").read_text())["texts"]
    index.flush()
    return Corpus(index, originals, denied, unrelated, keys, leaves)


def sentences(text: str) -> list[str]:
    """Sentences as the cases build them: cut after . ! ? or ؟ and a space."""
    return [s for s in re.split(r"(?<=[.!?؟])\s+", text.strip()) if s]


def _inside(phrase: str, texts: list[str]) -> bool:
    return any(f" {phrase} " in f" {normalise(t)} " for t in texts)


def shares_run(one: str, other: str, size: int = RUN) -> bool:
    """Whether two texts share ``size`` normalised words in a row."""
    words = normalise(one).split()
    runs = {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}
    other_words = normalise(other).split()
    return any(
        " ".join(other_words[i : i + size]) in runs for i in range(len(other_words) - size + 1)
    )


def _clause_of_one_author(corpus: Corpus, sentence: str, authors: tuple[str, ...]) -> bool:
    """Whether one or two clauses of a sentence, eight words or more and at least 40% of it,
    are word for word in the statements of one author (and of the author asked about)."""
    clauses = [c for c in re.split(r"[,;:—،؛]", sentence) if normalise(c)]
    total = len(normalise(sentence).split())
    for size in (1, 2):
        for i in range(len(clauses) - size + 1):
            phrase = normalise(" ".join(clauses[i : i + size]))
            count = len(phrase.split())
            if count < 8 or count < 0.4 * total:
                continue
            holders = {a for a, _, t in corpus.originals if _inside(phrase, [t])}
            if len(holders) == 1 and (not authors or holders <= set(authors)):
                return True
    return False


def by_words(corpus: Corpus, text: str, authors: tuple[str, ...] = ()) -> str:
    """The verdict word-for-word containment alone gives a text, sentence by sentence.

    What the cases expect of texts nobody wrote for a verdict (the unrelated
    texts and quotes of them): a sentence of five words or more that appears word
    for word in a signed statement is the author's, in a denied text denied (a
    statement first); the rest appears nowhere. No similarity: a text this rule
    calls unknown must not come back altered.
    """
    mine = [t for a, _, t in corpus.originals if not authors or a in authors]
    denied = [t for a, _, t in corpus.denied if not authors or a in authors]
    whole = normalise(text)
    if any(whole == normalise(t) for t in mine):
        return "signed"
    if any(whole == normalise(t) for t in denied):
        return "denied"
    if len(whole.split()) >= RUN and _inside(whole, mine):
        return "contained"
    if len(whole.split()) >= RUN and _inside(whole, denied):
        return "denied"
    found = []
    for sentence in sentences(text):
        phrase = normalise(sentence)
        if len(phrase.split()) >= RUN and _inside(phrase, mine):
            found.append("contained")
        elif len(phrase.split()) >= RUN and _inside(phrase, denied):
            found.append("denied")
        elif phrase:
            found.append("unknown")
            if _clause_of_one_author(corpus, sentence, authors):
                found.append("contained")
    if "denied" in found:
        return "denied"
    if "contained" in found:
        return "contained" if set(found) == {"contained"} else "mixed"
    return "unknown"
