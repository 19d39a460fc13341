"""Suggested matches for a network: the fit rules, the cost model and optimality, on real rows.

Helpers at the top are shared with test_invitations.py and test_matching_pages.py. Places are
steps north of one point: a step is 0.01° of latitude, about 1.1 km, and the default travel
radius (3 km) reaches two steps but not three.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import formats, timezone

from mutua.exchange import services, suggestions
from mutua.exchange.models import Request
from mutua.exchange.suggestions import Plan, plan_network
from mutua.members.models import Member, Pod
from mutua.test import World

LAT, LNG = 40.70, -74.00
ADDRESS = "12 Maple Street, flat 3"
DETAILS = "Diabetic, please no sugar"
ACCESS_NOTES = "Ring twice, side door"
PHONE = "+442079460123"


def helping(
    member: Member,
    north: int = 0,
    *,
    categories: tuple[str, ...] = ("groceries",),
    travel_km: int = 3,
    languages: tuple[str, ...] = (),
    skills: tuple[services.SkillDraft, ...] = (),
    capacity: int = 2,
) -> Member:
    """Say where and how the member helps; categories through their notification choices."""
    services.update_helping_profile(
        member=member,
        helping=services.HelpingProfile(
            help_area="Maple St",
            help_lat=LAT + north * 0.01,
            help_lng=LNG,
            travel_km=travel_km,
            languages=languages,
            weekly_capacity=capacity,
            skills=skills,
        ),
    )
    member.notify_categories = list(categories)
    member.save(update_fields=["notify_categories"])
    member.refresh_from_db()
    return member


def need(
    member: Member,
    pod: Pod,
    *,
    scope: str = "network",
    north: int | None = None,
    category: str = "groceries",
    language: str = "",
    skill: str = "",
    needed_by_days: float = 2,
    summary: str = "Groceries for this week",
) -> Request:
    """A request with private details; placed `north` steps up, else at the requester's home."""
    aid_request = services.create_request(
        author=member,
        draft=services.RequestDraft(
            pod=pod,
            scope=scope,
            category=category,
            summary=summary,
            needed_by=timezone.now() + timedelta(days=needed_by_days),
            area="Maple St, near the library",
            address=ADDRESS,
            details=DETAILS,
            access_notes=ACCESS_NOTES,
            contact_phone=PHONE,
            skill_needed=skill,
            language_wanted=language,
        ),
    )
    if north is not None:
        Request.objects.filter(pk=aid_request.pk).update(area_lat=LAT + north * 0.01, area_lng=LNG)
        aid_request.refresh_from_db()
    return aid_request


def suggested(world: World, aid_request: Request) -> Member | None:
    candidate = plan_network(world.network).suggestions[aid_request.pk].candidate
    return candidate.helper if candidate else None


def why(world: World, aid_request: Request) -> str:
    reason = plan_network(world.network).suggestions[aid_request.pk].why_unmatched
    assert reason is not None
    return suggestions.describe(reason)


def brute_force_cost(plan: Plan) -> int:
    """The cheapest assignment by trying every one: each request to a fitting helper or none."""
    request_ids = sorted({r for r, _h in plan.costs} | {r.pk for r in plan.requests})
    options = [[None, *sorted(h for (r, h) in plan.costs if r == rid)] for rid in request_ids]
    best = None
    for choice in itertools.product(*options):
        used = [h for h in choice if h is not None]
        if any(used.count(h) > plan.capacity[h] for h in set(used)):
            continue
        cost = sum(
            plan.unmatched_cost if h is None else plan.costs[(rid, h)]
            for rid, h in zip(request_ids, choice, strict=True)
        )
        best = cost if best is None else min(best, cost)
    assert best is not None
    return best


def chosen_cost(plan: Plan) -> int:
    return sum(
        s.candidate.cost if s.candidate else plan.unmatched_cost
        for s in plan.suggestions.values()
        if s.invitation is None
    )


class TestOptimal:
    def test_solver_gives_each_request_a_helper_where_greedy_would_not(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        near = need(world.rosa, world.maple, north=0, summary="Near")
        north = need(world.rosa, world.maple, north=2, summary="North")
        # Ben reaches both; Chloe, two steps south, reaches only the near one. Nearest-first
        # would give Ben the near one and leave the north one alone.
        helping(world.ben, 0, capacity=1)
        helping(world.chloe, -2, capacity=1)
        assert suggested(world, near) == world.chloe
        assert suggested(world, north) == world.ben

    def test_batch_cost_equals_brute_force(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        helping(world.dev, 1, categories=())
        for north, requester in [(0, world.rosa), (1, world.dev), (2, world.rosa), (-1, world.dev)]:
            need(requester, world.maple if requester == world.rosa else world.oak, north=north)
        helping(world.ben, 0, capacity=1)
        helping(world.chloe, 1, capacity=2)
        helping(world.olu, -2, capacity=1, travel_km=4)
        plan = plan_network(world.network)
        assert len(plan.costs) >= 6
        assert chosen_cost(plan) == brute_force_cost(plan)

    def test_breakdown_adds_up_to_the_cost(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        aid_request = need(world.rosa, world.maple)
        helping(world.dev, 1)
        candidate = plan_network(world.network).suggestions[aid_request.pk].candidate
        assert candidate is not None
        parts = {part.code: int(part.value) for part in candidate.breakdown}
        assert parts["other_pod"] == 20
        assert abs(sum(parts.values()) - candidate.cost) <= 1


class TestFitRules:
    def test_language_wanted_picks_the_helper_who_speaks_it(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        aid_request = need(world.rosa, world.maple, language="es")
        helping(world.ben, 0)  # nearest, speaks only English
        helping(world.chloe, 1, languages=("en", "es"))
        assert suggested(world, aid_request) == world.chloe

    def test_nobody_speaking_the_language_is_said_in_words(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        aid_request = need(world.rosa, world.maple, language="es")
        helping(world.ben, 0)
        assert suggested(world, aid_request) is None
        assert why(world, aid_request) == "No one within reach speaks Spanish."

    def test_expired_certificate_does_not_count(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        aid_request = need(world.rosa, world.maple, skill="First Aid")
        yesterday = timezone.localdate() - timedelta(days=1)
        helping(world.ben, 0, skills=(services.SkillDraft("first aid", yesterday),))
        helping(world.chloe, 1, skills=(services.SkillDraft("First aid ", date(2999, 1, 1)),))
        assert suggested(world, aid_request) == world.chloe
        helping(world.chloe, 1, skills=(services.SkillDraft("first aid", yesterday),))
        assert suggested(world, aid_request) is None
        assert why(world, aid_request) == "No one within reach has a valid “first aid”."

    def test_helper_travels_only_within_their_own_radius(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        aid_request = need(world.rosa, world.maple)
        helping(world.ben, 3)  # 3.3 km away, goes 3 km
        assert suggested(world, aid_request) is None
        assert why(world, aid_request) == "No helper lives within reach."
        helping(world.ben, 3, travel_km=4)
        assert suggested(world, aid_request) == world.ben

    def test_category_comes_from_offers_and_notification_choices(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        aid_request = need(world.rosa, world.maple)
        helping(world.ben, 0, categories=("meals",))
        assert suggested(world, aid_request) is None
        assert why(world, aid_request) == "No one within reach helps with Groceries."
        offer = services.create_offer(
            author=world.ben,
            draft=services.OfferDraft(
                pod=world.maple, scope="pod", category="groceries", description="Shopping runs"
            ),
        )
        assert suggested(world, aid_request) == world.ben
        services.withdraw_offer(offer=offer, actor=world.ben)
        assert suggested(world, aid_request) is None

    def test_offer_windows_limit_when_a_helper_is_free(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        soon = need(world.rosa, world.maple, needed_by_days=2, summary="Soon")
        helping(world.ben, 0, categories=())
        start = timezone.now() + timedelta(days=4)
        services.create_offer(
            author=world.ben,
            draft=services.OfferDraft(
                pod=world.maple,
                scope="pod",
                category="groceries",
                description="Shopping runs",
                available_from=start,
                available_until=start + timedelta(days=1),
            ),
        )
        assert suggested(world, soon) is None
        assert why(world, soon) == "No one within reach is free before it is needed."
        later = need(world.rosa, world.maple, needed_by_days=7, summary="Later")
        candidate = plan_network(world.network).suggestions[later.pk].candidate
        assert candidate is not None and candidate.helper == world.ben
        weekday = formats.date_format(timezone.localtime(start), "l")
        assert f"free {weekday}" in suggestions.describe_all(candidate.reasons)

    def test_pod_scoped_request_is_suggested_only_within_the_pod(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        aid_request = need(world.rosa, world.maple, scope="pod")
        helping(world.dev, 0)  # Oak Court cannot see it
        assert suggested(world, aid_request) is None
        helping(world.chloe, 2)
        assert suggested(world, aid_request) == world.chloe

    def test_requester_is_never_suggested_for_their_own_request(self, world: World) -> None:
        helping(world.rosa, 0)
        aid_request = need(world.rosa, world.maple)
        assert suggested(world, aid_request) is None

    def test_request_without_any_location_says_so(self, world: World) -> None:
        aid_request = need(world.rosa, world.maple)  # Rosa gave no home area
        helping(world.ben, 0)
        assert "do not know roughly where" in why(world, aid_request)


class TestPreferences:
    def test_own_pod_wins_at_equal_distance(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        aid_request = need(world.rosa, world.maple)
        helping(world.ben, 1)  # Maple Street, one step north
        helping(world.dev, -1)  # Oak Court, one step south
        plan = plan_network(world.network)
        candidate = plan.suggestions[aid_request.pk].candidate
        assert candidate is not None and candidate.helper == world.ben
        assert ("same_pod", str(world.maple.pk)) in candidate.reasons
        assert (
            plan.costs[(aid_request.pk, world.dev.pk)] - plan.costs[(aid_request.pk, world.ben.pk)]
            == 20
        )

    def test_helper_with_many_recent_helps_loses_the_tie(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        helping(world.dev, 0, categories=())
        for n in range(2):
            done = need(world.dev, world.oak, summary=f"Earlier {n}")
            services.claim_request(aid_request=done, actor=world.ben)
        aid_request = need(world.rosa, world.maple)
        helping(world.ben, 1, capacity=5)
        helping(world.chloe, 1, capacity=5)
        plan = plan_network(world.network)
        assert plan.suggestions[aid_request.pk].candidate.helper == world.chloe  # type: ignore[union-attr]
        ben, chloe = (plan.costs[(aid_request.pk, m.pk)] for m in (world.ben, world.chloe))
        assert ben - chloe == 2 * 15

    def test_a_full_week_means_no_more_suggestions(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        helping(world.dev, 0, categories=())
        services.claim_request(aid_request=need(world.dev, world.oak), actor=world.ben)
        aid_request = need(world.rosa, world.maple)
        helping(world.ben, 0, capacity=1)
        assert suggested(world, aid_request) is None
        assert why(world, aid_request) == (
            "The helpers who fit are suggested elsewhere or have no room this week."
        )


class TestReasons:
    def test_reasons_read_like_a_sentence(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        aid_request = need(world.rosa, world.maple, language="es")
        helping(world.chloe, 1, languages=("es",))
        candidate = plan_network(world.network).suggestions[aid_request.pk].candidate
        assert candidate is not None
        assert suggestions.describe_all(candidate.reasons) == (
            "same pod, 1.1 km, speaks Spanish, free now"
        )

    def test_waiting_time_is_a_reason_and_lowers_the_cost(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        aid_request = need(world.rosa, world.maple)
        helping(world.ben, 1)
        before = plan_network(world.network).costs[(aid_request.pk, world.ben.pk)]
        Request.objects.filter(pk=aid_request.pk).update(
            created_at=timezone.now() - timedelta(hours=5)
        )
        candidate = plan_network(world.network).suggestions[aid_request.pk].candidate
        assert candidate is not None
        assert candidate.cost == before - 5 * 2  # 5 hours at normal urgency, 2 points an hour
        assert "waiting 5 hours" in suggestions.describe_all(candidate.reasons)


class TestCouldHelpWith:
    def test_lists_what_the_member_fits_best_first(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        helping(world.dev, 0, categories=())
        far = need(world.dev, world.oak, north=2, summary="Far")
        near = need(world.rosa, world.maple, north=1, summary="Near")
        need(world.rosa, world.maple, category="rides", summary="Not my kind")
        need(world.rosa, world.maple, language="fr", summary="In French")
        helping(world.chloe, 1)
        assert [r for r, _c in suggestions.could_help_with(world.chloe)] == [near, far]

    def test_member_without_a_home_area_gets_nothing(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        need(world.rosa, world.maple)
        assert suggestions.could_help_with(world.chloe) == []


class TestHelpingProfile:
    def test_area_is_rounded_to_about_a_kilometre(self, world: World) -> None:
        services.update_helping_profile(
            member=world.ben,
            helping=services.HelpingProfile(help_lat=40.71449, help_lng=-74.00551),
        )
        world.ben.refresh_from_db()
        assert (world.ben.help_lat, world.ben.help_lng) == (40.71, -74.01)

    def test_bad_values_are_refused_with_a_code(self, world: World) -> None:
        cases = [
            (services.HelpingProfile(help_lat=40.7), "coordinates_incomplete"),
            (services.HelpingProfile(help_lat=91, help_lng=0), "bad_coordinates"),
            (services.HelpingProfile(travel_km=500), "bad_travel_km"),
            (services.HelpingProfile(weekly_capacity=-1), "bad_capacity"),
            (services.HelpingProfile(languages=("xx",)), "bad_language"),
            (services.HelpingProfile(skills=(services.SkillDraft("x" * 81),)), "bad_skill"),
        ]
        for helping_profile, code in cases:
            try:
                services.update_helping_profile(member=world.ben, helping=helping_profile)
            except ValidationError as error:
                assert error.code == code
            else:
                raise AssertionError(f"{code} was accepted")

    def test_skills_are_replaced_and_languages_default_to_preferred(self, world: World) -> None:
        assert world.rosa.spoken_languages == ["es"]
        helping(world.ben, skills=(services.SkillDraft("First aid"), services.SkillDraft("x")))
        helping(world.ben, skills=(services.SkillDraft("first aid", date(2030, 1, 1)),))
        assert list(world.ben.skills.values_list("name", "valid_until")) == [
            ("first aid", date(2030, 1, 1))
        ]
