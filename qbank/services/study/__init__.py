"""The daily review: what to study next, the card page, answering, undo, and card actions.

- ``queue``: today's queue (learning steps, due reviews, new cards) and its limits.
- ``cards``: a card's memory, the page that shows it, its one-time token and stamp.
- ``answering``: recording an answer once, however often it is sent, and undo.
- ``actions``: suspend, bury, flag, reset.
- ``browser``: the student's own card browser, filtered and paged.

Who may study a question is decided in ``services.access``; reports on faulty questions
are ``services.reports``.
"""

from qbank.services.study.actions import bury, reset, set_flagged, set_suspended, unbury
from qbank.services.study.answering import (
    UndoPlan,
    find_answer,
    lock_student,
    plan_undo,
    record_answer,
    undo_last_answer,
)
from qbank.services.study.cards import (
    BALANCE_DAYS,
    MAX_TIME_MS,
    AnsweredCard,
    CardView,
    answer_token,
    answered_card,
    apply_memory,
    balance_of,
    calendar_of,
    card_seed,
    card_view,
    exam_day_for,
    issue_stamp,
    last_log_id,
    memory_of,
    preferences_of,
    state_of,
    time_since_issue,
)
from qbank.services.study.errors import StaleCard, StudyError
from qbank.services.study.queue import (
    Queue,
    QueueSize,
    Today,
    due_count,
    pick_next,
    queue_for,
    queue_size,
    today_for,
)

__all__ = [
    "BALANCE_DAYS",
    "MAX_TIME_MS",
    "AnsweredCard",
    "CardView",
    "Queue",
    "QueueSize",
    "StaleCard",
    "StudyError",
    "Today",
    "UndoPlan",
    "answer_token",
    "answered_card",
    "apply_memory",
    "balance_of",
    "bury",
    "calendar_of",
    "card_seed",
    "card_view",
    "due_count",
    "exam_day_for",
    "find_answer",
    "issue_stamp",
    "last_log_id",
    "lock_student",
    "memory_of",
    "pick_next",
    "plan_undo",
    "preferences_of",
    "queue_for",
    "queue_size",
    "record_answer",
    "reset",
    "set_flagged",
    "set_suspended",
    "state_of",
    "time_since_issue",
    "today_for",
    "unbury",
    "undo_last_answer",
]
