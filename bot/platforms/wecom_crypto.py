"""WeCom's callback encryption (WXBizMsgCrypt): SHA1 signature, AES-256-CBC, PKCS#7 to 32 bytes.

The plaintext inside the ciphertext is 16 random bytes, the message length as 4 bytes big-endian,
the message, then the receive id (the corp id; "" for an in-house intelligent robot). These
functions check only the cryptography: the replay window lives with the caller, so WeCom's
published examples (with their old timestamps) can be checked here as they are.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import struct
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.errors import SignatureError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

PAD_BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16
_KEY_CHARS = re.compile(r"^[A-Za-z0-9+/]{43}$")
_B64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


def is_encoding_aes_key(value: str) -> bool:
    """Whether `value` looks like an EncodingAESKey: 43 base64 characters naming 32 bytes."""
    if not _KEY_CHARS.match(value):
        return False
    return len(base64.b64decode(value + "=")) == 32


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """msg_signature: hex SHA1 over token, timestamp, nonce and ciphertext, sorted and joined."""
    joined = "".join(sorted([token, timestamp, nonce, encrypt]))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def pkcs7_pad(data: bytes, block: int = PAD_BLOCK) -> bytes:
    n = block - len(data) % block
    return data + bytes([n]) * n


def pkcs7_unpad(data: bytes, block: int = PAD_BLOCK) -> bytes:
    """Remove PKCS#7 padding to `block` bytes, refusing anything that is not exactly that."""
    if not data or len(data) % block:
        raise SignatureError(f"decrypted length is not a multiple of {block} bytes")
    n = data[-1]
    if not 1 <= n <= block or data[-n:] != bytes([n]) * n:
        raise SignatureError("bad padding after decryption; check encoding_aes_key")
    return data[:-n]


@dataclass(frozen=True, slots=True)
class Opened:
    """A decrypted message and the receive id it was sealed for."""

    message: bytes
    receive_id: str


@dataclass(frozen=True)
class WeComCipher:
    """One callback's token and AES key. Never printed: repr hides both."""

    token: str = field(repr=False)
    key: bytes = field(repr=False)

    @classmethod
    def from_config(cls, token: str, encoding_aes_key: str) -> WeComCipher:
        if not is_encoding_aes_key(encoding_aes_key):
            raise ValueError(
                "encoding_aes_key must be the 43 characters WeCom shows (letters, digits, + and /)"
            )
        return cls(token, base64.b64decode(encoding_aes_key + "="))

    def _cipher(self) -> Cipher[modes.CBC]:
        # Imported here: a bot without an encrypted platform need not carry it (about 7 MiB).
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return signature(self.token, timestamp, nonce, encrypt)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        """Raise SignatureError unless `msg_signature` signs this ciphertext."""
        expected = self.signature(timestamp, nonce, encrypt)
        given = msg_signature.strip().lower().encode("utf-8", "replace")
        if not hmac.compare_digest(expected.encode(), given):
            raise SignatureError("msg_signature does not match; check the token")

    def decrypt(self, encrypt: str) -> Opened:
        """Decrypt a base64 ciphertext into the message and its receive id."""
        if not _B64.match(encrypt) or len(encrypt) % 4:
            raise SignatureError("the ciphertext is not base64")
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except binascii.Error:
            raise SignatureError("the ciphertext is not base64") from None
        if not raw or len(raw) % 16:
            raise SignatureError("the ciphertext is not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        plain = pkcs7_unpad(decryptor.update(raw) + decryptor.finalize())
        if len(plain) < 20:
            raise SignatureError("the decrypted message is too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if length > len(plain) - 20:
            raise SignatureError("the decrypted length field is larger than the message")
        message, rest = plain[20 : 20 + length], plain[20 + length :]
        try:
            receive_id = rest.decode("utf-8")
        except UnicodeDecodeError:
            raise SignatureError("the decrypted receive id is not UTF-8") from None
        return Opened(message, receive_id)

    def encrypt(self, message: bytes, receive_id: str, random16: bytes | None = None) -> str:
        """The base64 ciphertext WeCom would send for `message` (random16 fixed only in tests)."""
        prefix = os.urandom(16) if random16 is None else random16
        if len(prefix) != 16:
            raise ValueError("random16 must be 16 bytes")
        body = prefix + struct.pack(">I", len(message)) + message + receive_id.encode("utf-8")
        encryptor = self._cipher().encryptor()
        sealed = encryptor.update(pkcs7_pad(body)) + encryptor.finalize()
        return base64.b64encode(sealed).decode("ascii")

    def open(
        self,
        msg_signature: str,
        timestamp: str,
        nonce: str,
        encrypt: str,
        receive_ids: Collection[str],
    ) -> bytes:
        """Verify, decrypt and check the receive id: the message bytes, or SignatureError."""
        self.verify(msg_signature, timestamp, nonce, encrypt)
        opened = self.decrypt(encrypt)
        if opened.receive_id not in receive_ids:
            raise SignatureError("the message was sealed for another receive id; check corp_id")
        return opened.message

    def seal(self, message: bytes, receive_id: str, timestamp: str, nonce: str) -> tuple[str, str]:
        """(ciphertext, msg_signature) for `message`, as WeCom would send it."""
        encrypt = self.encrypt(message, receive_id)
        return encrypt, self.signature(timestamp, nonce, encrypt)
