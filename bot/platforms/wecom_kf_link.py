"""The customer-service account's contact link and its QR code, for a lead to pin in the WeChat
group (`carebot kf link GROUP`, and the console's card of a wecom_kf group).

kf/add_contact_way (WeCom's "获取客服账号链接"): POST {"open_kfid", "scene"} -> {"url"}. `scene`
is at most 32 bytes of [0-9a-zA-Z_-]; a link made with a scene may carry `scene_param` (at most
128 bytes, urlencoded), which the enter_session event hands back as it was. The link must not be
edited, or WeCom does not call back for it.

The QR code is drawn with segno: pure Python with no dependency (qrcode[pil] needs Pillow's
native wheels), typed, maintained, and it writes PNG itself.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import segno

from bot.errors import PlatformError
from bot.platforms.spec import keys_of

if TYPE_CHECKING:
    from bot.config import GroupConfig
    from bot.platforms.wecom_api import WeComClient

SCENE = "carebot"
_SCENE = re.compile(r"^[0-9a-zA-Z_-]{0,32}$")


def check_scene(scene: str) -> str:
    if not _SCENE.match(scene):
        raise ValueError("a scene is at most 32 letters, digits, _ or - (WeCom's rule)")
    return scene


async def contact_link(client: WeComClient, group: GroupConfig, scene: str = SCENE) -> str:
    """The account's link, from kf/add_contact_way."""
    from bot.platforms.wecom_kf import WeComKfKeys

    payload = {"open_kfid": keys_of(group, WeComKfKeys).open_kfid, "scene": check_scene(scene)}
    data = await client.call(group, "/cgi-bin/kf/add_contact_way", payload)
    url = data.get("url")
    if not isinstance(url, str) or not url.startswith("https://"):
        raise PlatformError("wecom kf/add_contact_way answered without an https url")
    return url


def qr_png(url: str, scale: int = 8) -> bytes:
    """The QR code of `url` as a PNG (error correction M, a quiet zone of 4 modules)."""
    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
