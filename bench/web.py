"""Web benchmark: page latency with 1k and 100k requests in the database, and query counts.

Each database size runs in a fresh subprocess with its own SQLite file, so the numbers are not
disturbed by the other sizes and the developer's database is never touched. Latency is measured
through Django's test client (view, ORM, templates; no network), p95 over repeated requests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import row

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("request_list", "request_detail", "my_activity")
REPEATS = 60
QUICK_REPEATS = 15
OPEN_REQUESTS = 500
ROSAS_HISTORY = 30


def _populate(rows: int) -> dict[str, Any]:
    """Fill a fresh database with `rows` requests spread over many members of one network."""
    import random

    from django.utils import timezone

    from mutua.exchange.models import Category, Request, RequestPrivate, Scope, StatusChange
    from mutua.members.models import Household, Member, NetworkMembership, PodMembership, User
    from mutua.test import build_world

    world = build_world()
    rng = random.Random(7)
    pods = [world.maple, world.oak]
    # 300 more members so that each person's own activity stays a realistic size at 100k rows.
    users = User.objects.bulk_create([User(email=f"neighbour{i}@example.org") for i in range(300)])
    members = Member.objects.bulk_create(
        [Member(user=user, display_name=f"Neighbour {i}") for i, user in enumerate(users)]
    )
    NetworkMembership.objects.bulk_create(
        [NetworkMembership(network=world.network, member=m) for m in members]
    )
    households = Household.objects.bulk_create(
        [Household(pod=pods[i % 2], name=f"Household {i}") for i in range(len(members))]
    )
    PodMembership.objects.bulk_create(
        [
            PodMembership(pod=pods[i % 2], member=m, household=households[i], status="active")
            for i, m in enumerate(members)
        ]
    )
    # Rosa, whose pages are measured, has the same own activity at every size (below), so her
    # pages show the same amount whatever the size: only the rest of the network's history grows.
    everyone = [*members, world.ben, world.chloe, world.dev, world.olu]
    now = timezone.now()
    categories = list(Category.values)
    batch: list[Request] = []
    for i in range(rows):
        who = rng.randrange(len(everyone))
        requester = everyone[who]
        # History grows, what is going on does not: the newest OPEN_REQUESTS are open, the rest
        # were met long ago. A page's cost must not depend on the length of the history.
        is_open = i >= rows - OPEN_REQUESTS
        helper = everyone[(who + 1) % len(everyone)]
        batch.append(
            Request(
                requester=requester,
                network=world.network,
                pod=pods[i % 2],
                scope=Scope.NETWORK if i % 3 else Scope.POD,
                category=categories[i % len(categories)],
                summary=f"Benchmark request {i}",
                area="Riverside",
                status="open" if is_open else "confirmed",
                claimed_by=None if is_open else helper,
            )
        )
        if len(batch) == 5000:
            Request.objects.bulk_create(batch)
            batch = []
    Request.objects.bulk_create(batch)
    Request.objects.bulk_create(
        Request(
            requester=world.rosa if i % 2 else world.ben,
            network=world.network,
            pod=world.maple,
            scope=Scope.POD,
            category=categories[i % len(categories)],
            summary=f"Rosa's own history {i}",
            status="confirmed",
            claimed_by=world.ben if i % 2 else world.rosa,
        )
        for i in range(ROSAS_HISTORY)
    )
    target = Request.objects.create(
        requester=world.rosa,
        network=world.network,
        pod=world.maple,
        scope=Scope.POD,
        category="groceries",
        summary="The request page under test",
        status="claimed",
        claimed_by=world.ben,
        claimed_at=now,
    )
    RequestPrivate.objects.create(request=target, address="1 Test Street", details="Door code")
    StatusChange.objects.create(request=target, from_status="", to_status="open")
    StatusChange.objects.create(request=target, from_status="open", to_status="claimed")
    return {"member": world.rosa.pk, "request": target.pk}


def _measure(rows: int, repeats: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutua.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from mutua.members.models import Member

    call_command("migrate", verbosity=0)
    ids = _populate(rows)
    client = Client()
    client.force_login(Member.objects.get(pk=ids["member"]).user)
    urls = {
        "request_list": reverse("exchange:request_list"),
        "request_detail": reverse("exchange:request_detail", args=[ids["request"]]),
        "my_activity": reverse("exchange:my_activity"),
    }
    out: dict[str, Any] = {}
    for name, url in urls.items():
        response = client.get(url)  # warm-up
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        query_count = len(queries.captured_queries)
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(url)
            timings.append(time.perf_counter() - started)
        timings.sort()
        out[name] = {
            "p95_ms": timings[int(0.95 * (len(timings) - 1))] * 1000,
            "p50_ms": timings[len(timings) // 2] * 1000,
            "queries": query_count,
        }
    return out


def _run_size(rows: int, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "MUTUA_SQLITE_PATH": str(Path(folder) / "bench.sqlite3"),
            "MUTUA_TASKS": "immediate",
            "MUTUA_TESTING": "1",
            "MUTUA_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        env.pop("DATABASE_URL", None)
        done = subprocess.run(
            [sys.executable, "-m", "bench.web", "--measure", str(rows), str(repeats)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"web bench at {rows} rows failed:\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def run(quick: bool) -> list[dict[str, Any]]:
    small_rows, large_rows = (1_000, 10_000) if quick else (1_000, 100_000)
    few, many = 10, 1_000
    sizes = sorted({few, many, small_rows, large_rows})
    repeats = QUICK_REPEATS if quick else REPEATS
    results = {rows: _run_size(rows, repeats) for rows in sizes}
    out: list[dict[str, Any]] = []
    for page in PAGES:
        small, large = results[small_rows][page], results[large_rows][page]
        out.append(
            row(
                f"web.{page}.p95",
                round(large["p95_ms"], 3),
                "ms",
                f"same page with {small_rows} requests",
                round(small["p95_ms"], 3),
                {"rows": large_rows, "baseline_rows": small_rows, "target_ratio_max": 1.5},
            )
        )
        out.append(
            row(
                f"web.{page}.queries",
                results[many][page]["queries"],
                "queries",
                f"same page with {few} requests",
                results[few][page]["queries"],
                {"rows": many, "baseline_rows": few, "target_ratio": 1.0},
            )
        )
    return out


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(_measure(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
