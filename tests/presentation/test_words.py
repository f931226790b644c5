from qbank.presentation.words import counted


def test_a_count_takes_its_noun_in_the_right_number():
    assert counted(1, "question") == "1 question"
    assert counted(0, "question") == "0 questions"
    assert counted(1204, "answer") == "1,204 answers"
    assert counted(2, "study", "studies") == "2 studies"
