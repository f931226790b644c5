"""Question sets, questions and their immutable versions, tags, media and reports."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qbank.extensions import Model, db
from qbank.models.types import UTCDateTime, enum_check
from qbank.models.users import User

TAG_NAME_LENGTH = 200


class Visibility(enum.StrEnum):
    PRIVATE = "private"
    COHORTS = "cohorts"
    PUBLIC = "public"


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "truefalse"
    FLASHCARD = "flashcard"


class QuestionSet(Model):
    __tablename__ = "question_sets"
    __table_args__ = (sa.CheckConstraint(enum_check("visibility", Visibility), name="visibility"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A set outlives nothing of its owner's by accident: hand sets over before deleting one.
    owner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    visibility: Mapped[str] = mapped_column(sa.String(16), default=Visibility.PRIVATE.value)
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="question_set", order_by="Question.position"
    )


question_tags = sa.Table(
    "question_tags",
    db.metadata,
    sa.Column("question_id", sa.ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Model):
    """A hierarchical tag; levels are joined with ``::`` as in Anki."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(TAG_NAME_LENGTH), unique=True)


class Question(Model):
    """A question's identity; its content lives in versions, so history stays true."""

    __tablename__ = "questions"
    __table_args__ = (sa.UniqueConstraint("set_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_sets.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    current_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question_set: Mapped[QuestionSet] = relationship(back_populates="questions")
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.number"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=question_tags, order_by=Tag.name)


question_version_media = sa.Table(
    "question_version_media",
    db.metadata,
    sa.Column(
        "version_id",
        sa.ForeignKey("question_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "media_id",
        sa.ForeignKey("media_files.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)


class QuestionVersion(Model):
    """One immutable edition of a question's content; reviews point at the one answered."""

    __tablename__ = "question_versions"
    __table_args__ = (
        sa.UniqueConstraint("question_id", "number"),
        sa.CheckConstraint(enum_check("kind", QuestionKind), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"))
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(16))
    stem: Mapped[str] = mapped_column(sa.Text)
    # [{"key": "A", "text": ..., "rationale": ..., "correct": bool, "fixed": bool}, ...]
    options: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    reference: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    question: Mapped[Question] = relationship(back_populates="versions")
    media: Mapped[list[MediaFile]] = relationship(secondary=question_version_media)


class MediaFile(Model):
    """An image stored content-addressed under the instance folder."""

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class MediaUpload(Model):
    """Someone who uploaded these bytes: they may put the image in their own questions.

    Images are stored once whoever sends them, so this, not ``uploaded_by``, says who
    holds a copy.
    """

    __tablename__ = "media_uploads"

    media_id: Mapped[int] = mapped_column(
        sa.ForeignKey("media_files.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuestionReport(Model):
    """A student's flag on a faulty question, for the set's owner to resolve."""

    __tablename__ = "question_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    question_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.String(40))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class ImportUpload(Model):
    """An uploaded file waiting for its owner to read the report and confirm the import.

    Kept in the database, not on local disk, so that the confirm request may reach any
    worker on any host.
    """

    __tablename__ = "import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    format: Mapped[str | None] = mapped_column(sa.String(16))
    target_set_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question_sets.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The report, made once when the file arrives: reading it again must not re-parse
    # a 20 MB file on every view.
    report: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
