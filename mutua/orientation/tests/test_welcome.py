"""The welcome checklist (computed from real data), emergency contacts and who sees them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from mutua.agreements.models import Agreement
from mutua.agreements.services import sign_agreement
from mutua.audit.models import AuditEvent
from mutua.decisions.tests.helpers import adopt, propose
from mutua.members.models import Member, PodMembership
from mutua.members.services import create_api_token
from mutua.orientation import checklist, services
from mutua.orientation.models import EmergencyContact
from mutua.schedules.services import take_on_role
from mutua.schedules.tests.helpers import make_role
from mutua.test import World, client_for, make_member


def steps_done(member: Member, world: World) -> dict[str, bool]:
    member = Member.objects.select_related("user").get(pk=member.pk)
    return {s.key: s.is_done for s in checklist.checklist(member, world.maple).steps}


def maple_organizer(world: World) -> Member:
    """Mara organizes Maple Street itself (a pod-level organizer)."""
    mara = make_member("Mara", pod=world.maple, network=world.network)
    PodMembership.objects.filter(member=mara).update(role=PodMembership.Role.ORGANIZER)
    return mara


def test_each_step_is_done_when_the_thing_itself_is_there(world: World) -> None:
    Member.objects.filter(pk=world.chloe.pk).update(preferred_channel=Member.Channel.SMS)
    assert steps_done(world.chloe, world) == {
        "agreement": False,
        "commitment": False,
        "channel": False,  # prefers texts, has no phone
        "emergency_contact": False,
    }
    version = adopt(propose(world.rosa, world.maple), [world.rosa, world.ben, world.chloe])
    agreement = Agreement.objects.get(pod=world.maple)
    assert steps_done(world.chloe, world)["agreement"] is False  # adopted is not signed
    sign_agreement(agreement=agreement, version_number=version.number, actor=world.chloe)
    assert steps_done(world.chloe, world)["agreement"] is True
    role = make_role(world.maple, world.ben)
    take_on_role(role=role, member=world.chloe, kind="standby", actor=world.chloe)
    assert steps_done(world.chloe, world)["commitment"] is True
    Member.objects.filter(pk=world.chloe.pk).update(phone="+15550100003")
    assert steps_done(world.chloe, world)["channel"] is True
    services.set_emergency_contact(
        member=world.chloe, name="Dana", phone="+1 415 555 0109", actor=world.chloe
    )
    assert all(steps_done(world.chloe, world).values())


def test_saying_not_now_answers_the_commitment_step(world: World) -> None:
    services.say_not_now(member=world.rosa, pod=world.maple, actor=world.rosa)
    assert steps_done(world.rosa, world)["commitment"] is True
    assert AuditEvent.objects.filter(action="commitment.not_now", actor=world.rosa).exists()
    with pytest.raises(ValidationError) as info:
        services.say_not_now(member=world.dev, pod=world.maple, actor=world.dev)
    assert info.value.code == "not_in_pod"


def test_emergency_contact_is_encrypted_at_rest(world: World) -> None:
    services.set_emergency_contact(
        member=world.rosa, name="Lucia Marquez", phone="+14155550177", actor=world.rosa
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM orientation_emergencycontact")
        raw_name, raw_phone = cursor.fetchone()
    assert "Lucia" not in raw_name and "4155550177" not in raw_phone
    contact = EmergencyContact.objects.get(member=world.rosa)
    assert (contact.name, contact.phone) == ("Lucia Marquez", "+14155550177")
    event = AuditEvent.objects.get(action="emergency_contact.added")
    assert "Lucia" not in str(event.data)


def test_emergency_contact_needs_a_name_and_a_real_phone(world: World) -> None:
    for name, phone, code in [
        ("", "+14155550177", "empty_name"),
        ("Lucia", "", "empty_phone"),
        ("Lucia", "4155550177", "phone_needs_country_code"),
    ]:
        with pytest.raises(ValidationError) as info:
            services.set_emergency_contact(
                member=world.rosa, name=name, phone=phone, actor=world.rosa
            )
        assert info.value.code == code
    with pytest.raises(ValidationError) as info:
        services.set_emergency_contact(
            member=world.rosa, name="Lucia", phone="+14155550177", actor=world.ben
        )
    assert info.value.code == "not_yours"
    assert not EmergencyContact.objects.exists()


def test_emergency_contact_is_seen_by_the_member_and_their_pods_organizers_only(
    world: World,
) -> None:
    mara = maple_organizer(world)
    services.set_emergency_contact(
        member=world.rosa, name="Lucia Marquez", phone="+14155550177", actor=world.rosa
    )
    url = reverse("orientation:member_emergency_contact", args=[world.rosa.pk])
    for viewer in (world.rosa, mara):
        page = client_for(viewer).get(url)
        assert page.status_code == 200 and "Lucia Marquez" in page.content.decode()
    # Same pod, another pod, the network organizer of another pod, another network: not found.
    for viewer in (world.ben, world.dev, world.olu, world.zed):
        assert client_for(viewer).get(url).status_code == 404, viewer


def test_emergency_contact_form_saves_and_shows_errors(world: World) -> None:
    client = client_for(world.ben)
    url = reverse("orientation:emergency_contact")
    bad = client.post(url, {"name": "Sam", "phone": "12", "relationship": ""})
    assert bad.status_code == 400 and "country code" in bad.content.decode()
    good = client.post(url, {"name": "Sam", "phone": "+14155550155", "relationship": "brother"})
    assert good.status_code == 302
    assert EmergencyContact.objects.get(member=world.ben).relationship == "brother"


def test_welcome_page_and_pod_sees_who_is_being_welcomed(world: World) -> None:
    services.set_emergency_contact(
        member=world.ben, name="Sam", phone="+14155550155", actor=world.ben
    )
    page = client_for(world.ben).get(reverse("orientation:welcome")).content.decode()
    assert "2 of 4 steps done" in page  # email channel + emergency contact
    pod_page = client_for(world.chloe).get(world.maple.get_absolute_url()).content.decode()
    assert "Ben: 2 of 4 steps done" in pod_page and "Chloe: 1 of 4 steps done" in pod_page
    welcomes = client_for(world.chloe).get(
        reverse("orientation:pod_welcomes", args=[world.maple.pk])
    )
    assert "3 of 3 members are still finding their feet" in welcomes.content.decode()
    assert (
        client_for(world.zed)
        .get(reverse("orientation:pod_welcomes", args=[world.maple.pk]))
        .status_code
        == 404
    )


def test_not_now_on_the_welcome_page(world: World) -> None:
    client = client_for(world.chloe)
    assert client.post(reverse("orientation:not_now", args=[world.maple.pk])).status_code == 302
    assert steps_done(world.chloe, world)["commitment"] is True
    assert client.post(reverse("orientation:not_now", args=[world.oak.pk])).status_code == 404


def test_pod_welcomes_take_the_same_queries_for_three_members_or_eight(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(world.ben)
    url = reverse("orientation:pod_welcomes", args=[world.maple.pk])
    client.get(url)
    with django_assert_num_queries(11) as three:
        assert client.get(url).status_code == 200
    for n in range(5):
        newcomer = make_member(f"New {n}", pod=world.maple, network=world.network)
        services.set_emergency_contact(
            member=newcomer, name="Kin", phone="+14155550155", actor=newcomer
        )
    with django_assert_num_queries(len(three.captured_queries)):
        page = client.get(url).content.decode()
    assert "8 of 8 members" in page


def api(member: Member) -> Client:
    _, secret = create_api_token(member=member, name="script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_checklist_and_emergency_contact_over_the_api(world: World) -> None:
    mara = maple_organizer(world)
    rosa = api(world.rosa)
    first = rosa.get(f"/api/pods/{world.maple.pk}/welcome").json()
    assert first["done_count"] == 1  # Rosa's preferred email reaches her; no agreement yet
    put = rosa.put(
        "/api/me/emergency-contact",
        {"name": "Lucia", "phone": "+14155550177", "relationship": "sister"},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["phone"] == "+14155550177"
    bad = rosa.put(
        "/api/me/emergency-contact",
        {"name": "Lucia", "phone": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "phone_needs_country_code"
    after = rosa.post(f"/api/pods/{world.maple.pk}/welcome/not-now").json()
    assert after["done_count"] == 3 and not after["is_complete"]  # the agreement is left
    assert api(mara).get(f"/api/members/{world.rosa.pk}/emergency-contact").json()["name"] == (
        "Lucia"
    )
    assert api(world.ben).get(f"/api/members/{world.rosa.pk}/emergency-contact").status_code == 404
    welcomes = api(world.ben).get(f"/api/pods/{world.maple.pk}/welcomes").json()
    assert world.rosa.pk in [row["member_id"] for row in welcomes]
    assert rosa.delete("/api/me/emergency-contact").status_code == 204
    assert rosa.get("/api/me/emergency-contact").status_code == 404
