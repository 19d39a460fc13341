"""Working groups: a network shares its functions (communications, fundraising...) among groups.

A group belongs to one network. Its members are members of that network; one of them convenes it
and another is the convener's deputy, so the group survives anyone's break. Its recurring roles
and its decisions are ordinary ``schedules.Role`` and ``decisions.Proposal`` rows owned by the
network and tied to the group by a one-to-one link here (``GroupRole``, ``GroupProposal``): every
schedules and decisions rule keeps working unchanged, and the group page lists what is its own.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mutua.decisions.models import Proposal
from mutua.members.access import network_ids
from mutua.members.models import Member, Network
from mutua.schedules.models import Role

# Starting points offered on the form; any other name is fine too.
SUGGESTED_FUNCTIONS = (
    _("Communications"),
    _("Resource distribution"),
    _("Fundraising"),
    _("Conflict resolution"),
)


class WorkingGroupQuerySet(models.QuerySet["WorkingGroup"]):
    def visible_to(self, member: Member) -> WorkingGroupQuerySet:
        """Groups of the member's networks: a network shares its work in the open."""
        return self.filter(network_id__in=network_ids(member))

    def active(self) -> WorkingGroupQuerySet:
        return self.filter(archived_at=None)


class WorkingGroup(models.Model):
    """A network's group for one function, with its own members, roles and decisions."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="working_groups")
    name = models.CharField(_("name"), max_length=120)
    purpose = models.TextField(_("what the group does"), blank=True)
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = WorkingGroupQuerySet.as_manager()

    class Meta:
        ordering = ["network", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "name"], name="working_group_name_unique_in_network"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:group_detail", args=[self.pk])


class GroupMembership(models.Model):
    """A network member in a working group, as a member, its convener, or the convener's deputy."""

    class Position(models.TextChoices):
        MEMBER = "member", _("Member")
        CONVENER = "convener", _("Convener")
        DEPUTY = "deputy", _("Deputy convener")

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="group_memberships")
    position = models.CharField(
        _("position"), max_length=10, choices=Position.choices, default=Position.MEMBER
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "member"], name="one_membership_per_group"),
            # One convener and one deputy at most; one row per person keeps them two people.
            models.UniqueConstraint(
                fields=["group"], condition=Q(position="convener"), name="one_convener_per_group"
            ),
            models.UniqueConstraint(
                fields=["group"], condition=Q(position="deputy"), name="one_deputy_per_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.position} of {self.group}"


class GroupRole(models.Model):
    """A recurring role that is the group's own (the Role itself is owned by the network)."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="role_links")
    role = models.OneToOneField(Role, on_delete=models.CASCADE, related_name="working_group_link")

    def __str__(self) -> str:
        return f"{self.role} of {self.group}"


class GroupProposal(models.Model):
    """A decision that is the group's own (the Proposal itself is owned by the network)."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="proposal_links")
    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, related_name="working_group_link"
    )

    def __str__(self) -> str:
        return f"{self.proposal} of {self.group}"
