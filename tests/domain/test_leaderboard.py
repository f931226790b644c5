from datetime import UTC, date, datetime

from qbank.domain import leaderboard as lb


def test_weeks_start_on_monday_in_the_cohorts_time_zone():
    sunday_night_utc = datetime(2026, 3, 8, 23, 30, tzinfo=UTC)  # already Monday in Tokyo
    assert lb.window_days("week", sunday_night_utc, "UTC") == (date(2026, 3, 2), date(2026, 3, 8))
    assert lb.window_days("week", sunday_night_utc, "Asia/Tokyo") == (
        date(2026, 3, 9),
        date(2026, 3, 9),
    )


def test_month_all_time_and_custom_windows():
    now = datetime(2026, 3, 18, 12, tzinfo=UTC)
    assert lb.window_days("month", now, "UTC") == (date(2026, 3, 1), date(2026, 3, 18))
    assert lb.window_days("all_time", now, "UTC") == (None, date(2026, 3, 18))
    block = lb.window_days("custom", now, "UTC", date(2026, 3, 1), date(2026, 4, 30))
    assert block == (date(2026, 3, 1), date(2026, 3, 18))


def entry(uid, score, minute=None):
    reached = datetime(2026, 3, 2, 9, minute, tzinfo=UTC) if minute is not None else None
    return lb.Entry(uid, f"user {uid}", score, reached)


def test_ties_go_to_whoever_reached_the_score_first_then_by_id():
    places = lb.rank([entry(1, 50, 30), entry(2, 80, 40), entry(3, 50, 10), entry(4, 50, 10)])
    assert [p.entry.user_id for p in places] == [2, 3, 4, 1]
    assert [p.rank for p in places] == [1, 2, 3, 4]


def test_around_me_shows_five_above_and_below():
    places = lb.rank([entry(uid, 100 - uid) for uid in range(1, 31)])
    mine = lb.around(places, 15)
    assert [p.entry.user_id for p in mine] == list(range(10, 21))
    assert len(lb.around(places, 999)) == 11


def test_pseudonyms_are_stable_in_a_cohort_and_differ_across_cohorts():
    assert lb.pseudonym(1, 42) == lb.pseudonym(1, 42)
    assert lb.pseudonym(1, 42) != lb.pseudonym(2, 42)
    assert len({lb.pseudonym(1, uid) for uid in range(200)}) > 190


def test_around_me_shows_members_their_neighbours_and_the_rep_the_whole_board():
    places = lb.rank([lb.Entry(i, f"m{i}", 100 - i, None) for i in range(1, 21)])
    mine = lb.seen_by(places, lb.BoardView.AROUND_ME, 12, is_rep=False)
    assert [p.entry.user_id for p in mine] == list(range(7, 18))
    assert lb.seen_by(places, lb.BoardView.AROUND_ME, 12, is_rep=True) == places
    assert lb.seen_by(places, lb.BoardView.FULL, 12, is_rep=False) == places
