from django.test import Client

from mutua.audit.models import AuditEvent
from mutua.members.models import Member
from mutua.test import World, client_for


def test_footer_language_switch_becomes_members_preferred_language(world: World) -> None:
    client = client_for(world.ben)
    response = client.post("/language/", {"language": "es", "next": "/requests/"})
    assert response.status_code == 302
    assert Member.objects.get(pk=world.ben.pk).preferred_language == "es"
    assert AuditEvent.objects.filter(action="member.language_changed").count() == 1
    page = client.get("/requests/")
    assert page.headers["Content-Language"] == "es"


def test_footer_language_switch_with_unknown_language_changes_nothing(world: World) -> None:
    client = client_for(world.ben)
    client.post("/language/", {"language": "xx", "next": "/requests/"})
    assert Member.objects.get(pk=world.ben.pk).preferred_language == "en"


def test_anonymous_visitor_can_switch_language_of_the_landing_page(db: None) -> None:
    client = Client()
    client.post("/language/", {"language": "es", "next": "/"})
    assert client.get("/").headers["Content-Language"] == "es"
