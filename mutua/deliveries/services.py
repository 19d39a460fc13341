"""Every change to delivery runs. Web pages, the JSON API and (later) SMS call these.

Rules raise ``ValidationError(message, code=...)``. Planning converts the run into a plain
``routing.Problem`` (times in minutes since local midnight of the run's day, distances in km),
solves it outside any transaction (it takes seconds), checks the answer independently with
``routing.check_plan`` and saves it only if it passes and nothing changed in the meantime: a
wrong plan is refused, never saved.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.error import URLError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.audit.services import record
from mutua.deliveries import access, routing
from mutua.deliveries.models import (
    DeliveryRun,
    PlannedVisit,
    RunDriver,
    RunStop,
    format_point,
)
from mutua.exchange.models import Request
from mutua.members.models import Member, Network, Pod

logger = logging.getLogger(__name__)

MAX_SOLVE_SECONDS = 30.0
# A straight line is shorter than the street; 25 km/h over it is a cautious town average.
DEFAULT_SPEED_KMH = 25.0


# --- Checks shared by the services ---------------------------------------------------------


def _require_organizer(actor: Member, run: DeliveryRun) -> None:
    if not access.can_organize(actor, run):
        raise ValidationError(
            _("Only the organizers of this pod or network can do this."), code="not_organizer"
        )


def _require_not_done(run: DeliveryRun) -> None:
    if run.status == DeliveryRun.Status.DONE:
        raise ValidationError(_("This run is already done."), code="run_done")


def _require_aware(*values: datetime | None) -> None:
    for value in values:
        if value is not None and timezone.is_naive(value):
            raise ValidationError(_("Times need a time zone."), code="naive_datetime")


def _check_point(lat: float, lng: float) -> None:
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError(
            _("The latitude must be between -90 and 90, the longitude between -180 and 180."),
            code="bad_location",
        )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight to the next midnight (23 or 25 hours on a daylight-saving change)."""
    zone = timezone.get_default_timezone()
    return (
        timezone.make_aware(datetime.combine(day, time.min), zone),
        timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone),
    )


def _invalidate_plan(run: DeliveryRun) -> None:
    """Stops or drivers changed: the old plan no longer holds. Back to draft, new revision."""
    PlannedVisit.objects.filter(run=run).delete()
    RunStop.objects.filter(run=run).exclude(unplaced_reason="").update(unplaced_reason="")
    RunDriver.objects.filter(run=run).update(route_distance_km=None, returns_at=None)
    DeliveryRun.objects.filter(pk=run.pk).update(
        revision=F("revision") + 1,
        status=DeliveryRun.Status.DRAFT,
        planned_at=None,
        total_distance_km=None,
    )
    run.refresh_from_db()


# --- Runs ------------------------------------------------------------------------------------


@transaction.atomic
def create_run(
    *,
    actor: Member,
    name: str,
    day: date,
    pod: Pod | None = None,
    network: Network | None = None,
    solve_seconds: float = 2.0,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> DeliveryRun:
    """Start a day's run for a pod (or, without a pod, for its whole network)."""
    if pod is None and network is None:
        raise ValidationError(_("Choose a pod or a network."), code="no_owner")
    if pod is not None and network is not None and pod.network_id != network.pk:
        raise ValidationError(_("That pod is not in that network."), code="pod_not_in_network")
    owner_network_id = pod.network_id if pod is not None else network.pk if network else 0
    run = DeliveryRun(
        pod=pod,
        network_id=owner_network_id,
        name=name.strip(),
        date=day,
        created_by=actor,
        solve_seconds=solve_seconds,
        speed_kmh=speed_kmh,
    )
    _require_organizer(actor, run)
    if not run.name:
        raise ValidationError(_("Give the run a name."), code="empty_name")
    if len(run.name) > 120:
        raise ValidationError(_("Keep the name under 120 characters."), code="name_too_long")
    if day < timezone.localdate():
        raise ValidationError(_("The day of the run is in the past."), code="date_in_past")
    if not (0 < solve_seconds <= MAX_SOLVE_SECONDS):
        raise ValidationError(
            _("Planning time must be more than 0 and at most %(max)d seconds.")
            % {"max": MAX_SOLVE_SECONDS},
            code="bad_seconds",
        )
    if not (math.isfinite(speed_kmh) and speed_kmh > 0):
        raise ValidationError(_("The average speed must be positive."), code="bad_speed")
    run.save()
    record(action="delivery_run.created", target=run, actor=actor, date=day.isoformat())
    return run


@dataclass(frozen=True)
class StopDraft:
    """One stop as an organizer describes it. Plain data, so every front door can build one."""

    label: str = ""
    kind: str = RunStop.Kind.DELIVERY
    aid_request: Request | None = None
    # Where to plan for. Defaults to the request's approximate area when not given.
    lat: float | None = None
    lng: float | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    service_minutes: int = 5
    load: int = 1
    what_to_bring: str = ""


def _check_request_for_run(aid_request: Request, run: DeliveryRun) -> None:
    in_scope = (
        aid_request.pod_id == run.pod_id
        if run.pod_id is not None
        else aid_request.network_id == run.network_id
    )
    if not in_scope:
        raise ValidationError(
            _("That request is not from this run's pod or network."), code="request_out_of_scope"
        )
    if aid_request.status != Request.Status.CLAIMED:
        raise ValidationError(
            _("Only requests someone is helping with can go on a run."),
            code="request_not_claimed",
        )


@transaction.atomic
def add_stop(*, run: DeliveryRun, actor: Member, draft: StopDraft) -> RunStop:
    """Put a delivery or pick-up on the run. The plan, if any, is dropped: it no longer holds."""
    _require_organizer(actor, run)
    _require_not_done(run)
    aid_request = draft.aid_request
    if aid_request is not None:
        _check_request_for_run(aid_request, run)
    if draft.kind not in RunStop.Kind.values:
        raise ValidationError(_("A stop is a delivery or a pick-up."), code="bad_kind")
    label = draft.label.strip() or (aid_request.summary if aid_request else "")
    if not label:
        raise ValidationError(_("Give the stop a short label."), code="empty_label")
    if len(label) > 140:
        raise ValidationError(_("Keep the label under 140 characters."), code="label_too_long")
    lat, lng = draft.lat, draft.lng
    if (lat is None or lng is None) and aid_request is not None:
        lat, lng = aid_request.area_lat, aid_request.area_lng
    if lat is None or lng is None:
        raise ValidationError(
            _("Give the stop a place to plan for (latitude and longitude)."), code="no_location"
        )
    _check_point(lat, lng)
    _require_aware(draft.window_start, draft.window_end)
    if draft.window_start and draft.window_end and draft.window_end < draft.window_start:
        raise ValidationError(
            _("The time window closes before it opens."), code="window_out_of_order"
        )
    if draft.load < 0:
        raise ValidationError(_("The load cannot be negative."), code="bad_load")
    if not 0 <= draft.service_minutes <= 240:
        raise ValidationError(
            _("Minutes at the stop must be between 0 and 240."), code="bad_service_minutes"
        )
    if len(draft.what_to_bring) > 280:
        raise ValidationError(
            _("Keep “what to bring” under 280 characters."), code="what_to_bring_too_long"
        )
    try:
        with transaction.atomic():
            stop = RunStop.objects.create(
                run=run,
                request=aid_request,
                kind=draft.kind,
                label=label,
                location=format_point(lat, lng),
                window_start=draft.window_start,
                window_end=draft.window_end,
                service_minutes=draft.service_minutes,
                load=draft.load,
                what_to_bring=draft.what_to_bring.strip(),
            )
    except IntegrityError:
        raise ValidationError(
            _("That request is already on this run."), code="already_on_run"
        ) from None
    _invalidate_plan(run)
    record(
        action="delivery_run.stop_added",
        target=run,
        actor=actor,
        stop_id=stop.pk,
        request_id=aid_request.pk if aid_request else None,
    )
    return stop


@dataclass(frozen=True)
class DriverDraft:
    capacity: int
    start_lat: float
    start_lng: float
    available_from: datetime
    available_until: datetime


@transaction.atomic
def add_driver(*, run: DeliveryRun, actor: Member, member: Member, draft: DriverDraft) -> RunDriver:
    """A member volunteers to drive (or an organizer enters a volunteer who asked them to)."""
    if member.pk != actor.pk:
        _require_organizer(actor, run)
    _require_not_done(run)
    if not access.can_drive(member, run):
        raise ValidationError(
            _("Drivers must be members of the run's pod or network."), code="not_in_pod"
        )
    _require_aware(draft.available_from, draft.available_until)
    if draft.available_until <= draft.available_from:
        raise ValidationError(
            _("The driver's hours end before they start."), code="driver_no_hours"
        )
    start, end = day_bounds(run.date)
    if draft.available_until <= start or draft.available_from >= end:
        raise ValidationError(
            _("The driver's hours are not on the day of the run."), code="driver_not_on_day"
        )
    if draft.capacity <= 0:
        raise ValidationError(_("The vehicle capacity must be at least 1."), code="bad_capacity")
    _check_point(draft.start_lat, draft.start_lng)
    try:
        with transaction.atomic():
            driver = RunDriver.objects.create(
                run=run,
                member=member,
                capacity=draft.capacity,
                start_location=format_point(draft.start_lat, draft.start_lng),
                available_from=draft.available_from,
                available_until=draft.available_until,
            )
    except IntegrityError:
        raise ValidationError(
            _("%(name)s is already driving on this run.") % {"name": member.display_name},
            code="already_driving",
        ) from None
    _invalidate_plan(run)
    record(
        action="delivery_run.driver_added",
        target=run,
        actor=actor,
        driver_id=driver.pk,
        member_id=member.pk,
    )
    return driver


# --- Planning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunProblem:
    """The run as the solver sees it, and how to turn its minutes back into times."""

    problem: routing.Problem
    day_start: datetime

    def at(self, minutes: float) -> datetime:
        return self.day_start + timedelta(minutes=minutes)


def build_problem(run: DeliveryRun, stops: list[RunStop], drivers: list[RunDriver]) -> RunProblem:
    """Convert a run into a ``routing.Problem``: x = longitude, y = latitude, minutes since
    local midnight. Windows and hours are clipped to the day, so a window that lies on another
    day becomes one that closes before it opens (and is listed as unplaced, not dropped)."""
    start, end = day_bounds(run.date)
    day_minutes = (end - start).total_seconds() / 60

    def minutes(value: datetime) -> float:
        return (value - start).total_seconds() / 60

    routing_stops = []
    for stop in stops:
        lat, lng = stop.point
        ready = max(0.0, minutes(stop.window_start)) if stop.window_start else 0.0
        due = min(day_minutes, minutes(stop.window_end)) if stop.window_end else day_minutes
        routing_stops.append(
            routing.Stop(
                id=str(stop.pk),
                x=lng,
                y=lat,
                load=stop.load,
                ready=ready,
                due=due,
                service=float(stop.service_minutes),
                kind="pickup" if stop.kind == RunStop.Kind.PICKUP else "delivery",
            )
        )
    routing_drivers = []
    for driver in drivers:
        lat, lng = driver.start_point
        shift_start = max(0.0, minutes(driver.available_from))
        shift_end = min(day_minutes, minutes(driver.available_until))
        if shift_end < shift_start:
            continue  # hours on another day: not available for this run
        routing_drivers.append(
            routing.Driver(
                id=str(driver.pk),
                capacity=driver.capacity,
                x=lng,
                y=lat,
                shift_start=shift_start,
                shift_end=shift_end,
            )
        )
    engine = settings.ROUTING_ENGINE_URL
    problem = routing.Problem(
        stops=tuple(routing_stops),
        drivers=tuple(routing_drivers),
        metric="haversine",
        speed=run.speed_kmh / 60,  # km per minute
        matrix=routing.osrm_matrix(engine) if engine else None,
    )
    return RunProblem(problem, start)


def plan_run(*, run: DeliveryRun, actor: Member, seconds: float | None = None) -> DeliveryRun:
    """Plan who drives where: fewest drivers first, then the least distance, never breaking a
    window or a capacity. Stops that cannot fit are kept with their reason.

    Not one transaction: the solver runs for seconds and must not hold the database. The plan
    is saved only if the run's revision is unchanged since it was read.
    """
    _require_organizer(actor, run)
    _require_not_done(run)
    revision = run.revision
    stops = list(RunStop.objects.filter(run=run))
    drivers = list(RunDriver.objects.filter(run=run))
    if not stops:
        raise ValidationError(_("Add at least one stop before planning."), code="no_stops")
    limit = run.solve_seconds if seconds is None else seconds
    if not 0 < limit <= MAX_SOLVE_SECONDS:
        raise ValidationError(_("The planning time is out of range."), code="bad_seconds")
    built = build_problem(run, stops, drivers)
    try:
        plan = routing.solve(built.problem, seconds=limit, seed=run.pk)
        errors = routing.check_plan(built.problem, plan)
    except routing.ProblemError as error:
        raise ValidationError(
            _("This run cannot be planned: %(reason)s") % {"reason": str(error)},
            code="bad_problem",
        ) from error
    except (URLError, OSError, ValueError) as error:
        if built.problem.matrix is None:
            raise  # not the engine: a bug, let it surface
        logger.warning("routing engine failed for run %s: %s", run.pk, error)
        raise ValidationError(
            _("The routing engine did not answer; try again later."), code="routing_engine_failed"
        ) from error
    if errors:
        # Never save a plan that breaks a window, a capacity or loses a stop.
        logger.error("plan for run %s failed the check: %s", run.pk, errors[:5])
        raise ValidationError(
            _("The planner produced a plan that fails the safety check; nothing was saved."),
            code="plan_failed_check",
        )
    _save_plan(run, actor, revision, built, plan, stops, drivers)
    run.refresh_from_db()
    return run


@transaction.atomic
def _save_plan(
    run: DeliveryRun,
    actor: Member,
    revision: int,
    built: RunProblem,
    plan: routing.Plan,
    stops: list[RunStop],
    drivers: list[RunDriver],
) -> None:
    now = timezone.now()
    saved = (
        DeliveryRun.objects.filter(pk=run.pk, revision=revision)
        .exclude(status=DeliveryRun.Status.DONE)
        .update(
            status=DeliveryRun.Status.PLANNED,
            planned_at=now,
            total_distance_km=plan.distance,
            revision=F("revision") + 1,
        )
    )
    if not saved:
        raise ValidationError(
            _("The run changed while it was being planned; plan it again."), code="run_changed"
        )
    stop_by_id = {str(s.pk): s for s in stops}
    driver_by_id = {str(d.pk): d for d in drivers}
    PlannedVisit.objects.filter(run=run).delete()
    visits = []
    for route in plan.routes:
        driver = driver_by_id[route.driver_id]
        driver.route_distance_km = route.distance
        driver.returns_at = built.at(route.end)
        for order, visit in enumerate(route.visits, start=1):
            stop = stop_by_id[visit.stop_id]
            visits.append(
                PlannedVisit(
                    run=run,
                    driver=driver,
                    stop=stop,
                    order=order,
                    arrival_at=built.at(visit.arrival),
                    service_at=built.at(visit.start),
                    departure_at=built.at(visit.start + stop.service_minutes),
                )
            )
    PlannedVisit.objects.bulk_create(visits)
    routed = {route.driver_id for route in plan.routes}
    for driver in drivers:
        if str(driver.pk) not in routed:
            driver.route_distance_km = None
            driver.returns_at = None
    RunDriver.objects.bulk_update(drivers, ["route_distance_km", "returns_at"])
    reason_of = {u.stop_id: u.reason for u in plan.unplaced}
    for stop in stops:
        stop.unplaced_reason = reason_of.get(str(stop.pk), "")
    RunStop.objects.bulk_update(stops, ["unplaced_reason"])
    record(
        action="delivery_run.planned",
        target=run,
        actor=actor,
        drivers=len(plan.routes),
        distance_km=round(plan.distance, 3),
        unplaced=sorted(reason_of.values()),
    )


@transaction.atomic
def mark_run_done(*, run: DeliveryRun, actor: Member) -> DeliveryRun:
    """Close a planned run; it can no longer change."""
    _require_organizer(actor, run)
    done = DeliveryRun.objects.filter(pk=run.pk, status=DeliveryRun.Status.PLANNED).update(
        status=DeliveryRun.Status.DONE, done_at=timezone.now()
    )
    if not done:
        raise ValidationError(_("Only a planned run can be marked done."), code="not_planned")
    run.refresh_from_db()
    record(action="delivery_run.done", target=run, actor=actor)
    return run
