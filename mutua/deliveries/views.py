"""Web pages for delivery runs. Each view parses, checks access, calls one service, renders."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from mutua.deliveries import access, services
from mutua.deliveries.forms import DriverForm, RunForm, StopForm, add_service_error
from mutua.deliveries.models import DeliveryRun, PlannedVisit, RunDriver, RunStop
from mutua.deliveries.svg import route_sketch
from mutua.exchange.models import Request
from mutua.members.decorators import member_required
from mutua.members.models import Member


@member_required
def run_list(request: HttpRequest, member: Member, pod_id: int) -> HttpResponse:
    pod = access.access_runs_pod(member, pod_id)
    runs = (
        DeliveryRun.objects.filter(pod=pod)
        .annotate(
            stop_count=Count("stops", distinct=True), driver_count=Count("drivers", distinct=True)
        )
        .order_by("-date", "-id")
    )
    network_runs = DeliveryRun.objects.filter(network_id=pod.network_id, pod__isnull=True)
    return render(
        request,
        "deliveries/run_list.html",
        {
            "pod": pod,
            "runs": runs,
            "network_runs": network_runs,
            "can_organize": access.can_organize_pod(member, pod),
        },
    )


@member_required
def run_create(request: HttpRequest, member: Member, pod_id: int) -> HttpResponse:
    pod = access.access_runs_pod(member, pod_id)
    form = RunForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.create_run(
                actor=member, pod=pod, name=form.cleaned_data["name"], day=form.cleaned_data["date"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The run is created. Add stops and drivers."))
            return redirect(run)
    return render(
        request,
        "deliveries/run_form.html",
        {"form": form, "pod": pod},
        status=400 if form.is_bound else 200,
    )


@dataclass
class RouteView:
    """One driver's planned route, ready for a template."""

    driver: RunDriver
    visits: list[PlannedVisit] = field(default_factory=list)
    sketch: str = ""


def _routes(
    run: DeliveryRun,
    visits: list[PlannedVisit],
    *,
    with_start_of: Member | None = None,
    draw: bool = True,
) -> list[RouteView]:
    """Group visits by driver and draw each route (when ``draw``). The start place is drawn only
    on the driver's own sheet (``with_start_of``)."""
    routes: dict[int, RouteView] = {}
    for visit in visits:
        routes.setdefault(visit.driver_id, RouteView(visit.driver)).visits.append(visit)
    for route in routes.values():
        if not draw:
            continue
        name = route.driver.member.display_name
        start = (
            route.driver.start_point
            if with_start_of is not None and route.driver.member_id == with_start_of.pk
            else None
        )
        route.sketch = route_sketch(
            element_id=f"route-{route.driver.pk}",
            title=_("Sketch of %(name)s's route") % {"name": name},
            description=_("%(count)d stops in visit order: %(stops)s.")
            % {
                "count": len(route.visits),
                "stops": "; ".join(f"{v.order}. {v.stop.label}" for v in route.visits),
            },
            stops=[v.stop.point for v in route.visits],
            start=start,
        )
    return list(routes.values())


def _eligible_requests(run: DeliveryRun) -> QuerySet[Request]:
    """Requests an organizer may put on the run: being helped, in its pod or network."""
    requests = Request.objects.filter(status=Request.Status.CLAIMED).exclude(run_stops__run=run)
    if run.pod_id is not None:
        return requests.filter(pod_id=run.pod_id)
    return requests.filter(network_id=run.network_id)


def _render_run(
    request: HttpRequest,
    member: Member,
    run: DeliveryRun,
    *,
    stop_form: StopForm | None = None,
    driver_form: DriverForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_organize = access.can_organize(member, run)
    stops = list(RunStop.objects.filter(run=run))
    drivers = list(RunDriver.objects.filter(run=run).select_related("member"))
    visits = list(
        PlannedVisit.objects.filter(run=run)
        .select_related("stop", "driver__member")
        .order_by("driver__created_at", "driver_id", "order")
    )
    mine = next((d for d in drivers if d.member_id == member.pk), None)
    context: dict[str, Any] = {
        "run": run,
        "stops": stops,
        "drivers": drivers,
        "routes": _routes(run, visits, draw=access.sees_route_sketches(member, run)),
        "unplaced": [s for s in stops if s.unplaced_reason],
        "can_organize": can_organize and run.status != DeliveryRun.Status.DONE,
        "my_drive": mine,
        "can_volunteer": mine is None
        and run.status != DeliveryRun.Status.DONE
        and access.can_drive(member, run),
    }
    if context["can_organize"]:
        context["stop_form"] = stop_form or StopForm(requests=_eligible_requests(run))
    if context["can_volunteer"]:
        context["driver_form"] = driver_form or DriverForm()
    return render(request, "deliveries/run_detail.html", context, status=status)


@member_required
def run_detail(request: HttpRequest, member: Member, run_id: int) -> HttpResponse:
    return _render_run(request, member, access.access_run(member, run_id))


@require_POST
@member_required
def stop_add(request: HttpRequest, member: Member, run_id: int) -> HttpResponse:
    run = access.access_run(member, run_id)
    form = StopForm(request.POST, requests=_eligible_requests(run))
    if form.is_valid():
        try:
            services.add_stop(run=run, actor=member, draft=form.draft(run))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Stop added."))
            return redirect(run)
    return _render_run(request, member, run, stop_form=form, status=400)


@require_POST
@member_required
def driver_add(request: HttpRequest, member: Member, run_id: int) -> HttpResponse:
    run = access.access_run(member, run_id)
    form = DriverForm(request.POST)
    if form.is_valid():
        try:
            services.add_driver(run=run, actor=member, member=member, draft=form.draft(run))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Thank you for driving! You are on the run."))
            return redirect(run)
    return _render_run(request, member, run, driver_form=form, status=400)


@require_POST
@member_required
def run_plan(request: HttpRequest, member: Member, run_id: int) -> HttpResponse:
    run = access.access_run(member, run_id)
    try:
        services.plan_run(run=run, actor=member)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The run is planned."))
    return redirect(run)


@require_POST
@member_required
def run_done(request: HttpRequest, member: Member, run_id: int) -> HttpResponse:
    run = access.access_run(member, run_id)
    try:
        services.mark_run_done(run=run, actor=member)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The run is marked done. Thank you, everyone."))
    return redirect(run)


def _sheet_context(member: Member, run_id: int) -> dict[str, Any]:
    """What every form of a driver's own sheet shows (page, print view, PDF): one place, so the
    address rule cannot drift between them. Anyone but a driver of the run gets "not found"."""
    run = access.access_run(member, run_id)
    driver = access.my_drive(member, run)
    if driver is None:
        raise Http404
    visits = list(
        PlannedVisit.objects.filter(driver=driver)
        .select_related("stop", "driver__member")
        .order_by("order")
    )
    today = timezone.localdate()
    addresses = access.sheet_addresses(member, driver, run, visits, today)
    routes = _routes(run, visits, with_start_of=member)
    return {
        "run": run,
        "driver": driver,
        "rows": [(visit, addresses.get(visit.stop_id, "")) for visit in visits],
        "route": routes[0] if routes else None,
        "shows_addresses": access.shows_addresses(member, driver, run, today),
    }


# Every form of the sheet may hold the exact addresses of the day: no copy in any cache, shared
# or the browser's.
_uncached = cache_control(private=True, no_store=True)


@_uncached
@member_required
def route_sheet(request: HttpRequest, member: Member, run_id: int) -> HttpResponse:
    return render(request, "deliveries/route_sheet.html", _sheet_context(member, run_id))


@_uncached
@member_required
def route_sheet_print(request: HttpRequest, member: Member, run_id: int) -> HttpResponse:
    return render(request, "deliveries/route_sheet_print.html", _sheet_context(member, run_id))


def _static_file(url: str) -> tuple[bytes, str] | None:
    """The bytes and type of one of the site's static files, read from disk, for a ``url`` under
    STATIC_URL; None for anything else."""
    prefix = urlsplit(static("")).path  # "/static/", with the script prefix
    path = unquote(urlsplit(url).path)
    if not path.startswith(prefix):
        return None
    name = path.removeprefix(prefix)
    found = finders.find(name)
    if not isinstance(found, str):
        return None
    return Path(found).read_bytes(), mimetypes.guess_type(name)[0] or "application/octet-stream"


def _html_to_pdf(html: str, *, base_url: str) -> bytes:
    """Lay out ``html`` for print and return the PDF. Only the site's own static files (the
    stylesheet) are loaded, from disk: the PDF is made inside a request, so it must neither call
    back into the site nor reach out to the web."""
    # Imported here, not at the top: WeasyPrint loads Pango when imported (about a second), and a
    # machine without Pango should lose this download only, not every page.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            found = _static_file(url)
            if found is None:
                raise ValueError(f"Not fetched for a PDF: {url}")
            body, content_type = found
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    pdf: bytes = HTML(string=html, base_url=base_url, url_fetcher=StaticFilesOnly()).write_pdf()
    return pdf


@_uncached
@member_required
def route_sheet_pdf(request: HttpRequest, member: Member, run_id: int) -> HttpResponse:
    """The print view as a PDF to download, keep on a phone or print elsewhere."""
    context = _sheet_context(member, run_id)
    html = render_to_string("deliveries/route_sheet_print.html", context, request=request)
    pdf = _html_to_pdf(html, base_url=request.build_absolute_uri("/"))
    run: DeliveryRun = context["run"]
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="route-{run.pk}-{run.date.isoformat()}.pdf"'  # ASCII only
    )
    return response
