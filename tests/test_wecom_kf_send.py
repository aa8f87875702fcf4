"""微信客服's send rules kept by carebot (bot/platforms/wecom_kf_limits.py): at most 5 messages in
the 48 h after the person's last one, only while the session is with the bot; what the rules
forbid is not attempted, and the team is told what could not be said. WeCom's refusals are
explained with the fix, once; a Retry is retried. The real app, the fake 微信客服 server
(tests/fake_wecom_kf.py, which enforces the same rules on its side) and a generic team group,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock, FrozenWallClock
from bot.config import load_settings
from bot.errors import ConfigError
from bot.i18n import t
from bot.keys import DB
from bot.outbox import enqueue
from bot.platforms import wecom_kf_limits as limits
from bot.platforms.base import OutboundMessage
from tests.conftest import SECRET, Bot, FakePlatform, at
from tests.fake_wecom_kf import ERR_QUOTA, ERR_STATE, ERR_WINDOW, FakeWeComKf, serve_fake_kf
from tests.test_wecom_kf import NOW, D, callback, kf_group, settled

WORDS = "今晚值班好累，想找人说说"


LEAD_TOKEN = "lead-kf-Qm7xV2pLk9sRt4wYz8NcBd"


def settings_for(database_url: str, team_url: str, api_base: str, **kf_extra: Any) -> Any:
    members = [
        {"group": g, "id": m, "name": n, "role": r}
        for g in ("g1", "kf1")
        for m, n, r in (("c1", "Chen", "counsellor"), ("l1", "Lead Liu", "lead"))
    ]
    members[-1]["console_token"] = LEAD_TOKEN  # the lead of kf1 signs in to the console
    team = {"id": "g1", "name": "Team", "platform": "generic", "secret": SECRET,
            "webhook_url": team_url}  # fmt: skip
    return load_settings(
        None,
        bot={"database_url": database_url, "timezone": "Asia/Shanghai", "language": "en"},
        service={"reminder_minutes": 0},
        groups=[team, kf_group(api_base, **kf_extra)],
        members=members,
    )


@pytest.fixture
async def kf() -> AsyncIterator[FakeWeComKf]:
    wall = FrozenWallClock(NOW)
    fake = FakeWeComKf(now=lambda: wall.wall_now().timestamp())
    fake.nicknames = {"wmA": "小王", "wmB": "小李"}
    async with serve_fake_kf(fake) as served:
        served.wall = wall  # type: ignore[attr-defined]
        yield served


async def start(
    make_bot: Any,
    database_url: str,
    team: FakePlatform,
    kf: FakeWeComKf,
    on_duty: bool = False,
    **kf_extra: Any,
) -> Bot:
    settings = settings_for(database_url, team.url, kf.url, **kf_extra)
    bot: Bot = await make_bot(settings, FrozenClock(NOW), kf.wall)  # type: ignore[attr-defined]
    if on_duty:
        await bot.add_shift("c1", at(D, "08:00"), at(D, "23:00"), group="kf1")
    return bot


async def say(bot: Bot, kf: FakeWeComKf, user: str, text: str) -> None:
    kf.user_says(user, text)
    await callback(bot, kf)
    await settled(bot)


async def post_to(bot: Bot, user: str, *texts: str, kind: str = "assignment") -> None:
    """Posts for the person, as the conversation code enqueues them (a reminder that they are
    next, a reassignment's new name, ...), then delivered by the real outbox."""
    async with bot.app[DB].write() as s:
        for text in texts:
            enqueue(s, OutboundMessage("kf1", text, kind, (user,)), bot.clock.now())
    await settled(bot)


async def rows(bot: Bot, group: str = "kf1") -> list[models.OutboxRow]:
    async with bot.app[DB].read() as s:
        query = select(models.OutboxRow).where(
            models.OutboxRow.group_id == group, models.OutboxRow.is_dead_report.is_(False)
        )
        return list(await s.scalars(query.order_by(models.OutboxRow.id)))


def reports(team: FakePlatform) -> list[dict[str, Any]]:
    """The posts about what could not be sent (not the escalations of a day that passed)."""
    heads = ("[Not sent]", "[微信客服 set-up]")
    return [m for m in team.received if m["kind"] == "escalation" and m["text"].startswith(heads)]


async def test_a_sixth_message_in_the_window_is_not_attempted_and_the_team_is_told(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    # Nobody on duty: the session stays with the bot (state 1), where WeCom lets it send, so the
    # 5-in-48-h rule is what limits it (a session handed to a counsellor gets nothing at all).
    bot = await start(make_bot, database_url, fake_platform, kf, on_duty=False)
    await say(bot, kf, "wmA", WORDS)
    assert len(kf.delivered["wmA"]) == 1  # "nobody is on duty right now", with the hotlines
    bot.advance(timedelta(hours=1))
    await post_to(bot, "wmA", *(f"note {i}" for i in range(2, 7)))
    assert kf.delivered["wmA"][1:] == [f"note {i}" for i in range(2, 6)]  # 2-5: five in all
    assert kf.refused == []  # carebot never made WeCom refuse one
    dead = [r for r in await rows(bot) if r.status == "dead"]
    assert [r.text for r in dead] == ["note 6"] and "quota" in (dead[0].last_error or "")
    [report] = reports(fake_platform)
    # Nobody holds the conversation, so the leads are told.
    assert report["group"] == "g1" and "Lead Liu" in report["text"] and "小王" in report["text"]
    assert t("en", "kf_reason_quota") in report["text"] and WORDS not in report["text"]
    # The person writes again: a new window of five.
    await say(bot, kf, "wmA", "还在吗")
    await post_to(bot, "wmA", "note 7")
    assert kf.delivered["wmA"][-1] == "note 7" and kf.refused == []


async def test_a_long_post_counts_each_part_and_goes_whole_or_not_at_all(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(make_bot, database_url, fake_platform, kf)
    await say(bot, kf, "wmA", WORDS)  # 1 sent
    await post_to(bot, "wmA", "a", "b", "c")  # 4 sent
    long = "\n".join(["长" * 300] * 3)  # 2700 UTF-8 bytes a line: 3 parts of at most 2048
    await post_to(bot, "wmA", long)
    assert len(kf.delivered["wmA"]) == 4 and kf.refused == []  # 3 parts would make 7
    await post_to(bot, "wmA", "d")  # the fifth still may go
    assert kf.delivered["wmA"][-1] == "d" and kf.refused == []


async def test_a_message_49_hours_after_the_persons_last_is_not_attempted(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(make_bot, database_url, fake_platform, kf)
    await say(bot, kf, "wmA", WORDS)
    bot.advance(timedelta(hours=49))
    await post_to(bot, "wmA", "are you still there?", kind="off_hours")
    assert kf.delivered["wmA"] == kf.delivered["wmA"][:1] and kf.refused == []
    [report] = reports(fake_platform)
    assert t("en", "kf_reason_window") in report["text"]
    assert t("en", "kf_what_off_hours") in report["text"]
    # Just inside the window (its clock is WeCom's send_time, less a minute of margin) it goes.
    await say(bot, kf, "wmA", "在")
    bot.advance(timedelta(hours=48) - timedelta(minutes=2))
    await post_to(bot, "wmA", "yes")
    assert kf.delivered["wmA"][-1] == "yes" and kf.refused == []


async def test_a_session_a_servicer_holds_gets_nothing_from_the_bot(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(make_bot, database_url, fake_platform, kf)
    await say(bot, kf, "wmA", WORDS)
    session = kf.sessions["wmA"]
    session.state, session.servicer = 3, "c1"  # taken by hand in the WeCom client
    await post_to(bot, "wmA", "Chen will answer you soon")
    assert len(kf.delivered["wmA"]) == 1 and kf.refused == []
    [report] = reports(fake_platform)
    assert "state 3" in report["text"] and t("en", "kf_fix_state") in report["text"]
    assert [r.status for r in await rows(bot)][-1] == "dead"


async def test_under_privacy_the_team_post_names_nobody_and_a_crisis_reply_stays_private(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    kf.servicers = {"c1": True}  # c1 serves the account: the session is handed to them
    bot = await start(make_bot, database_url, fake_platform, kf, on_duty=True, privacy=True)
    await say(bot, kf, "wmA", WORDS)
    kf.sessions["wmA"].state = 2  # then waiting in WeCom's queue
    await post_to(bot, "wmA", "ack")
    team_post, private_post = reports(fake_platform)
    assert "小王" not in team_post["text"] and t("en", "kf_someone") in team_post["text"]
    assert not team_post.get("private_to")
    assert "小王" in private_post["text"] and private_post["private_to"] == ["c1"]
    await post_to(bot, "wmA", "the hotlines", kind="crisis")
    crisis = reports(fake_platform)[2:]
    assert crisis and all(p.get("private_to") for p in crisis)
    assert set(crisis[0]["private_to"]) == {"l1", "c1"}


async def test_a_refusal_for_good_is_dead_at_once_told_once_with_the_fix_and_a_retry_retried(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(make_bot, database_url, fake_platform, kf)
    kf.refuse_sends_with = 95017  # the account's API switch is off in WeCom's admin
    await say(bot, kf, "wmA", WORDS)
    await say(bot, kf, "wmB", "你好")
    assert [code for _, code in kf.refused] == [95017, 95017]  # each tried once, not again
    acks = [r for r in await rows(bot) if r.mentions in (["wmA"], ["wmB"])]
    assert [r.status for r in acks] == ["dead", "dead"]
    [report] = reports(fake_platform)  # one post for one problem
    assert t("en", "kf_fix_api_off") in report["text"] and "@Lead Liu" in report["text"]
    # A passing fault (HTTP 500) is a Retry: the outbox tries again and it goes out.
    kf.refuse_sends_with, kf.fail_next = 0, 1
    async with bot.app[DB].write() as s:
        enqueue(s, OutboundMessage("kf1", "once more", "assignment", ("wmA",)), bot.clock.now())
    await kf.wait_for(lambda: kf.fail_next == 0)
    bot.advance(timedelta(seconds=5))  # the backoff, on the frozen service clock
    await settled(bot)
    assert kf.delivered["wmA"] == ["once more"]
    [again] = [r for r in await rows(bot) if r.text == "once more"]
    assert (again.status, again.attempts) == ("sent", 1)


def test_every_send_rule_errcode_has_its_words_and_a_servicer_problem_names_the_counsellor(
    tmp_path: Any,
) -> None:
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path}/x.db", "http://127.0.0.1:9", "http://127.0.0.1:9"
    )
    group = settings.group("kf1")
    assert group is not None
    for code in (ERR_QUOTA, ERR_WINDOW, ERR_STATE, 95014, 95000, 95011, 95017):
        reason = limits.explain(code).reason
        for lang in ("zh", "en"):
            assert t(lang, limits.REASON_WORDS[reason], detail="x") and t(
                lang, limits.FIX[reason], counsellor="Chen"
            )
    assert limits.explain(ERR_QUOTA).reason == "quota"
    assert limits.explain(ERR_WINDOW).reason == "window"
    post = limits.config_report(settings, group, limits.explain(95014).reason, "c1")
    assert "Chen" in post.text and "接待人员" in post.text and set(post.mentions) == {"l1", "c1"}


def test_check_config_names_every_missing_key_at_once_and_a_team_group_that_cannot_post(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    team = {"id": "g1", "name": "Team", "platform": "local"}
    kf = kf_group("https://qyapi.weixin.qq.com")
    blank = {**kf, "open_kfid": "", "corp_secret": "", "encoding_aes_key": "", "team_group": ""}
    config = tmp_path / "carebot.toml"

    def check(*groups: dict[str, Any]) -> str:
        lines = [f'[bot]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path}/c.db"\n']
        for g in groups:
            lines.append("[[groups]]\n" + "".join(f"{k} = {v!r}\n" for k, v in g.items()))
        config.write_text("\n".join(lines).replace("'", '"'))
        assert main(["check-config", "--config", str(config)]) == 2
        return capsys.readouterr().err

    err = check(team, blank)
    assert "group 'kf1' on platform 'wecom_kf' needs" in err
    for key in ("open_kfid", "corp_secret", "encoding_aes_key", "team_group"):
        assert key in err, err
    assert "team_group 'nope' of group 'kf1' is not a group" in check(
        team, {**kf, "team_group": "nope"}
    )
    other = {**kf, "id": "kf2", "open_kfid": "wkOther", "team_group": "g1"}
    assert "team_group 'kf2' of group 'kf1' is itself a 1:1 channel" in check(
        team, {**kf, "team_group": "kf2"}, other
    )


async def test_the_welcome_says_when_service_runs_and_outside_hours_that_it_is_closed(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(make_bot, database_url, fake_platform, kf)
    kf.user_enters("wmA")
    await callback(bot, kf)
    await settled(bot)
    assert "08:00-24:00" in kf.welcomed["wmA"] and "closed" not in kf.welcomed["wmA"]
    bot.advance(timedelta(hours=18))  # 03:30
    kf.user_enters("wmB")
    await callback(bot, kf)
    await settled(bot)
    night = kf.welcomed["wmB"]
    assert "closed now" in night and "11-26 08:00" in night and "400-161-9995" in night
    assert kf.refused == [] and kf.delivered == {}  # the welcome is no send of the quota


async def test_kf_link_prints_the_accounts_link_and_writes_its_qr_code(
    tmp_path: Any, kf: FakeWeComKf, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from bot import cli

    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path}/l.db", "http://127.0.0.1:9", kf.url)
    png = tmp_path / "kf.png"
    args = argparse.Namespace(group="kf1", scene="ward3", png=str(png))
    assert await cli._kf_link(args, settings) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("https://work.weixin.qq.com/kf/") and "ENCward3" in out[0]
    assert kf.contact_ways == ["ward3"]
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 200
    with pytest.raises(ConfigError, match="not a wecom_kf group; use one of: kf1"):
        await cli._kf_link(argparse.Namespace(group="g1", scene="x", png=None), settings)
    with pytest.raises(ConfigError, match="at most 32"):
        await cli._kf_link(argparse.Namespace(group="kf1", scene="a b", png=None), settings)


@pytest.mark.browser
@pytest.mark.slow
async def test_the_console_shows_a_lead_the_link_and_its_qr_code(
    make_bot: Any, tmp_path: Any, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    from playwright.async_api import async_playwright

    from bot import cli
    from tests.fake_web import CHROMIUM_ARGS, chromium_or_skip

    path = chromium_or_skip()
    bot = await start(make_bot, f"sqlite+aiosqlite:///{tmp_path}/c.db", fake_platform, kf)
    assert bot.client is not None
    link = await cli._console_link(bot.settings, "l1", "kf1")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        login = str(bot.client.make_url("/console/login?link=" + link.split("link=")[1]))
        await page.goto(login)
        async with page.expect_navigation():
            await page.click("#login-submit")
        href = await page.get_attribute("#kf-link-url", "href")
        assert href is not None and href.startswith("https://work.weixin.qq.com/kf/")
        qr = page.locator("#kf-link-qr")
        await page.wait_for_function(
            "document.getElementById('kf-link-qr').complete"
            " && document.getElementById('kf-link-qr').naturalWidth > 100"
        )
        await qr.screenshot(path=str(tmp_path / "qr.png"))
        await browser.close()
    assert kf.contact_ways == ["carebot"]  # asked once, for the page and its image
    # The image is the lead's only: without a session it answers 401.
    anonymous = await bot.client.session.get(
        bot.client.make_url("/console/api/groups/kf1/kf-link.png")
    )
    assert anonymous.status == 401


async def test_a_retry_after_a_lost_answer_is_the_same_msgid_and_reaches_the_person_once(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(make_bot, database_url, fake_platform, kf)
    await say(bot, kf, "wmA", WORDS)
    kf.lose_answers = 1
    async with bot.app[DB].write() as s:
        enqueue(s, OutboundMessage("kf1", "one", "assignment", ("wmA",)), bot.clock.now())
    await kf.wait_for(lambda: kf.lose_answers == 0)
    bot.advance(timedelta(seconds=5))
    await settled(bot)
    assert kf.delivered["wmA"][1:] == ["one"]  # once, though sent twice
    [row] = [r for r in await rows(bot) if r.text == "one"]
    assert (row.status, row.attempts) == ("sent", 1)
    assert f"cb{row.id}-" in "".join(k for k in kf._msgids if kf._msgids[k] == "wmA")
    async with bot.app[DB].read() as s:
        window = await limits.window_of(s, "kf1", "wmA")
    assert window.sent == 2  # the acknowledgement and "one", counted once each


async def test_a_servicer_wecom_refuses_is_told_to_the_leads_once_naming_them_and_the_fix(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(make_bot, database_url, fake_platform, kf, privacy=True)
    group = bot.settings.group("kf1")
    assert group is not None
    told = []
    for _ in range(2):  # service_state/trans refused twice for the same counsellor (95014)
        async with bot.app[DB].write() as s:
            told.append(
                await limits.tell_setup_problem(
                    s, bot.settings, group, 95014, bot.clock.now(), "c1"
                )
            )
    await settled(bot)
    assert told == [True, False]
    [post] = reports(fake_platform)
    assert post["group"] == "g1" and set(post["mentions"]) == {"l1", "c1"}
    assert "Chen" in post["text"] and "接待人员" in post["text"] and "kf1" in post["text"]
    assert t("en", "kf_reason_servicer") in post["text"]


async def test_two_lanes_for_one_person_in_one_pass_share_the_five(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(make_bot, database_url, fake_platform, kf)
    await say(bot, kf, "wmA", WORDS)  # 1
    await post_to(bot, "wmA", "a", "b", "c")  # 4
    async with bot.app[DB].write() as s:  # a private post (its own lane) and one in the group's
        now = bot.clock.now()
        enqueue(s, OutboundMessage("kf1", "private", "crisis", ("wmA",), ("wmA",)), now)
        enqueue(s, OutboundMessage("kf1", "plain", "assignment", ("wmA",)), now)
    await settled(bot)
    assert len(kf.delivered["wmA"]) == 5 and kf.refused == []
