"""Config: TOML plus env overrides, and every invalid setting named with its fix (exit code 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
GOOD = """
[bot]
timezone = "Asia/Shanghai"
[service]
opens = "08:00"
closes = "24:00"
[[groups]]
id = "g1"
platform = "local"
[[members]]
group = "g1"
id = "a"
role = "counsellor"
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "carebot.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_example_config_is_valid() -> None:
    s = load_settings(ROOT / "config.example.toml")
    assert s.service.opens_minute == 480 and s.service.closes_minute == 1440
    assert s.groups and s.members


def test_env_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOT_SERVICE__OPENS", "09:00")
    monkeypatch.setenv("CAREBOT_BOT__DATABASE_URL", "sqlite+aiosqlite:///x.db")
    s = load_settings(write(tmp_path, GOOD))
    assert s.service.opens == "09:00" and s.service.closes == "24:00"
    assert s.bot.database_url == "sqlite+aiosqlite:///x.db"


@pytest.mark.parametrize(
    ("change", "key", "fix"),
    [
        (('platform = "local"', 'platform = "wechat"'), "groups[0].platform", "'generic'"),
        (('closes = "24:00"', 'closes = "07:00"'), "service", "must be after"),
        (('closes = "24:00"', 'closes = "25:00"'), "service.closes", "HH:MM"),
        (('group = "g1"', 'group = "g2"'), "members[0]", "use one of the [[groups]] ids"),
        (('"Asia/Shanghai"', '"Asia/Nowhere"'), "bot.timezone", "IANA"),
        (("[bot]", '[bot]\ncolour = "red"'), "bot.colour", "unknown key"),
        (('role = "counsellor"', 'role = "boss"'), "members[0].role", "'lead'"),
    ],
)
def test_invalid_config_names_key_and_fix(
    tmp_path: Path, change: tuple[str, str], key: str, fix: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, GOOD.replace(*change)))
    assert key in str(err.value) and fix in str(err.value)


def test_duplicate_ids(tmp_path: Path) -> None:
    twice = GOOD + '\n[[groups]]\nid = "g1"\nplatform = "local"\n'
    with pytest.raises(ConfigError, match=r"groups\[1\]\.id 'g1' is used twice"):
        load_settings(write(tmp_path, twice))
    member_twice = GOOD + '\n[[members]]\ngroup = "g1"\nid = "a"\n'
    with pytest.raises(ConfigError, match="appears twice"):
        load_settings(write(tmp_path, member_twice))


def test_platform_needs_its_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs secret, webhook_url"):
        load_settings(write(tmp_path, GOOD.replace('"local"', '"generic"')))


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_check_config_cli_exit_codes(tmp_path: Path) -> None:
    ok = run_cli("--config", str(write(tmp_path, GOOD)), "check-config", cwd=tmp_path)
    assert ok.returncode == 0 and "config OK" in ok.stdout
    bad = write(tmp_path, GOOD.replace('"local"', '"wechat"'))
    res = run_cli("--config", str(bad), "check-config", cwd=tmp_path)
    assert res.returncode == 2
    assert "groups[0].platform" in res.stderr
    missing = run_cli("--config", str(tmp_path / "nope.toml"), "check-config", cwd=tmp_path)
    assert missing.returncode == 2 and "not found" in missing.stderr
    serve = run_cli("serve", "--config", str(bad), cwd=tmp_path)
    assert serve.returncode == 2 and "groups[0].platform" in serve.stderr


PRIVATE = """
[[groups]]
id = "d1"
platform = "dingtalk"
secret = "SECx"
webhook_url = "https://oapi.dingtalk.com/robot/send?access_token=x"
[[groups]]
id = "d2"
platform = "dingtalk"
secret = "SECx"
webhook_url = "https://oapi.dingtalk.com/robot/send?access_token=y"
app_key = "dingkey"
app_secret = "ding-secret"
[[groups]]
id = "f1"
platform = "feishu"
webhook_url = "https://open.feishu.cn/open-apis/bot/v2/hook/x"
verification_token = "v"
[[groups]]
id = "g1"
platform = "generic"
secret = "s"
webhook_url = "http://127.0.0.1:9/hook"
"""


def test_check_config_warns_about_groups_without_a_private_path(tmp_path: Path) -> None:
    res = run_cli("--config", str(write(tmp_path, PRIVATE)), "check-config", cwd=tmp_path)
    assert res.returncode == 0 and "config OK: 4 groups" in res.stdout
    warnings = [x for x in res.stderr.splitlines() if "private posts" in x]
    assert len(warnings) == 2, res.stderr
    assert "'d1' (dingtalk)" in warnings[0] and "set app_key, app_secret" in warnings[0]
    assert "'f1' (feishu)" in warnings[1] and "set app_id, app_secret" in warnings[1]
    assert "ding-secret" not in res.stderr


@pytest.mark.parametrize(
    ("platform", "extra", "match"),
    [
        ("dingtalk", {"app_key": "k"}, "set app_key and app_secret together"),
        ("feishu", {"app_secret": "s"}, "set app_id and app_secret together"),
        ("dingtalk", {"privacy": True}, "privacy = true .* app_key, app_secret"),
        ("feishu", {"app_id": "a", "app_secret": "s", "api_base": "open.feishu.cn"}, "api_base"),
    ],
)
def test_private_app_keys_are_checked(platform: str, extra: dict[str, object], match: str) -> None:
    group = {"id": "x", "platform": platform, **BASE_KEYS[platform], **extra}
    with pytest.raises(ConfigError, match=match):
        load_settings(None, groups=[group])


BASE_KEYS: dict[str, dict[str, object]] = {
    "dingtalk": {"secret": "s", "webhook_url": "https://h/x"},
    "feishu": {"webhook_url": "https://h/x", "verification_token": "v"},
}


def test_privacy_on_dingtalk_and_feishu_is_allowed_with_the_app() -> None:
    for platform, keys in (("dingtalk", {"app_key": "k"}), ("feishu", {"app_id": "a"})):
        group = {"id": "x", "platform": platform, **BASE_KEYS[platform], "privacy": True,
                 "app_secret": "s", **keys}  # fmt: skip
        assert load_settings(None, groups=[group]).groups[0].has_private_app


def test_a_key_of_another_platform_is_named_with_its_platform() -> None:
    """Each platform's keys are its own model: a key it does not read is an error that says
    whose key it is, not a setting that silently does nothing."""
    group = {"id": "ward-a", "platform": "dingtalk", **BASE_KEYS["dingtalk"], "chat_id": "oc_1"}
    with pytest.raises(ConfigError) as err:
        load_settings(None, groups=[group])
    said = "groups[0].chat_id (group 'ward-a'): a key of feishu, which a dingtalk group"
    assert said in str(err.value)
    bad = {"id": "w", "platform": "wecom", "token": "t", "encoding_aes_key": "k" * 43,
           "corp_id": "ww1", "webhook_url": "https://h/x", "wecom_mode": "bot"}  # fmt: skip
    with pytest.raises(ConfigError, match=r"groups\[0\]\.wecom_mode \(group 'w'\): Input should"):
        load_settings(None, groups=[bad])


def test_a_group_dumps_and_loads_in_the_shape_users_write() -> None:
    group = {"id": "x", "platform": "feishu", **BASE_KEYS["feishu"], "chat_id": "oc_1"}
    loaded = load_settings(None, groups=[group]).groups[0]
    dumped = loaded.model_dump()
    assert dumped["chat_id"] == "oc_1" and "keys" not in dumped
    assert dumped["api_base"] == "https://open.feishu.cn"  # the platform's default host
    assert load_settings(None, groups=[dumped]).groups[0] == loaded


def test_a_local_group_is_served_on_loopback_only_unless_opted_in(tmp_path: Path) -> None:
    """The local chat has no accounts: check-config and serve refuse it on a network address."""
    for listen in ("0.0.0.0:8080", "192.0.2.2:8080", "[::]:8080"):
        open_cfg = write(tmp_path, GOOD.replace("[bot]", f'[bot]\nlisten = "{listen}"'))
        res = run_cli("--config", str(open_cfg), "check-config", cwd=tmp_path)
        assert res.returncode == 2, (listen, res.stdout)
        assert "bot.listen" in res.stderr and "allow_local_on_network" in res.stderr
        serve = run_cli("serve", "--config", str(open_cfg), cwd=tmp_path)
        assert serve.returncode == 2 and "bot.listen" in serve.stderr
    opted = write(
        tmp_path,
        GOOD.replace("[bot]", '[bot]\nlisten = "0.0.0.0:8080"\nallow_local_on_network = true'),
    )
    assert run_cli("--config", str(opted), "check-config", cwd=tmp_path).returncode == 0
    for listen in ("127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.2:9000"):
        assert load_settings(write(tmp_path, GOOD.replace("[bot]", f'[bot]\nlisten = "{listen}"')))
    # No local group: any listen address will do.
    generic = GOOD.replace(
        'platform = "local"', 'platform = "generic"\nsecret = "s"\nwebhook_url = "http://x/"'
    )
    assert load_settings(write(tmp_path, generic.replace("[bot]", '[bot]\nlisten = "0.0.0.0:80"')))


def test_platform_is_a_required_key(tmp_path: Path) -> None:
    """A missing platform used to make the group a local chat without saying so."""
    with pytest.raises(ConfigError, match=r"groups\[0\]\.platform"):
        load_settings(write(tmp_path, GOOD.replace('platform = "local"\n', "")))


def test_the_example_config_does_not_start_with_a_local_group() -> None:
    s = load_settings(ROOT / "config.example.toml")
    assert s.groups[0].platform != "local"


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "change-me-too",
        "tok-lead-one-3f9a",
        "0123456789abcdef0123456789abcde",
        "a" * 64,
        "abcdefghijkl" * 3,
        "lead-token-p-generic",
    ],
)
def test_check_config_refuses_a_weak_console_token(tmp_path: Path, token: str) -> None:
    lead = GOOD + (
        f'\n[[members]]\ngroup = "g1"\nid = "boss"\nrole = "lead"\nconsole_token = "{token}"\n'
    )
    res = run_cli("--config", str(write(tmp_path, lead)), "check-config", cwd=tmp_path)
    assert res.returncode == 2, token
    assert "members[1].console_token" in res.stderr and "secrets.token_urlsafe(32)" in res.stderr


def test_a_strong_console_token_passes() -> None:
    import secrets

    for token in (secrets.token_urlsafe(32), secrets.token_urlsafe(16), secrets.token_hex(32)):
        settings = load_settings(
            None,
            groups=[{"id": "g1", "platform": "local"}],
            members=[{"group": "g1", "id": "boss", "role": "lead", "console_token": token}],
        )
        assert settings.members[0].console_token == token


def test_leads_and_counsellors_of_a_group_in_config_order() -> None:
    g = {"platform": "generic", "webhook_url": "http://127.0.0.1:1/h", "secret": "s"}
    settings = load_settings(
        None,
        groups=[{"id": "a", **g}, {"id": "b", **g}],
        members=[
            {"group": "a", "id": "l2", "role": "lead"},
            {"group": "a", "id": "c1"},
            {"group": "b", "id": "l9", "role": "lead"},
            {"group": "a", "id": "l1", "role": "lead"},
            {"group": "a", "id": "c2", "role": "counsellor"},
        ],
    )
    assert [m.id for m in settings.leads_of("a")] == ["l2", "l1"]
    assert [m.id for m in settings.counsellors_of("a")] == ["c1", "c2"]
    assert [m.id for m in settings.leads_of("b")] == ["l9"]
    assert settings.leads_of("nowhere") == [] and settings.counsellors_of("b") == []
