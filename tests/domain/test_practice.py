"""Practice blocks' rules: pools, the pick, the clock, the score, the percentile, into review."""

from datetime import UTC, datetime, timedelta

import pytest

from qbank.domain import practice
from qbank.domain.practice import History, Mode, Order, Pool, Timing
from qbank.domain.scheduling import AGAIN, HARD

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
NEVER = History()
WRONG_LAST = History(answered=True, last_correct=False)
RIGHT_LAST = History(answered=True, last_correct=True)


@pytest.mark.parametrize(
    ("history", "pools", "expected"),
    [
        (NEVER, {Pool.UNUSED}, True),
        (RIGHT_LAST, {Pool.UNUSED}, False),
        (WRONG_LAST, {Pool.INCORRECT}, True),
        (RIGHT_LAST, {Pool.INCORRECT}, False),
        (NEVER, {Pool.INCORRECT}, False),
        (History(answered=True, last_correct=True, marked=True), {Pool.MARKED}, True),
        (RIGHT_LAST, {Pool.MARKED}, False),
        (History(flagged=True), {Pool.FLAGGED}, True),
        (RIGHT_LAST, {Pool.ALL}, True),
        # pools combine as "or": unused and incorrect
        (NEVER, {Pool.UNUSED, Pool.INCORRECT}, True),
        (WRONG_LAST, {Pool.UNUSED, Pool.INCORRECT}, True),
        (RIGHT_LAST, {Pool.UNUSED, Pool.INCORRECT}, False),
        (RIGHT_LAST, set(), False),
    ],
)
def test_pools(history, pools, expected):
    assert practice.in_pools(history, pools) is expected


def test_a_tag_holds_the_tags_below_it_and_not_its_namesakes():
    assert practice.tag_includes("Cardio", "Cardio")
    assert practice.tag_includes("Cardio", "Cardio::Valves::Aortic")
    assert not practice.tag_includes("Cardio", "Cardiology")
    assert not practice.tag_includes("Cardio::Valves", "Cardio")
    assert practice.tag_level("Cardio::Valves::Aortic", 1) == "Cardio"
    assert practice.tag_level("Cardio::Valves::Aortic", 2) == "Cardio::Valves"
    assert practice.tag_level("Renal", 2) == "Renal"


CANDIDATES = [(n, "Renal" if n % 3 else "Cardio") for n in range(1, 61)] + [(99, "")]


def test_the_same_seed_picks_the_same_block_and_another_seed_another():
    first = practice.choose(CANDIDATES, 20, Order.RANDOM, seed=7)
    assert first == practice.choose(list(reversed(CANDIDATES)), 20, Order.RANDOM, seed=7)
    assert len(first) == len(set(first)) == 20
    assert first != practice.choose(CANDIDATES, 20, Order.RANDOM, seed=8)
    assert first != sorted(first)  # shuffled, not in id order


def test_grouped_by_tag_keeps_the_pick_and_groups_it_untagged_last():
    shuffled = practice.choose(CANDIDATES, 61, Order.RANDOM, seed=3)
    grouped = practice.choose(CANDIDATES, 61, Order.BY_TAG, seed=3)
    assert sorted(grouped) == sorted(shuffled)
    tags = dict(CANDIDATES)
    assert [tags[q] for q in grouped] == sorted(
        (tags[q] for q in grouped), key=lambda t: (t == "", t)
    )
    cardio = [q for q in grouped if tags[q] == "Cardio"]
    assert cardio == [q for q in shuffled if tags[q] == "Cardio"]  # the sample's order within
    assert grouped[-1] == 99


def test_a_short_pool_gives_what_it_has_and_sizes_are_bounded():
    assert len(practice.choose(CANDIDATES[:5], 40, Order.RANDOM, seed=1)) == 5
    for size in (0, 121):
        with pytest.raises(ValueError, match="1 to 120"):
            practice.choose(CANDIDATES, size, Order.RANDOM, seed=1)


def test_time_limit_is_per_question_in_timed_mode_only():
    assert practice.time_limit(Mode.TIMED, 40, 90) == timedelta(hours=1)
    assert practice.time_limit(Mode.TIMED, 40, None) is None  # timed, untimed: nothing shown
    assert practice.time_limit(Mode.TUTOR, 40, 90) is None
    with pytest.raises(ValueError, match="10 to 600"):
        practice.time_limit(Mode.TIMED, 40, 5)


def test_the_deadline_moves_with_a_pause_and_the_used_time_is_kept():
    timing = Timing.start(timedelta(minutes=10), T0)
    assert timing.deadline() == T0 + timedelta(minutes=10)
    paused = timing.pause(T0 + timedelta(minutes=4))
    assert paused.used == timedelta(minutes=4)
    assert paused.deadline() is None
    assert paused.pause(T0 + timedelta(hours=5)) == paused  # a second pause changes nothing
    assert not paused.expired(T0 + timedelta(days=2))  # a paused clock does not run
    resumed = paused.resume(T0 + timedelta(days=1))
    assert resumed.deadline() == T0 + timedelta(days=1, minutes=6)
    assert resumed.remaining(T0 + timedelta(days=1, minutes=1)) == timedelta(minutes=5)


def test_an_answer_after_the_deadline_is_refused_beyond_the_grace_and_the_block_closes_then():
    timing = Timing.start(timedelta(minutes=10), T0)
    deadline = T0 + timedelta(minutes=10)
    assert not timing.expired(deadline)
    assert not timing.expired(deadline + practice.GRACE)
    assert timing.expired(deadline + practice.GRACE + timedelta(seconds=1))
    # Closed the next morning, offline all night: it ended at the deadline.
    assert timing.closed_at(T0 + timedelta(hours=14)) == deadline
    assert timing.closed_at(T0 + timedelta(minutes=3)) == T0 + timedelta(minutes=3)
    # Time used is capped at the limit when the clock stops late.
    assert timing.pause(T0 + timedelta(hours=1)).used == timedelta(minutes=10)
    assert timing.pause(T0 + timedelta(hours=1)).expired(T0 + timedelta(hours=2))


def test_an_untimed_block_never_expires():
    timing = Timing.start(None, T0)
    assert timing.deadline() is None and timing.remaining(T0) is None
    assert not timing.expired(T0 + timedelta(days=30))
    assert timing.used_at(T0 + timedelta(minutes=3)) == timedelta(minutes=3)


def test_the_score_counts_unanswered_questions_as_wrong():
    result = practice.score([True, True, False, None])
    assert (result.correct, result.answered, result.questions) == (2, 3, 4)
    assert result.share == 0.5
    assert practice.score([]).share == 0.0


def _peer(right: int, of: int, start: int = 1) -> dict[int, bool]:
    return {start + n: n < right for n in range(of)}


def test_percentile_ranks_among_peers_on_common_questions_ties_halved():
    mine = _peer(7, 10)  # 7 of 10 right
    peers = [_peer(r, 10) for r in (2, 4, 6, 7, 9)]
    result = practice.percentile(mine, peers)
    # Three below, one level (half), the student (half): (3 + 1) / 6.
    assert result == practice.Percentile(rank=67, students=6)


def test_percentile_compares_each_peer_on_what_both_answered():
    mine = _peer(5, 10)  # questions 1-5 right, 6-10 wrong
    # Each peer answered only questions 6-10, and got them all right: all score above,
    # though on the whole block the student's 5 of 10 equals what each could have had.
    peers = [{q: True for q in range(6, 11)} for _ in range(5)]
    assert practice.percentile(mine, peers) == practice.Percentile(rank=8, students=6)


def test_no_percentile_on_too_few_peers_or_questions_in_common():
    mine = _peer(7, 10)
    assert practice.percentile(mine, [_peer(5, 10)] * 4) is None
    assert practice.percentile(mine, [_peer(3, 4)] * 20) is None  # 4 in common: too few
    assert practice.percentile(mine, [_peer(5, 10, start=100)] * 20) is None


@pytest.mark.parametrize(
    ("correct", "guessed", "has_card", "rating"),
    [
        (False, False, False, AGAIN),  # missed, new: a card rated Again
        (False, True, False, AGAIN),
        (True, True, False, HARD),  # a lucky guess: a card rated Hard
        (True, False, False, None),  # known: no card
        (False, False, True, AGAIN),  # a card already: a lapse
        (True, True, True, None),  # a card already, right: it keeps its schedule
        (True, False, True, None),
    ],
)
def test_what_a_block_answer_hands_to_the_review(correct, guessed, has_card, rating):
    assert practice.review_rating(correct, guessed, has_card) == rating


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (72, "72nd"),
        (100, "100th"),
        (0, "0th"),
    ],
)
def test_ordinal(n, text):
    assert practice.ordinal(n) == text


def test_class_scores_put_each_student_in_a_tenth_and_a_perfect_score_in_the_last():
    scores = practice.class_scores([0.0, 0.09, 0.1, 0.55, 0.95, 1.0])
    assert scores is not None
    assert scores.students == 6
    assert scores.bands == (2, 1, 0, 0, 0, 1, 0, 0, 0, 2)
    assert scores.median == pytest.approx((0.1 + 0.55) / 2)
    assert scores.mean == pytest.approx(sum([0.0, 0.09, 0.1, 0.55, 0.95, 1.0]) / 6)
    assert practice.class_scores([0.4, 0.8, 0.6]).median == pytest.approx(0.6)
    assert practice.class_scores([]) is None
