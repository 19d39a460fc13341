"""The welcome checklist, computed from real data: nobody ticks a box.

Four steps, each done when the thing itself is there:

* **agreement**: a signature on the current version of the pod's agreement;
* **commitment**: holding any role of the pod or its network (in turns, on standby or as deputy),
  or having said "not now";
* **channel**: the preferred channel can reach them (email always can; text or call needs a phone);
* **emergency contact**: one is on file.

One member's list and the whole pod's come from the same function, in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from mutua.agreements.models import Signature, agreement_url
from mutua.decisions.owners import Owner
from mutua.members.models import Member, Pod, PodMembership
from mutua.orientation.models import CommitmentDeferral, EmergencyContact
from mutua.schedules.models import RoleHolder

AGREEMENT = "agreement"
COMMITMENT = "commitment"
CHANNEL = "channel"
EMERGENCY_CONTACT = "emergency_contact"


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    is_done: bool
    hint: str
    url: str


@dataclass(frozen=True)
class Checklist:
    member: Member
    pod: Pod
    steps: tuple[Step, ...]

    @property
    def done_count(self) -> int:
        return sum(step.is_done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def is_complete(self) -> bool:
        return self.done_count == self.total

    @property
    def has_emergency_contact(self) -> bool:
        return self.step(EMERGENCY_CONTACT).is_done

    def step(self, key: str) -> Step:
        return next(step for step in self.steps if step.key == key)


def can_be_reached(member: Member) -> bool:
    """The preferred channel is set up: email is always there; a text or a call needs a phone."""
    if member.preferred_channel == Member.Channel.EMAIL:
        return bool(member.user.email)
    return bool(member.phone)


def _checklists(pod: Pod, members: list[Member]) -> list[Checklist]:
    ids = [m.pk for m in members]
    # Signatures on the version that is current now (one query, whether or not there is one).
    signed = set(
        Signature.objects.filter(
            member_id__in=ids,
            version__agreement__pod=pod,
            version__agreement__current_version=F("version"),
        ).values_list("member_id", flat=True)
    )
    committed = set(
        RoleHolder.objects.filter(member_id__in=ids, role__archived_at=None)
        .filter(Q(role__pod=pod) | Q(role__network_id=pod.network_id))
        .values_list("member_id", flat=True)
    )
    deferred = set(
        CommitmentDeferral.objects.filter(pod=pod, member_id__in=ids).values_list(
            "member_id", flat=True
        )
    )
    contacts = set(
        EmergencyContact.objects.filter(member_id__in=ids).values_list("member_id", flat=True)
    )
    agreement_link = agreement_url(Owner(pod=pod))
    roles_link = reverse("schedules:role_list", args=[pod.pk])
    profile_link = reverse("members:profile")
    contact_link = reverse("orientation:emergency_contact")
    lists = []
    for member in members:
        steps = (
            Step(
                AGREEMENT,
                _("Read and sign the agreement"),
                member.pk in signed,
                _("Read the pod's one-page agreement and sign on to its current version."),
                agreement_link,
            ),
            Step(
                COMMITMENT,
                _("Choose a first commitment, or say “not now”"),
                member.pk in committed or member.pk in deferred,
                _("Take on a role you can keep. Saying “not now” is a fine answer too."),
                roles_link,
            ),
            Step(
                CHANNEL,
                _("Set up how to reach you"),
                can_be_reached(member),
                _("If you prefer texts or calls, add your phone number."),
                profile_link,
            ),
            Step(
                EMERGENCY_CONTACT,
                _("Add an emergency contact"),
                member.pk in contacts,
                _("Only you and your pod's organizers can see it."),
                contact_link,
            ),
        )
        lists.append(Checklist(member=member, pod=pod, steps=steps))
    return lists


def checklist(member: Member, pod: Pod) -> Checklist:
    return _checklists(pod, [member])[0]


def pod_checklists(pod: Pod) -> list[Checklist]:
    """Every active member's checklist, by name."""
    members = list(
        Member.objects.filter(
            pod_memberships__pod=pod, pod_memberships__status=PodMembership.Status.ACTIVE
        )
        .select_related("user")
        .order_by("display_name", "id")
        .distinct()
    )
    return _checklists(pod, members)


def being_welcomed(lists: Iterable[Checklist]) -> list[Checklist]:
    """Those still on their way in: any step not done yet."""
    return [c for c in lists if not c.is_complete]
