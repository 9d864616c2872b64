"""Waves (fieldings of an instrument version) and the invitations that lead into them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from revaluation.models.base import Base, StateError, enum_column, utcnow


class WaveState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Anonymity(enum.StrEnum):
    ANONYMOUS = "anonymous"
    PSEUDONYMOUS = "pseudonymous"  # linked across waves by a hashed panel code
    NAMED = "named"


class InvitationKind(enum.StrEnum):
    OPEN = "open"  # one shareable link per audience group
    TOKEN = "token"  # noqa: S105  (single-use invitation, not a password)


class Wave(Base):
    __tablename__ = "wave"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    instrument_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("instrument_version.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Order of waves within the evaluation; the lowest is the baseline by default.
    position: Mapped[int] = mapped_column(default=0)
    state: Mapped[WaveState] = mapped_column(
        enum_column(WaveState, "wave_state"), default=WaveState.DRAFT
    )
    #: Scheduled window; the wave accepts responses only while open and inside it.
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: Audience groups, e.g. ["member", "staff"].
    groups: Mapped[list] = mapped_column(default=list)
    ask_panel_code: Mapped[bool] = mapped_column(default=False)
    anonymity: Mapped[Anonymity] = mapped_column(
        enum_column(Anonymity, "wave_anonymity"), default=Anonymity.ANONYMOUS
    )
    consent_text: Mapped[str] = mapped_column(sa.Text, default="")
    #: The consent text in the instrument's other languages, {language code: text}; a
    #: respondent answering in one of them reads (and agrees to) those words.
    consent_translations: Mapped[dict] = mapped_column(default=dict)
    #: Bumped whenever consent_text or a translation changes; stored with each response.
    consent_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evaluation = relationship("Evaluation", back_populates="waves")
    instrument_version = relationship("InstrumentVersion")
    invitations = relationship("Invitation", back_populates="wave", cascade="all, delete-orphan")
    consent_versions = relationship(
        "ConsentVersion",
        back_populates="wave",
        cascade="all, delete-orphan",
        order_by="ConsentVersion.version",
    )

    __table_args__ = (
        sa.CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window_order"
        ),
        sa.CheckConstraint("state = 'draft' OR opened_at IS NOT NULL", name="opened_has_date"),
        sa.CheckConstraint("state != 'closed' OR closed_at IS NOT NULL", name="closed_has_date"),
    )

    def open(self) -> None:
        """draft -> open. A closed wave stays closed: results already reported from it."""
        if self.state is WaveState.OPEN:
            raise StateError(f"Wave “{self.name}” is already open.")
        if self.state is WaveState.CLOSED:
            raise StateError(
                f"Wave “{self.name}” is closed and cannot reopen; create a new wave instead."
            )
        if not self.instrument_version.is_published:
            raise StateError("Publish the instrument version before opening a wave on it.")
        self.state = WaveState.OPEN
        self.opened_at = utcnow()

    def close(self) -> None:
        """open -> closed."""
        if self.state is WaveState.DRAFT:
            raise StateError(f"Wave “{self.name}” has not opened yet, so it cannot close.")
        if self.state is WaveState.CLOSED:
            raise StateError(f"Wave “{self.name}” is already closed.")
        self.state = WaveState.CLOSED
        self.closed_at = utcnow()

    def accepting_at(self, now: datetime) -> bool:
        """Whether a respondent may answer right now."""
        if self.state is not WaveState.OPEN:
            return False
        if self.opens_at and now < _aware(self.opens_at):
            return False
        return not (self.closes_at and now >= _aware(self.closes_at))


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ConsentVersion(Base):
    """The words of one version of a wave's consent text, kept so that every response can
    show exactly what its respondent agreed to, even after the text is changed."""

    __tablename__ = "consent_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="CASCADE"), index=True)
    #: Equals Wave.consent_version while this is the wave's current text.
    version: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    #: The same version's words in other languages, {language code: text}.
    translations: Mapped[dict] = mapped_column(default=dict)
    #: SHA-256 (hex) of the UTF-8 text; a response that agreed stores the hash of the words
    #: it was shown (this one, or its language's translation).
    text_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    wave = relationship("Wave", back_populates="consent_versions")

    __table_args__ = (
        sa.UniqueConstraint("wave_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_pos"),
    )


class Invitation(Base):
    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="CASCADE"), index=True)
    kind: Mapped[InvitationKind] = mapped_column(enum_column(InvitationKind, "invitation_kind"))
    group: Mapped[str] = mapped_column(sa.String(40))
    #: Public code in open links (/r/<code>); shareable by design, so stored as is.
    code: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    #: Keyed hash of a single-use token; the token itself is shown once, at export.
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    #: Revoked links explain themselves to whoever follows them.
    revoked_at: Mapped[datetime | None]

    wave = relationship("Wave", back_populates="invitations")

    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'open' AND code IS NOT NULL) OR (kind = 'token' AND token_hash IS NOT NULL)",
            name="kind_has_secret",
        ),
        sa.CheckConstraint("kind = 'token' OR used_at IS NULL", name="only_tokens_get_used"),
    )
