from datetime import date, timedelta

import pytest

from qbank.domain import backlog
from qbank.domain.backlog import days_to_clear, spread

TODAY = date(2026, 3, 2)


def test_a_backlog_clears_in_as_many_days_as_the_limit_needs():
    assert days_to_clear([0, 3, 4], 30) == 0  # nothing due today
    assert days_to_clear([20, 10], 30) == 1
    assert days_to_clear([127, 10, 10, 10, 10, 10], 30) == 6  # 127 + 50 = 177 at 30 a day
    assert days_to_clear([127, 30, 30], 30) is None  # new dues keep pace: never within 3
    assert days_to_clear([5], 0) is None


def test_a_spread_puts_the_first_cards_today_and_the_rest_evenly_after():
    days = spread(10, 3, TODAY)
    assert days == [TODAY] * 4 + [TODAY + timedelta(days=1)] * 4 + [TODAY + timedelta(days=2)] * 2
    assert spread(0, 5, TODAY) == []
    assert spread(3, 7, TODAY) == [TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=2)]
    with pytest.raises(ValueError):
        spread(3, 0, TODAY)


def test_fill_puts_cards_where_the_limit_leaves_room_at_most_half_of_it_a_day():
    today = date(2026, 3, 2)
    load = {today: 90, today + timedelta(days=1): 20}
    days = backlog.fill(130, today, load, limit=100)
    assert days.count(today) == 10  # 90 already due: room for 10
    assert days.count(today + timedelta(days=1)) == 50  # half the limit, though 80 would fit
    assert days.count(today + timedelta(days=2)) == 50
    assert days.count(today + timedelta(days=3)) == 20
    assert days == sorted(days)
    assert backlog.fill(0, today, {}, 100) == []
