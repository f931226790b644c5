from datetime import date, timedelta

import pytest

from qbank.domain import exams
from qbank.domain.scheduling import DEFAULT_PARAMETERS

TODAY = date(2026, 3, 2)
EXAM = TODAY + timedelta(days=10)
DECAY = DEFAULT_PARAMETERS[20]


def test_recall_is_the_desired_retention_one_stability_later():
    assert exams.recall_after(12.0, 12.0, DECAY) == pytest.approx(0.9)
    assert exams.recall_after(12.0, 0.0, DECAY) == 1.0
    assert exams.recall_after(None, 3.0, DECAY) == 0.0


def test_a_review_after_the_exam_comes_before_it_when_recall_would_be_short():
    moved = exams.review_day_before_exam(EXAM + timedelta(days=5), TODAY, EXAM, 0.8, 0.9, "s")
    assert TODAY < moved < EXAM
    # Well remembered on the day, due before the exam, or no day left: unchanged.
    late = EXAM + timedelta(days=5)
    assert exams.review_day_before_exam(late, TODAY, EXAM, 0.95, 0.9, "s") == late
    early = TODAY + timedelta(days=3)
    assert exams.review_day_before_exam(early, TODAY, EXAM, 0.5, 0.9, "s") == early
    tomorrow = TODAY + timedelta(days=1)
    assert exams.review_day_before_exam(late, TODAY, tomorrow, 0.5, 0.9, "s") == late


def test_reviews_before_the_exam_go_to_the_lightest_days_not_the_last():
    load = {TODAY + timedelta(days=n): 10 for n in range(1, 10)}
    load[TODAY + timedelta(days=4)] = 1
    late = EXAM + timedelta(days=5)
    assert exams.review_day_before_exam(
        late, TODAY, EXAM, 0.5, 0.9, "s", load
    ) == TODAY + timedelta(days=4)
    spread = {exams.review_day_before_exam(late, TODAY, EXAM, 0.5, 0.9, f"c{n}") for n in range(90)}
    assert spread == {TODAY + timedelta(days=n) for n in range(1, 10)}


def test_cards_to_review_before_an_exam_are_spread_over_the_days_left():
    days = exams.spread_before(18, TODAY, EXAM)
    assert days[0] == TODAY + timedelta(days=1) and days[-1] == EXAM - timedelta(days=1)
    assert max(days.count(d) for d in set(days)) == 2  # 18 cards over 9 days
    assert exams.spread_before(5, TODAY, TODAY + timedelta(days=1)) == []
