"""Shared test personas. Each exists for one permission fact; tests name them, not ids.

The world: the Riverside network has two pods, Maple Street and Oak Court. Pods hold households,
households hold members.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from mutua.members.models import (
    Household,
    Member,
    Network,
    NetworkMembership,
    Pod,
    PodMembership,
    User,
)


def make_member(
    name: str,
    *,
    pod: Pod | None,
    network: Network,
    language: str = "en",
    phone: str = "",
    organizer: bool = False,
    household: Household | None = None,
) -> Member:
    user = User.objects.create_user(email=f"{name.lower().replace(' ', '.')}@example.org")
    member = Member.objects.create(
        user=user, display_name=name, preferred_language=language, phone=phone
    )
    NetworkMembership.objects.create(
        network=network,
        member=member,
        role=NetworkMembership.Role.ORGANIZER if organizer else NetworkMembership.Role.MEMBER,
    )
    if pod is not None:
        if household is None:
            household = Household.objects.create(pod=pod, name=f"{name}'s household")
        PodMembership.objects.create(
            pod=pod,
            member=member,
            household=household,
            status=PodMembership.Status.ACTIVE,
            role=PodMembership.Role.ORGANIZER if organizer else PodMembership.Role.MEMBER,
        )
    return member


@dataclass
class World:
    network: Network
    maple: Pod
    oak: Pod
    # Asks for help in Maple Street; the only one (with the winning helper) who sees the details.
    rosa: Member
    # Maple Street neighbour who claims Rosa's request: sees the address only while it is theirs.
    ben: Member
    # Also in Maple Street: sees Rosa's summary, never her address.
    chloe: Member
    # In the other pod, Oak Court: sees network-scoped requests only, never pod-scoped ones.
    dev: Member
    # Network organizer living in Oak Court: organizes, yet sees no private details either.
    olu: Member
    # In another network altogether: sees nothing of Riverside.
    zed: Member


def build_world() -> World:
    network = Network.objects.create(name="Riverside", slug="riverside")
    maple = Pod.objects.create(network=network, name="Maple Street", area="Maple St")
    oak = Pod.objects.create(network=network, name="Oak Court", area="Oak Ct")
    other = Network.objects.create(name="Hilltop", slug="hilltop")
    hill_pod = Pod.objects.create(network=other, name="Summit", area="Summit Rd")
    return World(
        network=network,
        maple=maple,
        oak=oak,
        rosa=make_member("Rosa", pod=maple, network=network, language="es", phone="+15550100001"),
        ben=make_member("Ben", pod=maple, network=network, phone="+15550100002"),
        chloe=make_member("Chloe", pod=maple, network=network),
        dev=make_member("Dev", pod=oak, network=network),
        olu=make_member("Olu", pod=oak, network=network, organizer=True),
        zed=make_member("Zed", pod=hill_pod, network=other),
    )


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the default language: a Spanish page rendered by an earlier test on the
    same worker must not leave Spanish active for code called outside a request."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def client_for(member: Member) -> Client:
    """A web client signed in as ``member``."""
    client = Client()
    client.force_login(member.user)
    return client
