"""The route sheet as a PDF: the print view's sheet, under the same address rule as the page;
and what the page, the print view and the PDF share."""

from __future__ import annotations

import logging
from datetime import timedelta
from io import BytesIO

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import time_format
from pypdf import PdfReader
from pypdf.generic import ContentStream

from mutua.deliveries.models import DeliveryRun, PlannedVisit, RunDriver
from mutua.deliveries.tests.test_runs_web import ADDRESS, api_client, on, planned_run_for_ben
from mutua.deliveries.views import _static_file
from mutua.test import World, client_for

# The accent colour the sketch's route line and stop circles are stroked with (#0b5d3b).
ACCENT = (11 / 255, 93 / 255, 59 / 255)


def pdf_url(run: DeliveryRun) -> str:
    return reverse("deliveries:route_sheet_pdf", args=[run.pk])


def print_url(run: DeliveryRun) -> str:
    return reverse("deliveries:route_sheet_print", args=[run.pk])


def sheet_url(run: DeliveryRun) -> str:
    return reverse("deliveries:route_sheet", args=[run.pk])


def pdf_of(client: Client, run: DeliveryRun) -> PdfReader:
    response = client.get(pdf_url(run))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return PdfReader(BytesIO(response.content))


def text_of(pdf: PdfReader) -> str:
    """The PDF's words with line breaks and runs of spaces made single spaces."""
    return " ".join(" ".join(page.extract_text() for page in pdf.pages).split())


def stop_labels_in_order(run: DeliveryRun, world: World) -> list[str]:
    return list(
        PlannedVisit.objects.filter(run=run, driver__member=world.ben)
        .order_by("order")
        .values_list("stop__label", flat=True)
    )


def test_driver_on_the_day_downloads_the_sheet_with_the_stops_in_order_and_the_address(
    world: World,
) -> None:
    run = planned_run_for_ben(world)
    labels = stop_labels_in_order(run, world)
    assert sorted(labels) == ["Bread for the shelter", "Groceries for Rosa"]

    with on(run.date, 7):
        response = client_for(world.ben).get(pdf_url(run))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="route-{run.pk}-{run.date.isoformat()}.pdf"'
    )
    text = text_of(PdfReader(BytesIO(response.content)))
    assert "Route of Ben" in text
    assert ADDRESS in text
    assert "Two bags" in text
    positions = [text.index(label) for label in labels]
    assert positions == sorted(positions), text
    assert "1." in text and "2." in text  # the numbered list of stops
    # The screen-only links are not printed, nor any template source.
    assert "Download PDF" not in text and "Back to the route sheet" not in text
    assert "{#" not in text and "shows_addresses" not in text


def test_driver_before_or_after_the_day_gets_the_sheet_without_the_address(world: World) -> None:
    run = planned_run_for_ben(world)
    ben = client_for(world.ben)
    for moment in (on(run.date - timedelta(days=1), 20), on(run.date + timedelta(days=1), 9)):
        with moment:
            text = text_of(pdf_of(ben, run))
        assert "Groceries for Rosa" in text and "Two bags" in text
        assert "Elm Street" not in text
    with on(run.date - timedelta(days=1), 20):
        text = text_of(pdf_of(ben, run))
    assert "Exact addresses appear here on the day of the run, for you only." in text


def test_others_are_refused_the_pdf_exactly_as_the_print_view(world: World) -> None:
    run = planned_run_for_ben(world)
    with on(run.date, 7):
        # Chloe drives the same run, but not to Rosa's: her own sheet, with no address of Rosa's.
        text = text_of(pdf_of(client_for(world.chloe), run))
        assert "No stops are planned for you yet." in text
        assert "Elm Street" not in text and "Groceries for Rosa" not in text
        # Rosa and the organizer do not drive; Dev and Zed cannot even see the run.
        for member in (world.rosa, world.olu, world.dev, world.zed):
            client = client_for(member)
            refused = client.get(pdf_url(run))
            assert refused.status_code == client.get(print_url(run)).status_code == 404
            assert b"Elm Street" not in refused.content


def test_anonymous_visitor_is_sent_to_sign_in(world: World) -> None:
    run = planned_run_for_ben(world)
    with on(run.date, 7):
        response = Client().get(pdf_url(run))
        printed = Client().get(print_url(run))
    assert response.status_code == printed.status_code == 302
    assert response["Location"] == f"{reverse(settings.LOGIN_URL)}?next={pdf_url(run)}"


def test_pdf_is_in_the_drivers_language_with_its_accents(world: World) -> None:
    run = planned_run_for_ben(world)
    ben = client_for(world.ben)
    ben.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    with on(run.date - timedelta(days=1), 20):
        text = text_of(pdf_of(ben, run))
    assert "Las direcciones exactas aparecen aquí el día del recorrido, solo para ti." in text
    assert "Ruta de Ben" in text


def test_pdf_draws_the_route_sketch_in_the_sheets_colours(world: World) -> None:
    run = planned_run_for_ben(world)
    with on(run.date - timedelta(days=1), 20):
        pdf = pdf_of(client_for(world.ben), run)
    page = pdf.pages[0]
    operations = ContentStream(page.get_contents(), pdf).operations
    stroke_colours = [
        tuple(float(n) for n in operands) for operands, operator in operations if operator == b"RG"
    ]
    # Without the sketch's own style WeasyPrint would fill every shape black and stroke nothing.
    assert stroke_colours, "nothing is stroked: the sketch lost its style"
    assert all(abs(a - b) < 0.01 for a, b in zip(stroke_colours[0], ACCENT, strict=True))
    operators = [operator for _, operator in operations]
    assert operators.count(b"S") == 1  # the route line
    assert operators.count(b"B") == 2  # one circle per stop, filled and stroked


def test_pdf_logs_no_warning_about_css_it_cannot_use(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # SVG drawing rules in the site's stylesheet were "unknown properties" to WeasyPrint: nine
    # warnings a PDF. The sketch now carries its own look.
    run = planned_run_for_ben(world)
    with caplog.at_level(logging.DEBUG, logger="weasyprint"), on(run.date, 7):
        pdf_of(client_for(world.ben), run)
    logged = [r for r in caplog.records if r.name.startswith("weasyprint")]
    assert logged, "WeasyPrint logged nothing: is the logger still called 'weasyprint'?"
    unknown = [r.getMessage() for r in logged if "unknown property" in r.getMessage()]
    assert unknown == []
    assert [r.getMessage() for r in logged if r.levelno >= logging.WARNING] == []


def test_every_form_of_the_sheet_is_kept_out_of_caches(world: World) -> None:
    run = planned_run_for_ben(world)
    ben = client_for(world.ben)
    with on(run.date, 7):
        for url in (sheet_url(run), print_url(run), pdf_url(run)):
            response = ben.get(url)
            assert response.status_code == 200, url
            # The exact address is in each: no cache, shared or the browser's, may keep a copy.
            assert response["Cache-Control"] == "private, no-store", url


def test_sheet_says_when_the_driver_is_back_without_a_double_period(world: World) -> None:
    run = planned_run_for_ben(world)
    returns_at = RunDriver.objects.get(run=run, member=world.ben).returns_at
    assert returns_at is not None
    ben = client_for(world.ben)
    with on(run.date - timedelta(days=1), 20):
        with translation.override("en"):
            back = time_format(timezone.localtime(returns_at), "TIME_FORMAT")
        assert back.endswith("."), back  # "8:13 a.m.": the case that printed "a.m.."
        sentence = f"By {back} you are back at your start."
        for url in (sheet_url(run), print_url(run)):
            page = ben.get(url).content.decode()
            assert sentence in page, url
            assert f"{back}." not in page, url
        assert sentence in text_of(pdf_of(ben, run))

        ben.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        with translation.override("es"):
            vuelta = time_format(timezone.localtime(returns_at), "TIME_FORMAT")
        oracion = f"Para las {vuelta} estarás de vuelta en tu punto de partida."
        for url in (sheet_url(run), print_url(run)):
            assert oracion in ben.get(url).content.decode(), url
        assert oracion in text_of(pdf_of(ben, run))


def test_route_sheet_page_and_print_view_link_to_the_pdf(world: World) -> None:
    run = planned_run_for_ben(world)
    ben = client_for(world.ben)
    for page in (reverse("deliveries:route_sheet", args=[run.pk]), print_url(run)):
        html = ben.get(page).content.decode()
        assert f'href="{pdf_url(run)}"' in html
        assert "Download PDF" in html


def test_api_sheet_links_to_the_pdf(world: World) -> None:
    run = planned_run_for_ben(world)
    client, auth = api_client(world.ben)
    sheet = client.get(f"/api/runs/{run.pk}/my-route", headers=auth)
    assert sheet.status_code == 200
    assert sheet.json()["pdf_url"] == pdf_url(run)
    # Like the pages, the API's sheet may carry addresses: never kept by a shared cache.
    assert sheet["Cache-Control"] == "private, no-store"


def test_pdf_reads_only_the_sites_static_files_from_disk() -> None:
    found = _static_file("http://testserver/static/mutua/mutua.css")
    assert found is not None
    body, content_type = found
    assert content_type == "text/css" and b".route-sketch" in body
    for url in (
        "http://testserver/media/anything.png",
        "http://example.org/tracker.png",
        "file:///etc/passwd",
        "http://testserver/static/does-not-exist.css",
    ):
        assert _static_file(url) is None, url
