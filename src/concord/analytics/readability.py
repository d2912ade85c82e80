"""Readability of English text: Flesch Reading Ease and Flesch–Kincaid Grade Level.

Both formulas take three counts of a text — sentences, words and syllables — and weigh
average sentence length against average word length. They were fitted to English; for
another language they give a number that means nothing, so :func:`assess_readability`
scores English only and returns the code ``"unsupported_language"`` otherwise.

Nothing here is rounded; the caller rounds for display. Results carry codes, never
translated text.

Counting rules (documented in ``docs/analytics/readability.md``):

* **Sentences.** A sentence ends at ``.``, ``!``, ``?`` or ``…`` (a run of them, optionally
  followed by closing quotes or brackets) that is followed by white space or the end of the
  text, except after a common abbreviation (:data:`ABBREVIATIONS`, e.g. ``e.g.``, ``Dr.``).
  A blank line (a paragraph break, a heading, a list item or a table cell in rendered
  material) also ends a sentence, with or without a full stop. A stretch with no word in it
  is not a sentence.
* **Words.** Groups of characters separated by white space (em and en dashes count as white
  space) that contain at least one letter or digit, as Flesch (1948) counts them: ``follow-up``,
  ``and/or``, ``50mg`` and ``2.5`` are one word each.
* **Syllables.** See :func:`count_syllables`: vowel groups, minus a silent final ``e`` and
  silent ``-es``/``-ed`` endings, at least one per word; figures count one syllable per digit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from concord.analytics.errors import AnalyticsInputError

#: Flesch Reading Ease at or above this is "plain English" (Flesch 1949: 60–70 is "standard").
READING_EASE_TARGET = 60.0
#: Flesch–Kincaid Grade Level at or below this (US school grade) is the usual health-literacy
#: ceiling for patient material (CDC *Simply Put*: 8th grade or lower).
GRADE_LEVEL_TARGET = 8.0

#: Words ending in a full stop that do not end a sentence (compared in lower case, without
#: the final full stop), unless they end the paragraph.
ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "etc", "dr", "mr", "mrs", "ms", "vs", "approx", "prof", "st", "cf"}
)

VOWELS = frozenset("aeiouyàáâäèéêëìíîïòóôöùúûü")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_DASHES = re.compile(r"[\u2012\u2013\u2014\u2015]")
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u2019\u201d)\]]*$")
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_RUNS = re.compile(r"[^\W\d_]+|\d+")
_HAS_WORD_CHARACTER = re.compile(r"[^\W_]")
_LEADING_PUNCTUATION = re.compile(r"^[^\w]+")

ReadabilityStatus = Literal["scored", "no_text", "unsupported_language"]


class ReadabilityInputError(AnalyticsInputError):
    """Counts that no formula can use (no word or no sentence, or a negative count)."""


@dataclass(frozen=True)
class TextCounts:
    """What the formulas count in a text."""

    sentences: int
    words: int
    syllables: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / self.words


@dataclass(frozen=True)
class Readability:
    """Both scores of one English text, with the counts behind them and the targets used."""

    counts: TextCounts
    reading_ease: float
    grade_level: float
    reading_ease_target: float
    grade_level_target: float

    @property
    def meets_reading_ease_target(self) -> bool:
        return self.reading_ease >= self.reading_ease_target

    @property
    def meets_grade_level_target(self) -> bool:
        return self.grade_level <= self.grade_level_target

    @property
    def meets_targets(self) -> bool:
        return self.meets_reading_ease_target and self.meets_grade_level_target


@dataclass(frozen=True)
class ReadabilityCheck:
    """The outcome of :func:`assess_readability`.

    ``status`` is ``"scored"`` (``result`` holds the scores), ``"no_text"`` (nothing to score)
    or ``"unsupported_language"`` (not English: no automatic check, rather than a wrong number).
    """

    status: ReadabilityStatus
    language: str
    result: Readability | None = None


def is_english(language: str) -> bool:
    """``"en"``, ``"en-gb"``, ``"en_US"`` … (BCP 47 or Django language codes)."""
    code = language.strip().lower().replace("_", "-")
    return code == "en" or code.startswith("en-")


def count_syllables(word: str) -> int:
    """Syllables in one word by a fixed, documented rule (an estimate, as every tool's is).

    1. Apostrophes are dropped (``don't`` → ``dont``). The word is split into runs of letters
       and runs of digits (``follow-up`` → ``follow``, ``up``); the counts of the runs add up.
    2. A run of digits counts one syllable per digit (``50`` → 2, ``8`` → 1): a figure read
       aloud has roughly that many.
    3. In a run of letters (lower case), each group of consecutive vowels ``a e i o u y``
       (accented forms too) is one syllable; ``y`` at the start of the run is a consonant.
    4. A final ``e`` that is a group of its own is silent (``make``, ``whole``), except in
       ``-le`` after a consonant (``table``, ``people``).
    5. A final ``-es`` whose ``e`` is a group of its own is silent (``takes``, ``sides``) unless
       it follows ``c``, ``g``, ``s``, ``x``, ``z``, ``ch`` or ``sh`` (``places``, ``changes``,
       ``doses``); a final ``-ed`` likewise (``used``, ``helped``) unless it follows ``t`` or
       ``d`` (``wanted``, ``needed``).
    6. Every run of letters has at least one syllable.

    Parameters
    ----------
    word
        One word as it appears in the text (punctuation is ignored).

    Returns
    -------
    int
        The number of syllables; 0 only when the word has no letter or digit.

    Examples
    --------
    >>> [count_syllables(w) for w in ("the", "table", "takes", "changes", "wanted", "50")]
    [1, 2, 1, 2, 2, 2]
    """
    total = 0
    for run in _RUNS.findall(_APOSTROPHES.sub("", word)):
        if run.isdigit():
            total += len(run)
        else:
            total += _syllables_of_letters(run.lower())
    return total


def _syllables_of_letters(run: str) -> int:
    groups = 0
    previous_vowel = False
    for index, letter in enumerate(run):
        vowel = letter in VOWELS and not (letter == "y" and index == 0)
        if vowel and not previous_vowel:
            groups += 1
        previous_vowel = vowel
    if groups > 1 and _final_e_is_silent(run):
        groups -= 1
    return max(groups, 1)


def _is_consonant(letter: str) -> bool:
    return letter.isalpha() and letter not in VOWELS


def _final_e_is_silent(run: str) -> bool:
    """Rules 4 and 5 of :func:`count_syllables`: is the last vowel group a silent ``e``?"""
    if run.endswith("e") and len(run) >= 2 and _is_consonant(run[-2]):
        # "-le" after a consonant is a syllable of its own (ta-ble, peo-ple).
        return not (run[-2] == "l" and len(run) >= 3 and _is_consonant(run[-3]))
    if run.endswith("es") and len(run) >= 3 and _is_consonant(run[-3]):
        return not (run[-3] in "cgsxz" or run[-4:-2] in ("ch", "sh"))
    if run.endswith("ed") and len(run) >= 3 and _is_consonant(run[-3]):
        return run[-3] not in "td"
    return False


def words_of(text: str) -> list[str]:
    """The words of a text, by the word rule of this module (punctuation kept on them)."""
    return [t for t in _DASHES.sub(" ", text).split() if _HAS_WORD_CHARACTER.search(t)]


def _ends_sentence(token: str) -> bool:
    if not _SENTENCE_END.search(token):
        return False
    if token.endswith("."):
        bare = _LEADING_PUNCTUATION.sub("", token).rstrip(".").lower()
        if bare in ABBREVIATIONS:
            return False
    return True


def count_text(text: str) -> TextCounts:
    """Sentences, words and syllables of a text, by the rules in the module docstring."""
    sentences = words = syllables = 0
    for paragraph in _PARAGRAPH_BREAK.split(text):
        words_in_sentence = 0
        for token in _DASHES.sub(" ", paragraph).split():
            if _HAS_WORD_CHARACTER.search(token):
                words += 1
                words_in_sentence += 1
                syllables += count_syllables(token)
            if words_in_sentence and _ends_sentence(token):
                sentences += 1
                words_in_sentence = 0
        if words_in_sentence:  # the paragraph ends the sentence, full stop or not
            sentences += 1
    return TextCounts(sentences=sentences, words=words, syllables=syllables)


def _check_counts(words: int, sentences: int, syllables: int) -> None:
    if words <= 0:
        raise ReadabilityInputError(f"words must be at least 1, got {words}")
    if sentences <= 0:
        raise ReadabilityInputError(f"sentences must be at least 1, got {sentences}")
    if syllables < 0:
        raise ReadabilityInputError(f"syllables must not be negative, got {syllables}")


def flesch_reading_ease(words: int, sentences: int, syllables: int) -> float:
    """Flesch Reading Ease (Flesch 1948), as recalculated by Kincaid et al. (1975).

    .. math:: \\text{FRE} = 206.835 - 1.015\\,\\frac{W}{S} - 84.6\\,\\frac{Y}{W}

    with *W* words, *S* sentences and *Y* syllables. Higher is easier: 90–100 very easy,
    60–70 standard ("plain English"), 0–30 very difficult. The highest possible value is
    121.22 (one one-syllable word per sentence); there is no lowest value.

    References
    ----------
    Flesch R. A new readability yardstick. *Journal of Applied Psychology* 1948;32(3):221–233.

    Kincaid JP, Fishburne RP, Rogers RL, Chissom BS. *Derivation of new readability formulas
    (Automated Readability Index, Fog Count and Flesch Reading Ease Formula) for Navy enlisted
    personnel.* Research Branch Report 8-75. Millington, TN: Naval Technical Training Command;
    1975.

    Raises
    ------
    ReadabilityInputError
        If there is no word or no sentence, or the syllable count is negative.
    """
    _check_counts(words, sentences, syllables)
    return 206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)


def flesch_kincaid_grade(words: int, sentences: int, syllables: int) -> float:
    """Flesch–Kincaid Grade Level (Kincaid et al. 1975): a US school grade.

    .. math:: \\text{FKGL} = 0.39\\,\\frac{W}{S} + 11.8\\,\\frac{Y}{W} - 15.59

    with *W* words, *S* sentences and *Y* syllables. Lower is easier; the lowest possible
    value is −3.40 (one one-syllable word per sentence).

    References
    ----------
    Kincaid JP, Fishburne RP, Rogers RL, Chissom BS. *Derivation of new readability formulas
    (Automated Readability Index, Fog Count and Flesch Reading Ease Formula) for Navy enlisted
    personnel.* Research Branch Report 8-75. Millington, TN: Naval Technical Training Command;
    1975.

    Raises
    ------
    ReadabilityInputError
        If there is no word or no sentence, or the syllable count is negative.
    """
    _check_counts(words, sentences, syllables)
    return 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59


def english_readability(
    text: str,
    *,
    reading_ease_target: float = READING_EASE_TARGET,
    grade_level_target: float = GRADE_LEVEL_TARGET,
) -> Readability:
    """Both scores of an English text, and whether they meet the targets.

    Parameters
    ----------
    text
        Plain text. Separate headings, list items and table cells from each other with a
        blank line so that each counts as (at least) one sentence.
    reading_ease_target, grade_level_target
        Reading ease at or above, and grade level at or below, these meet the target.

    Raises
    ------
    ReadabilityInputError
        If the text has no word.
    """
    counts = count_text(text)
    if counts.words == 0:
        raise ReadabilityInputError("the text has no word to score")
    return Readability(
        counts=counts,
        reading_ease=flesch_reading_ease(counts.words, counts.sentences, counts.syllables),
        grade_level=flesch_kincaid_grade(counts.words, counts.sentences, counts.syllables),
        reading_ease_target=reading_ease_target,
        grade_level_target=grade_level_target,
    )


def assess_readability(
    text: str,
    language: str,
    *,
    reading_ease_target: float = READING_EASE_TARGET,
    grade_level_target: float = GRADE_LEVEL_TARGET,
) -> ReadabilityCheck:
    """Score English text; say ``"unsupported_language"`` for any other language.

    The formulas' constants were fitted to English readers; applied to Spanish or Polish they
    produce a number with no meaning, so other languages get no score at all.
    """
    if not is_english(language):
        return ReadabilityCheck(status="unsupported_language", language=language)
    if count_text(text).words == 0:
        return ReadabilityCheck(status="no_text", language=language)
    result = english_readability(
        text, reading_ease_target=reading_ease_target, grade_level_target=grade_level_target
    )
    return ReadabilityCheck(status="scored", language=language, result=result)
