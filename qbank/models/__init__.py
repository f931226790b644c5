"""The data model, one module per aggregate; importing this registers every table."""

from qbank.models.audit import AuditEvent
from qbank.models.cohorts import (
    BoardMetric,
    BoardView,
    BoardWindow,
    Cohort,
    CohortFaculty,
    MemberRole,
    Membership,
    cohort_sets,
    set_shares,
)
from qbank.models.gamification import Badge, DailyActivity, UserStats
from qbank.models.practice import BlockItem, PracticeBlock
from qbank.models.questions import (
    ImportUpload,
    MediaFile,
    MediaUpload,
    Question,
    QuestionKind,
    QuestionReport,
    QuestionSet,
    QuestionVersion,
    Tag,
    Visibility,
    question_tags,
    question_version_media,
)
from qbank.models.study import CardState, Enrollment, ExamDate, ReviewLog, ReviewMode
from qbank.models.throttle import ThrottleCounter
from qbank.models.users import (
    DailyGoal,
    PasswordResetLink,
    PastDailyGoal,
    Role,
    User,
    UserSession,
    hash_token,
)

__all__ = [
    "AuditEvent",
    "Badge",
    "BlockItem",
    "BoardMetric",
    "BoardView",
    "BoardWindow",
    "CardState",
    "Cohort",
    "CohortFaculty",
    "DailyActivity",
    "DailyGoal",
    "Enrollment",
    "ExamDate",
    "ImportUpload",
    "MediaFile",
    "MediaUpload",
    "MemberRole",
    "Membership",
    "PasswordResetLink",
    "PastDailyGoal",
    "PracticeBlock",
    "Question",
    "QuestionKind",
    "QuestionReport",
    "QuestionSet",
    "QuestionVersion",
    "ReviewLog",
    "ReviewMode",
    "Role",
    "Tag",
    "ThrottleCounter",
    "User",
    "UserSession",
    "UserStats",
    "Visibility",
    "cohort_sets",
    "hash_token",
    "question_tags",
    "question_version_media",
    "set_shares",
]
