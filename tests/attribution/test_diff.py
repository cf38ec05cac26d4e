from firsthand.attribution.diff import changed_words, word_diff


def test_the_diff_aligns_normalised_words_but_shows_the_original_ones() -> None:
    signed = "I never supported the council, and I left in ۱۳۹۸."
    checked = "i SUPPORTED the council, and I left in 1398!"
    segments = word_diff(signed, checked)
    assert [(s.op, s.signed, s.checked) for s in segments] == [
        ("equal", "I", "i"),
        ("delete", "never", ""),
        (
            "equal",
            "supported the council, and I left in ۱۳۹۸.",
            "SUPPORTED the council, and I left in 1398!",
        ),
    ]
    assert changed_words(segments) == 1


def test_a_replaced_word_shows_both_sides() -> None:
    segments = word_diff("we gave our wages every Friday", "we gave our savings every Friday")
    assert ("replace", "wages", "savings") in [(s.op, s.signed, s.checked) for s in segments]


def test_words_sharing_a_chunk_are_shown_once() -> None:
    segments = word_diff("don't go", "don't stay")
    shown = "".join(s.signed for s in segments)
    assert shown.count("don't") == 1
