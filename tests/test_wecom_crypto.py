"""WXBizMsgCrypt against WeCom's published examples and wechatpy's tests (tests/vectors),
then our own round trips and every way a ciphertext can be wrong. The examples carry old
timestamps, so they go to the crypto and parsing functions directly, never through the replay
window."""

from __future__ import annotations

import base64
import json
import os
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import GroupConfig
from bot.errors import BadRequest, SignatureError
from bot.platforms.wecom import parse_plaintext, verify_url
from bot.platforms.wecom_crypto import WeComCipher, is_encoding_aes_key, signature

# A copy of ../shared/vectors/wecom_crypto.json (each case names its source), kept in the repository
# so the tests do not depend on a folder outside it.
VECTORS_FILE = Path(__file__).resolve().parent / "vectors" / "wecom_crypto.json"
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))


def _id(v: dict[str, Any]) -> str:
    return f"{v['source'].split('/')[-1]}-{v['kind']}-{v['msg_signature'][:6]}"


def cipher_of(v: dict[str, Any]) -> WeComCipher:
    return WeComCipher.from_config(v["token"], v["encoding_aes_key"])


def group_of(v: dict[str, Any], **extra: Any) -> GroupConfig:
    return GroupConfig(
        id="g1",
        platform="wecom",
        token=v["token"],
        encoding_aes_key=v["encoding_aes_key"],
        corp_id=v["receive_id"],
        webhook_url="http://127.0.0.1:9/cgi-bin/webhook/send?key=k",
        **extra,
    )


def test_there_are_nine_vectors_of_each_kind_we_need() -> None:
    assert len(VECTORS) == 9
    assert {v["kind"] for v in VECTORS} == {"decrypt", "verify_url"}
    assert {v["payload_format"] for v in VECTORS} == {"xml", "json", "echostr"}


@pytest.mark.parametrize("v", VECTORS, ids=_id)
def test_signature_matches_the_published_one(v: dict[str, Any]) -> None:
    assert signature(v["token"], v["timestamp"], v["nonce"], v["encrypt"]) == v["msg_signature"]
    cipher_of(v).verify(v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"])


@pytest.mark.parametrize("v", VECTORS, ids=_id)
def test_decrypts_to_exactly_the_published_plaintext(v: dict[str, Any]) -> None:
    opened = cipher_of(v).decrypt(v["encrypt"])
    assert opened.message == v["plaintext"].encode("utf-8")
    assert opened.receive_id == v["receive_id"]
    message = cipher_of(v).open(
        v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"], {v["receive_id"]}
    )
    assert message.decode("utf-8") == v["plaintext"]


@pytest.mark.parametrize("v", VECTORS, ids=_id)
def test_receive_id_must_match(v: dict[str, Any]) -> None:
    with pytest.raises(SignatureError, match="receive id"):
        cipher_of(v).open(
            v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"], {"ww0000000000000000"}
        )


@pytest.mark.parametrize("v", VECTORS, ids=_id)
def test_any_changed_field_breaks_the_signature(v: dict[str, Any]) -> None:
    c = cipher_of(v)
    sig, ts, nonce, enc = v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"]
    for args in [
        (sig, str(int(ts) + 1), nonce, enc),
        (sig, ts, nonce + "1", enc),
        (sig, ts, nonce, enc[:-8] + "AAAAAAA="),
        ("0" * 40, ts, nonce, enc),
    ]:
        with pytest.raises(SignatureError, match="msg_signature"):
            c.open(*args, {v["receive_id"]})
    wrong_token = WeComCipher(v["token"] + "x", c.key)
    with pytest.raises(SignatureError):
        wrong_token.verify(sig, ts, nonce, enc)


def test_wechatpy_negative_case_nonce_off_by_one() -> None:
    [v] = [x for x in VECTORS if x["msg_signature"] == "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"]
    with pytest.raises(SignatureError):
        cipher_of(v).verify(v["msg_signature"], v["timestamp"], "437374424", v["encrypt"])


def test_encrypt_reproduces_wechatpy_byte_for_byte() -> None:
    [v] = [x for x in VECTORS if "encrypt_random16_ascii" in x]
    sealed = cipher_of(v).encrypt(
        v["plaintext"].encode(), v["receive_id"], v["encrypt_random16_ascii"].encode("ascii")
    )
    assert sealed == v["encrypt"]
    assert cipher_of(v).signature(v["timestamp"], v["nonce"], sealed) == v["msg_signature"]


@pytest.mark.parametrize("v", [x for x in VECTORS if x["kind"] == "verify_url"], ids=_id)
def test_url_verification_answers_the_plain_echostr(v: dict[str, Any]) -> None:
    query = {
        "msg_signature": v["msg_signature"],
        "timestamp": v["timestamp"],
        "nonce": v["nonce"],
        "echostr": v["encrypt"],
    }
    reply = verify_url(group_of(v), cipher_of(v), query, None)
    assert reply.body == v["plaintext"]
    assert reply.status == 200
    # An unescaped "+" in the URL reaches us as a space; it still verifies.
    spaced = {**query, "echostr": v["encrypt"].replace("+", " ")}
    assert verify_url(group_of(v), cipher_of(v), spaced, None).body == v["plaintext"]
    # Through the replay window, the example's 2014-2016 timestamp is refused.
    with pytest.raises(SignatureError, match="300 s"):
        verify_url(group_of(v), cipher_of(v), query, datetime(2026, 11, 25, tzinfo=UTC))


# What each message vector says, read off the plaintext by hand (not by our parser).
EXPECTED: dict[str, dict[str, Any]] = {
    "477715d11cdb4164915debcba66cb864d751f3e6": {
        "sender": "mycreate",
        "text": "hello",
        "msg_id": "4561255354251345929",
        "sent_at": 1409659813,
    },
    "0c3914025cb4b4d68103f6bfc8db550f79dcf48e": {
        "sender": "ChenJiaShun",
        "text": "你好",
        "msg_id": "1456453720",
        "sent_at": 1476422779,
    },
    "0623cbc5a8cbee5bcc137c70de99575366fc2af3": {
        "sender": "mycreate",
        "text": "hello",
        "msg_id": "4561255354251345929",
        "sent_at": 1409659813,
    },
    "74d92dfeb87ba7c714f89d98870ae5eb62dff26d": {
        "sender": "messense",
        "text": "test",
        "msg_id": "4363689963896700987",
        "sent_at": 1411525903,
    },
    "407518b7649e86ef23978113f92d27afa9296533": {
        "sender": "wx49f0ab532d5d035a",
        "text": "test",
        "msg_id": None,
        "sent_at": 1411525903,
    },
}


@pytest.mark.parametrize("v", [x for x in VECTORS if x["kind"] == "decrypt"], ids=_id)
def test_message_vectors_parse_into_inbound_messages(v: dict[str, Any]) -> None:
    plain = cipher_of(v).open(
        v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"], {v["receive_id"]}
    )
    expected = EXPECTED.get(v["msg_signature"])
    if expected is None:
        # The callback_json sample's plaintext is itself broken JSON: refused, never a crash.
        with pytest.raises(BadRequest, match="JSON"):
            parse_plaintext("g1", plain)
        return
    [msg] = parse_plaintext("g1", plain)
    assert msg.platform == "wecom" and msg.group_id == "g1"
    assert (msg.sender_id, msg.text, msg.msg_type) == (expected["sender"], expected["text"], "text")
    assert msg.sent_at == datetime.fromtimestamp(expected["sent_at"], UTC)
    if expected["msg_id"] is None:  # no MsgId: a stable id made from the fields
        assert msg.msg_id.startswith("h-")
        assert parse_plaintext("g1", plain)[0].msg_id == msg.msg_id
    else:
        assert msg.msg_id == expected["msg_id"]
    # They are application callbacks: asking for robot or aibot mode refuses them by name.
    with pytest.raises(BadRequest, match='wecom_mode = "app"'):
        parse_plaintext("g1", plain, mode="robot")
    assert parse_plaintext("g1", plain, mode="app")[0] == msg


# ---- our own ciphertexts -------------------------------------------------------------------

KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")
CIPHER = WeComCipher.from_config("tok3n", KEY)


def _raw_encrypt(key: bytes, padded: bytes) -> str:
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(padded) + enc.finalize()).decode()


def _body(message: bytes, receive_id: bytes) -> bytes:
    return os.urandom(16) + struct.pack(">I", len(message)) + message + receive_id


@settings(max_examples=60, deadline=None)
@given(message=st.binary(max_size=3000), receive_id=st.text(max_size=40))
def test_round_trip(message: bytes, receive_id: str) -> None:
    sealed = CIPHER.encrypt(message, receive_id)
    assert len(base64.b64decode(sealed)) % 32 == 0
    opened = CIPHER.decrypt(sealed)
    assert (opened.message, opened.receive_id) == (message, receive_id)
    enc, sig = CIPHER.seal(message, receive_id, "1700000000", "n1")
    assert CIPHER.open(sig, "1700000000", "n1", enc, {receive_id}) == message


def test_tampered_ciphertext_is_refused_even_when_re_signed() -> None:
    sealed = base64.b64decode(CIPHER.encrypt(b"<xml><Content>hi</Content></xml>", "ww1"))
    for i in (0, 17, len(sealed) - 1):
        bad = bytearray(sealed)
        bad[i] ^= 0x01
        enc = base64.b64encode(bytes(bad)).decode()
        sig = CIPHER.signature("1", "2", enc)  # an attacker with the token but not the key
        with pytest.raises(SignatureError):
            CIPHER.open(sig, "1", "2", enc, {"ww1"})


@pytest.mark.parametrize(
    "padding",
    [
        b"\x00" * 32,  # pad byte 0
        bytes([33]) * 32,  # larger than the 32-byte block
        b"\x05\x05\x05\x04\x05",  # one byte disagrees
    ],
)
def test_bad_padding_is_refused(padding: bytes) -> None:
    body = _body(b"hello", b"ww1")
    fill = (-(len(body) + len(padding))) % 32
    padded = body + b"x" * fill + padding
    assert len(padded) % 32 == 0
    with pytest.raises(SignatureError, match="padding"):
        CIPHER.decrypt(_raw_encrypt(CIPHER.key, padded))


def test_padding_to_16_bytes_only_is_refused() -> None:
    body = _body(b"abc", b"ww1")
    n = 16 - len(body) % 16
    padded = body + bytes([n]) * n
    if len(padded) % 32 == 0:  # make it an odd number of 16-byte blocks
        padded = body + b"x" * 16 + bytes([n]) * n
    assert len(padded) % 32 == 16
    with pytest.raises(SignatureError, match="multiple of 32"):
        CIPHER.decrypt(_raw_encrypt(CIPHER.key, padded))


def test_length_field_larger_than_the_message_is_refused() -> None:
    body = os.urandom(16) + struct.pack(">I", 10_000) + b"short" + b"ww1"
    n = 32 - len(body) % 32
    with pytest.raises(SignatureError, match="length"):
        CIPHER.decrypt(_raw_encrypt(CIPHER.key, body + bytes([n]) * n))


@pytest.mark.parametrize("bad", ["", "not base64!", "QUJD", "QUJDRA=", "A" * 43 + "="])
def test_bad_base64_or_block_size_is_refused(bad: str) -> None:
    with pytest.raises(SignatureError):
        CIPHER.decrypt(bad)


def test_wrong_receive_id() -> None:
    enc, sig = CIPHER.seal(b"x", "ww-other", "1", "2")
    with pytest.raises(SignatureError, match="corp_id"):
        CIPHER.open(sig, "1", "2", enc, {"ww-mine"})


def test_wrong_key_fails_at_padding_or_receive_id() -> None:
    other = WeComCipher("tok3n", bytes(32))
    enc, sig = CIPHER.seal(b"hello", "ww1", "1", "2")
    with pytest.raises(SignatureError):
        other.open(sig, "1", "2", enc, {"ww1"})


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        (KEY, True),
        (VECTORS[0]["encoding_aes_key"], True),
        (KEY[:-1], False),  # 42 characters
        (KEY + "A", False),  # 44
        (KEY[:-1] + "-", False),  # not base64
        (KEY[:-1] + "=", False),
    ],
)
def test_encoding_aes_key_shape(key: str, ok: bool) -> None:
    assert is_encoding_aes_key(key) is ok
    if not ok:
        with pytest.raises(ValueError, match="43 characters"):
            WeComCipher.from_config("t", key)


def test_cipher_repr_hides_token_and_key() -> None:
    text = repr(CIPHER)
    assert "tok3n" not in text and str(CIPHER.key) not in text
