"""Who may use the console: a team lead's link token becomes a signed session cookie.

The link is `/console?token=<console_token>` (MemberConfig.console_token). One token may stand for
one person in several groups (the same token on their lead entry in each): they see exactly those.

The cookie holds no secret and no server state: `v1.<lead id>.<expires>.<nonce>.<mac>`, where the
lead id is a hash of the token and the mac an HMAC-SHA256 keyed by a key derived from the token.
So sessions survive restarts, work on every instance, and die when the token in the config is
changed. The CSRF token is another HMAC of the nonce under the same key: the page gets it in a
meta tag and every POST must send it back in X-CSRF-Token (or a `csrf` form field).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.config import Settings

COOKIE = "carebot_console"
SESSION_REAL_HOURS = 12  # real hours a sign-in lasts (converted to clock time for fast clocks)


@dataclass(frozen=True, slots=True)
class Lead:
    """A person behind one console token, and the groups (and member id in each) they lead."""

    fingerprint: str
    name: str
    memberships: dict[str, str] = field(hash=False)  # group id -> their member id there
    key: bytes = field(repr=False, hash=False)


@dataclass(frozen=True, slots=True)
class Session:
    lead: Lead
    nonce: str
    expires_at: datetime

    @property
    def csrf(self) -> str:
        return _mac(self.lead.key, "csrf." + self.nonce)[:32]

    def check_csrf(self, given: str) -> bool:
        return hmac.compare_digest(self.csrf.encode(), given.encode("utf-8", "replace"))


def _fingerprint(token: str) -> str:
    return hashlib.sha256(b"carebot-console-id\x00" + token.encode()).hexdigest()[:24]


def _key(token: str) -> bytes:
    return hmac.new(token.encode(), b"carebot-console-session", hashlib.sha256).digest()


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def leads(settings: Settings) -> dict[str, Lead]:
    """Every lead with a console token, by fingerprint."""
    found: dict[str, tuple[str, str, dict[str, str]]] = {}
    for m in settings.members:
        if m.role != "lead" or not m.console_token:
            continue
        fp = _fingerprint(m.console_token)
        _, _, groups = found.setdefault(fp, (m.console_token, m.display_name, {}))
        groups[m.group] = m.id
    return {fp: Lead(fp, name, groups, _key(token)) for fp, (token, name, groups) in found.items()}


def lead_for_token(settings: Settings, token: str) -> Lead | None:
    """The lead whose link carries `token` (compared in constant time), or None."""
    if not token:
        return None
    given = _fingerprint(token)
    for fp, lead in leads(settings).items():
        if hmac.compare_digest(fp, given):
            return lead
    return None


def new_session(lead: Lead, now: datetime, speed: float) -> Session:
    """A fresh session; its lifetime is SESSION_REAL_HOURS of real time on any clock speed."""
    expires_at = now + timedelta(hours=SESSION_REAL_HOURS * max(speed, 1.0))
    return Session(lead, secrets.token_urlsafe(18), expires_at)


def cookie_value(session: Session) -> str:
    exp = int(session.expires_at.timestamp())
    body = f"v1.{session.lead.fingerprint}.{exp}.{session.nonce}"
    return f"{body}.{_mac(session.lead.key, body)}"


def read_cookie(settings: Settings, value: str, now: datetime) -> Session | None:
    """The session in a cookie, if its mac verifies, its lead still exists and it has not
    expired; None for anything else."""
    parts = value.split(".")
    if len(parts) != 5 or parts[0] != "v1" or not parts[2].isdigit():
        return None
    _, fp, exp, nonce, mac = parts
    lead = leads(settings).get(fp)
    if lead is None:
        return None
    body = f"v1.{fp}.{exp}.{nonce}"
    if not hmac.compare_digest(_mac(lead.key, body).encode(), mac.encode("utf-8", "replace")):
        return None
    expires_at = datetime.fromtimestamp(int(exp), UTC)
    if expires_at <= now:
        return None
    return Session(lead, nonce, expires_at)
