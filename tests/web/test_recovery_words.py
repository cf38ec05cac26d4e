"""The recovery sheet's words (firsthand/web/static/firsthand/js/recovery-words.js), run in Node.

A recovery key's 32-byte seed is BIP-39 entropy: 24 words from BIP-39's English list,
the last 8 bits a SHA-256 checksum. The published BIP-39 vectors hold, every seed
round-trips, and a changed word is caught: named when it is not on the list, by the
checksum when it is.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from tests.web.test_browser_crypto import node, value

WORDLIST = (
    Path(__file__).resolve().parents[2] / "firsthand/web/static/firsthand/js/bip39-english.json"
)
# 256-bit entries of BIP-39's English test vectors (trezor/python-mnemonic vectors.json).
VECTORS = [
    ("00" * 32, "abandon " * 23 + "art"),
    (
        "7f" * 32,
        "legal winner thank year wave sausage worth useful " * 2
        + "legal winner thank year wave sausage worth title",
    ),
    (
        "80" * 32,
        "letter advice cage absurd amount doctor acoustic avoid " * 2
        + "letter advice cage absurd amount doctor acoustic bless",
    ),
    ("ff" * 32, "zoo " * 23 + "vote"),
    (
        "68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
        "hamster diagram private dutch cause delay private meat slide toddler razor book happy "
        "fancy gospel tennis maple dilemma loan word shrug inflict delay length",
    ),
    (
        "f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
        "void come effort suffer camp survey warrior heavy shoot primary clutch crush open "
        "amazing screen patrol group space point ten exist slush involve unfold",
    ),
]


def test_the_word_list_is_bip39s_english_list() -> None:
    data = json.loads(WORDLIST.read_text(encoding="utf-8"))
    text = "".join(f"{w}\n" for w in data["words"])
    assert hashlib.sha256(text.encode()).hexdigest() == data["sha256_of_english_txt"]
    assert data["sha256_of_english_txt"] == (
        "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"
    )
    assert "source" in data and "licence" in data


def test_the_published_bip39_vectors_hold_both_ways() -> None:
    requests = []
    for seed, words in VECTORS:
        requests += [
            {"op": "words_from_seed", "seed": seed},
            {"op": "seed_from_words", "words": words},
        ]
    results = node(*requests)
    for n, (seed, words) in enumerate(VECTORS):
        assert " ".join(value(results[2 * n])) == words.strip()
        assert value(results[2 * n + 1]) == seed


def test_random_seeds_round_trip_through_the_words() -> None:
    rng = random.Random(17)
    seeds = [rng.randbytes(32).hex() for _ in range(50)]
    words = [value(r) for r in node(*({"op": "words_from_seed", "seed": s} for s in seeds))]
    # As a person types them: numbered, on lines, capitalised, or cut to four letters.
    typed = [
        "\n".join(f"{n}. {w.capitalize() if n % 2 else w[:4]}" for n, w in enumerate(ws, 1))
        for ws in words
    ]
    back = node(*({"op": "seed_from_words", "words": t} for t in typed))
    assert [value(r) for r in back] == seeds


def test_a_changed_word_is_caught_and_a_word_off_the_list_is_named() -> None:
    rng = random.Random(39)
    seed = rng.randbytes(32).hex()
    words = value(node({"op": "words_from_seed", "seed": seed})[0])
    wordlist = json.loads(WORDLIST.read_text(encoding="utf-8"))["words"]
    changed = []
    for position in range(24):
        others = [w for w in wordlist if w != words[position]]
        for other in rng.sample(others, 10):
            changed.append([*words[:position], other, *words[position + 1 :]])
    results = [value(r) for r in node(*({"op": "seed_from_words", "words": c} for c in changed))]
    # The checksum has 8 bits: about 1 change in 256 slips through, and none may give the seed.
    caught = [r for r in results if isinstance(r, dict)]
    assert all(r["reason"] == "checksum" for r in caught)
    assert len(caught) >= len(results) - 5 and seed not in results

    typo = [*words[:6], "zzzz", *words[7:]]
    short = words[:23]
    assert [
        value(r)
        for r in node(
            {"op": "seed_from_words", "words": typo}, {"op": "seed_from_words", "words": short}
        )
    ] == [
        {"reason": "unknown", "word": "zzzz", "position": 7, "count": None},
        {"reason": "count", "word": None, "position": None, "count": 23},
    ]
