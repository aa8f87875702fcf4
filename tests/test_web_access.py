"""bot/web/access.py: who counts as this machine, which Host and Origin name this server, and the
Bearer check, as tables."""

from __future__ import annotations

import pytest

from bot.web import access

TRUSTED = ["127.0.0.1", "10.0.0.0/8"]


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("192.0.2.2", False),
        ("0.0.0.0", False),
        ("::", False),
        ("10.1.2.3", False),
        ("", False),
        (None, False),
        ("not-an-ip", False),
        ("127.0.0.1.evil.example", False),
    ],
)
def test_is_loopback(address: str | None, loopback: bool) -> None:
    assert access.is_loopback(address) is loopback


@pytest.mark.parametrize(
    ("remote", "headers", "trusted", "local"),
    [
        ("127.0.0.1", {}, [], True),
        ("::1", {}, [], True),
        ("192.0.2.2", {}, [], False),
        ("192.0.2.2", {}, ["192.0.2.2"], False),  # a trusted peer is still not loopback
        # a proxy on this machine that we were not told about: what it forwards is not local
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}, [], False),
        ("127.0.0.1", {"Forwarded": "for=203.0.113.9"}, [], False),
        ("127.0.0.1", {"X-Real-IP": "127.0.0.1"}, [], False),
        # a trusted proxy: the client it names decides; forged left-hand entries do not count
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}, TRUSTED, False),
        ("127.0.0.1", {"X-Forwarded-For": "127.0.0.1"}, TRUSTED, True),
        ("127.0.0.1", {"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}, TRUSTED, False),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9, 10.0.0.5"}, TRUSTED, False),
    ],
)
def test_is_local_client(
    remote: str, headers: dict[str, str], trusted: list[str], local: bool
) -> None:
    assert access.is_local_client(remote, headers, trusted) is local


@pytest.mark.parametrize(
    ("remote", "xff", "client"),
    [
        ("203.0.113.9", "127.0.0.1", "203.0.113.9"),  # not a trusted peer: its header is ignored
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
        ("127.0.0.1", "1.1.1.1, 198.51.100.7", "198.51.100.7"),  # the rightmost untrusted hop
        ("127.0.0.1", "198.51.100.7, 10.0.0.5", "198.51.100.7"),
        ("127.0.0.1", "10.0.0.6, 10.0.0.5", "10.0.0.6"),
    ],
)
def test_client_address(remote: str, xff: str, client: str) -> None:
    headers = {"X-Forwarded-For": xff} if xff else {}
    assert access.client_address(remote, headers, TRUSTED) == client


@pytest.mark.parametrize(
    ("scheme", "remote", "proto", "https"),
    [
        ("https", "203.0.113.9", "", True),
        ("http", "127.0.0.1", "https", True),
        ("http", "127.0.0.1", "http", False),
        ("http", "203.0.113.9", "https", False),
        ("http", "127.0.0.1", "HTTPS, http", True),
    ],
)
def test_is_https(scheme: str, remote: str, proto: str, https: bool) -> None:
    headers = {"X-Forwarded-Proto": proto} if proto else {}
    assert access.is_https(scheme, remote, headers, TRUSTED) is https


ALLOWED = access.allowed_hosts("127.0.0.1:8080", 8080, "https://care.example.org")


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("127.0.0.1:8080", True),
        ("localhost:8080", True),
        ("LOCALHOST:8080", True),
        ("[::1]:8080", True),
        ("care.example.org", False),  # port 80 is not where it is published
        ("care.example.org:443", True),
        ("127.0.0.1:8081", False),
        ("127.0.0.1", False),
        ("evil.example:8080", False),
        ("127.0.0.1.evil.example:8080", False),
        ("", False),
        ("user@127.0.0.1:8080", False),
        ("127.0.0.1:80x", False),
        ("[::1:8080", False),
    ],
)
def test_host_allowed(host: str, ok: bool) -> None:
    assert access.host_allowed(host, ALLOWED) is ok


def test_allowed_hosts_name_the_listen_host_but_not_a_wildcard() -> None:
    assert ("192.0.2.2", 9000) in access.allowed_hosts("192.0.2.2:8080", 9000)
    assert not any(h == "0.0.0.0" for h, _ in access.allowed_hosts("0.0.0.0:8080", 8080))
    assert ("care.example.org", 80) in access.allowed_hosts(
        "0.0.0.0:1", 1, "http://care.example.org/"
    )


@pytest.mark.parametrize(
    ("origin", "ok"),
    [
        (None, True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080", True),
        ("https://care.example.org", True),
        ("http://care.example.org", False),
        ("http://evil.example", False),
        ("null", False),
        ("", False),
        ("http://127.0.0.1:8080/path", False),
        ("file://", False),
    ],
)
def test_origin_allowed(origin: str | None, ok: bool) -> None:
    assert access.origin_allowed(origin, ALLOWED) is ok


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        ("Bearer s3cret-token", True),
        ("bearer s3cret-token", True),
        ("Bearer s3cret-tokeN", False),
        ("Bearer ", False),
        ("Basic s3cret-token", False),
        ("s3cret-token", False),
        ("", False),
    ],
)
def test_bearer_matches(header: str, ok: bool) -> None:
    assert access.bearer_matches(header, "s3cret-token") is ok
    assert access.bearer_matches(header, "") is False
