"""Encryption at rest for the few fields that must never sit in the database as plain text.

Keys come from ``FIELD_ENCRYPTION_KEYS`` (newest first). MultiFernet encrypts with the first key and
decrypts with any, so rotating keys keeps old rows readable; ``rotate`` re-encrypts them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("MUTUA_FIELD_ENCRYPTION_KEYS must name at least one key.")
    if settings.DEVELOPMENT_ENCRYPTION_KEY in keys and not (settings.DEBUG or settings.TESTING):
        raise ImproperlyConfigured(
            "The development encryption key is not allowed with DEBUG off: "
            "set MUTUA_FIELD_ENCRYPTION_KEYS (generate one with "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`)."
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"A field encryption key is not a valid Fernet key: {error}"
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with any configured key: was a key removed "
            "from MUTUA_FIELD_ENCRYPTION_KEYS before rows were rotated?"
        ) from error


def rotate(token: str) -> str:
    """Re-encrypt a stored value with the newest key."""
    return fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField[str, str]):
    """A text column stored as a Fernet token; empty strings stay empty (nothing to hide)."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:  # None or "": nothing was encrypted
            return value
        return decrypt(value)
