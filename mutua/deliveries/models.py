"""Delivery and pick-up runs: the stops, the drivers who volunteered, and the planned visits.

Privacy: a stop's exact address is never copied here. It stays in the request's
``RequestPrivate`` (encrypted) and reaches a page only through ``access.sheet_addresses``: for the
driver of that stop, on the run's day. The coordinates used for planning (a stop's place, a
driver's start, usually their home) are exact enough to find a door, so they are stored
encrypted (``EncryptedTextField``) and never shown; the raw rows hold no readable location.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mutua.exchange.models import Request
from mutua.lib.crypto import EncryptedTextField
from mutua.members.access import active_pod_ids, network_ids
from mutua.members.models import Member, Network, NetworkMembership, Pod


def format_point(lat: float, lng: float) -> str:
    """How a point is stored (inside the encrypted field): "lat,lng" to 6 decimals (~0.1 m)."""
    return f"{lat:.6f},{lng:.6f}"


def parse_point(text: str) -> tuple[float, float]:
    lat, lng = text.split(",")
    return float(lat), float(lng)


class DeliveryRunQuerySet(models.QuerySet["DeliveryRun"]):
    def visible_to(self, member: Member) -> DeliveryRunQuerySet:
        """Runs of the member's pods, their networks' network-wide runs, and every run of a
        network they organize."""
        organized = NetworkMembership.objects.filter(
            member=member, role=NetworkMembership.Role.ORGANIZER
        ).values_list("network_id", flat=True)
        return self.filter(
            Q(pod_id__in=active_pod_ids(member))
            | Q(pod__isnull=True, network_id__in=network_ids(member))
            | Q(network_id__in=list(organized))
        )


class DeliveryRun(models.Model):
    """A day's run of deliveries and pick-ups, owned by one pod or (with no pod) its network."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="delivery_runs")
    # Empty for a run of the whole network.
    pod = models.ForeignKey(
        Pod, null=True, blank=True, on_delete=models.CASCADE, related_name="delivery_runs"
    )
    name = models.CharField(_("name"), max_length=120)
    date = models.DateField(_("day of the run"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Planning settings: how long the solver may think, and how fast drivers move on average
    # (straight-line distance, so a little under real street speed).
    solve_seconds = models.FloatField(_("seconds to plan"), default=2.0)
    speed_kmh = models.FloatField(_("average speed (km/h)"), default=25.0)
    # Bumped by every change to stops or drivers; a plan is saved only if nothing changed while
    # the solver ran (the solver runs outside any transaction).
    revision = models.PositiveIntegerField(default=0)
    total_distance_km = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryRunQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(solve_seconds__gt=0) & Q(solve_seconds__lte=60),
                name="run_solve_seconds_in_range",
            ),
            models.CheckConstraint(condition=Q(speed_kmh__gt=0), name="run_speed_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("deliveries:run_detail", args=[self.pk])

    @property
    def is_planned(self) -> bool:
        return self.status == self.Status.PLANNED


class RunStop(models.Model):
    """One place to deliver to or pick up from, usually for a request someone is helping with."""

    class Kind(models.TextChoices):
        DELIVERY = "delivery", _("Delivery")
        PICKUP = "pickup", _("Pick-up")

    run = models.ForeignKey(DeliveryRun, on_delete=models.CASCADE, related_name="stops")
    request = models.ForeignKey(
        Request, null=True, blank=True, on_delete=models.CASCADE, related_name="run_stops"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DELIVERY)
    # Public, seen by everyone who sees the run: "Groceries for Rosa", never an address.
    label = models.CharField(_("label"), max_length=140)
    # "lat,lng" for planning; encrypted, see the module docstring.
    location = EncryptedTextField()
    window_start = models.DateTimeField(_("someone is there from"), null=True, blank=True)
    window_end = models.DateTimeField(_("someone is there until"), null=True, blank=True)
    service_minutes = models.PositiveSmallIntegerField(_("minutes at the stop"), default=5)
    load = models.PositiveIntegerField(_("load"), default=1)
    what_to_bring = models.CharField(_("what to bring"), max_length=280, blank=True)
    # Set by planning: why the stop could not be placed (a ``routing`` reason code), or "".
    unplaced_reason = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_start__lte=models.F("window_end")),
                name="run_stop_window_in_order",
            ),
            models.UniqueConstraint(
                fields=["run", "request"],
                condition=Q(request__isnull=False),
                name="one_stop_per_request_and_run",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def point(self) -> tuple[float, float]:
        """(lat, lng) for planning and the sketch. Never show it."""
        return parse_point(self.location)

    @property
    def unplaced_message(self) -> str:
        return unplaced_message(self.unplaced_reason) if self.unplaced_reason else ""


class RunDriver(models.Model):
    """A member who volunteered to drive this run, with their vehicle and hours."""

    run = models.ForeignKey(DeliveryRun, on_delete=models.CASCADE, related_name="drivers")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="run_drives")
    capacity = models.PositiveIntegerField(_("vehicle capacity"))
    # Where they start and end, usually home: "lat,lng", encrypted, shown only to them.
    start_location = EncryptedTextField()
    available_from = models.DateTimeField(_("free from"))
    available_until = models.DateTimeField(_("free until"))
    # Set by planning.
    route_distance_km = models.FloatField(null=True, blank=True)
    returns_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "member"], name="one_drive_per_member_and_run"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="run_driver_capacity"),
            models.CheckConstraint(
                condition=Q(available_from__lt=models.F("available_until")),
                name="run_driver_has_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} drives {self.run}"

    @property
    def start_point(self) -> tuple[float, float]:
        return parse_point(self.start_location)


class PlannedVisit(models.Model):
    """A stop on a driver's planned route: its place in the order and when the driver is there."""

    run = models.ForeignKey(DeliveryRun, on_delete=models.CASCADE, related_name="visits")
    driver = models.ForeignKey(RunDriver, on_delete=models.CASCADE, related_name="visits")
    stop = models.OneToOneField(RunStop, on_delete=models.CASCADE, related_name="visit")
    order = models.PositiveSmallIntegerField()
    arrival_at = models.DateTimeField()
    # When the visit begins: the arrival, or the window's opening if the driver is early.
    service_at = models.DateTimeField()
    departure_at = models.DateTimeField()

    class Meta:
        ordering = ["driver_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["driver", "order"], name="one_visit_per_route_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.stop}"


# Why planning could not place a stop, by ``routing`` reason code, in the members' words.
UNPLACED_MESSAGES = {
    "window_closed": _("its time window closes before it opens on the day of the run"),
    "too_heavy": _("its load is above every driver's vehicle capacity"),
    "unreachable": _(
        "no driver can reach it within its time window and be back before their hours end"
    ),
    "no_drivers": _("nobody has volunteered to drive yet"),
    "no_room": _("the drivers have no room or time left for it"),
}


def unplaced_message(code: str) -> str:
    return str(UNPLACED_MESSAGES.get(code, code))
