"""The route sketch carries its own look, so the page, the print view and the PDF draw it alike.

WeasyPrint draws an inline <svg> with only what the SVG itself says, not the page's CSS: a look
kept in the stylesheet would print as black shapes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from django.conf import settings

from mutua.deliveries.svg import route_sketch

SVG_NS = "{http://www.w3.org/2000/svg}"
STYLESHEET = Path(settings.BASE_DIR) / "mutua" / "static" / "mutua" / "mutua.css"
STOPS = [(40.001, -75.0), (40.003, -75.004)]
START = (40.0, -75.002)


def sketch(*, start: tuple[float, float] | None = START, title: str = "Ben's route") -> ET.Element:
    svg = route_sketch(
        element_id="route-1", title=title, description="2 stops", stops=STOPS, start=start
    )
    return ET.fromstring(svg)  # noqa: S314 (our own markup, made in the test)


def palette() -> dict[str, str]:
    """The site's colours, from the custom properties at the top of its stylesheet."""
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{3,6})", STYLESHEET.read_text()))


def test_route_line_stop_circles_and_start_carry_their_own_colours() -> None:
    colours = palette()
    svg = sketch()
    line = svg.find(f"{SVG_NS}polyline")
    assert line is not None
    assert line.get("fill") == "none"
    assert line.get("stroke") == colours["accent"]
    assert line.get("stroke-width") == "2"
    circles = svg.findall(f".//{SVG_NS}circle")
    assert len(circles) == len(STOPS)
    for circle in circles:
        assert (circle.get("fill"), circle.get("stroke")) == ("#fff", colours["accent"])
        assert circle.get("stroke-width") == "2"
    numbers = svg.findall(f".//{SVG_NS}text")
    assert [n.text for n in numbers] == ["1", "2"]
    for number in numbers:
        assert number.get("fill") == colours["ink"]
        assert (number.get("font-size"), number.get("text-anchor")) == ("10", "middle")
    start = svg.find(f"{SVG_NS}rect")
    assert start is not None and start.get("fill") == colours["warn"]


def test_sketch_is_styled_by_attributes_not_by_a_style_element_or_the_stylesheet() -> None:
    # A <style> inside an inline SVG would style the whole page in a browser.
    svg = sketch()
    assert svg.find(f".//{SVG_NS}style") is None
    assert all(element.get("style") is None for element in svg.iter())
    # The stylesheet keeps the sketch's place on the page only: no second source of its look.
    drawing_rules = re.findall(r"\.route-sketch\s+[^{,]+\{[^}]*\}", STYLESHEET.read_text())
    assert drawing_rules == []
    assert ".route-sketch {" in STYLESHEET.read_text()


def test_sketch_stays_an_accessible_image_with_its_labels_escaped() -> None:
    svg = sketch(title="<script>alert(1)</script> & co")
    assert svg.get("class") == "route-sketch"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "route-1-title route-1-desc"
    title = svg.find(f"{SVG_NS}title")
    assert title is not None and title.get("id") == "route-1-title"
    assert title.text == "<script>alert(1)</script> & co"  # text, not markup
    assert svg.find(f".//{SVG_NS}script") is None


def test_sketch_without_the_start_draws_no_start() -> None:
    svg = sketch(start=None)
    assert svg.find(f"{SVG_NS}rect") is None
    assert svg.find(f"{SVG_NS}polyline") is not None
