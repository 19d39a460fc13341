"""Encryption at rest: tokens, key rotation and the keys Mutua refuses to run with."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from mutua.lib import crypto

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def fresh_keys() -> Iterator[None]:
    """The key check runs once per key set; start and end each test without cached keys."""
    crypto._fernet.cache_clear()
    yield
    crypto._fernet.cache_clear()


@override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A])
def test_encrypted_value_reads_back_and_hides_the_plaintext() -> None:
    token = crypto.encrypt("12 Elm Street")

    assert "Elm" not in token
    assert crypto.decrypt(token) == "12 Elm Street"
    assert Fernet(KEY_A.encode()).decrypt(token.encode()) == b"12 Elm Street"
    # Same text, different token each time: equal addresses cannot be spotted in the table.
    assert crypto.encrypt("12 Elm Street") != token


def test_rotate_moves_an_old_value_to_the_newest_key() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        old_token = crypto.encrypt("12 Elm Street")

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        assert crypto.decrypt(old_token) == "12 Elm Street"
        new_token = crypto.rotate(old_token)

    assert Fernet(KEY_B.encode()).decrypt(new_token.encode()) == b"12 Elm Street"
    with pytest.raises(InvalidToken):
        Fernet(KEY_A.encode()).decrypt(new_token.encode())
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        assert crypto.decrypt(new_token) == "12 Elm Street"
        with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
            crypto.decrypt(old_token)


@override_settings(DEBUG=False, TESTING=False)
def test_development_key_is_refused_in_production() -> None:
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[settings.DEVELOPMENT_ENCRYPTION_KEY]),
        pytest.raises(ImproperlyConfigured, match="development encryption key"),
    ):
        crypto.encrypt("12 Elm Street")
    # Even as an old key kept for rotation.
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A, settings.DEVELOPMENT_ENCRYPTION_KEY]),
        pytest.raises(ImproperlyConfigured, match="development encryption key"),
    ):
        crypto.encrypt("12 Elm Street")
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        assert crypto.decrypt(crypto.encrypt("12 Elm Street")) == "12 Elm Street"


@override_settings(DEBUG=True, TESTING=False)
def test_development_key_is_allowed_with_debug_on() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[settings.DEVELOPMENT_ENCRYPTION_KEY]):
        assert crypto.decrypt(crypto.encrypt("12 Elm Street")) == "12 Elm Street"


@pytest.mark.parametrize(
    ("keys", "message"),
    [([], "at least one key"), (["not-a-fernet-key"], "not a valid Fernet key")],
)
def test_missing_or_malformed_keys_are_a_clear_configuration_error(
    keys: list[str], message: str
) -> None:
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=keys),
        pytest.raises(ImproperlyConfigured, match=message),
    ):
        crypto.encrypt("12 Elm Street")


@override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A])
def test_empty_values_are_stored_as_they_are() -> None:
    field = crypto.EncryptedTextField()

    assert field.get_prep_value("") == ""
    assert field.get_prep_value(None) is None
    assert field.from_db_value("", None, None) == ""
    token = field.get_prep_value("flat 3")
    assert token != "flat 3"
    assert field.from_db_value(token, None, None) == "flat 3"
