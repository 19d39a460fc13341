"""Suggested matches: rows in, `matching.py` in the middle, members' words out.

`matching.py` is pure and knows nothing of Django; this module reads what it needs in a fixed
number of queries (never one per request or helper), hands plain dataclasses to the exact
solver, and words its `(code, value)` reasons in the reader's language.

What matching reads about a member who helps (all set on the "How you can help" page):
- where: `Member.help_lat/help_lng`, rounded to about 1 km, and `travel_km`; members with no
  home area are never suggested (we will not guess where someone lives);
- what: the categories of their active offers plus their `notify_categories` (an empty
  `notify_categories` means "tell me about everything", not "I can do everything", so it adds
  nothing here);
- when: their active offers' `available_from/until` windows; no offer, or an offer with no
  window, means always;
- skills: `MemberSkill` rows still valid today; languages: `Member.spoken_languages`;
- how much: `weekly_capacity` minus their claims in the last 7 days and their live invitations;
  the same claims make them costlier (fairness, `Weights.per_recent_help`).

A request is placed at its own coarse point when it has one (`area_lat/area_lng`), else at the
requester's coarse home area. A helper fits only requests they may see (pod scope: same pod) and
never their own, nor one they declined or already accepted.

We solve per page view rather than keeping an `IncrementalMatcher` in process memory: networks
are small (a solve is milliseconds), every web worker would hold its own copy that other
workers' changes do not reach, and a stale suggestion is worse than a few milliseconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutua.exchange import matching
from mutua.exchange.matching import HelperInfo, Reason, RequestInfo, Weights
from mutua.exchange.models import Category, Invitation, Offer, Request, Scope, StatusChange
from mutua.members.models import (
    SPOKEN_LANGUAGES,
    Member,
    MemberSkill,
    Network,
    NetworkMembership,
    PodMembership,
)

# Open-ended windows: far enough that no real window reaches them.
FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2200, 1, 1, tzinfo=UTC)
# "This week" for fairness and capacity: claims in the last seven days.
RECENT = timedelta(days=7)
# Waiting time counts this many times over for more urgent requests.
URGENCY_FACTOR: dict[str, int] = {
    Request.Urgency.LOW: 1,
    Request.Urgency.NORMAL: 1,
    Request.Urgency.HIGH: 2,
    Request.Urgency.URGENT: 3,
}
# Invitations whose helper is never asked again for the same request.
ANSWERED = (Invitation.Status.DECLINED, Invitation.Status.ACCEPTED)


def weights() -> Weights:
    """The cost weights from settings (documented on `matching.Weights`)."""
    return Weights(**settings.MATCHING_WEIGHTS)


@dataclass(frozen=True)
class Candidate:
    """One helper put next to one request, with what it costs and why."""

    helper: Member
    cost: int
    km: float
    reasons: tuple[Reason, ...]
    breakdown: tuple[Reason, ...]


@dataclass(frozen=True)
class Suggestion:
    """A request and the helper the solver suggests (or why there is none, or who is asked)."""

    aid_request: Request
    candidate: Candidate | None = None
    why_unmatched: Reason | None = None
    invitation: Invitation | None = None


# --- Reading rows into plain data ---------------------------------------------------------


def request_location(aid_request: Request) -> tuple[float, float] | None:
    """The request's coarse point, else the requester's coarse home area, else unknown."""
    if aid_request.area_lat is not None and aid_request.area_lng is not None:
        return aid_request.area_lat, aid_request.area_lng
    requester = aid_request.requester
    if requester.help_lat is not None and requester.help_lng is not None:
        return requester.help_lat, requester.help_lng
    return None


def request_info(aid_request: Request, now: datetime) -> RequestInfo | None:
    """What the solver needs about a request; None when nobody knows roughly where it is."""
    where = request_location(aid_request)
    if where is None:
        return None
    start = max(aid_request.needed_from or now, now)
    return RequestInfo(
        id=str(aid_request.pk),
        lat=where[0],
        lng=where[1],
        category=aid_request.category,
        created_at=aid_request.created_at,
        needed_from=start,
        needed_by=aid_request.needed_by or FAR_FUTURE,
        skills=frozenset([aid_request.skill_needed]) if aid_request.skill_needed else frozenset(),
        language=aid_request.language_wanted or None,
        urgency=URGENCY_FACTOR.get(aid_request.urgency, 1),
        pod=str(aid_request.pod_id),
    )


def load_helpers(
    network_ids: Iterable[int], now: datetime, *, only: Member | None = None
) -> list[Member]:
    """Members of these networks who said where they can help, ready for `helper_info`."""
    members = Member.objects.filter(pk=only.pk) if only is not None else Member.objects.all()
    return list(
        members.filter(
            network_memberships__network_id__in=list(network_ids),
            help_lat__isnull=False,
            help_lng__isnull=False,
        )
        .distinct()
        .prefetch_related(
            Prefetch(
                "skills",
                queryset=MemberSkill.objects.valid_on(timezone.localdate(now)),
                to_attr="valid_skills",
            ),
            Prefetch("offers", queryset=Offer.objects.active(), to_attr="active_offers"),
        )
    )


def helper_info(member: Member, *, recent_helps: int, live_invitations: int) -> HelperInfo:
    """What the solver needs about a helper (read with `load_helpers`)."""
    offers: list[Offer] = getattr(member, "active_offers", [])
    skills: list[MemberSkill] = getattr(member, "valid_skills", [])
    if not offers or any(o.available_from is None and o.available_until is None for o in offers):
        available: tuple[tuple[datetime, datetime], ...] = ((FAR_PAST, FAR_FUTURE),)
    else:
        available = tuple(
            (o.available_from or FAR_PAST, o.available_until or FAR_FUTURE) for o in offers
        )
    assert member.help_lat is not None and member.help_lng is not None
    return HelperInfo(
        id=str(member.pk),
        lat=member.help_lat,
        lng=member.help_lng,
        travel_km=float(member.travel_km),
        capacity=max(0, member.weekly_capacity - recent_helps - live_invitations),
        categories=frozenset(o.category for o in offers) | frozenset(member.notify_categories),
        available=available,
        skills=frozenset(s.name for s in skills),
        languages=frozenset(member.spoken_languages),
        recent_helps=recent_helps,
    )


def recent_helps(member_ids: Iterable[int], now: datetime) -> dict[int, int]:
    """Claims each member made in the last seven days (released ones too: they took the time)."""
    rows = (
        StatusChange.objects.filter(
            to_status=Request.Status.CLAIMED,
            created_at__gte=now - RECENT,
            actor_id__in=list(member_ids),
        )
        .values("actor_id")
        .annotate(n=Count("id"))
    )
    return {row["actor_id"]: row["n"] for row in rows}


def live_invitation_counts(member_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        Invitation.objects.live()
        .filter(member_id__in=list(member_ids))
        .values("member_id")
        .annotate(n=Count("id"))
    )
    return {row["member_id"]: row["n"] for row in rows}


def pods_of(member_ids: Iterable[int]) -> dict[int, set[int]]:
    pods: dict[int, set[int]] = defaultdict(set)
    for member_id, pod_id in PodMembership.objects.filter(
        member_id__in=list(member_ids), status=PodMembership.Status.ACTIVE
    ).values_list("member_id", "pod_id"):
        pods[member_id].add(pod_id)
    return pods


def may_see(aid_request: Request, member_id: int, member_pods: set[int]) -> bool:
    """The helper may see the request (`Request.visible_to`, for a member of its network)."""
    if aid_request.requester_id == member_id:
        return False
    return aid_request.scope != Scope.POD or aid_request.pod_id in member_pods


def assess(
    aid_request: Request,
    info: RequestInfo,
    helper: Member,
    hinfo: HelperInfo,
    member_pods: set[int],
    *,
    weights: Weights,
    now: datetime,
) -> Candidate | None:
    """The pair's fit through `matching.assess`, with the helper's pod set for this request."""
    own_pod = str(aid_request.pod_id) if aid_request.pod_id in member_pods else None
    hinfo = replace(hinfo, pod=own_pod)
    fit = matching.assess(info, hinfo, weights, now)
    if fit is None:
        return None
    breakdown = matching.cost_breakdown(
        weights,
        km=fit.km,
        waited_hours=(now - info.created_at).total_seconds() / 3600.0,
        urgency=info.urgency,
        recent_helps=hinfo.recent_helps,
        other_pod=own_pod is None,
    )
    return Candidate(helper, fit.cost, fit.km, fit.reasons, breakdown)


# --- One network's batch --------------------------------------------------------------------


@dataclass
class Plan:
    """The open requests of a network and the optimal suggestion for each."""

    requests: list[Request]
    suggestions: dict[int, Suggestion]
    # Every fitting pair's cost by (request id, helper id), and each helper's room this week:
    # the problem the solver saw, kept so tests can check its answer independently.
    costs: dict[tuple[int, int], int]
    capacity: dict[int, int]
    unmatched_cost: int


def plan_network(network: Network, *, now: datetime | None = None) -> Plan:
    """Solve the network's open requests exactly; a fixed number of queries at any size.

    Requests already waiting on a live invitation are not re-solved (their helper's slot is
    taken by it); pairs where the helper declined or already accepted are left out.
    """
    now = now or timezone.now()
    w = weights()
    requests = list(
        Request.objects.open()
        .filter(network=network)
        .select_related("requester", "pod")
        .order_by("created_at", "id")
    )
    invitations = list(
        Invitation.objects.filter(request__network=network, request__status=Request.Status.OPEN)
        .select_related("member")
        .order_by("created_at", "id")
    )
    live = {i.request_id: i for i in invitations if i.status == Invitation.Status.INVITED}
    answered = {(i.request_id, i.member_id) for i in invitations if i.status in ANSWERED}
    helpers = load_helpers([network.pk], now)
    ids = [m.pk for m in helpers]
    recent = recent_helps(ids, now)
    invited = live_invitation_counts(ids)
    pods = pods_of(ids)
    hinfos = [
        helper_info(m, recent_helps=recent.get(m.pk, 0), live_invitations=invited.get(m.pk, 0))
        for m in helpers
    ]

    suggestions: dict[int, Suggestion] = {}
    to_solve: list[tuple[Request, RequestInfo]] = []
    for aid_request in requests:
        if aid_request.pk in live:
            suggestions[aid_request.pk] = Suggestion(aid_request, invitation=live[aid_request.pk])
            continue
        info = request_info(aid_request, now)
        if info is None:
            suggestions[aid_request.pk] = Suggestion(
                aid_request, why_unmatched=Reason("no_location", "")
            )
            continue
        to_solve.append((aid_request, info))

    pairs: list[tuple[int, int]] = []
    if to_solve and hinfos:  # the grid index wants at least one point
        rs, hs, _km = matching.nearby_pairs(
            [info.lat for _r, info in to_solve],
            [info.lng for _r, info in to_solve],
            [h.lat for h in hinfos],
            [h.lng for h in hinfos],
            [h.travel_km for h in hinfos],
        )
        pairs = list(zip(rs.tolist(), hs.tolist(), strict=True))
    candidates: dict[tuple[int, int], Candidate] = {}
    edges: list[matching.Edge] = []
    for r, h in pairs:
        aid_request, info = to_solve[r]
        helper = helpers[h]
        if (aid_request.pk, helper.pk) in answered or not may_see(
            aid_request, helper.pk, pods[helper.pk]
        ):
            continue
        candidate = assess(
            aid_request, info, helper, hinfos[h], pods[helper.pk], weights=w, now=now
        )
        if candidate is not None:
            candidates[(r, h)] = candidate
            edges.append(matching.Edge(str(r), str(h), candidate.cost))
    result = matching.solve(
        matching.MatchingProblem(
            requests=[str(r) for r in range(len(to_solve))],
            helpers=[matching.Helper(str(h), hinfo.capacity) for h, hinfo in enumerate(hinfos)],
            edges=edges,
            unmatched_cost=w.unmatched,
        )
    )
    for assignment in result.assignments:
        r, h = int(assignment.request), int(assignment.helper)
        aid_request = to_solve[r][0]
        suggestions[aid_request.pk] = Suggestion(aid_request, candidate=candidates[(r, h)])
    for key in result.unmatched:
        aid_request, info = to_solve[int(key)]
        visible = [
            hinfo
            for helper, hinfo in zip(helpers, hinfos, strict=True)
            if (aid_request.pk, helper.pk) not in answered
            and may_see(aid_request, helper.pk, pods[helper.pk])
        ]
        suggestions[aid_request.pk] = Suggestion(
            aid_request, why_unmatched=matching.explain_unmatched(info, visible)
        )
    return Plan(
        requests,
        suggestions,
        costs={(to_solve[r][0].pk, helpers[h].pk): c.cost for (r, h), c in candidates.items()},
        capacity={m.pk: hinfo.capacity for m, hinfo in zip(helpers, hinfos, strict=True)},
        unmatched_cost=w.unmatched,
    )


def dispatchable(member: Member, network: Network) -> DispatchScope:
    """Which of a network's requests this member may dispatch (see `DispatchScope`)."""
    organizes_network = NetworkMembership.objects.filter(
        member=member, network=network, role=NetworkMembership.Role.ORGANIZER
    ).exists()
    memberships = list(
        PodMembership.objects.filter(
            member=member, pod__network=network, status=PodMembership.Status.ACTIVE
        ).values_list("pod_id", "role")
    )
    pods = {pod_id for pod_id, _role in memberships}
    organized = {pod_id for pod_id, role in memberships if role == PodMembership.Role.ORGANIZER}
    return DispatchScope(organizes_network, pods, organized)


@dataclass(frozen=True)
class DispatchScope:
    """A dispatcher organizes the network, or the request's pod; and sees the request.

    Seeing it follows `Request.visible_to`: a network organizer living in another pod does not
    see (so does not dispatch) a request its requester kept to their own pod.
    """

    organizes_network: bool
    pods: set[int]
    organized_pods: set[int]

    @property
    def is_dispatcher(self) -> bool:
        return self.organizes_network or bool(self.organized_pods)

    def covers(self, aid_request: Request) -> bool:
        sees = aid_request.scope != Scope.POD or aid_request.pod_id in self.pods
        return sees and (self.organizes_network or aid_request.pod_id in self.organized_pods)


def suggestions_for(
    member: Member, network: Network, *, now: datetime | None = None
) -> list[Suggestion]:
    """The network's suggestions a dispatcher may act on, oldest request first."""
    scope = dispatchable(member, network)
    if not scope.is_dispatcher:
        return []
    plan = plan_network(network, now=now)
    return [plan.suggestions[r.pk] for r in plan.requests if scope.covers(r)]


def next_candidate(aid_request: Request, *, now: datetime | None = None) -> Candidate | None:
    """The solver's helper for this request now (decliners left out), if it suggests one."""
    suggestion = plan_network(aid_request.network, now=now).suggestions.get(aid_request.pk)
    return suggestion.candidate if suggestion is not None else None


def pair_candidate(
    aid_request: Request, helper: Member, *, now: datetime | None = None
) -> Candidate | None:
    """Does this helper fit this request (may see it, and every fit rule holds)? How well?"""
    now = now or timezone.now()
    info = request_info(aid_request, now)
    rows = load_helpers([aid_request.network_id], now, only=helper)
    if info is None or not rows:
        return None
    member_pods = pods_of([helper.pk])[helper.pk]
    if not may_see(aid_request, helper.pk, member_pods):
        return None
    hinfo = helper_info(
        rows[0],
        recent_helps=recent_helps([helper.pk], now).get(helper.pk, 0),
        live_invitations=live_invitation_counts([helper.pk]).get(helper.pk, 0),
    )
    return assess(aid_request, info, rows[0], hinfo, member_pods, weights=weights(), now=now)


def could_help_with(
    member: Member, *, now: datetime | None = None, limit: int = 50
) -> list[tuple[Request, Candidate]]:
    """Open requests this member fits, cheapest first (the solver's own cost).

    Requests already put to someone else (a live invitation) are left out, so a member does
    not claim from under a neighbour who was asked; one put to this member is included.
    """
    now = now or timezone.now()
    if not member.has_help_area:
        return []
    rows = load_helpers(_network_ids(member), now, only=member)
    if not rows:
        return []
    member_pods = pods_of([member.pk])[member.pk]
    hinfo = helper_info(
        rows[0],
        recent_helps=recent_helps([member.pk], now).get(member.pk, 0),
        live_invitations=0,  # ranking, not capacity: show what fits even on a full week
    )
    requests = list(
        Request.objects.visible_to(member)
        .open()
        .exclude(requester=member)
        .exclude(invitations__member=member, invitations__status__in=ANSWERED)
        .exclude(pk__in=Invitation.objects.live().exclude(member=member).values("request_id"))
        .select_related("requester", "pod")
        .distinct()
    )
    w = weights()
    ranked: list[tuple[Request, Candidate]] = []
    for aid_request in requests:
        info = request_info(aid_request, now)
        if info is None:
            continue
        candidate = assess(aid_request, info, rows[0], hinfo, member_pods, weights=w, now=now)
        if candidate is not None:
            ranked.append((aid_request, candidate))
    ranked.sort(key=lambda pair: (pair[1].cost, pair[0].created_at, pair[0].pk))
    return ranked[:limit]


def _network_ids(member: Member) -> list[int]:
    return list(
        NetworkMembership.objects.filter(member=member).values_list("network_id", flat=True)
    )


# --- Words ----------------------------------------------------------------------------------


def language_name(code: str) -> str:
    """The language's name in the reader's language (Django's own translations)."""
    name = dict(SPOKEN_LANGUAGES).get(code)
    return _(name) if name else code


def describe(reason: Reason | Sequence[str], *, now: datetime | None = None) -> str:
    """One reason in the reader's language: "same pod", "1.2 km", "speaks Spanish"..."""
    code, value = reason[0], reason[1]
    if code == "same_pod":
        return _("same pod")
    if code == "other_pod":
        return _("another pod")
    if code == "distance_km":
        return _("%(km)s km") % {"km": formats.number_format(float(value), 1)}
    if code == "speaks":
        return _("speaks %(language)s") % {"language": language_name(value)}
    if code == "has_skill":
        return _("has “%(skill)s”") % {"skill": value}
    if code == "available_from":
        return _describe_free(datetime.fromisoformat(value), now or timezone.now())
    if code == "waiting_hours":
        hours = int(value)
        return ngettext("waiting %(hours)d hour", "waiting %(hours)d hours", hours) % {
            "hours": hours
        }
    return _why_unmatched(code, value)


def _describe_free(moment: datetime, now: datetime) -> str:
    if moment <= now + timedelta(hours=1):
        return _("free now")
    local = timezone.localtime(moment)
    if moment - now < timedelta(days=6):
        day = formats.date_format(local, "l")  # "Tuesday"
    else:
        day = formats.date_format(local, "SHORT_DATE_FORMAT")
    return _("free %(day)s") % {"day": day}


def _why_unmatched(code: str, value: str) -> str:
    if code == "no_location":
        return _("We do not know roughly where this is, so no helper can be suggested.")
    if code == "nobody_in_reach":
        return _("No helper lives within reach.")
    if code == "nobody_offers":
        label = Category(value).label if value in Category.values else value
        return _("No one within reach helps with %(category)s.") % {"category": label}
    if code == "nobody_speaks":
        return _("No one within reach speaks %(language)s.") % {"language": language_name(value)}
    if code == "nobody_has_skill":
        return _("No one within reach has a valid “%(skill)s”.") % {"skill": value}
    if code == "nobody_free":
        return _("No one within reach is free before it is needed.")
    if code == "helpers_busy":
        return _("The helpers who fit are suggested elsewhere or have no room this week.")
    return _("No helper fits.")


def describe_all(reasons: Iterable[Reason | Sequence[str]], *, now: datetime | None = None) -> str:
    """Reasons joined for one line: "same pod, 1.2 km, speaks Spanish, free Tuesday"."""
    return ", ".join(describe(reason, now=now) for reason in reasons)


def describe_part(part: Reason) -> str:
    """One line of a cost breakdown."""
    labels = {
        "distance": _("distance"),
        "waiting": _("waiting time (older and more urgent requests cost less)"),
        "fairness": _("helps already given this week"),
        "other_pod": _("from another pod"),
    }
    return labels.get(part.code, part.code)
