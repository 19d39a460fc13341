"""Spanish-speaking members get Mutua in Spanish, and the Spanish catalogue stays complete.

The catalogue test fails as soon as a string is marked for translation without being
translated: run `make messages`, translate, run it again (see DEVELOPERS.md).
"""

from __future__ import annotations

import ast
import gettext
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mutua.members import services
from mutua.test import World

CATALOGUE = Path(settings.BASE_DIR) / "mutua" / "locale" / "es" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")

Capture = Callable[..., AbstractContextManager[Any]]


@dataclass
class Entry:
    """One entry of a .po file: just what the completeness checks need."""

    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(text: str) -> str:
    # A .po string is a C string in double quotes; Python's literal syntax reads it the same.
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


def parse_po(path: Path) -> list[Entry]:
    """A tiny .po reader: entries with their strings and flags, obsolete (#~) entries skipped."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, target
        if entry.msgid or entry.msgstr:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            if entry.msgstr:
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            if entry.msgstr and not line.startswith("#~"):
                finish()
        elif line.startswith("msgctxt "):
            if entry.msgstr:
                finish()
            entry.msgctxt, target = _unquote(line[8:]), ("msgctxt", 0)
        elif line.startswith("msgid_plural "):
            entry.msgid_plural, target = _unquote(line[13:]), ("msgid_plural", 0)
        elif line.startswith("msgid "):
            if entry.msgstr:
                finish()
            entry.msgid, entry.line, target = _unquote(line[6:]), number, ("msgid", 0)
        elif line.startswith("msgstr["):
            found = re.fullmatch(r"msgstr\[(\d+)\] (.*)", line)
            assert found is not None, f"django.po:{number}: {line}"
            index = int(found.group(1))
            entry.msgstr[index], target = _unquote(found.group(2)), ("msgstr", index)
        elif line.startswith("msgstr "):
            entry.msgstr[0], target = _unquote(line[7:]), ("msgstr", 0)
        elif line.startswith('"') and target is not None:
            kind, index = target
            text = _unquote(line)
            if kind == "msgstr":
                entry.msgstr[index] += text
            elif kind == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + text
            elif kind == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + text
            else:
                entry.msgid += text
    finish()
    return entries


def _describe(entries: list[Entry]) -> str:
    return "\n".join(f"  django.po:{e.line}: {e.msgid[:70]!r}" for e in entries)


def test_spanish_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    entries = parse_po(CATALOGUE)
    header, messages = entries[0], entries[1:]
    assert header.msgid == "" and "fuzzy" not in header.flags
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert len(messages) > 1000  # the parser read the whole catalogue

    untranslated = [
        e
        for e in messages
        if not e.msgstr
        or any(text == "" for text in e.msgstr.values())
        or (e.msgid_plural is not None and sorted(e.msgstr) != [0, 1])
    ]
    fuzzy = [e for e in messages if "fuzzy" in e.flags]
    assert not untranslated, f"{len(untranslated)} untranslated:\n{_describe(untranslated)}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy:\n{_describe(fuzzy)}"


def test_compiled_catalogue_matches_the_po_file() -> None:
    """The committed .mo (used when gettext is not installed) holds every current translation."""
    with COMPILED.open("rb") as compiled:
        catalogue: dict[Any, str] = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    stale = []
    for e in parse_po(CATALOGUE)[1:]:
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        found = catalogue.get((key, 0)) if e.msgid_plural else catalogue.get(key)
        if found != e.msgstr[0]:
            stale.append(e)
    assert not stale, f"Run manage.py compilemessages; stale in the .mo:\n{_describe(stale)}"


def test_spanish_plurals_pick_the_right_form() -> None:
    with translation.override("es"):
        one = translation.ngettext("%(votes)s vote", "%(votes)s votes", 1) % {"votes": 1}
        many = translation.ngettext("%(votes)s vote", "%(votes)s votes", 3) % {"votes": 3}
    assert (one, many) == ("1 voto", "3 votos")


@pytest.fixture
def capture(django_capture_on_commit_callbacks: Capture) -> Callable[[], Any]:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_spanish_speaking_member_signs_in_and_reads_requests_in_spanish(
    world: World, capture: Callable[[], Any]
) -> None:
    client = Client()
    with capture():
        client.post(reverse("members:sign_in"), {"email": world.rosa.email})
    assert [m.subject for m in mail.outbox] == ["Tu código para iniciar sesión en Mutua"]
    body = str(mail.outbox[0].body)
    assert "Sirve una sola vez" in body
    found = re.search(r"\b(\d{6})\b", body)
    assert found is not None, body

    client.post(reverse("members:sign_in_code"), {"code": found.group(1)})
    page = client.get(reverse("exchange:request_list"))
    assert page.headers["Content-Language"] == "es"
    html = page.content.decode()
    assert "<h1>Solicitudes de ayuda</h1>" in html
    assert "Pedir ayuda" in html
    assert "Cerrar sesión" in html


def test_english_speaking_member_still_reads_requests_in_english(world: World) -> None:
    client = Client()
    client.force_login(world.ben.user)
    html = client.get(reverse("exchange:request_list")).content.decode()
    assert "<h1>Requests for help</h1>" in html


def test_sign_in_page_follows_the_browser_language(db: None) -> None:
    page = Client().get(reverse("members:sign_in"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Iniciar sesión" in page.content.decode()
    assert "No necesitas contraseña." in page.content.decode()


def test_notification_email_is_rendered_in_spanish(world: World) -> None:
    context = {
        "aid_request": {"summary": "Compras de la semana", "get_absolute_url": "/requests/1/"},
        "recipient": world.rosa,
        "url": "https://mutua.example/requests/1/",
    }
    with translation.override("es"):
        subject = render_to_string("notifications/new_request_subject.txt", context).strip()
    assert subject == "Nueva solicitud cerca de ti: Compras de la semana"


def test_service_errors_reach_spanish_speakers_in_spanish(world: World) -> None:
    """SMS and API users read these messages as they are."""
    with translation.override("es"), pytest.raises(ValidationError) as error:
        services.check_sign_in_code(email=world.rosa.email, code="000000")
    assert error.value.code == "code_expired"
    assert error.value.messages == ["Este código venció o ya se usó. Pide uno nuevo."]
