"""Who may see a run, who organizes it, and the one place a stop's exact address comes from.

A run a member may not see is "not found", exactly like one that does not exist. The address of
a stop is read here and nowhere else: only for the driver of that stop, only on the run's day.
"""

from __future__ import annotations

from datetime import date

from django.http import Http404

from mutua.deliveries.models import DeliveryRun, PlannedVisit, RunDriver
from mutua.exchange.access import HELPER_SEES_PRIVATE
from mutua.exchange.models import Request, RequestPrivate
from mutua.members.access import is_pod_member, is_pod_organizer
from mutua.members.models import Member, NetworkMembership, Pod


def access_run(member: Member, run_id: int) -> DeliveryRun:
    try:
        return (
            DeliveryRun.objects.visible_to(member).select_related("pod", "network").get(pk=run_id)
        )
    except DeliveryRun.DoesNotExist:
        raise Http404 from None


def is_network_organizer(member: Member, network_id: int) -> bool:
    return NetworkMembership.objects.filter(
        member=member, network_id=network_id, role=NetworkMembership.Role.ORGANIZER
    ).exists()


def can_organize(member: Member, run: DeliveryRun) -> bool:
    """A pod's runs are planned by its organizers (and the network's); a network's by its own."""
    if run.pod is not None:
        return is_pod_organizer(member, run.pod)
    return is_network_organizer(member, run.network_id)


def can_drive(member: Member, run: DeliveryRun) -> bool:
    """Any member of the run's pod (or, for a network run, of the network) may volunteer."""
    if run.pod is not None:
        return is_pod_member(member, run.pod)
    return NetworkMembership.objects.filter(member=member, network_id=run.network_id).exists()


def sees_route_sketches(member: Member, run: DeliveryRun) -> bool:
    """Sketches are drawn from exact points: only the run's organizers and drivers see them."""
    return can_organize(member, run) or RunDriver.objects.filter(run=run, member=member).exists()


def my_drive(member: Member, run: DeliveryRun) -> RunDriver | None:
    return RunDriver.objects.filter(run=run, member=member).select_related("member").first()


def shows_addresses(member: Member, driver: RunDriver, run: DeliveryRun, today: date) -> bool:
    """The driver themself, on the day of the run; nobody else, never another day."""
    return driver.member_id == member.pk and driver.run_id == run.pk and run.date == today


def sheet_addresses(
    member: Member, driver: RunDriver, run: DeliveryRun, visits: list[PlannedVisit], today: date
) -> dict[int, str]:
    """Exact addresses of this driver's stops by stop id, or {} for anyone else or another day.

    ``today`` is the caller's ``timezone.localdate()``; passing it in keeps the rule testable.
    Requests no longer being helped (cancelled, confirmed, released) give no address.
    """
    if not shows_addresses(member, driver, run, today):
        return {}
    request_of_stop = {
        visit.stop_id: visit.stop.request_id
        for visit in visits
        if visit.driver_id == driver.pk and visit.stop.request_id is not None
    }
    if not request_of_stop:
        return {}
    addresses = dict(
        RequestPrivate.objects.filter(
            request_id__in=request_of_stop.values(),
            request__status__in=HELPER_SEES_PRIVATE,
        ).values_list("request_id", "address")
    )
    return {
        stop_id: addresses[request_id]
        for stop_id, request_id in request_of_stop.items()
        if addresses.get(request_id)
    }


def access_runs_pod(member: Member, pod_id: int) -> Pod:
    """A pod whose runs the member may see: its members and its organizers."""
    try:
        pod = Pod.objects.select_related("network").get(pk=pod_id)
    except Pod.DoesNotExist:
        raise Http404 from None
    if not is_pod_member(member, pod) and not is_pod_organizer(member, pod):
        raise Http404
    return pod


def can_organize_pod(member: Member, pod: Pod) -> bool:
    return is_pod_organizer(member, pod)


def access_request_for_run(member: Member, run: DeliveryRun, request_id: int) -> Request:
    """A request an organizer of the run may put on it: one of the run's pod (or network).
    Members who do not organize the run find none, as if it did not exist."""
    if not can_organize(member, run):
        raise Http404
    scope = {"pod_id": run.pod_id} if run.pod_id is not None else {"network_id": run.network_id}
    try:
        return Request.objects.get(pk=request_id, **scope)
    except Request.DoesNotExist:
        raise Http404 from None
