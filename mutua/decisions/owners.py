"""Who an agreement, a proposal or a meeting belongs to: exactly one pod or one network.

Both the agreements and the decisions apps speak of "the pod or network" in the same way, so the
membership questions they ask (who takes part, who facilitates) are answered here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from mutua.members.access import is_pod_member, is_pod_organizer
from mutua.members.models import Member, Network, NetworkMembership, Pod, PodMembership

POD = "pod"
NETWORK = "network"


@dataclass(frozen=True)
class Owner:
    """A pod or a network; exactly one of the two is set."""

    pod: Pod | None = None
    network: Network | None = None

    def __post_init__(self) -> None:
        assert (self.pod is None) != (self.network is None), "an owner is a pod or a network"

    @classmethod
    def of(cls, row: object) -> Owner:
        """The owner of a row with ``pod`` and ``network`` foreign keys (one of them null)."""
        pod = getattr(row, "pod", None)
        return cls(pod=pod) if pod is not None else cls(network=getattr(row, "network", None))

    @property
    def kind(self) -> str:
        return POD if self.pod is not None else NETWORK

    @property
    def pk(self) -> int:
        thing = self.pod or self.network
        assert thing is not None
        return thing.pk

    @property
    def name(self) -> str:
        return str(self.pod or self.network)

    @property
    def network_id(self) -> int:
        if self.pod is not None:
            return self.pod.network_id
        assert self.network is not None
        return self.network.pk

    def lookup(self) -> dict[str, Any]:
        """Keyword arguments selecting this owner's rows: ``Model.objects.filter(**lookup)``."""
        return (
            {"pod": self.pod, "network": None}
            if self.pod
            else {"pod": None, "network": self.network}
        )

    def url(self) -> str:
        if self.pod is not None:
            return self.pod.get_absolute_url()
        assert self.network is not None
        return reverse("members:network_detail", args=[self.network.slug])

    def members(self) -> QuerySet[Member]:
        """Who takes part: the pod's active members, or everyone in the network."""
        if self.pod is not None:
            return Member.objects.filter(
                pk__in=PodMembership.objects.filter(
                    pod=self.pod, status=PodMembership.Status.ACTIVE
                ).values("member_id")
            )
        return Member.objects.filter(
            pk__in=NetworkMembership.objects.filter(network=self.network).values("member_id")
        )

    def organizers(self) -> QuerySet[Member]:
        """The pod's organizers (not the network's), or the network's organizers."""
        if self.pod is not None:
            return Member.objects.filter(
                pk__in=PodMembership.objects.filter(
                    pod=self.pod,
                    status=PodMembership.Status.ACTIVE,
                    role=PodMembership.Role.ORGANIZER,
                ).values("member_id")
            )
        return Member.objects.filter(
            pk__in=NetworkMembership.objects.filter(
                network=self.network, role=NetworkMembership.Role.ORGANIZER
            ).values("member_id")
        )

    def takes_part(self, member: Member) -> bool:
        """May sign the agreement, vote and attend: an active pod member / a network member."""
        if self.pod is not None:
            return is_pod_member(member, self.pod)
        return NetworkMembership.objects.filter(network=self.network, member=member).exists()

    def is_facilitator(self, member: Member) -> bool:
        """May record votes gathered offline: the pod's (or network's) organizers."""
        if self.pod is not None:
            return is_pod_organizer(member, self.pod)
        return NetworkMembership.objects.filter(
            network=self.network, member=member, role=NetworkMembership.Role.ORGANIZER
        ).exists()
