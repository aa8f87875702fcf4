"""The injected clocks: every instant carebot acts on comes from one of these.

Two kinds: the service clock (`SystemClock`, `ScaledClock`, `FrozenClock`) runs the rota, service
hours, notices and deadlines, and may be started elsewhere and sped up for a demo; the wall clock
(`SystemWallClock`, `FrozenWallClock`) is the real time that chat platforms sign and count with.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bot.protocols import WallTime


class SystemClock:
    """Wall-clock time, timezone-aware (UTC)."""

    speed: float = 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)

    def real_seconds_until(self, at: datetime) -> float:
        """Real seconds to wait until the clock shows `at` (0 if past)."""
        return max(0.0, (at - self.now()).total_seconds())


class ScaledClock:
    """Starts at `start_at` and runs `speed` times faster than real time (demos, e2e tests)."""

    def __init__(self, start_at: datetime, speed: float = 1.0) -> None:
        if start_at.tzinfo is None:
            raise ValueError("start_at must be timezone-aware, e.g. 2026-11-25T07:55:00+08:00")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._start_at = start_at
        self._t0 = time.monotonic()
        self.speed = float(speed)

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._t0) * self.speed
        return self._start_at + timedelta(seconds=elapsed)

    def real_seconds_until(self, at: datetime) -> float:
        return max(0.0, (at - self.now()).total_seconds() / self.speed)


class FrozenClock:
    """Stands still until a test moves it."""

    speed: float = 1.0

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a frozen clock needs a timezone-aware instant")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a frozen clock needs a timezone-aware instant")
        self._at = at

    def advance(self, delta: timedelta) -> datetime:
        self._at = self._at + delta
        return self._at

    def real_seconds_until(self, at: datetime) -> float:
        # A frozen clock only moves by hand; never wait on it for longer than a poll.
        return 0.0 if at <= self._at else 0.05


class SystemWallClock:
    """The real time (UTC), whatever the service clock shows."""

    def wall_now(self) -> WallTime:
        return WallTime(datetime.now(UTC))


class FrozenWallClock:
    """A wall clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a frozen clock needs a timezone-aware instant")
        self._at = at

    def wall_now(self) -> WallTime:
        return WallTime(self._at)

    def advance(self, delta: timedelta) -> datetime:
        self._at = self._at + delta
        return self._at
