"""WeCom (企业微信): encrypted callbacks in, group robot webhook and application messages out.

Inbound is one callback URL per group, `/webhooks/wecom/{group}`, speaking WXBizMsgCrypt
(bot/platforms/wecom_crypto.py): GET answers URL verification with the decrypted echostr; POST
carries an encrypted XML body (`<xml><Encrypt>`) or the intelligent robot's JSON body
(`{"encrypt": ...}`), whose plaintext is one of three forms, parsed here:

- group robot callback (XML: WebhookUrl, ChatId, ChatType, From/UserId|Name|Alias, MsgType,
  Text/Content with the robot's @mention, MsgId);
- application callback (XML or JSON: ToUserName, FromUserName, CreateTime, MsgType, Content,
  MsgId, AgentID);
- intelligent robot (智能机器人) callback (JSON: msgid, aibotid, chatid, chattype, from.userid,
  msgtype, text.content, response_url).

Outbound posts go to the group robot's webhook (text, at most 2048 bytes a message, mentions by
user id); see bot/platforms/wecom_api.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, ParseError

import aiohttp
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.errors import BadRequest, SignatureError
from bot.platforms.base import InboundMessage, OutboundMessage, RawRequest, Reply, load_json_object
from bot.platforms.spec import PlatformSpec, keys_of
from bot.platforms.wecom_api import WeComApi, WeComKeys
from bot.platforms.wecom_crypto import WeComCipher, is_encoding_aes_key
from bot.protocols import WallTime

if TYPE_CHECKING:
    from bot.config import GroupConfig

REPLAY_WINDOW_S = 300
TEXT_LIMIT_BYTES = 2048  # text content: 2048 bytes, the robot's and the application's
MAX_TEXT_CHARS = 20_000
_MSG_TYPE = re.compile(r"^[a-z_]{1,16}$")  # fits messages.msg_type (16 characters)
_LEADING_MENTION = re.compile(r"^\s*@\S+\s*")  # "\s" covers the U+2005 WeCom puts after a mention


# ---- the signed query string and the envelope ---------------------------------------------


def check_timestamp(timestamp: str, now: datetime) -> None:
    """Refuse a callback whose timestamp is more than REPLAY_WINDOW_S from `now`."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("timestamp must be unix seconds")
    if abs(now.timestamp() - int(timestamp)) > REPLAY_WINDOW_S:
        raise SignatureError(f"timestamp is more than {REPLAY_WINDOW_S} s from now; resend")


def signed_query(query: Mapping[str, str]) -> tuple[str, str, str]:
    """(msg_signature, timestamp, nonce) from the query string, or SignatureError."""
    values = tuple(query.get(k, "") for k in ("msg_signature", "timestamp", "nonce"))
    if not all(values):
        raise SignatureError("missing msg_signature, timestamp or nonce in the query string")
    return values[0], values[1], values[2]


def _xml(data: bytes | str, what: str) -> Element:
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise BadRequest(f"{what} is not well-formed XML (no DTD or entities allowed)") from None
    if not isinstance(root, Element):
        raise BadRequest(f"{what} is not XML")
    return root


def read_envelope(body: bytes) -> tuple[str, str]:
    """("xml" or "json", ciphertext) from a callback POST body."""
    head = body.lstrip()[:1]
    if head == b"<":
        node = _xml(body, "the body").find("Encrypt")
        encrypt = (node.text or "").strip() if node is not None else ""
        form = "xml"
    elif head == b"{":
        data = load_json_object(body, "the body")
        value = data.get("encrypt", data.get("Encrypt"))
        encrypt = value.strip() if isinstance(value, str) else ""
        form = "json"
    else:
        raise BadRequest('the body must be WeCom\'s XML (<xml><Encrypt>) or JSON ({"encrypt"})')
    if not encrypt:
        raise BadRequest("the body has no Encrypt field")
    return form, encrypt


def receive_ids(group: GroupConfig, form: str | None) -> frozenset[str]:
    """Receive ids a callback may be sealed for: the corp id, or "" for an intelligent robot."""
    k = _keys(group)
    if k.wecom_mode == "aibot" or (k.wecom_mode == "auto" and form != "xml"):
        return frozenset({k.corp_id, ""})
    return frozenset({k.corp_id})


# ---- the three plaintext forms -------------------------------------------------------------


def strip_mention(text: str, robot_name: str = "") -> str:
    """The text without the robot's @mention: `@robot_name` if known, else a leading @word."""
    if robot_name:
        tag = "@" + robot_name
        i = text.find(tag)
        return (text[:i] + text[i + len(tag) :]).strip() if i >= 0 else text.strip()
    return _LEADING_MENTION.sub("", text, count=1).strip()


def _msg_type(raw: str) -> str:
    value = raw.strip().lower()
    return value if _MSG_TYPE.match(value) else "other"


def _stable_id(canonical: str) -> str:
    """An id for a callback without one (events): the same fields give the same id on retry."""
    return "h-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def _msg_id(given: str, canonical: str) -> str:
    given = given.strip()
    if not given:
        return _stable_id(canonical)
    return given if len(given) <= 128 else _stable_id(given)


def _sender(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise BadRequest(f"{field} is missing: who sent the message?")
    if len(value) > 128:
        raise BadRequest(f"{field} is longer than 128 characters")
    return value


def _text(value: str) -> str:
    if len(value) > MAX_TEXT_CHARS:
        raise BadRequest(f"the message text is longer than {MAX_TEXT_CHARS} characters")
    return value


def _xml_canonical(root: Element) -> str:
    """Every leaf of the XML as parent/tag=value, sorted: what a retried callback repeats."""
    leaves: list[str] = []
    stack = [(root, "")]
    while stack:  # a loop, not recursion: the depth of the XML is the sender's choice
        node, parent = stack.pop()
        children = list(node)
        if not children:
            leaves.append(f"{parent}/{node.tag}={(node.text or '').strip()}")
        stack.extend((child, str(node.tag)) for child in children)
    return "\n".join(sorted(leaves))


def _find(root: Element, path: str) -> str:
    node = root.find(path)
    return (node.text or "").strip() if node is not None else ""


def parse_robot_xml(group_id: str, root: Element, robot_name: str = "") -> InboundMessage:
    """A group robot callback: From/UserId speaks; its text loses the robot's @mention."""
    msg_type = _msg_type(_find(root, "MsgType") or "text")
    text = ""
    if msg_type == "text":
        node = root.find("Text/Content")
        text = strip_mention((node.text or "") if node is not None else "", robot_name)
    elif msg_type == "mixed":  # text and pictures: keep the words
        parts = [(n.text or "") for n in root.iterfind("MixedMessage/MsgItem/Text/Content")]
        text = strip_mention(" ".join(p.strip() for p in parts if p.strip()), robot_name)
    sender = _sender(_find(root, "From/UserId"), "From/UserId")
    name = (_find(root, "From/Name") or _find(root, "From/Alias"))[:200]
    msg_id = _msg_id(_find(root, "MsgId"), _xml_canonical(root))
    return InboundMessage("wecom", group_id, msg_id, sender, name, _text(text), None, msg_type)


def parse_app_fields(group_id: str, fields: Mapping[str, str], canonical: str) -> InboundMessage:
    """An application callback (XML or JSON): FromUserName speaks, CreateTime dates it."""
    msg_type = _msg_type(fields.get("MsgType", "") or "text")
    text = ""
    if msg_type == "text":
        text = fields.get("Content", "").strip()
    elif msg_type == "voice":  # with speech recognition enabled, WeCom sends the words too
        text = fields.get("Recognition", "").strip()
    sender = _sender(fields.get("FromUserName", ""), "FromUserName")
    sent_at = None
    created = fields.get("CreateTime", "").strip()
    if created:
        if not created.isdigit() or len(created) > 12:
            raise BadRequest("CreateTime must be unix seconds")
        sent_at = datetime.fromtimestamp(int(created), UTC)
    msg_id = _msg_id(fields.get("MsgId", ""), canonical)
    return InboundMessage("wecom", group_id, msg_id, sender, "", _text(text), sent_at, msg_type)


def _app_xml(group_id: str, root: Element) -> InboundMessage:
    fields = {child.tag: (child.text or "") for child in root if not list(child)}
    return parse_app_fields(group_id, fields, _xml_canonical(root))


def _app_json(group_id: str, data: dict[str, Any]) -> InboundMessage:
    fields = {
        k: str(v)
        for k, v in data.items()
        if isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))
    }
    return parse_app_fields(group_id, fields, json.dumps(data, sort_keys=True, ensure_ascii=False))


def _dig(data: dict[str, Any], *path: str) -> str:
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, str) else ""


def parse_aibot_json(
    group_id: str, data: dict[str, Any], robot_name: str = ""
) -> InboundMessage | None:
    """An intelligent robot callback; None for a stream refresh (a poll, not a message)."""
    msg_type = _msg_type(_dig(data, "msgtype") or "text")
    if msg_type == "stream":
        return None
    text = ""
    if msg_type == "text":
        text = _dig(data, "text", "content")
    elif msg_type == "voice":  # the intelligent robot delivers voice already transcribed
        text = _dig(data, "voice", "content")
    elif msg_type == "mixed":
        mixed = data.get("mixed")
        items = mixed.get("msg_item", []) if isinstance(mixed, dict) else []
        words = [_dig(i, "text", "content") for i in items if isinstance(i, dict)]
        text = " ".join(w.strip() for w in words if w.strip())
    if _dig(data, "chattype") == "group":
        text = strip_mention(text, robot_name)
    sender = _sender(_dig(data, "from", "userid"), "from.userid")
    canonical = json.dumps(
        {k: v for k, v in data.items() if k != "response_url"}, sort_keys=True, ensure_ascii=False
    )
    msg_id = _msg_id(str(data.get("msgid") or ""), canonical)
    text = _text(text.strip())
    return InboundMessage("wecom", group_id, msg_id, sender, "", text, None, msg_type)


def parse_plaintext(
    group_id: str, plaintext: bytes, mode: str = "auto", robot_name: str = ""
) -> list[InboundMessage]:
    """A decrypted callback as messages; mode robot|app|aibot insists on a form, auto detects."""
    head = plaintext.lstrip()[:1]
    if head == b"<":
        root = _xml(plaintext, "the decrypted message")
        is_robot = any(root.find(k) is not None for k in ("From", "WebhookUrl", "ChatId"))
        form = "robot" if is_robot else "app"
        _check_mode(mode, form)
        if is_robot:
            return [parse_robot_xml(group_id, root, robot_name)]
        return [_app_xml(group_id, root)]
    if head == b"{":
        data = load_json_object(plaintext, "the decrypted message")
        form = "aibot" if "aibotid" in data or "msgid" in data else "app"
        _check_mode(mode, form)
        if form == "app":
            return [_app_json(group_id, data)]
        msg = parse_aibot_json(group_id, data, robot_name)
        return [msg] if msg is not None else []
    raise BadRequest("the decrypted message is neither XML nor JSON")


def _check_mode(mode: str, form: str) -> None:
    if mode not in ("auto", form):
        raise BadRequest(
            f"this group has wecom_mode = {mode!r} but the callback is a {form} message; "
            f'set wecom_mode = "{form}" or "auto"'
        )


# ---- the callback as a whole ---------------------------------------------------------------


def verify_url(
    group: GroupConfig, cipher: WeComCipher, query: Mapping[str, str], now: datetime | None
) -> Reply:
    """URL verification (GET): the decrypted echostr as plain text. `now=None` skips the
    replay window (for WeCom's published examples only)."""
    msg_signature, timestamp, nonce = signed_query(query)
    echostr = query.get("echostr", "").replace(" ", "+")  # a "+" that arrived unescaped
    if not echostr:
        raise BadRequest("missing echostr in the query string")
    if now is not None:
        check_timestamp(timestamp, now)
    plain = cipher.open(msg_signature, timestamp, nonce, echostr, receive_ids(group, None))
    try:
        return Reply(plain.decode("utf-8"))
    except UnicodeDecodeError:
        raise SignatureError("the decrypted echostr is not UTF-8") from None


def parse_callback(
    group: GroupConfig,
    cipher: WeComCipher,
    query: Mapping[str, str],
    body: bytes,
    now: datetime | None,
) -> list[InboundMessage]:
    """A message callback (POST): verified, decrypted and parsed, or SignatureError/BadRequest."""
    msg_signature, timestamp, nonce = signed_query(query)
    if now is not None:
        check_timestamp(timestamp, now)
    form, encrypt = read_envelope(body)
    plain = cipher.open(msg_signature, timestamp, nonce, encrypt, receive_ids(group, form))
    k = _keys(group)
    return parse_plaintext(group.id, plain, k.wecom_mode, k.robot_name)


class WeComPlatform:
    """The WeCom platform: callbacks in; robot webhook (and application messages) out."""

    name = "wecom"

    def __init__(
        self,
        http: aiohttp.ClientSession,
        language: str = "zh",
        timeout_s: float = 10,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = WeComApi(http, language, timeout_s, monotonic, text_limit_bytes=TEXT_LIMIT_BYTES)

    def parse_inbound(
        self, group: GroupConfig, request: RawRequest, now: WallTime
    ) -> list[InboundMessage] | Reply:
        try:
            k = _keys(group)
            cipher = WeComCipher.from_config(k.token, k.encoding_aes_key)
        except ValueError:
            raise SignatureError(f"group {group.id!r} has no usable encoding_aes_key") from None
        if request.method == "GET":
            return verify_url(group, cipher, request.query, now)
        if request.method != "POST":
            raise BadRequest("the WeCom callback takes GET (verification) and POST only")
        return parse_callback(group, cipher, request.query, request.body, now)

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None:
        await self.api.send(group, message)


def _keys(group: GroupConfig) -> WeComKeys:
    return keys_of(group, WeComKeys)


def check_config(g: GroupConfig, missing: list[str]) -> list[str]:
    """WeCom keys beyond the common ones; raises ValueError for a malformed one."""
    k = _keys(g)
    if k.wecom_mode == "aibot" and "corp_id" in missing:
        missing.remove("corp_id")  # an in-house intelligent robot seals with an empty receive id
    if not k.webhook_url:
        missing.append("webhook_url")  # the group robot's webhook: every group post goes there
    if k.encoding_aes_key and not is_encoding_aes_key(k.encoding_aes_key):
        raise ValueError(
            f"group {g.id!r}: encoding_aes_key must be the 43 characters (letters, digits, "
            "+ and /) shown as EncodingAESKey in WeCom's callback settings"
        )
    if bool(k.corp_secret) != bool(k.agent_id):
        raise ValueError(
            f"group {g.id!r}: set corp_secret and agent_id together (the application that sends "
            "private messages), or neither"
        )
    if k.agent_id and not k.agent_id.isdigit():
        raise ValueError(f"group {g.id!r}: agent_id must be the application's AgentId, digits only")
    return missing


SPEC = PlatformSpec(
    name="wecom",
    build=lambda d: WeComPlatform(d.http, d.language, d.timeout_s),
    keys=WeComKeys,
    required_keys=("token", "encoding_aes_key", "corp_id"),
    check=check_config,
    private_keys=("corp_secret", "agent_id"),
    secret_fields=("token", "encoding_aes_key", "corp_secret", "webhook_url"),
    text_limit_bytes=TEXT_LIMIT_BYTES,
    private_text_limit_bytes=TEXT_LIMIT_BYTES,
    # WeCom reads whatever answers a callback as a passive reply; an empty 200 means "none".
    inbound_ack=Reply(""),
)
