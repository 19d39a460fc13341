"""Reads for the group pages: groups with their people loaded, and the succession flags.

A convener is an organizer-level position, so a group whose convener has no deputy is flagged
exactly like schedules flags an organizer-level role without one (``schedules.reports.Flag``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from mutua.decisions.models import Proposal
from mutua.groups.models import GroupMembership, WorkingGroup
from mutua.members.models import Member, Network
from mutua.schedules import reports as schedule_reports
from mutua.schedules.models import Role, RoleCompetence, RoleHolder
from mutua.schedules.reports import Flag

Position = GroupMembership.Position


def _people() -> Any:
    return Prefetch(
        "memberships",
        queryset=GroupMembership.objects.select_related("member").order_by(
            "member__display_name", "id"
        ),
    )


def groups_of(network: Network) -> list[WorkingGroup]:
    """The network's active groups with member counts and their people, in three queries."""
    return list(
        WorkingGroup.objects.active()
        .filter(network=network)
        .annotate(member_count=Count("memberships", distinct=True))
        .prefetch_related(_people())
    )


def group_with_people(group_id: int) -> WorkingGroup:
    """One group with its network and memberships (by name) loaded."""
    return (
        WorkingGroup.objects.filter(pk=group_id)
        .select_related("network")
        .prefetch_related(_people())
        .get()
    )


def convener(group: WorkingGroup) -> Member | None:
    """From prefetched memberships."""
    return next(
        (m.member for m in group.memberships.all() if m.position == Position.CONVENER), None
    )


def deputy(group: WorkingGroup) -> Member | None:
    return next((m.member for m in group.memberships.all() if m.position == Position.DEPUTY), None)


def group_flags(groups: Iterable[WorkingGroup]) -> list[Flag]:
    """Groups without a convener, and conveners without a deputy (memberships prefetched)."""
    flags: list[Flag] = []
    for group in groups:
        lead = convener(group)
        if lead is None:
            flags.append(
                Flag(
                    "convener",
                    _("%(group)s has no convener: someone in it should take it on.")
                    % {"group": group.name},
                )
            )
        elif deputy(group) is None:
            flags.append(
                Flag(
                    "deputy",
                    _(
                        "%(name)s convenes %(group)s with no deputy: name one so the group "
                        "survives a break."
                    )
                    % {"name": lead.display_name, "group": group.name},
                    member_id=lead.pk,
                )
            )
    return flags


def group_roles(group: WorkingGroup) -> list[Role]:
    """The group's own active roles with holders and competences loaded (for flags)."""
    return list(
        Role.objects.active()
        .filter(working_group_link__group=group)
        .prefetch_related(
            Prefetch("holders", queryset=RoleHolder.objects.select_related("member")),
            Prefetch("competences", queryset=RoleCompetence.objects.select_related("member")),
        )
    )


def group_open_proposals(group: WorkingGroup) -> list[Proposal]:
    return list(
        Proposal.objects.open()
        .filter(working_group_link__group=group)
        .with_vote_count()
        .order_by("deadline_at", "id")
    )


def all_flags(group: WorkingGroup, roles: list[Role]) -> list[Flag]:
    """The group's own succession flag plus its roles' redundancy and deputy flags."""
    return group_flags([group]) + schedule_reports.role_flags(roles)
