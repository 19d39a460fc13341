"""Delivery runs over JSON. Adapters only: schema in, access, one service, schema out.

Rules come back from services.py as a ``ValidationError`` that ``mutua/api.py`` turns into a 400
with its code (``window_out_of_order``, ``bad_load``, ``driver_no_hours``...). Exact addresses
leave only through ``access.sheet_addresses`` (the driver, on the day); planning coordinates never.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict, WithJsonSchema

from mutua.deliveries import access, services
from mutua.deliveries.models import DeliveryRun, PlannedVisit, RunDriver, RunStop
from mutua.lib.api import ERRORS, WRITE_ERRORS, current_member
from mutua.members.access import access_pod, network_ids
from mutua.members.models import Member, Network, Pod

router = Router()

# Inlined, so the document has no bare "Status" or "Kind" that other routers could also claim.
RunStatus = Annotated[
    DeliveryRun.Status, WithJsonSchema({"type": "string", "enum": [*DeliveryRun.Status.values]})
]
StopKind = Annotated[
    RunStop.Kind, WithJsonSchema({"type": "string", "enum": [*RunStop.Kind.values]})
]


class MemberRef(Schema):
    id: int
    display_name: str


class StopOut(Schema):
    """A stop as everyone who sees the run sees it: never an address or coordinates."""

    id: int
    request_id: int | None
    kind: StopKind
    label: str
    window_start: datetime | None
    window_end: datetime | None
    service_minutes: int
    load: int
    what_to_bring: str
    unplaced_reason: str = Field(description="Why planning could not place it; empty if placed.")
    unplaced_message: str


class DriverOut(Schema):
    """A volunteer driver; their start place is private and never returned."""

    id: int
    member: MemberRef
    capacity: int
    available_from: datetime
    available_until: datetime
    route_distance_km: float | None
    returns_at: datetime | None


class RunOut(Schema):
    id: int
    name: str
    date: date
    status: RunStatus
    pod_id: int | None
    network_id: int
    solve_seconds: float
    speed_kmh: float
    total_distance_km: float | None
    planned_at: datetime | None
    stops: list[StopOut]
    drivers: list[DriverOut]


class RunIn(Schema):
    model_config = ConfigDict(extra="forbid")

    pod_id: int | None = Field(None, description="The pod; omit for a run of a whole network.")
    network_id: int | None = None
    name: str
    date: date
    solve_seconds: float = 2.0
    speed_kmh: float = services.DEFAULT_SPEED_KMH


class StopIn(Schema):
    model_config = ConfigDict(extra="forbid")

    request_id: int | None = Field(None, description="A request someone is helping with.")
    kind: str = RunStop.Kind.DELIVERY
    label: str = ""
    lat: float | None = Field(None, description="For planning; stored encrypted, never returned.")
    lng: float | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    service_minutes: int = 5
    load: int = 1
    what_to_bring: str = ""


class DriverIn(Schema):
    model_config = ConfigDict(extra="forbid")

    member_id: int | None = Field(
        None, description="Who drives; omit to volunteer yourself (organizers may name another)."
    )
    capacity: int
    start_lat: float
    start_lng: float
    available_from: datetime
    available_until: datetime


class VisitOut(Schema):
    order: int
    stop_id: int
    label: str
    kind: StopKind
    arrival_at: datetime
    service_at: datetime
    departure_at: datetime
    window_start: datetime | None
    window_end: datetime | None
    what_to_bring: str


class RouteOut(Schema):
    driver: DriverOut
    visits: list[VisitOut]


class PlanOut(Schema):
    run_id: int
    status: RunStatus
    total_distance_km: float | None
    routes: list[RouteOut]
    unplaced: list[StopOut]


class SheetVisitOut(VisitOut):
    address: str | None = Field(
        description="The exact address: only for this driver, only on the day; null otherwise."
    )


class SheetOut(Schema):
    run_id: int
    date: date
    driver: DriverOut
    returns_at: datetime | None
    visits: list[SheetVisitOut]
    pdf_url: str = Field(
        description="This sheet as a PDF, on the website: a signed-in browser downloads it (the "
        "same address rule applies)."
    )


# --- Adapting rows to schemas ---------------------------------------------------------------


def _stop(stop: RunStop) -> StopOut:
    return StopOut(
        id=stop.pk,
        request_id=stop.request_id,
        kind=RunStop.Kind(stop.kind),
        label=stop.label,
        window_start=stop.window_start,
        window_end=stop.window_end,
        service_minutes=stop.service_minutes,
        load=stop.load,
        what_to_bring=stop.what_to_bring,
        unplaced_reason=stop.unplaced_reason,
        unplaced_message=stop.unplaced_message,
    )


def _driver(driver: RunDriver) -> DriverOut:
    return DriverOut(
        id=driver.pk,
        member=MemberRef(id=driver.member.pk, display_name=driver.member.display_name),
        capacity=driver.capacity,
        available_from=driver.available_from,
        available_until=driver.available_until,
        route_distance_km=driver.route_distance_km,
        returns_at=driver.returns_at,
    )


def _visit(visit: PlannedVisit) -> dict[str, object]:
    stop = visit.stop
    return {
        "order": visit.order,
        "stop_id": stop.pk,
        "label": stop.label,
        "kind": RunStop.Kind(stop.kind),
        "arrival_at": visit.arrival_at,
        "service_at": visit.service_at,
        "departure_at": visit.departure_at,
        "window_start": stop.window_start,
        "window_end": stop.window_end,
        "what_to_bring": stop.what_to_bring,
    }


def _run(run: DeliveryRun) -> RunOut:
    return RunOut(
        id=run.pk,
        name=run.name,
        date=run.date,
        status=DeliveryRun.Status(run.status),
        pod_id=run.pod_id,
        network_id=run.network_id,
        solve_seconds=run.solve_seconds,
        speed_kmh=run.speed_kmh,
        total_distance_km=run.total_distance_km,
        planned_at=run.planned_at,
        stops=[_stop(s) for s in RunStop.objects.filter(run=run)],
        drivers=[_driver(d) for d in RunDriver.objects.filter(run=run).select_related("member")],
    )


def _plan(run: DeliveryRun) -> PlanOut:
    routes: dict[int, RouteOut] = {}
    visits = (
        PlannedVisit.objects.filter(run=run)
        .select_related("stop", "driver__member")
        .order_by("driver__created_at", "driver_id", "order")
    )
    for visit in visits:
        route = routes.setdefault(
            visit.driver_id, RouteOut(driver=_driver(visit.driver), visits=[])
        )
        route.visits.append(VisitOut(**_visit(visit)))  # type: ignore[arg-type]
    return PlanOut(
        run_id=run.pk,
        status=DeliveryRun.Status(run.status),
        total_distance_km=run.total_distance_km,
        routes=list(routes.values()),
        unplaced=[_stop(s) for s in RunStop.objects.filter(run=run).exclude(unplaced_reason="")],
    )


def _owner(member: Member, data: RunIn) -> tuple[Pod | None, Network | None]:
    if data.pod_id is not None:
        try:
            return access_pod(member, data.pod_id), None
        except Http404:
            raise ValidationError(_("There is no pod with this id."), code="unknown_pod") from None
    if data.network_id is not None:
        network = Network.objects.filter(pk=data.network_id, pk__in=network_ids(member)).first()
        if network is None:
            raise ValidationError(_("There is no network with this id."), code="unknown_network")
        return None, network
    return None, None


# --- Endpoints -------------------------------------------------------------------------------


@router.post("/runs", response={201: RunOut, **WRITE_ERRORS})
def create_run(request: HttpRequest, payload: RunIn) -> Status[RunOut]:
    """Start a day's delivery run (organizers of the pod or network)."""
    member = current_member(request)
    pod, network = _owner(member, payload)
    run = services.create_run(
        actor=member,
        pod=pod,
        network=network,
        name=payload.name,
        day=payload.date,
        solve_seconds=payload.solve_seconds,
        speed_kmh=payload.speed_kmh,
    )
    return Status(201, _run(run))


@router.get("/runs/{run_id}", response={200: RunOut, **ERRORS})
def get_run(request: HttpRequest, run_id: int) -> RunOut:
    member = current_member(request)
    return _run(access.access_run(member, run_id))


@router.post("/runs/{run_id}/stops", response={201: StopOut, **WRITE_ERRORS})
def add_stop(request: HttpRequest, run_id: int, payload: StopIn) -> Status[StopOut]:
    """Put a delivery or pick-up on the run (organizers). Drops the current plan."""
    member = current_member(request)
    run = access.access_run(member, run_id)
    aid_request = None
    if payload.request_id is not None:
        try:
            aid_request = access.access_request_for_run(member, run, payload.request_id)
        except Http404:
            raise ValidationError(
                _("There is no request with this id."), code="unknown_request"
            ) from None
    draft = services.StopDraft(
        label=payload.label,
        kind=payload.kind,
        aid_request=aid_request,
        lat=payload.lat,
        lng=payload.lng,
        window_start=payload.window_start,
        window_end=payload.window_end,
        service_minutes=payload.service_minutes,
        load=payload.load,
        what_to_bring=payload.what_to_bring,
    )
    return Status(201, _stop(services.add_stop(run=run, actor=member, draft=draft)))


@router.post("/runs/{run_id}/drivers", response={201: DriverOut, **WRITE_ERRORS})
def add_driver(request: HttpRequest, run_id: int, payload: DriverIn) -> Status[DriverOut]:
    """Volunteer to drive (any member of the pod or network)."""
    member = current_member(request)
    run = access.access_run(member, run_id)
    driver_member = member
    if payload.member_id is not None and payload.member_id != member.pk:
        found = Member.objects.filter(pk=payload.member_id).first()
        if found is None:
            raise ValidationError(_("There is no member with this id."), code="unknown_member")
        driver_member = found
    draft = services.DriverDraft(
        capacity=payload.capacity,
        start_lat=payload.start_lat,
        start_lng=payload.start_lng,
        available_from=payload.available_from,
        available_until=payload.available_until,
    )
    driver = services.add_driver(run=run, actor=member, member=driver_member, draft=draft)
    return Status(201, _driver(driver))


@router.post("/runs/{run_id}/plan", response={200: PlanOut, **WRITE_ERRORS})
def plan_run(request: HttpRequest, run_id: int) -> PlanOut:
    """Plan the routes now (organizers): fewest drivers, then least distance."""
    member = current_member(request)
    run = services.plan_run(run=access.access_run(member, run_id), actor=member)
    return _plan(run)


@router.get("/runs/{run_id}/plan", response={200: PlanOut, **ERRORS})
def get_plan(request: HttpRequest, run_id: int) -> PlanOut:
    member = current_member(request)
    return _plan(access.access_run(member, run_id))


@router.post("/runs/{run_id}/done", response={200: RunOut, **WRITE_ERRORS})
def mark_run_done(request: HttpRequest, run_id: int) -> RunOut:
    member = current_member(request)
    return _run(services.mark_run_done(run=access.access_run(member, run_id), actor=member))


@router.get("/runs/{run_id}/my-route", response={200: SheetOut, **ERRORS})
def my_route(request: HttpRequest, run_id: int, response: HttpResponse) -> SheetOut:
    """My route sheet as a driver of this run; addresses only on the day of the run."""
    response["Cache-Control"] = "private, no-store"  # it may carry addresses
    member = current_member(request)
    run = access.access_run(member, run_id)
    driver = access.my_drive(member, run)
    if driver is None:
        raise Http404
    visits = list(
        PlannedVisit.objects.filter(driver=driver).select_related("stop").order_by("order")
    )
    addresses = access.sheet_addresses(member, driver, run, visits, timezone.localdate())
    return SheetOut(
        run_id=run.pk,
        date=run.date,
        driver=_driver(driver),
        returns_at=driver.returns_at,
        visits=[
            SheetVisitOut(**_visit(v), address=addresses.get(v.stop_id))  # type: ignore[arg-type]
            for v in visits
        ],
        pdf_url=reverse("deliveries:route_sheet_pdf", args=[run.pk]),
    )
