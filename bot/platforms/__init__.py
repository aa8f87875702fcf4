"""The chat platforms carebot speaks: one module each, and this list of their declarations.

Adding a platform is one module with a `SPEC`, one entry here, and its config section in the
README and config.example.toml; the app, the config and the outbox read this list."""

from __future__ import annotations

from bot.platforms import dingtalk, feishu, generic, local, wecom, wecom_kf
from bot.platforms.spec import PlatformSpec

# In this order in config errors ("Input should be 'wecom', 'dingtalk', ...").
PLATFORMS: tuple[PlatformSpec, ...] = (
    wecom.SPEC,
    dingtalk.SPEC,
    feishu.SPEC,
    generic.SPEC,
    local.SPEC,
    wecom_kf.SPEC,
)
NAMES: tuple[str, ...] = tuple(spec.name for spec in PLATFORMS)
_BY_NAME = {spec.name: spec for spec in PLATFORMS}


def spec_of(name: str) -> PlatformSpec:
    """The declaration of platform `name` (a name config validation has accepted)."""
    return _BY_NAME[name]
