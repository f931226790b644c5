"""Whether a new password will do: long enough, and not one that attackers try first.

As NIST SP 800-63B advises, there are no composition rules (no "one digit, one capital");
instead a password is refused when it is on a list of common or breached passwords, or
built from dictionary words, names, dates, keyboard runs, repeats or sequences that make
it quick to guess, or from the user's own e-mail or name. zxcvbn does that estimate with
frequency lists that include the most common passwords of real breaches.
"""

from __future__ import annotations

import threading
from typing import Any

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 200
# zxcvbn's score 3 (at least 10^8 guesses): out of reach online, and slow with scrypt.
MIN_GUESSES = 1e8
# zxcvbn slows down quickly on long inputs; a longer password is judged by its start.
_CHECKED_LENGTH = 72
# The service's own name is the first word an attacker adds to a list.
_SITE_WORDS = ("qbank", "question bank", "questionbank")

COMMON = "That password is on a list of common passwords. Choose a longer phrase of your own."
PERSONAL = (
    "Don't build your password from your e-mail address or name. Choose a phrase of your own."
)
GUESSABLE = (
    "That password would be easy to guess (a common word, name, date or pattern). "
    "Choose a longer phrase of your own."
)

# zxcvbn keeps the user's words in a module-level dictionary while it runs.
_ZXCVBN_LOCK = threading.Lock()


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Say what is wrong with a new password, or None if it will do."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if email and password.strip().lower() == email.strip().lower():
        return PERSONAL
    personal = {word for word in _personal_words(email, name) if len(word) >= 3}
    with _ZXCVBN_LOCK:
        estimate = zxcvbn(password[:_CHECKED_LENGTH], user_inputs=[*personal, *_SITE_WORDS])
    if estimate["guesses"] >= MIN_GUESSES:
        return None
    matches = estimate["sequence"]
    if any(m.get("matched_word") in personal for m in matches if _is_user_input(m)):
        return PERSONAL
    common = sum(len(m["token"]) for m in matches if m.get("dictionary_name") == "passwords")
    if common * 2 >= len(password[:_CHECKED_LENGTH]):
        return COMMON
    return GUESSABLE


def _is_user_input(match: dict[str, Any]) -> bool:
    return match.get("dictionary_name") == "user_inputs"


def _personal_words(email: str, name: str) -> list[str]:
    local, _, domain = email.strip().lower().partition("@")
    parts = local.replace("_", ".").replace("-", ".").split(".")
    names = name.strip().lower().split()
    words = [email.strip().lower(), local, "".join(parts), *parts]
    words += [" ".join(names), "".join(names), *names]
    return words + ([domain.split(".")[0]] if domain else [])
