"""Encryption of secrets at rest (Fernet, with key rotation through MultiFernet)."""
from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class KeyringNotConfigured(RuntimeError):
    """A secret column was read or written before configure_keys() ran."""


_keyring: MultiFernet | None = None
# The first key of the keyring: the one that encrypts, and the only one a rotated value needs.
_primary: Fernet | None = None


def configure_keys(spec: str) -> None:
    """Set the process keyring from a comma-separated list; the first key encrypts."""
    global _keyring, _primary
    keys = [k.strip() for k in spec.split(",") if k.strip()]
    try:
        fernets = [Fernet(k) for k in keys]
        _keyring = MultiFernet(fernets)
    except (ValueError, TypeError):
        from app.config import ConfigError

        # The key itself is never quoted: it is the secret.
        raise ConfigError("TOKEN_ENCRYPTION_KEY", "must hold url-safe base64 Fernet keys of 32 bytes each, "
                          "comma-separated (make one: python -c 'from cryptography.fernet import Fernet; "
                          "print(Fernet.generate_key().decode())')") from None
    _primary = fernets[0]
    _decrypt.cache_clear()


def _ring() -> MultiFernet:
    if _keyring is None:
        raise KeyringNotConfigured("call app.keys.encryption.configure_keys first")
    return _keyring


def encrypt(plain: str) -> str:
    return _ring().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _decrypt(token)
    except InvalidToken as exc:
        raise ValueError("stored secret cannot be decrypted with the configured keys") from exc


@lru_cache(maxsize=4096)
def _decrypt(token: str) -> str:
    """Every load of a shop row decrypts its secrets (≈50 µs each, an HMAC and AES), though
    they seldom change: remember the answers per ciphertext. The plaintext stays in this
    process's memory, where it lives anyway while the app uses it; a new keyring empties it."""
    return _ring().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt a stored value under the newest key."""
    try:
        return _ring().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("stored secret cannot be decrypted with the configured keys") from exc


def under_first_key(token: str) -> bool:
    """Whether the first key alone decrypts this value (rotating it again would change nothing)."""
    if _primary is None:
        raise KeyringNotConfigured("call app.keys.encryption.configure_keys first")
    try:
        _primary.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


class EncryptedText(TypeDecorator):
    """A text column whose value is Fernet-encrypted in the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect):
        return None if value is None else decrypt(value)
