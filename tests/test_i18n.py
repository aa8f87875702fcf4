"""The catalogue and the language of each group: a bot serving a Chinese and an English group
answers each in its own language, in command replies and in notices alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import FrozenClock
from tests.conftest import SECRET, Bot, FakePlatform, at, make_settings

D = "2026-11-25"


def _two_groups(database_url: str, webhook_url: str) -> Any:
    groups = [
        {"id": gid, "platform": "generic", "secret": SECRET, "webhook_url": webhook_url, **extra}
        for gid, extra in (("g-zh", {"language": "zh"}), ("g-en", {}))
    ]
    members = [
        {"group": gid, "id": mid, "name": name, "role": role}
        for gid in ("g-zh", "g-en")
        for mid, name, role in (("c1", "Chen", "counsellor"), ("l1", "Liu", "lead"))
    ]
    # bot.language is "en": the group without a language of its own speaks it.
    return make_settings(database_url, webhook_url, groups=groups, members=members)


async def test_each_group_hears_its_own_language(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = _two_groups(database_url, fake_platform.url)
    assert (settings.language_of("g-zh"), settings.language_of("g-en")) == ("zh", "en")
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "09:50")))
    for gid in ("g-zh", "g-en"):
        await bot.add_shift("c1", at(D, "10:00"), at(D, "12:00"), group=gid)
        body = {"msg_id": f"h-{gid}", "sender": {"id": "c1", "name": "Chen"}, "text": "/oncall"}
        resp = await bot.post_signed(body, group=gid)
        assert resp.status == 200, await resp.text()
    replies = await fake_platform.wait_for(
        lambda r: len(fake_platform.of_kind("command_reply")) == 2
    )
    said = {m["group"]: m["text"] for m in replies if m["kind"] == "command_reply"}
    assert said == {
        "g-zh": "现在无人值班。\n下一班：10:00 Chen（至 12:00）。",
        "g-en": "Nobody is on duty now.\nNext: 10:00 Chen (until 12:00).",
    }
    bot.advance(timedelta(minutes=10, seconds=1))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("shift_change")) == 2)
    notices = {m["group"]: m["text"] for m in fake_platform.of_kind("shift_change")}
    assert notices == {
        "g-zh": "【交接班 10:00】下班：无。上班：@Chen（至 12:00）。现在值班：Chen。",
        "g-en": "[Shift change 10:00] Going off duty: nobody. Coming on: @Chen (until 12:00). "
        "On duty now: Chen.",
    }
