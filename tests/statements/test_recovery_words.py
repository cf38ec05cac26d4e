"""The CLI's recovery words (statements/recovery_words.py) are BIP-39's, as the browser's are.

The vectors are BIP-39's own (trezor/python-mnemonic vectors.json, the same entries that
tests/web/test_recovery_words.py runs through recovery-words.js), so a sheet printed by
`firsthand recovery sheet` is read back by the site's "recover with my sheet" page.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firsthand.statements.errors import KeyFileError
from firsthand.statements.recovery_words import seed_from_words, words_from_seed
from tests.web.test_recovery_words import VECTORS


@pytest.mark.parametrize(("seed", "words"), VECTORS)
def test_the_published_bip39_vectors_hold(seed: str, words: str) -> None:
    assert " ".join(words_from_seed(bytes.fromhex(seed))) == words.strip()
    assert seed_from_words(words) == bytes.fromhex(seed)


@given(st.binary(min_size=32, max_size=32))
def test_words_read_back_to_the_seed_even_numbered_or_cut_to_four_letters(seed: bytes) -> None:
    words = words_from_seed(seed)
    assert seed_from_words("\n".join(f"{n}. {w[:4]}" for n, w in enumerate(words, 1))) == seed


def test_a_wrong_word_is_named_and_a_swap_is_caught() -> None:
    words = words_from_seed(bytes(range(32)))
    with pytest.raises(KeyFileError, match="word 5"):
        seed_from_words(" ".join([*words[:4], "zzzz", *words[5:]]))
    swapped = [words[1], words[0], *words[2:]]
    if swapped != words:
        with pytest.raises(KeyFileError, match="checksum"):
            seed_from_words(" ".join(swapped))
