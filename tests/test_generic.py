"""The generic webhook's signature and body rules, as plain function calls."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.errors import BadRequest, SignatureError
from bot.platforms.generic import parse_body, sign, signed_headers, verify
from tests.conftest import at

NOW = at("2026-11-25", "10:00")
BODY = json.dumps({"msg_id": "1", "sender": {"id": "d", "name": "D"}, "text": "hi"}).encode()


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    # Reference value computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac k
    assert sign("k", "1700000000", b"{}") == (
        "sha256=" + __import__("hmac").new(b"k", b"1700000000.{}", "sha256").hexdigest()
    )
    verify("k", signed_headers("k", BODY, NOW), BODY, NOW)


@pytest.mark.parametrize("skew_s", [-301, 301, 10_000])
def test_outside_replay_window(skew_s: int) -> None:
    headers = signed_headers("k", BODY, NOW + timedelta(seconds=skew_s))
    with pytest.raises(SignatureError, match="300 s"):
        verify("k", headers, BODY, NOW)


@pytest.mark.parametrize("skew_s", [-300, 0, 300])
def test_inside_replay_window(skew_s: int) -> None:
    verify("k", signed_headers("k", BODY, NOW + timedelta(seconds=skew_s)), BODY, NOW)


def test_tampered_body_or_wrong_secret() -> None:
    headers = signed_headers("k", BODY, NOW)
    with pytest.raises(SignatureError):
        verify("k", headers, BODY + b" ", NOW)
    with pytest.raises(SignatureError):
        verify("other", headers, BODY, NOW)
    with pytest.raises(SignatureError, match="missing"):
        verify("k", {}, BODY, NOW)


def test_parse_body_fields() -> None:
    msg = parse_body(
        "g1",
        json.dumps(
            {
                "msg_id": "7",
                "sender": {"id": "d1", "name": "Dr Wu"},
                "text": "hello",
                "sent_at": "2026-11-25T10:00:00+08:00",
            }
        ).encode(),
    )
    assert (msg.msg_id, msg.sender_id, msg.sender_name, msg.text) == ("7", "d1", "Dr Wu", "hello")
    assert msg.sent_at == NOW
    with pytest.raises(BadRequest, match="offset"):
        parse_body(
            "g1",
            json.dumps(
                {
                    "msg_id": "7",
                    "sender": {"id": "d1"},
                    "text": "x",
                    "sent_at": "2026-11-25T10:00",
                }
            ).encode(),
        )
    with pytest.raises(BadRequest, match="not valid JSON"):
        parse_body("g1", b"\xff\xfe")


def test_deeply_nested_json_is_a_bad_request_not_a_crash() -> None:
    with pytest.raises(BadRequest, match="nested too deeply"):
        parse_body("g1", b"[" * 100_000 + b"]" * 100_000)
