from qbank.domain import answers

OPTIONS = [
    {"key": "A", "text": "One", "correct": False},
    {"key": "B", "text": "Two", "correct": True},
    {"key": "C", "text": "Three", "correct": False},
    {"key": "D", "text": "Four", "correct": False},
    {"key": "E", "text": "All of the above", "correct": False, "fixed": True},
]


def test_each_student_sees_their_own_order_every_time():
    first = [o["key"] for o in answers.shuffled_options(OPTIONS, 7, 99)]
    again = [o["key"] for o in answers.shuffled_options(OPTIONS, 7, 99)]
    assert first == again
    orders = {tuple(o["key"] for o in answers.shuffled_options(OPTIONS, s, 99)) for s in range(30)}
    assert len(orders) > 5


def test_fixed_options_stay_last():
    for student in range(20):
        assert answers.shuffled_options(OPTIONS, student, 1)[-1]["key"] == "E"


def test_grading_needs_exactly_the_correct_options():
    multiple = [dict(o, correct=o["key"] in "AC") for o in OPTIONS]
    assert answers.is_correct(OPTIONS, ["B"])
    assert not answers.is_correct(OPTIONS, ["B", "C"])
    assert answers.is_correct(multiple, ["C", "A"])
    assert not answers.is_correct(multiple, ["A"])


def test_wrong_is_again_and_right_is_good_unless_confirmed():
    assert answers.rating_for(False, 4, True) == 1
    assert answers.rating_for(True, None, False) == 3
    assert answers.rating_for(True, 4, False) == 3
    assert answers.rating_for(True, 4, True) == 4
    assert answers.rating_for(True, 1, True) == 3


def test_a_right_choice_answer_waits_for_the_rating_only_when_the_student_confirms():
    options = [{"key": "A", "correct": True}, {"key": "B", "correct": False}]
    assert answers.awaits_rating(True, True, options, ["A"], None)
    assert not answers.awaits_rating(True, True, options, ["B"], None)  # wrong: Again now
    assert not answers.awaits_rating(True, True, options, ["A"], 4)  # the rating came
    assert not answers.awaits_rating(False, True, options, ["A"], None)
    assert not answers.awaits_rating(True, False, options, ["A"], None)  # a flashcard
    assert not answers.awaits_rating(True, True, options, [], None)


def test_a_right_guess_is_hard_and_needs_no_rating_choice():
    assert answers.rating_for(True, None, False, guessed=True) == 2
    assert answers.rating_for(True, 4, True, guessed=True) == 2  # a guess is no Easy
    assert answers.rating_for(False, None, False, guessed=True) == 1
    assert answers.rating_for(True, None, False) == 3
    options = [{"key": "A", "correct": True}, {"key": "B", "correct": False}]
    assert not answers.awaits_rating(True, True, options, ["A"], None, guessed=True)
