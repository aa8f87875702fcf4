"""The database tables, as typed SQLAlchemy 2.x mapped classes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# SQLite has no 64-bit autoincrement type of its own: INTEGER PRIMARY KEY is the rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")

# The values a status, role or kind column holds, so mypy catches a typo where one is written.
# The columns stay plain strings in the schema.
Role = Literal["staff", "counsellor", "lead", "supervisor"]
ConversationStatus = Literal["waiting", "open", "closed"]
OutboxStatus = Literal["pending", "sent", "dead"]
RequestKind = Literal["swap", "release"]
RequestStatus = Literal["pending", "done", "expired"]


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC on every database and hands back aware datetimes (SQLite drops offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; every instant must be aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class Group(Base):
    """A support group, mirrored from config on start."""

    __tablename__ = "groups"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    platform: Mapped[str] = mapped_column(String(16))
    # Set when the leads are told that staff wait in the queue; cleared when the queue empties,
    # so they hear of each backlog once.
    queue_alerted_at: Mapped[datetime | None] = mapped_column(default=None)


class Member(Base):
    """Someone in a group: counsellor or lead from config, staff when first seen posting."""

    __tablename__ = "members"
    group_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(String(16), default="staff")
    ical_token: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    first_seen_at: Mapped[datetime]
    # A counsellor who let a conversation time out and has not posted since: no new ones for
    # them until they post, /ack, or a lead sends /resume (bot/conversations.py).
    paused_at: Mapped[datetime | None] = mapped_column(default=None)
    # A supervisor (督导), a lead who supervises included (migration 0015): their shifts are
    # supervision shifts, never counted as on duty for conversations.
    supervises: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (ForeignKeyConstraint(["group_id"], ["groups.id"]),)


class Shift(Base):
    """A counsellor on duty in a group over [start_at, end_at)."""

    __tablename__ = "shifts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[str] = mapped_column(String(128))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    created_at: Mapped[datetime]

    __table_args__ = (
        ForeignKeyConstraint(["group_id"], ["groups.id"]),
        Index("ix_shifts_group_start", "group_id", "start_at"),
        Index("ix_shifts_group_end", "group_id", "end_at"),
    )


class Conversation(Base):
    """One staff member's thread of messages, held by one counsellor at a time."""

    __tablename__ = "conversations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[str] = mapped_column(String(128))
    # Who holds it while open; while waiting, who held it last (None: nobody yet).
    counsellor_id: Mapped[str | None] = mapped_column(String(128), default=None)
    status: Mapped[ConversationStatus] = mapped_column(String(16), default="waiting")
    is_crisis: Mapped[bool] = mapped_column(Boolean, default=False)  # level >= 2
    # The highest triage level (bot/triage.py) of its messages: 0 ordinary .. 3 plan (0014).
    level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    opened_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    first_response_at: Mapped[datetime | None] = mapped_column(default=None)
    response_due_at: Mapped[datetime | None] = mapped_column(default=None)
    last_message_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    close_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    handover_note: Mapped[str | None] = mapped_column(Text, default=None)
    reassign_count: Mapped[int] = mapped_column(Integer, default=0)
    # The first assignment ever: response times count from here, across any timeout reassignment.
    first_assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    # When the leads were told that nobody answered in time (once per conversation).
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    # Counsellors who let it time out: the chain never hands it back to them.
    tried: Mapped[list[str]] = mapped_column(default=list)
    # When the retention policy or a person's request removed the handover note (migration 0011).
    text_removed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The id of the [[service.categories]] entry its counsellor tagged it with (migration 0014);
    # None: untagged. Shown to its counsellor and the leads only, never in the group.
    category: Mapped[str | None] = mapped_column(String(32), default=None)

    __table_args__ = (
        ForeignKeyConstraint(["group_id"], ["groups.id"]),
        # One conversation that is not closed per (group, staff member).
        Index(
            "uq_conversations_active",
            "group_id",
            "staff_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
        Index("ix_conversations_group_status", "group_id", "status", "counsellor_id"),
    )


class Message(Base):
    """Every inbound message, once: unique on (platform, group, platform msg id)."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[str] = mapped_column(String(64))
    platform_msg_id: Mapped[str] = mapped_column(String(128))
    sender_id: Mapped[str] = mapped_column(String(128))
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    sender_role: Mapped[Role] = mapped_column(String(16), default="staff")
    msg_type: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    received_at: Mapped[datetime]
    conversation_id: Mapped[int | None] = mapped_column(BigId, default=None)
    is_command: Mapped[bool] = mapped_column(Boolean, default=False)
    is_crisis: Mapped[bool] = mapped_column(Boolean, default=False)  # level >= 2
    level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # triage, 0-3
    is_off_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the retention policy or the sender's request removed `text` (migration 0011); the row,
    # its times and flags stay, so the reports count it as before.
    text_removed_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        UniqueConstraint("platform", "group_id", "platform_msg_id", name="uq_messages_platform_id"),
        Index("ix_messages_group_received", "group_id", "received_at"),
        Index("ix_messages_conversation", "conversation_id"),
    )


class Notice(Base):
    """The claim that a scheduled post (boundary, reminder, report) was made: once per key."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    created_at: Mapped[datetime]
    late_s: Mapped[int] = mapped_column(Integer, default=0)
    # Older than service.catch_up_minutes when first seen: logged once, never posted.
    skipped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (UniqueConstraint("group_id", "kind", "at", name="uq_notices_group_kind_at"),)


class OutboxRow(Base):
    """A post waiting to go out; marked sent only after the platform said yes."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[str]] = mapped_column(default=list)
    private_to: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[OutboxStatus] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    merged_into: Mapped[int | None] = mapped_column(BigId, default=None)
    # A report to the leads that other rows died; when it dies itself it is not reported again.
    is_dead_report: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The order a row keeps (migration 0010): "" for the group's posts, one lane per set of
    # private recipients, so a private post that waits never holds up the group's.
    lane: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # When `text` was removed (migration 0011): only ever of a row that was sent or is dead.
    text_removed_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_outbox_pending", "status", "group_id", "lane", "id"),)


class OutboxQuote(Base):
    """A post that quotes what was written in a conversation: the staff member's words, or a
    handover note about them (migration 0011). A person's request to be forgotten finds every
    copy of their words through these links, never by searching the posts' text."""

    __tablename__ = "outbox_quotes"
    outbox_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Set from unsaved rows at enqueue time; the flush fills in both ids.
    outbox: Mapped[OutboxRow] = relationship(lazy="raise")
    conversation: Mapped[Conversation] = relationship(lazy="raise")

    __table_args__ = (
        # A link goes with either end, so a reused id (SQLite reuses the highest rowid once
        # its row is deleted) never meets a stale link.
        ForeignKeyConstraint(["outbox_id"], ["outbox.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        Index("ix_outbox_quotes_conversation", "conversation_id"),
    )


class OutboxSend(Base):
    """One accepted HTTP post: the durable log the per-group rate limit counts (migration 0005).

    A row longer than the platform's limit goes out in parts; each part is logged once, so a
    retry resumes after the last accepted part instead of repeating it. `sent_at` is wall-clock
    time (the platform counts real seconds), not the service clock of a demo.
    """

    __tablename__ = "outbox_sends"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(64))
    outbox_id: Mapped[int] = mapped_column(BigId)
    part: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime]
    # "group": through the group's robot, which the per-group rate limit counts; "private":
    # through the platform's 1:1 API, which has limits of its own (migration 0010).
    channel: Mapped[str] = mapped_column(String(16), default="group", server_default="group")

    __table_args__ = (
        UniqueConstraint("outbox_id", "part", name="uq_outbox_sends_part"),
        Index("ix_outbox_sends_group_at", "group_id", "sent_at"),
    )


class LocalPost(Base):
    """What the built-in local chat shows: people's posts and the bot's, in one timeline."""

    __tablename__ = "local_posts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(64))
    sender_id: Mapped[str] = mapped_column(String(128))
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[str]] = mapped_column(default=list)
    kind: Mapped[str] = mapped_column(String(32), default="message")
    private_to: Mapped[list[str]] = mapped_column(default=list)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    outbox_id: Mapped[int | None] = mapped_column(BigId, unique=True, default=None)
    posted_at: Mapped[datetime]
    text_removed_at: Mapped[datetime | None] = mapped_column(default=None)  # migration 0011

    __table_args__ = (Index("ix_local_posts_group", "group_id", "id"),)


class AuditEntry(Base):
    """Who changed what in the rota, when, before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    group_id: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_audit_group_at", "group_id", "at"),)


class RotaRequest(Base):
    """A counsellor's swap proposal or call for cover, waiting for an answer (/accept, /take)."""

    __tablename__ = "rota_requests"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[RequestKind] = mapped_column(String(16))
    requester_id: Mapped[str] = mapped_column(String(128))
    target_id: Mapped[str | None] = mapped_column(String(128), default=None)  # swap: asked whom
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    status: Mapped[RequestStatus] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(128), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    audit_id: Mapped[int | None] = mapped_column(BigId, default=None)

    __table_args__ = (
        ForeignKeyConstraint(["group_id"], ["groups.id"]),
        Index("ix_rota_requests_group_status", "group_id", "status"),
    )


class ConsoleSession(Base):
    """A lead's console sign-in. The cookie holds the secret; only its hash is stored, so a
    copy of the database signs nobody in. Deleting the row ends it on every instance."""

    __tablename__ = "console_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    memberships: Mapped[dict[str, Any]] = mapped_column(default=dict)  # group id -> member id
    token_fp: Mapped[str | None] = mapped_column(String(64), default=None)  # signed in by token
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    __table_args__ = (Index("ix_console_sessions_expires", "expires_at"),)


class ConsoleLink(Base):
    """A one-time console sign-in link (`carebot console link`), stored hashed; `used_at` is set
    by the one UPDATE that consumes it, so two instances cannot both accept it."""

    __tablename__ = "console_links"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(128))
    group_id: Mapped[str | None] = mapped_column(String(64), default=None)  # None: all their groups
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class SignatureUse(Base):
    """A DingTalk (timestamp, sign) pair that verified, and the message it carried (migration
    0008). The sign covers only the timestamp, not the body, so a pair seen again with another
    message is a replay; the unique key makes every instance on one database agree. A row is of
    no use once its timestamp is out of the window (`expires_at`, wall time) and is deleted then.
    """

    __tablename__ = "signature_uses"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    sign: Mapped[str] = mapped_column(String(64))
    msg_id: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("group_id", "timestamp_ms", "sign", name="uq_signature_uses_pair"),
        Index("ix_signature_uses_expires", "expires_at"),
    )


class KfCursor(Base):
    """Where a WeCom customer-service account's sync_msg pull goes on from (migration 0011):
    written in the transaction that stores the messages it covers, its row locked for the pull
    (PostgreSQL), so instances never both advance it."""

    __tablename__ = "kf_cursors"
    group_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime]


class Followup(Base):
    """A counsellor's follow-up of a person at `due_at` (migration 0014): posted privately, once.

    `sent_at` is set by the one UPDATE that claims it (`... WHERE sent_at IS NULL`), in the
    transaction that enqueues its post, so two instances, or a restart, never post it twice.
    It carries no text of its own: the post names the person and, when it goes to another
    counsellor, carries the conversation's handover note."""

    __tablename__ = "followups"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(64))  # where the counsellor set it
    conversation_id: Mapped[int | None] = mapped_column(BigId, default=None)
    staff_id: Mapped[str] = mapped_column(String(128))
    set_by: Mapped[str] = mapped_column(String(128))
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_to: Mapped[str | None] = mapped_column(String(128), default=None)
    late_s: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        ForeignKeyConstraint(["group_id"], ["groups.id"]),
        Index("ix_followups_due", "sent_at", "cancelled_at", "due_at"),
        Index("ix_followups_group_set_by", "group_id", "set_by"),
    )


class RiskNote(Base):
    """A counsellor's risk assessment of a conversation (/risk): the four domains crisis lines
    use and a level 0-3 (migration 0015). Never posted in the group; shown to leads and
    supervisors privately."""

    __tablename__ = "risk_notes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[int] = mapped_column(BigId)
    counsellor_id: Mapped[str] = mapped_column(String(128))
    level: Mapped[int] = mapped_column(Integer)
    desire: Mapped[str] = mapped_column(String(200), default="")
    capability: Mapped[str] = mapped_column(String(200), default="")
    intent: Mapped[str] = mapped_column(String(200), default="")
    buffers: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]

    __table_args__ = (
        ForeignKeyConstraint(["group_id"], ["groups.id"]),
        Index("ix_risk_notes_conversation", "conversation_id", "id"),
        Index("ix_risk_notes_group_created", "group_id", "created_at"),
    )
