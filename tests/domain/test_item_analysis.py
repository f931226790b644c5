import itertools

import pytest

from qbank.domain.item_analysis import MIN_ANSWERS, FirstAnswer, Flag, ItemStats, analyse, flags


def first(user, question, correct, *chosen):
    return FirstAnswer(user, question, correct, tuple(chosen))


def test_difficulty_and_option_counts():
    stats = analyse(
        [
            first(1, 7, True, "A"),
            first(2, 7, False, "B"),
            first(3, 7, False, "C"),
            first(4, 7, True, "A"),
        ]
    )[7]
    assert (stats.answers, stats.correct, stats.difficulty) == (4, 2, 0.5)
    assert stats.chosen == {"A": 2, "B": 1, "C": 1}
    assert stats.discrimination is None  # too few students to correlate
    assert not stats.judged and flags(stats, {"A"}) == []


def good_and_faulty(students=12):
    """Questions 1-5 are good: the strong half gets them right, the weak half mostly not.
    Question 6 has a wrong key: the strong half picks B (the true answer), the weak A."""
    answers = []
    for user in range(students):
        strong = user < students // 2
        for question in range(1, 6):
            right = strong or user % 5 == question - 1
            answers.append(first(user, question, right, "A" if right else "C"))
        answers.append(first(user, 6, not strong, "B" if strong else "A"))
    return analyse(answers)


def test_discrimination_is_the_point_biserial_against_the_rest_of_the_set():
    stats = good_and_faulty()
    assert all(stats[q].discrimination > 0.4 for q in range(1, 6))
    assert stats[6].discrimination < -0.4
    assert flags(stats[6], {"A"}) == [Flag.NEGATIVE_DISCRIMINATION]
    assert flags(stats[1], {"A"}) == []


def test_discrimination_by_hand_uses_the_rest_of_the_set_not_the_total():
    # Ten students on three questions: every right/wrong combination, one more all
    # right and one more all wrong. Against the rest of the set r = 1/sqrt(15) = 0.258;
    # against the total score, which counts the question itself, it would be 0.683.
    patterns = [*itertools.product([False, True], repeat=3), (True,) * 3, (False,) * 3]
    answers = [
        first(user, question, right, "A" if right else "B")
        for user, pattern in enumerate(patterns)
        for question, right in enumerate(pattern)
    ]
    answers.append(first(99, 0, True, "A"))  # answered nothing else: no rest to compare
    stats = analyse(answers)
    for question in range(3):
        assert stats[question].discrimination == pytest.approx(1 / 15**0.5)
    assert stats[0].answers == 11 and stats[0].correct == 6


def test_flags_need_enough_answers_and_name_the_problem():
    few = ItemStats(1, MIN_ANSWERS - 1, 0, -0.9, {"B": MIN_ANSWERS - 1})
    assert flags(few, {"A"}) == []
    hard = ItemStats(1, 20, 5, 0.3, {"A": 5, "B": 4, "C": 11})
    assert flags(hard, {"A"}) == [Flag.TOO_HARD, Flag.DISTRACTOR_BEATS_KEY]
    easy = ItemStats(1, 20, 19, 0.25, {"A": 19, "B": 1})
    assert flags(easy, {"A"}) == [Flag.TOO_EASY]
    faulty = ItemStats(1, 20, 10, -0.2, {"A": 10, "B": 10})
    assert flags(faulty, {"A"}) == [Flag.NEGATIVE_DISCRIMINATION]
    fine = ItemStats(1, 20, 12, 0.35, {"A": 12, "B": 5, "C": 3})
    assert flags(fine, {"A"}) == []
    # Multiple response and flashcards have no single key to compare a distractor with.
    assert flags(ItemStats(1, 20, 12, 0.3, {"A": 12, "B": 15, "C": 14}), {"A", "B"}) == []
    assert flags(ItemStats(1, 20, 12, 0.3, {}), set()) == []
    assert flags(ItemStats(1, 20, 6, None), set()) == []  # 30% is not below 30%
