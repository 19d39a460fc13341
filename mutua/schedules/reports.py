"""Signals that keep the work survivable: redundancy, deputies, overload and lopsided pods.

Reads only. The arithmetic is in workload.py (pure); this module fetches the numbers in a fixed
number of queries, whatever the size of the pod.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import DecimalField, Max, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from mutua.members.models import Member, Network, Pod, PodMembership
from mutua.schedules import workload
from mutua.schedules.models import MemberCapacity, Role, RoleCompetence, RoleHolder, Shift

HELD = (Shift.Status.ASSIGNED, Shift.Status.COVER_REQUESTED)
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=9, decimal_places=2))


@dataclass(frozen=True)
class Flag:
    """Something a pod should look at, said in the members' words."""

    kind: str  # redundancy, deputy, overload, lopsided
    message: str
    role_id: int | None = None
    member_id: int | None = None


@dataclass(frozen=True)
class Workload:
    member: Member
    committed: Decimal  # hours a week, averaged over the next four weeks
    capacity: Decimal | None

    @property
    def is_overloaded(self) -> bool:
        return workload.is_overloaded(self.committed, self.capacity)


@dataclass(frozen=True)
class PodWorkload:
    rows: list[Workload]
    pod_hours: list[Decimal]  # per member, this pod's roles only
    is_lopsided: bool
    top_share_percent: int


def roles_with_people(pod: Pod) -> list[Role]:
    """The pod's roles with their holders and competent members loaded (for flags and lists)."""
    return list(
        Role.objects.active()
        .filter(pod=pod)
        .prefetch_related(
            Prefetch("holders", queryset=RoleHolder.objects.select_related("member")),
            Prefetch("competences", queryset=RoleCompetence.objects.select_related("member")),
        )
    )


def network_roles_with_people(network: Network) -> list[Role]:
    """The network's own roles (a working group's among them), loaded like a pod's."""
    return list(
        Role.objects.active()
        .filter(network=network)
        .select_related("working_group_link__group")
        .prefetch_related(
            Prefetch("holders", queryset=RoleHolder.objects.select_related("member")),
            Prefetch("competences", queryset=RoleCompetence.objects.select_related("member")),
        )
    )


def competent_members(role: Role) -> list[Member]:
    """Distinct people who were trained for the role or have done it, by name."""
    people = {c.member.pk: c.member for c in role.competences.all()}
    return sorted(people.values(), key=lambda m: (m.display_name, m.pk))


def role_flags(roles: Iterable[Role]) -> list[Flag]:
    """Critical roles fewer than two people can do; organizer roles without a deputy."""
    flags: list[Flag] = []
    for role in roles:
        if role.is_critical:
            people = competent_members(role)
            if len(people) == 1:
                flags.append(
                    Flag(
                        "redundancy",
                        _("Only %(name)s knows how to do %(role)s.")
                        % {"name": people[0].display_name, "role": role.name},
                        role_id=role.pk,
                    )
                )
            elif not people:
                flags.append(
                    Flag(
                        "redundancy",
                        _("Nobody knows how to do %(role)s yet.") % {"role": role.name},
                        role_id=role.pk,
                    )
                )
        if role.is_organizer_role and not any(
            h.kind == RoleHolder.Kind.DEPUTY for h in role.holders.all()
        ):
            flags.append(
                Flag(
                    "deputy",
                    _("%(role)s has no deputy: name one so the role survives a break.")
                    % {"role": role.name},
                    role_id=role.pk,
                )
            )
    return flags


def _window(now: datetime) -> Q:
    return Q(
        shifts__status__in=HELD,
        shifts__starts_at__gte=now,
        shifts__starts_at__lt=now + timedelta(weeks=workload.WINDOW_WEEKS),
    )


def member_workload(member: Member, now: datetime) -> Workload:
    """One member's committed hours a week against the capacity they stated."""
    total = Shift.objects.filter(
        assignee=member,
        status__in=HELD,
        starts_at__gte=now,
        starts_at__lt=now + timedelta(weeks=workload.WINDOW_WEEKS),
    ).aggregate(hours=Coalesce(Sum("role__hours_per_occurrence"), ZERO))["hours"]
    capacity = (
        MemberCapacity.objects.filter(member=member)
        .values_list("hours_per_week", flat=True)
        .first()
    )
    return Workload(member=member, committed=workload.weekly_hours(total), capacity=capacity)


def pod_workload(pod: Pod, now: datetime) -> PodWorkload:
    """Every active member's load (all their shifts) and the pod's own spread, in one query."""
    window = _window(now)
    members = (
        Member.objects.filter(
            pk__in=PodMembership.objects.filter(pod=pod, status=PodMembership.Status.ACTIVE).values(
                "member_id"
            )
        )
        .annotate(
            all_hours=Coalesce(Sum("shifts__role__hours_per_occurrence", filter=window), ZERO),
            pod_hours=Coalesce(
                Sum(
                    "shifts__role__hours_per_occurrence",
                    filter=window & Q(shifts__role__pod=pod),
                ),
                ZERO,
            ),
            capacity_hours=Max("capacity__hours_per_week"),  # 1:1, so Max is the value,
        )
        .order_by("display_name", "id")
    )
    rows: list[Workload] = []
    pod_hours: list[Decimal] = []
    for member in members:
        rows.append(
            Workload(
                member=member,
                committed=workload.weekly_hours(member.all_hours),
                capacity=member.capacity_hours,
            )
        )
        pod_hours.append(member.pod_hours)
    return PodWorkload(
        rows=rows,
        pod_hours=pod_hours,
        is_lopsided=workload.is_lopsided(pod_hours),
        top_share_percent=int(workload.top_share(pod_hours) * 100),
    )


def pod_flags(pod: Pod, now: datetime) -> tuple[list[Flag], PodWorkload]:
    """Everything the pod's workload page warns about, with the numbers behind it."""
    roles = roles_with_people(pod)
    flags = role_flags(roles)
    load = pod_workload(pod, now)
    for row in load.rows:
        if row.is_overloaded:
            flags.append(
                Flag(
                    "overload",
                    _(
                        "%(name)s is committed to %(hours)s hours a week but said they can give "
                        "%(capacity)s."
                    )
                    % {
                        "name": row.member.display_name,
                        "hours": row.committed,
                        "capacity": row.capacity,
                    },
                    member_id=row.member.pk,
                )
            )
    if load.is_lopsided:
        flags.append(
            Flag(
                "lopsided",
                _("A few people carry %(percent)s%% of this pod's shifts. Share the load.")
                % {"percent": load.top_share_percent},
            )
        )
    return flags, load
