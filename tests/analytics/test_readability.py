"""Flesch Reading Ease and Flesch–Kincaid Grade Level: hand-computed and published values."""

from __future__ import annotations

import pytest

from concord.analytics.readability import (
    GRADE_LEVEL_TARGET,
    READING_EASE_TARGET,
    ReadabilityInputError,
    TextCounts,
    assess_readability,
    count_syllables,
    count_text,
    english_readability,
    flesch_kincaid_grade,
    flesch_reading_ease,
    is_english,
    words_of,
)

# ---------------------------------------------------------------- syllables


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("cat", 1),
        ("the", 1),  # one group "e"; the silent-e rule would leave 0, the minimum is 1
        ("make", 1),  # a, e; final e silent
        ("whole", 1),  # o, e; "-le" after a vowel: e silent
        ("table", 2),  # a, e; "-le" after a consonant is sounded
        ("people", 2),  # eo, e; "-le" after p
        ("free", 1),  # "ee" is one group, not a separate final e
        ("goodbye", 2),  # oo, ye: the final e belongs to the group "ye"
        ("takes", 1),  # a, e; "-es" after k is silent
        ("sides", 1),
        ("changes", 2),  # "-es" after g is sounded
        ("places", 2),  # after c
        ("doses", 2),  # after s
        ("boxes", 2),  # after x
        ("reaches", 2),  # after ch
        ("wishes", 2),  # after sh
        ("used", 1),  # "-ed" after s is silent
        ("helped", 1),
        ("wanted", 2),  # after t it is sounded
        ("needed", 2),  # after d
        ("agreed", 2),  # a, ee: "eed" is not a separate e
        ("yes", 1),  # y at the start is a consonant
        ("you", 1),
        ("day", 1),  # "ay" one group
        ("hybrid", 2),  # y inside a word is a vowel
        ("medicine", 3),  # e, i, i, e − silent e
        ("medication", 4),  # e, i, a, io
        ("exercise", 3),  # e, e, i, e − silent e
        ("sertraline", 3),  # e, a, i, e − silent e
        ("don't", 1),  # apostrophe dropped: "dont"
        ("patient's", 2),  # "patients": a, ie
        ("follow-up", 3),  # follow (o, o) + up (u)
        ("and/or", 2),  # and + or
        ("50", 2),  # one per digit
        ("8", 1),
        ("2.5", 2),  # "2" and "5"
        ("50mg", 3),  # "50" (2) + "mg" (no vowel group: at least 1)
        ("café", 2),  # accented vowels are vowels
        ("—", 0),  # no letter or digit
    ],
)
def test_count_syllables_by_the_documented_rule(word: str, syllables: int) -> None:
    assert count_syllables(word) == syllables


# ---------------------------------------------------------------- words and sentences


def test_words_are_groups_separated_by_white_space_or_dashes() -> None:
    assert words_of("A follow-up — in 2 weeks – and/or sooner…") == [
        "A",
        "follow-up",
        "in",
        "2",
        "weeks",
        "and/or",
        "sooner…",
    ]


def test_sentences_end_at_terminal_punctuation_and_paragraph_breaks() -> None:
    text = (
        "Take it with food, e.g. breakfast. Then rest!\n"
        "\n"
        "Side effects\n"  # a heading without a full stop: ends at the blank line
        "\n"
        "Dr. Smith said so"  # "Dr." does not end a sentence; the end of the text does
    )
    counts = count_text(text)
    # Sentences: "... breakfast." / "Then rest!" / "Side effects" / "Dr. Smith said so" = 4.
    # Words: 8 + 2 + 4 = 14.
    # Syllables: Take 1, it 1, with 1, food 1, e.g. 2 (e + g), breakfast 2, Then 1, rest 1 = 10;
    # Side 1, effects 2 = 3; Dr 1, Smith 1, said 1, so 1 = 4; total 17.
    assert counts == TextCounts(sentences=4, words=14, syllables=17)


def test_a_single_line_break_does_not_end_a_sentence_but_punctuation_inside_quotes_does() -> None:
    text = 'She said "stop."\nThen we\nwent home?) Yes'
    # "stop." (closing quote after the full stop) ends sentence 1; "home?)" ends sentence 2;
    # "Yes" is sentence 3 at the end of the text. The line breaks end nothing.
    assert count_text(text).sentences == 3
    assert count_text(text).words == 8


def test_punctuation_alone_is_not_a_sentence() -> None:
    assert count_text("... !\n\n—") == TextCounts(sentences=0, words=0, syllables=0)


# ---------------------------------------------------------------- the formulas


def test_hand_computed_short_text() -> None:
    text = "Take one tablet each morning. Drink a glass of water with it."
    result = english_readability(text)
    # Words: Take one tablet each morning (5) + Drink a glass of water with it (7) = 12.
    # Sentences: 2. Syllables: Take 1, one 1 (o, e − silent e), tablet 2, each 1, morning 2
    # = 7; Drink 1, a 1, glass 1, of 1, water 2, with 1, it 1 = 8; total 15.
    assert result.counts == TextCounts(sentences=2, words=12, syllables=15)
    # FRE = 206.835 − 1.015 × 12/2 − 84.6 × 15/12 = 206.835 − 6.09 − 105.75 = 94.995
    assert result.reading_ease == pytest.approx(94.995, abs=1e-9)
    # FKGL = 0.39 × 6 + 11.8 × 1.25 − 15.59 = 2.34 + 14.75 − 15.59 = 1.5
    assert result.grade_level == pytest.approx(1.5, abs=1e-9)
    assert result.meets_targets


def test_hand_computed_hard_text_misses_both_targets() -> None:
    text = (
        "Discontinuation of selective serotonin reuptake inhibitors necessitates "
        "individualised consideration regarding pharmacological tapering."
    )
    result = english_readability(text)
    # Discontinuation: i, o, i, ua, io = 5; of 1; selective: e, e, i, e − silent e = 3;
    # serotonin: e, o, o, i = 4; reuptake: eu, a, e − silent e = 2; inhibitors: i, i, i, o = 4;
    # necessitates: e, e, i, a, e − silent "-es" after t = 4; individualised: i, i, i, ua, i,
    # e − silent "-ed" after s = 5; consideration: o, i, e, a, io = 5; regarding: e, a, i = 3;
    # pharmacological: a, a, o, o, i, a = 6; tapering: a, e, i = 3.
    # Words 12, sentences 1, syllables 5+1+3+4+2+4+4+5+5+3+6+3 = 45.
    assert result.counts == TextCounts(sentences=1, words=12, syllables=45)
    # FRE = 206.835 − 1.015 × 12 − 84.6 × 45/12 = 206.835 − 12.18 − 317.25 = −122.595
    assert result.reading_ease == pytest.approx(-122.595, abs=1e-9)
    # FKGL = 0.39 × 12 + 11.8 × 45/12 − 15.59 = 4.68 + 44.25 − 15.59 = 33.34
    assert result.grade_level == pytest.approx(33.34, abs=1e-9)
    assert not result.meets_reading_ease_target and not result.meets_grade_level_target


def test_targets_are_inclusive_and_can_be_changed() -> None:
    # Grade exactly 1.5 meets a target of 1.5; reading ease 94.995 does not meet 95.
    text = "Take one tablet each morning. Drink a glass of water with it."
    result = english_readability(text, reading_ease_target=95, grade_level_target=1.5)
    assert result.meets_grade_level_target and not result.meets_reading_ease_target
    assert (READING_EASE_TARGET, GRADE_LEVEL_TARGET) == (60.0, 8.0)


def test_wikipedia_platypus_sentence_reading_ease_37_5_and_grade_11_3() -> None:
    """Wikipedia, "Flesch–Kincaid readability tests": "The Australian platypus is seemingly
    a hybrid of a mammal and reptilian creature" has 13 words and 24 syllables, reading ease
    37.5 and grade level 11.3."""
    result = english_readability(
        "The Australian platypus is seemingly a hybrid of a mammal and reptilian creature."
    )
    assert result.counts == TextCounts(sentences=1, words=13, syllables=24)
    assert round(result.reading_ease, 1) == 37.5
    assert round(result.grade_level, 1) == 11.3


def test_wikipedia_extremes_reading_ease_121_22_and_grade_minus_3_40() -> None:
    """Wikipedia, "Flesch–Kincaid readability tests": one one-syllable word per sentence
    gives the highest reading ease, 121.22, and the lowest grade level, −3.40."""
    # FRE = 206.835 − 1.015 − 84.6 = 121.22; FKGL = 0.39 + 11.8 − 15.59 = −3.40
    result = english_readability("Go. Stop. Wait.")
    assert result.counts == TextCounts(sentences=3, words=3, syllables=3)
    assert result.reading_ease == pytest.approx(121.22, abs=1e-9)
    assert result.grade_level == pytest.approx(-3.40, abs=1e-9)


def test_wikipedia_green_eggs_and_ham_grade_minus_1_3_from_its_averages() -> None:
    """Wikipedia, "Flesch–Kincaid readability tests": Green Eggs and Ham averages 5.7 words
    per sentence and 1.02 syllables per word, grade level −1.3."""
    # The averages as whole counts: 5 700 words in 1 000 sentences with 5 814 syllables
    # (5 814 / 5 700 = 1.02).
    # FKGL = 0.39 × 5.7 + 11.8 × 1.02 − 15.59 = 2.223 + 12.036 − 15.59 = −1.331
    grade = flesch_kincaid_grade(words=5700, sentences=1000, syllables=5814)
    assert grade == pytest.approx(-1.331, abs=1e-9)
    assert round(grade, 1) == -1.3


@pytest.mark.parametrize(
    ("words", "sentences", "syllables", "message"),
    [
        (0, 1, 0, "words must be at least 1, got 0"),
        (3, 0, 3, "sentences must be at least 1, got 0"),
        (3, 1, -1, "syllables must not be negative, got -1"),
    ],
)
def test_formulas_refuse_counts_they_cannot_use(
    words: int, sentences: int, syllables: int, message: str
) -> None:
    for formula in (flesch_reading_ease, flesch_kincaid_grade):
        with pytest.raises(ReadabilityInputError, match=message):
            formula(words, sentences, syllables)


def test_text_without_words_is_refused_by_english_readability() -> None:
    with pytest.raises(ReadabilityInputError, match="no word"):
        english_readability("  \n\n ... ")


# ---------------------------------------------------------------- by language


def test_assess_scores_english_only() -> None:
    text = "Take one tablet each morning. Drink a glass of water with it."
    scored = assess_readability(text, "en-GB")
    assert scored.status == "scored" and scored.result is not None
    assert scored.result.grade_level == pytest.approx(1.5, abs=1e-9)
    spanish = assess_readability("Tome una pastilla cada mañana.", "es")
    assert (spanish.status, spanish.result) == ("unsupported_language", None)
    assert assess_readability("   ", "en").status == "no_text"


@pytest.mark.parametrize(
    ("code", "english"),
    [("en", True), ("en-gb", True), ("EN_us", True), ("es", False), ("eng", False)],
)
def test_is_english(code: str, english: bool) -> None:
    assert is_english(code) is english
