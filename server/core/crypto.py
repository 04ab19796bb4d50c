"""Encryption at rest for addresses and phone numbers (AES-GCM), plus blind indexes.

Stored form: ``v1:<key id>:<base64 nonce+ciphertext>``. Keys come from
``DOORSTEP_ENCRYPTION_KEYS`` (comma-separated base64 32-byte keys): the first encrypts,
every listed key decrypts. Rotation:

1. generate a key
   (``python -c "import os,base64;print(base64.urlsafe_b64encode(os.urandom(32)).decode())"``)
   and put it FIRST in ``DOORSTEP_ENCRYPTION_KEYS``, keeping the old key(s) after it;
   restart the servers (new writes use the new key, old values still decrypt);
2. run ``doorstep privacy rotate-keys``: every ``*_enc`` column of every table is
   re-encrypted under the first key (idempotent, row by row, safe while serving);
3. drop the old key from the list and restart. Stored idempotent replies are encrypted too
   but not rotated: they live ``DOORSTEP_IDEMPOTENCY_RETENTION_HOURS`` (24 h), so wait that
   long after step 1 before dropping the old key, or their replays answer 409.

Stored files (photos, certificates, work orders, invoices) are sealed the same way in a
binary form (``seal``); step 2 re-seals them too.

Without ``DOORSTEP_ENCRYPTION_KEYS`` the key is derived from the secret key (development).
The blind index key stays derived from the secret key, so rotation never touches lookups.
A blind index (HMAC-SHA256 of the normalised value) lets us look a phone up
without storing it in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED = b"DSv1"  # the first bytes of a sealed file


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(SEALED)


def _key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


class FieldCipher:
    def __init__(self, keys: list[bytes], index_key: bytes) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        for key in keys:
            if len(key) != 32:
                raise ValueError("encryption keys must be 32 bytes")
        self._keys = {_key_id(k): AESGCM(k) for k in keys}
        self._primary = _key_id(keys[0])
        self._index_key = index_key

    @classmethod
    def from_settings(cls, encryption_keys: str, secret_key: str) -> FieldCipher:
        if not secret_key:  # keys derived from nothing would be the same for everyone
            raise ValueError(
                "no secret key: resolve the settings (Settings.with_install_secrets) first"
            )
        if encryption_keys.strip():
            keys = [
                base64.urlsafe_b64decode(k.strip() + "==")
                for k in encryption_keys.split(",")
                if k.strip()
            ]
        else:
            keys = [hashlib.sha256(("enc:" + secret_key).encode()).digest()]
        index_key = hashlib.sha256(("idx:" + secret_key).encode()).digest()
        return cls(keys, index_key)

    @property
    def primary_key_id(self) -> str:
        return self._primary

    def encrypt(self, plaintext: str) -> str:
        return self.encrypt_bytes(plaintext.encode())

    def decrypt(self, token: str) -> str:
        return self.decrypt_bytes(token).decode()

    def encrypt_bytes(self, data: bytes) -> str:
        """For opaque payloads (stored idempotent replies); same token format as text."""
        nonce = os.urandom(12)
        sealed = self._keys[self._primary].encrypt(nonce, data, None)
        return f"v1:{self._primary}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt_bytes(self, token: str) -> bytes:
        _version, key_id, payload = token.split(":", 2)
        raw = base64.b64decode(payload)
        return self._keys[key_id].decrypt(raw[:12], raw[12:], None)

    def seal(self, data: bytes) -> bytes:
        """Binary form for files: ``SEALED`` + key id + nonce + ciphertext (no base64)."""
        nonce = os.urandom(12)
        return (
            SEALED
            + self._primary.encode()
            + nonce
            + self._keys[self._primary].encrypt(nonce, data, None)
        )

    def open_sealed(self, blob: bytes) -> bytes:
        key_id, nonce, sealed = blob[4:12].decode(), blob[12:24], blob[24:]
        return self._keys[key_id].decrypt(nonce, sealed, None)

    def sealed_under_primary(self, blob: bytes) -> bool:
        return is_sealed(blob) and blob[4:12] == self._primary.encode()

    def needs_rotation(self, token: str) -> bool:
        return token.split(":", 2)[1] != self._primary

    def blind_index(self, value: str) -> str:
        return hmac.new(
            self._index_key, normalize_phone(value).encode(), hashlib.sha256
        ).hexdigest()


_PHONE_RE = re.compile(r"^\+?\d{6,15}$")


def normalize_phone(phone: str) -> str:
    return re.sub(r"[\s\-()]", "", phone)


def is_valid_phone(phone: str) -> bool:
    return bool(_PHONE_RE.match(normalize_phone(phone)))


def mask_phone(phone: str) -> str:
    """138****5678 style: enough to recognise, not enough to call."""
    digits = normalize_phone(phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"
