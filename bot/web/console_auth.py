"""Who may use the console: server-side sessions, one-time sign-in links, and a brake on guessing.

A lead signs in at /console/login, by a one-time link (`carebot console link LEAD`: a random
secret, stored hashed, valid `bot.console_link_minutes` and consumed by one UPDATE ... WHERE
used_at IS NULL, so two instances cannot both accept it) or by typing their `console_token`
into the form (never in a URL: addresses stay in histories, proxies' logs and Referer headers).

The session cookie is a random secret; the database keeps its SHA-256 with the lead's groups and
an expiry on the wall clock, so every instance on the database agrees, and signing out deletes
the row, which ends it everywhere. The CSRF token is an HMAC of the session secret: the page gets
it in a meta tag and every POST sends it back in X-CSRF-Token (or a `csrf` form field).

Failed sign-ins are counted per client address and overall in a sliding window of wall-clock
time; past the limit every sign-in is answered 429 with Retry-After until the window moves on.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update

from bot import models
from bot.config import Settings
from bot.db import Database

COOKIE = "carebot_console"
SESSION_REAL_HOURS = 12  # wall-clock hours a sign-in lasts
SECRET_BYTES = 32  # of a session id and of a link: 256 bits
FAILURE_WINDOW_S = 15 * 60
MAX_FAILURES_PER_ADDRESS = 10
MAX_FAILURES_OVERALL = 100
MAX_TRACKED_ADDRESSES = 10_000


@dataclass(frozen=True, slots=True)
class Lead:
    """A person signed in to the console, and the groups (and member id in each) they lead."""

    name: str
    memberships: dict[str, str] = field(hash=False)  # group id -> their member id there


@dataclass(frozen=True, slots=True)
class Session:
    lead: Lead
    secret: str = field(repr=False)  # the cookie's value
    expires_at: datetime

    @property
    def csrf(self) -> str:
        return hmac.new(self.secret.encode(), b"carebot-csrf", hashlib.sha256).hexdigest()[:32]

    def check_csrf(self, given: str) -> bool:
        return hmac.compare_digest(self.csrf.encode(), given.encode("utf-8", "replace"))


def _digest(kind: str, secret: str) -> str:
    return hashlib.sha256(f"carebot-console-{kind}\x00{secret}".encode()).hexdigest()


def token_fingerprint(token: str) -> str:
    return _digest("token", token)


def lead_for_token(settings: Settings, token: str) -> Lead | None:
    """The lead whose console_token is `token` (compared in constant time): every group where
    a lead entry carries it."""
    if not token:
        return None
    given = token_fingerprint(token)
    groups: dict[str, str] = {}
    name = ""
    for m in settings.members:
        if m.role != "lead" or not m.console_token:
            continue
        if hmac.compare_digest(token_fingerprint(m.console_token), given):
            groups[m.group] = m.id
            name = name or m.display_name
    return Lead(name, groups) if groups else None


def lead_for_member(settings: Settings, member_id: str, group_id: str | None = None) -> Lead | None:
    """The lead `member_id` in `group_id`, or in every group where they are a lead."""
    groups = {
        m.group: m.id
        for m in settings.members
        if m.role == "lead" and m.id == member_id and group_id in (None, m.group)
    }
    if not groups:
        return None
    first = settings.member(next(iter(groups)), member_id)
    return Lead(first.display_name if first else member_id, groups)


def _new_session(
    lead: Lead, token_fp: str | None, now: datetime
) -> tuple[models.ConsoleSession, Session]:
    secret = secrets.token_urlsafe(SECRET_BYTES)
    expires_at = now + timedelta(hours=SESSION_REAL_HOURS)
    row = models.ConsoleSession(
        id_hash=_digest("session", secret),
        name=lead.name,
        memberships=dict(lead.memberships),
        token_fp=token_fp,
        created_at=now,
        expires_at=expires_at,
    )
    return row, Session(lead, secret, expires_at)


async def _purge(db: Database, now: datetime) -> None:
    async with db.write() as s:
        await s.execute(
            delete(models.ConsoleSession).where(models.ConsoleSession.expires_at <= now)
        )
        old = now - timedelta(days=1)
        await s.execute(
            delete(models.ConsoleLink).where(
                or_(models.ConsoleLink.expires_at <= old, models.ConsoleLink.used_at <= old)
            )
        )


async def sign_in_with_token(
    db: Database, settings: Settings, token: str, now: datetime
) -> Session | None:
    lead = lead_for_token(settings, token)
    if lead is None:
        return None
    await _purge(db, now)
    async with db.write() as s:
        row, session = _new_session(lead, token_fingerprint(token), now)
        s.add(row)
    return session


async def create_link(
    db: Database, member_id: str, group_id: str | None, now: datetime, minutes: int
) -> str:
    """A new one-time link secret for the lead (the caller checked they are one)."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    async with db.write() as s:
        s.add(
            models.ConsoleLink(
                id_hash=_digest("link", secret),
                member_id=member_id,
                group_id=group_id,
                created_at=now,
                expires_at=now + timedelta(minutes=minutes),
            )
        )
    return secret


async def sign_in_with_link(
    db: Database, settings: Settings, secret: str, now: datetime
) -> Session | None:
    """Consume the link (once, on any instance) and open a session; None if it is unknown,
    used, expired or its lead is no longer a lead."""
    if not secret:
        return None
    link = models.ConsoleLink
    h = _digest("link", secret)
    await _purge(db, now)
    async with db.write() as s:
        used = await s.execute(
            update(link)
            .where(link.id_hash == h, link.used_at.is_(None), link.expires_at > now)
            .values(used_at=now)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = await s.get(link, h)
        assert row is not None
        lead = lead_for_member(settings, row.member_id, row.group_id)
        if lead is None:
            return None
        session_row, session = _new_session(lead, None, now)
        s.add(session_row)
    return session


async def read_session(
    db: Database, settings: Settings, secret: str, now: datetime
) -> Session | None:
    """The session behind a cookie, if it exists, has not expired and its lead still leads (a
    token session also ends when that token leaves the config)."""
    if not secret or len(secret) > 100:
        return None
    async with db.read() as s:
        row = await s.get(models.ConsoleSession, _digest("session", secret))
    if row is None or row.expires_at <= now:
        return None
    groups = {}
    for gid, mid in row.memberships.items():
        m = settings.member(gid, str(mid))
        if m is None or m.role != "lead":
            continue
        if row.token_fp is not None and not (
            m.console_token
            and hmac.compare_digest(token_fingerprint(m.console_token), row.token_fp)
        ):
            continue
        groups[gid] = m.id
    if not groups:
        return None
    return Session(Lead(row.name, groups), secret, row.expires_at)


async def end_session(db: Database, secret: str) -> None:
    async with db.write() as s:
        await s.execute(
            delete(models.ConsoleSession).where(
                models.ConsoleSession.id_hash == _digest("session", secret)
            )
        )


@dataclass
class LoginThrottle:
    """Failed sign-ins in the last FAILURE_WINDOW_S seconds, per address and overall."""

    window_s: float = FAILURE_WINDOW_S
    per_address: int = MAX_FAILURES_PER_ADDRESS
    overall: int = MAX_FAILURES_OVERALL
    _by_address: dict[str, deque[float]] = field(default_factory=dict)
    _all: deque[float] = field(default_factory=deque)

    def _trim(self, times: deque[float], now_s: float) -> None:
        while times and times[0] <= now_s - self.window_s:
            times.popleft()

    def retry_after_s(self, address: str, now: datetime) -> int | None:
        """Seconds until `address` may try again, or None if it may try now."""
        now_s = now.timestamp()
        self._trim(self._all, now_s)
        mine = self._by_address.get(address)
        if mine is not None:
            self._trim(mine, now_s)
        waits = []
        if len(self._all) >= self.overall:
            waits.append(self._all[len(self._all) - self.overall] + self.window_s - now_s)
        if mine is not None and len(mine) >= self.per_address:
            waits.append(mine[len(mine) - self.per_address] + self.window_s - now_s)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, address: str, now: datetime) -> None:
        now_s = now.timestamp()
        if address not in self._by_address and len(self._by_address) >= MAX_TRACKED_ADDRESSES:
            for a in [
                a for a, t in self._by_address.items() if not t or t[-1] <= now_s - self.window_s
            ]:
                del self._by_address[a]
        self._by_address.setdefault(address, deque()).append(now_s)
        self._all.append(now_s)
