"""Exact addresses and private notes are encrypted at rest, and key rotation keeps them readable.

The checks read the raw table with SQL, the way someone holding a copy of the database would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from mutua.exchange import services
from mutua.exchange.models import Category, Request, RequestPrivate, Scope
from mutua.exchange.services import RequestDraft
from mutua.lib import crypto
from mutua.test import World

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
PRIVATE_COLUMNS = ("address", "details", "access_notes", "contact_phone")


@pytest.fixture(autouse=True)
def fresh_keys() -> Iterator[None]:
    crypto._fernet.cache_clear()
    yield
    crypto._fernet.cache_clear()


def ask(
    world: World,
    address: str,
    *,
    details: str = "",
    access_notes: str = "",
    contact_phone: str = "",
) -> Request:
    return services.create_request(
        author=world.rosa,
        draft=RequestDraft(
            pod=world.maple,
            scope=Scope.POD,
            category=Category.MEDICAL_SUPPLIES,
            summary="Pick up a prescription",
            address=address,
            details=details,
            access_notes=access_notes,
            contact_phone=contact_phone,
        ),
    )


def raw_private_row(aid_request: Request) -> dict[str, Any]:
    columns = ", ".join(PRIVATE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM exchange_requestprivate WHERE request_id = %s",  # noqa: S608
            [aid_request.pk],
        )
        row = cursor.fetchone()
    assert row is not None
    return dict(zip(PRIVATE_COLUMNS, row, strict=True))


def test_raw_row_holds_no_plaintext_but_the_model_reads_it(world: World) -> None:
    aid_request = ask(
        world,
        "12 Elm Street, flat 3",
        details="Insulin from the pharmacy on Main",
        access_notes="Side door, code 4417",
        contact_phone="+12025550143",
    )

    raw = raw_private_row(aid_request)
    plaintexts = {
        "address": "12 Elm Street, flat 3",
        "details": "Insulin from the pharmacy on Main",
        "access_notes": "Side door, code 4417",
        "contact_phone": "+12025550143",
    }
    for column, plaintext in plaintexts.items():
        assert plaintext not in raw[column]
        for word in plaintext.split():
            if len(word) >= 4:  # shorter ones turn up in any base64 token by chance
                assert word not in raw[column]
        # It is a token for the configured key, not plaintext in disguise.
        key = settings.FIELD_ENCRYPTION_KEYS[0].encode()
        assert Fernet(key).decrypt(raw[column].encode()).decode() == plaintext

    private = RequestPrivate.objects.get(request=aid_request)
    assert {column: getattr(private, column) for column in PRIVATE_COLUMNS} == plaintexts


def test_no_table_anywhere_holds_the_address_in_plain_text(world: World) -> None:
    """Not in the request, not in the audit trail, not in a queued email: nowhere."""
    aid_request = ask(world, "12 Elm Street, flat 3", details="Insulin from the pharmacy")
    services.claim_request(aid_request=aid_request, actor=world.ben)

    tables = {model._meta.db_table for model in apps.get_models()}
    found = []
    with connection.cursor() as cursor:
        for table in sorted(tables & set(connection.introspection.table_names(cursor))):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row)
                if "Elm Street" in text or "Insulin" in text:
                    found.append(table)
    assert found == []


def test_empty_private_fields_stay_empty(world: World) -> None:
    aid_request = ask(world, "")

    assert raw_private_row(aid_request) == dict.fromkeys(PRIVATE_COLUMNS, "")


def test_rotated_keys_keep_old_rows_readable_and_new_rows_use_the_new_key(world: World) -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        old = ask(world, "1 Old Road")
        assert Fernet(KEY_A.encode()).decrypt(raw_private_row(old)["address"].encode())

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        assert RequestPrivate.objects.get(request=old).address == "1 Old Road"
        new = ask(world, "2 New Road")
        new_token = raw_private_row(new)["address"].encode()
        assert Fernet(KEY_B.encode()).decrypt(new_token) == b"2 New Road"
        with pytest.raises(InvalidToken):
            Fernet(KEY_A.encode()).decrypt(new_token)

    # Dropping the old key before re-encrypting its rows is refused loudly, not read as garbage.
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        assert RequestPrivate.objects.get(request=new).address == "2 New Road"
        with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
            RequestPrivate.objects.get(request=old)


def test_old_rows_rotated_to_the_new_key_survive_dropping_the_old_key(world: World) -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        old = ask(world, "1 Old Road", details="Second floor")

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        # What an operator does after adding a key: re-encrypt every stored value with it.
        raw = raw_private_row(old)
        rotated = {column: crypto.rotate(raw[column]) if raw[column] else "" for column in raw}
        assignments = ", ".join(f"{column} = %s" for column in rotated)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE exchange_requestprivate SET {assignments} WHERE request_id = %s",  # noqa: S608
                [*rotated.values(), old.pk],
            )

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        private = RequestPrivate.objects.get(request=old)
        assert (private.address, private.details) == ("1 Old Road", "Second floor")
