import pytest

from qbank.domain.passwords import COMMON, GUESSABLE, PERSONAL, password_problem


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "Cardiology rounds at dawn", "heartlungkidney", "Tr0ub4dor&3xx"],
)
def test_a_phrase_of_ones_own_will_do(password):
    assert password_problem(password, "ana.lima@example.edu", "Ana Lima") is None


@pytest.mark.parametrize(
    "password", ["password123", "qwertyuiop", "iloveyou12345", "P@ssw0rd2024", "1234567890"]
)
def test_common_and_breached_passwords_are_refused(password):
    assert password_problem(password) == COMMON


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaa", "abcdefghijk", "stethoscope1", "nope nope nope"]
)
def test_repeats_sequences_and_a_word_with_a_digit_are_refused(password):
    assert password_problem(password) == GUESSABLE


@pytest.mark.parametrize("password", ["ana.lima@example.edu", "ana.lima.2024", "AnaLima1234"])
def test_the_users_own_email_and_name_are_refused(password):
    assert password_problem(password, "ana.lima@example.edu", "Ana Lima") == PERSONAL


def test_the_sites_name_counts_as_easy_to_guess():
    assert password_problem("qbankqbank12") is not None


def test_length_is_bounded():
    assert password_problem("short") == "Use at least 10 characters."
    assert password_problem("x" * 201) == "Use at most 200 characters."


def test_a_long_password_is_judged_quickly_by_its_start():
    assert password_problem("correct horse battery " * 9) is None  # 198 characters
