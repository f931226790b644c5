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
from qbank.models.study import CardState, Enrollment, ReviewLog, ReviewMode
from qbank.models.users import DailyGoal, PasswordResetLink, PastDailyGoal, Role, User

__all__ = [
    "AuditEvent",
    "Badge",
    "BoardMetric",
    "BoardView",
    "BoardWindow",
    "CardState",
    "Cohort",
    "CohortFaculty",
    "DailyActivity",
    "DailyGoal",
    "Enrollment",
    "ImportUpload",
    "MediaFile",
    "MediaUpload",
    "MemberRole",
    "Membership",
    "PasswordResetLink",
    "PastDailyGoal",
    "Question",
    "QuestionKind",
    "QuestionReport",
    "QuestionSet",
    "QuestionVersion",
    "ReviewLog",
    "ReviewMode",
    "Role",
    "Tag",
    "User",
    "UserStats",
    "Visibility",
    "cohort_sets",
    "question_tags",
    "question_version_media",
    "set_shares",
]
