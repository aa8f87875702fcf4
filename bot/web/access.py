"""Where a request came from, and whether it may come in: loopback, trusted proxies, Host and
Origin. Pure functions over strings (tested with tables); the middlewares read the request.

A reverse proxy on the same machine makes every request arrive from 127.0.0.1, so "loopback"
means: the socket's peer is loopback and nothing says it was forwarded, or the peer is a trusted
proxy (`bot.trusted_proxies`) and the client it names is loopback too.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 (and ::ffff:127.x) and the name localhost."""
    if not address:
        return False
    host = address.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _in(address: str, networks: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    for net in networks:
        try:
            if ip in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(remote: str | None, headers: Mapping[str, str], trusted: Iterable[str]) -> str:
    """The client's address: the socket peer, or, when the peer is a trusted proxy, the
    rightmost X-Forwarded-For entry that is not a trusted proxy (the leftmost ones are the
    client's own claims and can be forged)."""
    trusted = list(trusted)
    peer = remote or ""
    if not peer or not _in(peer, trusted):
        return peer
    hops = [h.strip() for h in headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, trusted):
            return hop
    return hops[0] if hops else peer


def is_forwarded(headers: Mapping[str, str]) -> bool:
    return any(h in headers for h in FORWARDING_HEADERS)


def is_local_client(remote: str | None, headers: Mapping[str, str], trusted: Iterable[str]) -> bool:
    """The request comes from this machine: a loopback peer that forwards nobody, or a trusted
    proxy forwarding a loopback client. A loopback peer sending forwarding headers without being
    a trusted proxy is a proxy we were not told about: not local."""
    trusted = list(trusted)
    if not is_loopback(remote):
        return False
    if not is_forwarded(headers):
        return True
    if not _in(remote or "", trusted):
        return False
    return is_loopback(client_address(remote, headers, trusted))


def is_https(
    scheme: str, remote: str | None, headers: Mapping[str, str], trusted: Iterable[str]
) -> bool:
    """The browser's connection is HTTPS: ours is, or a trusted proxy says X-Forwarded-Proto."""
    if scheme == "https":
        return True
    if not _in(remote or "", trusted):
        return False
    proto = headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return proto == "https"


def split_host(value: str) -> tuple[str, int | None] | None:
    """("host", port or None) of a Host header value or netloc; None if malformed."""
    value = value.strip().lower()
    if not value or "@" in value or "/" in value:
        return None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        host, rest = value[: end + 1], value[end + 1 :]
    else:
        host, colon, port_s = value.partition(":")
        rest = colon + port_s
    if not rest:
        return host, None
    if not rest.startswith(":") or not rest[1:].isdigit():
        return None
    return host, int(rest[1:])


def allowed_hosts(listen: str, port: int, public_url: str = "") -> set[tuple[str, int]]:
    """(host, port) pairs a Host header may name: loopback names and the listen host on the port
    the server was reached on, and the host of `bot.public_url` (with its own port)."""
    listen_host = listen.rpartition(":")[0].lower()
    names = set(LOOPBACK_NAMES)
    if listen_host and listen_host not in ("0.0.0.0", "::", "[::]"):
        names.add(
            f"[{listen_host}]" if ":" in listen_host and "[" not in listen_host else listen_host
        )
    out = {(n, port) for n in names}
    if public_url:
        parts = urlsplit(public_url)
        if parts.hostname:
            default = 443 if parts.scheme == "https" else 80
            host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
            out.add((host.lower(), parts.port or default))
    return out


def host_allowed(host_header: str, allowed: set[tuple[str, int]], default_port: int = 80) -> bool:
    """The Host header names this server (a rebinding page's Host names the attacker's domain)."""
    parsed = split_host(host_header)
    if parsed is None:
        return False
    host, port = parsed
    return (host, port if port is not None else default_port) in allowed


def origin_allowed(origin: str | None, allowed: set[tuple[str, int]]) -> bool:
    """No Origin (a same-origin GET, curl) is fine; one that is present must be this server."""
    if origin is None:
        return True
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        return False
    return host_allowed(parts.netloc, allowed, 443 if parts.scheme == "https" else 80)


def bearer_matches(authorization: str, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "replace"), token.encode())
