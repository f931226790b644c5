"""Throttle counters: failed logins and sign-ups, shared by every worker through the database."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from qbank.extensions import Model
from qbank.models.types import UTCDateTime


class ThrottleCounter(Model):
    """What one key (an account typed, a device, an address) counted lately."""

    __tablename__ = "throttle_counters"
    __table_args__ = (sa.UniqueConstraint("scope", "key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(24))  # see services.throttle
    # A hash: what people type into the e-mail field (sometimes a password) is not kept.
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    hits: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # pruned by age
