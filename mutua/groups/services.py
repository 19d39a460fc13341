"""Forming, joining and leaving working groups; conveners, deputies, a group's roles and decisions.

Who may do what (shown on the group pages too):

* any member of a network may form a group there, and becomes its convener: groups exist so that
  work is shared without one central committee, so nobody needs a committee's permission;
* any network member may join or leave a group; a convener names a new convener before leaving;
* the convener (or a network organizer) names the convener's deputy, or hands the convenership on;
* group members add the group's recurring roles and put its decisions to a vote. A group decision
  is a network proposal linked to the group, so everyone in the network may vote on it (what a
  group decides affects the network); a group cannot change the network's agreement.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mutua.audit.services import record
from mutua.decisions import services as decisions
from mutua.decisions.models import Proposal
from mutua.decisions.owners import Owner
from mutua.groups.models import GroupMembership, GroupProposal, GroupRole, WorkingGroup
from mutua.members.models import Member, Network, NetworkMembership
from mutua.schedules import services as schedules
from mutua.schedules.models import Role

Position = GroupMembership.Position


def _in_network(member: Member, network_id: int) -> bool:
    return NetworkMembership.objects.filter(member=member, network_id=network_id).exists()


def _is_network_organizer(member: Member, network_id: int) -> bool:
    return NetworkMembership.objects.filter(
        member=member, network_id=network_id, role=NetworkMembership.Role.ORGANIZER
    ).exists()


def position_of(group: WorkingGroup, member: Member) -> str | None:
    """The member's position in the group, or None if they are not in it."""
    position: str | None = (
        GroupMembership.objects.filter(group=group, member=member)
        .values_list("position", flat=True)
        .first()
    )
    return position


def can_manage(group: WorkingGroup, member: Member) -> bool:
    """May name the convener and deputy: the convener, or an organizer of the network."""
    return position_of(group, member) == Position.CONVENER or _is_network_organizer(
        member, group.network_id
    )


def _check_member_of_group(group: WorkingGroup, member: Member) -> None:
    if position_of(group, member) is None:
        raise ValidationError(
            _("Only members of %(group)s can do this. Join the group first.")
            % {"group": group.name},
            code="not_in_group",
        )


@transaction.atomic
def create_group(*, network: Network, name: str, purpose: str = "", actor: Member) -> WorkingGroup:
    """Form a working group; whoever forms it convenes it until they hand it on."""
    if not _in_network(actor, network.pk):
        raise ValidationError(
            _("Join the %(network)s network first.") % {"network": network.name},
            code="not_in_network",
        )
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the group a name, like “Communications”."), code="empty_name")
    if len(name) > 120:
        raise ValidationError(_("Keep the name under 120 characters."), code="name_too_long")
    if WorkingGroup.objects.filter(network=network, name__iexact=name).exists():
        raise ValidationError(
            _("%(network)s already has a group called “%(name)s”.")
            % {"network": network.name, "name": name},
            code="name_taken",
        )
    try:
        with transaction.atomic():
            group = WorkingGroup.objects.create(
                network=network, name=name, purpose=purpose.strip()[:4000], created_by=actor
            )
    except IntegrityError:
        raise ValidationError(
            _("%(network)s already has a group called “%(name)s”.")
            % {"network": network.name, "name": name},
            code="name_taken",
        ) from None
    GroupMembership.objects.create(group=group, member=actor, position=Position.CONVENER)
    record(action="group.created", target=group, actor=actor, network_id=network.pk)
    return group


@transaction.atomic
def join_group(*, group: WorkingGroup, actor: Member) -> GroupMembership:
    """Join a group of your network. Groups are open: no one has to let you in."""
    if group.archived_at is not None:
        raise ValidationError(_("This group has closed."), code="group_archived")
    if not _in_network(actor, group.network_id):
        raise ValidationError(
            _("Only members of %(network)s can join its groups.") % {"network": group.network.name},
            code="not_in_network",
        )
    try:
        with transaction.atomic():
            membership = GroupMembership.objects.create(group=group, member=actor)
    except IntegrityError:
        raise ValidationError(
            _("You are already in this group."), code="already_in_group"
        ) from None
    record(action="group.joined", target=group, actor=actor)
    return membership


@transaction.atomic
def leave_group(*, group: WorkingGroup, actor: Member) -> None:
    """Leave a group. A convener hands the convenership on first, so the group keeps one."""
    position = position_of(group, actor)
    if position is None:
        raise ValidationError(_("You are not in this group."), code="not_in_group")
    if position == Position.CONVENER:
        raise ValidationError(
            _("You convene this group: name a new convener before you leave."),
            code="convener_hands_over_first",
        )
    GroupMembership.objects.filter(group=group, member=actor).delete()
    record(action="group.left", target=group, actor=actor, position=position)


@transaction.atomic
def appoint(*, group: WorkingGroup, member: Member, position: str, actor: Member) -> None:
    """Make a group member its convener or deputy (or a plain member again).

    A new convener takes over the seat; the old convener stays in the group as a member.
    """
    if position not in Position.values:
        raise ValidationError(_("Unknown position in a group."), code="bad_position")
    if not can_manage(group, actor):
        raise ValidationError(
            _("Only the group's convener or the network's organizers can do this."),
            code="not_convener",
        )
    current = position_of(group, member)
    if current is None:
        raise ValidationError(
            _("%(name)s is not in this group.") % {"name": member.display_name},
            code="not_in_group",
        )
    if current == position:
        return
    if current == Position.CONVENER:
        raise ValidationError(
            _("Name the new convener first; the current one then becomes a member."),
            code="convener_hands_over_first",
        )
    if position != Position.MEMBER:
        # Whoever holds the seat now steps back to member (one UPDATE, then the new holder).
        GroupMembership.objects.filter(group=group, position=position).update(
            position=Position.MEMBER
        )
    GroupMembership.objects.filter(group=group, member=member).update(position=position)
    record(
        action="group.appointed",
        target=group,
        actor=actor,
        member_id=member.pk,
        position=position,
        previous_position=current,
    )


@dataclass(frozen=True)
class Vacated:
    """A convener or deputy seat someone gave up, and who (if anyone) took it over."""

    group: WorkingGroup
    position: str
    successor: Member | None


def vacate_positions(*, member: Member, network: Network, actor: Member) -> list[Vacated]:
    """Give up the member's convener and deputy seats in the network's groups (they stay members).

    A convener's deputy becomes convener; without a deputy the seat stays empty and the group is
    flagged. Each change is an audit row. Called by the handover when someone leaves their pod.
    """
    seats = list(
        GroupMembership.objects.filter(
            member=member,
            group__network=network,
            position__in=[Position.CONVENER, Position.DEPUTY],
        ).select_related("group__network")
    )
    vacated: list[Vacated] = []
    for seat in seats:
        group = seat.group
        successor: Member | None = None
        GroupMembership.objects.filter(pk=seat.pk).update(position=Position.MEMBER)
        if seat.position == Position.CONVENER:
            deputy = (
                GroupMembership.objects.filter(group=group, position=Position.DEPUTY)
                .select_related("member")
                .first()
            )
            if deputy is not None:
                GroupMembership.objects.filter(pk=deputy.pk).update(position=Position.CONVENER)
                successor = deputy.member
        record(
            action="group.position_vacated",
            target=group,
            actor=actor,
            member_id=member.pk,
            position=seat.position,
            successor_id=successor.pk if successor else None,
        )
        vacated.append(Vacated(group=group, position=seat.position, successor=successor))
    return vacated


# --- The group's own roles and decisions --------------------------------------------------


@transaction.atomic
def create_group_role(*, group: WorkingGroup, draft: schedules.RoleDraft, actor: Member) -> Role:
    """Add a recurring role that is the group's own, with a working schedule.

    The schedule rules are schedules' own (``check_schedule``); the role row is owned by the
    network, so swaps, cover and escalation treat it like any network role.
    """
    _check_member_of_group(group, actor)
    role = schedules.add_role(
        owner=group.network, draft=draft, actor=actor, working_group_id=group.pk
    )
    GroupRole.objects.create(group=group, role=role)
    return role


@transaction.atomic
def create_group_proposal(
    *, group: WorkingGroup, draft: decisions.ProposalDraft, actor: Member
) -> Proposal:
    """Put one of the group's questions to a vote (by the network's members, see above)."""
    _check_member_of_group(group, actor)
    if draft.kind == Proposal.Kind.AGREEMENT_CHANGE:
        raise ValidationError(
            _("A working group cannot change the network's agreement; propose it to the network."),
            code="group_cannot_change_agreement",
        )
    owned = decisions.ProposalDraft(
        owner=Owner(network=group.network),
        kind=draft.kind,
        title=draft.title,
        body=draft.body,
        process=draft.process,
        deadline_at=draft.deadline_at,
        quorum=draft.quorum,
    )
    proposal = decisions.create_proposal(actor=actor, draft=owned)
    GroupProposal.objects.create(group=group, proposal=proposal)
    record(action="group.proposal_linked", target=group, actor=actor, proposal_id=proposal.pk)
    return proposal
