"""Variants of the signed, denied and unrelated texts, made from a fixed seed.

* signed: exact copies; whitespace, case and punctuation changes; Persian
  letter forms (Arabic yeh and kaf), ZWNJ dropped (not in an ezafe after heh,
  where no separator is another spelling, docs/normalisation.md), digits in
  another script;
* altered: one word, three words or 10% of the words changed, a negation
  added or removed ("I never" -> "I"; Persian "ن" dropped from or added to a
  verb) (three words of a short text is a larger edit: reported, but not held
  to the 10% target);
* mixed: a sentence of an unrelated text inserted after the first sentence;
* contained: quotes of 5 to 15 words, also with changed letter forms;
* denied: the denied text, its letter-form and 10% variants, quotes from it;
* unknown: unrelated texts and quotes from them, shuffled words, and exact
  copies checked against an author who did not sign them. Many unrelated
  texts are hard negatives: other people's accounts of the same gatherings,
  the same declaration formula with another name and life, sentences shared
  with a signed statement. What an unrelated text or a quote of one must get
  is what word-for-word containment alone gives it (corpus.by_words): a
  sentence it shares word for word with a statement makes it mixed.
"""

from __future__ import annotations

import random
import re

from firsthand.attribution import normalise
from tests.attribution.corpus import RUN, Case, Corpus, by_words, shares_run

ARABIC_FORMS = str.maketrans({"ی": "ي", "ک": "ك"})
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹0123456789", "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩")
LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
ZWNJ = "\u200c"
_PUNCTUATION = ".,:;!?؟،؛«»“”\"'()"
# A ZWNJ before an ezafe yeh at a word's end after heh (حلقه‌ی): without it, حلقهی is
# another spelling (the one of ماهی, fish), which the rules keep apart.
_EZAFE_ZWNJ = re.compile("(?<=\u0647)\u200c(?=\u06cc(?:\\W|$))")


def drop_zwnj(text: str) -> str:
    """Every ZWNJ removed, as a keyboard without one types, but the ezafe's after heh."""
    kept = _EZAFE_ZWNJ.sub("\x00", text)
    return kept.replace(ZWNJ, "").replace("\x00", ZWNJ)


def _replace_words(rng: random.Random, text: str, count: int, pool: list[str]) -> str:
    """Replace ``count`` words by others, keeping each word's punctuation (no new sentences)."""
    words = text.split(" ")
    for at in rng.sample(range(len(words)), count):
        bare = words[at].strip(_PUNCTUATION)
        old = normalise(bare)
        new = rng.choice([w for w in pool if normalise(w) not in ("", old)])
        words[at] = words[at].replace(bare, new, 1) if bare else new
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
            ("zwnj dropped", drop_zwnj(text)),
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
        lang: sorted(
            {
                w.strip(_PUNCTUATION)
                for _, wl, t in corpus.originals
                if wl == lang
                for w in t.split()
                if w.strip(_PUNCTUATION)
            }
        )
        for lang in ("en", "fa")
    }
    every = [t for _, _, t in corpus.originals] + [t for _, _, t in corpus.denied]
    insertable = {
        lang: [
            s
            for u in corpus.unrelated
            if u.isascii() == (lang == "en")
            for s in [u.split(". ")[0].rstrip(".") + "."]
            if len(normalise(s).split()) >= RUN and not any(shares_run(s, t) for t in every)
        ]
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
        first = rng.choice(insertable[lang])
        cut = text.find(". ") + 2 if ". " in text else len(text)
        head = text[:cut].rstrip()
        inserted = f"{head} {first} {text[cut:]}".strip()
        spans = [
            (0, len(head), "contained"),
            (len(head) + 1, len(head) + 1 + len(first), "unknown"),
        ]
        if cut < len(text):
            spans.append((len(head) + 2 + len(first), len(inserted), "contained"))
        found.append(
            Case(
                "sentence inserted", "mixed", inserted, (author,), lang=lang, passages=tuple(spans)
            )
        )
        for size in (5, 8, 15):
            if size >= count:  # a "quote" of every word is the statement itself
                continue
            quote = _quote(rng, text, size)
            found.append(Case(f"quote of {size} words", "contained", quote, (author,), lang=lang))
        if lang == "fa" and count > 10:
            quote = drop_zwnj(_quote(rng, text, 10)).translate(ARABIC_FORMS)
            found.append(Case("quote, letter forms", "contained", quote, (author,), lang=lang))
        shuffled = text.split(" ")
        rng.shuffle(shuffled)
        found.append(Case("shuffled words", "unknown", " ".join(shuffled), (author,), lang=lang))
    for author, lang, text in corpus.denied:
        other = rng.choice([a for a in authors if a != author])
        leaf = corpus.denial_leaves[text]
        found.append(Case("denied, exact", "denied", text, (author,), lang=lang, denial=leaf))
        found.append(Case("denied, unattributed", "denied", text, lang=lang, denial=leaf))
        found.append(Case("denied, wrong author", "unknown", text, (other,), lang=lang))
        reformatted = text.upper() if lang == "en" else drop_zwnj(text).translate(ARABIC_FORMS)
        tenth = max(1, len(text.split(" ")) // 10)
        for group, variant in (
            ("denied, letter forms or case", reformatted),
            ("denied, 10% words changed", _replace_words(rng, text, tenth, pool[lang])),
        ):
            found.append(Case(group, "denied", variant, (author,), lang=lang, denial=leaf))
        # A quote of a denied text may also be, word for word, in the author's own statement
        # (a fabrication built around their words): then the words are theirs (findings.py).
        quote = _quote(rng, text, 8)
        expected = by_words(corpus, quote, (author,))
        found.append(
            Case(
                "denied, quote of 8 words",
                expected,
                quote,
                (author,),
                lang=lang,
                denial=leaf if expected == "denied" else None,
            )
        )
    for text in corpus.unrelated:
        lang = "en" if text.isascii() else "fa"
        found.append(Case("unrelated text", by_words(corpus, text), text, lang=lang))
        quote = _quote(rng, text, 8)
        # Texts on the same gatherings share phrases: a quote of one may be, word for word,
        # in a signed statement or a denied text too. Which is a fact about the words.
        found.append(Case("quote of an unrelated text", by_words(corpus, quote), quote, lang=lang))
    return found
