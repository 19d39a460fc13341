"""Round trips through the JSON API: the same services, errors as 400 with their code."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mutua.schedules.models import Role, Shift, SwapRequest
from mutua.schedules.tests.helpers import clock
from mutua.test import World, client_for

pytestmark = pytest.mark.usefixtures("clock")
__all__ = ["clock"]


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/{path}", body or {}, content_type="application/json")


ROLE: dict[str, Any] = {
    "name": "Saturday run",
    "rrule": "FREQ=WEEKLY;BYDAY=SA",
    "starts_on": "2026-03-07",
    "start_time": "09:00",
    "time_zone": "America/New_York",
    "duration_minutes": 120,
    "is_critical": True,
}


def test_role_round_trip_take_on_and_my_shifts(world: World) -> None:
    ben = client_for(world.ben)
    created = post(ben, "roles", {**ROLE, "pod_id": world.maple.pk})
    assert created.status_code == 201, created.content
    role = created.json()
    assert role["rrule"] == "FREQ=WEEKLY;BYDAY=SA" and role["duration_minutes"] == 120
    assert [r["id"] for r in ben.get("/api/roles").json()] == [role["id"]]
    assert ben.get(f"/api/roles?pod_id={world.oak.pk}").json() == []
    assert client_for(world.dev).get(f"/api/roles/{role['id']}").status_code == 404

    held = post(ben, f"roles/{role['id']}/holders", {"kind": "holder"})
    assert held.status_code == 201 and held.json()["member"]["display_name"] == "Ben"
    again = post(ben, f"roles/{role['id']}/holders", {"kind": "standby"})
    assert (again.status_code, again.json()["code"]) == (400, "already_holds")


def test_role_errors_come_back_with_codes(world: World) -> None:
    ben = client_for(world.ben)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"rrule": ""}, "no_schedule"),
        ({"rrule": "FREQ=NOPE"}, "bad_rrule"),
        ({"time_zone": "Nowhere/Town"}, "bad_time_zone"),
        ({"duration_minutes": 0}, "bad_duration"),
        ({"rrule": "FREQ=DAILY;COUNT=0"}, "rrule_no_dates"),
        ({"rrule": "FREQ=HOURLY", "duration_minutes": 90}, "overlapping_occurrences"),
        ({"pod_id": world.maple.pk, "network_id": world.network.pk}, "bad_owner"),
    ]
    for changes, code in cases:
        response = post(ben, "roles", {**ROLE, "pod_id": world.maple.pk, **changes})
        assert (response.status_code, response.json()["code"]) == (400, code), changes
    assert Role.objects.count() == 0


def make_rota(world: World) -> tuple[Client, int]:
    ben = client_for(world.ben)
    role = post(ben, "roles", {**ROLE, "pod_id": world.maple.pk}).json()
    post(ben, f"roles/{role['id']}/holders")
    # The role was scheduled before Ben held it; his shifts come from the next top-up.
    Shift.objects.all().delete()
    from django.core.management import call_command

    call_command("materialize_shifts", "--weeks", "3", "--no-escalate")
    return ben, role["id"]


def test_shifts_cover_swap_and_pause_round_trip(world: World) -> None:
    ben, _role_id = make_rota(world)
    shifts = ben.get("/api/me/shifts").json()
    assert len(shifts) == 3 and shifts[0]["assignee"]["display_name"] == "Ben"
    first, second, third = (s["id"] for s in shifts)

    covered = post(ben, f"shifts/{first}/cover")
    assert covered.json()["status"] == "cover_requested"
    chloe = client_for(world.chloe)
    taken = post(chloe, f"shifts/{first}/take")
    assert taken.json()["assignee"]["display_name"] == "Chloe"
    assert post(client_for(world.rosa), f"shifts/{first}/take").json()["code"] == "already_taken"

    outside = post(ben, f"shifts/{second}/swaps", {"to_member_id": world.dev.pk})
    assert (outside.status_code, outside.json()["code"]) == (400, "swap_outside_pod")
    swap = post(ben, f"shifts/{second}/swaps", {"to_member_id": world.rosa.pk}).json()
    assert swap["status"] == "proposed"
    assert post(chloe, f"swaps/{swap['id']}/accept").status_code == 404
    accepted = post(client_for(world.rosa), f"swaps/{swap['id']}/accept")
    assert accepted.json()["status"] == "accepted"
    assert Shift.objects.get(pk=second).assignee == world.rosa
    assert SwapRequest.objects.get().status == "accepted"

    paused = post(ben, "me/pauses", {"starts_on": "2026-03-20", "ends_on": "2026-03-22"})
    assert paused.status_code == 201
    assert Shift.objects.get(pk=third).status == "unfilled"
    wrong = post(ben, "me/pauses", {"starts_on": "2026-03-20", "ends_on": "2026-03-02"})
    assert wrong.json()["code"] == "pause_out_of_order"


def test_pod_flags(world: World) -> None:
    ben, _role_id = make_rota(world)
    flags = ben.get(f"/api/pods/{world.maple.pk}/flags").json()
    assert sorted(f["kind"] for f in flags["flags"]) == ["lopsided", "redundancy"]
    assert flags["is_lopsided"] and flags["top_share_percent"] == 100
    assert client_for(world.dev).get(f"/api/pods/{world.maple.pk}/flags").status_code == 404
