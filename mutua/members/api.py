"""Who am I, over JSON: a script's first call, to learn its member and pod ids."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from mutua.lib.api import ERRORS, current_member
from mutua.members.models import Pod, PodMembership

router = Router()


class MyPodOut(Schema):
    id: int
    name: str
    network_id: int
    network_name: str


class MeOut(Schema):
    id: int
    display_name: str
    preferred_language: str
    pods: list[MyPodOut]


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> MeOut:
    """The calling member and the pods they belong to (the ``pod_id`` to ask or offer in)."""
    member = current_member(request)
    pods = Pod.objects.filter(
        memberships__member=member, memberships__status=PodMembership.Status.ACTIVE
    ).select_related("network")
    return MeOut(
        id=member.pk,
        display_name=member.display_name,
        preferred_language=member.preferred_language,
        pods=[
            MyPodOut(
                id=pod.pk, name=pod.name, network_id=pod.network_id, network_name=pod.network.name
            )
            for pod in pods
        ],
    )
