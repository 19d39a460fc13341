"""A small inline SVG sketch of one route: numbered stops joined in visit order. No map tiles.

The points are scaled into a fixed viewBox, so the sketch shows the shape of the route and
nothing about where on Earth it is. Every label is escaped; the SVG carries a <title> and <desc>
and the page lists the stops in order next to it as the text alternative.

The sketch's look is written on its elements as SVG presentation attributes, not in the site's
stylesheet: WeasyPrint draws an inline <svg> with only what the SVG itself says, so this is the
one place that makes the page, the print view and the PDF draw it alike. (A <style> inside the
SVG would not stay inside it in a browser: it styles the whole page.) The stylesheet keeps only
the sketch's size and frame on the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

SIZE = 200  # viewBox is SIZE × SIZE
MARGIN = 16
RADIUS = 9

# The colours of mutua.css's --accent, --ink and --warn (presentation attributes take no var()).
ACCENT = "#0b5d3b"
INK = "#1a1a1a"
WARN = "#8a3b00"


def _project(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """(lat, lng) → viewBox (x, y), north up, the same scale on both axes."""
    if not points:
        return []
    mean_lat = math.radians(sum(p[0] for p in points) / len(points))
    xs = [p[1] * math.cos(mean_lat) for p in points]
    ys = [-p[0] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys))
    inner = SIZE - 2 * MARGIN
    if span == 0:
        return [(SIZE / 2, SIZE / 2) for _ in points]
    scale = inner / span
    x_pad = (inner - (max(xs) - min(xs)) * scale) / 2
    y_pad = (inner - (max(ys) - min(ys)) * scale) / 2
    return [
        (MARGIN + x_pad + (x - min(xs)) * scale, MARGIN + y_pad + (y - min(ys)) * scale)
        for x, y in zip(xs, ys, strict=True)
    ]


def route_sketch(
    *,
    element_id: str,
    title: str,
    description: str,
    stops: Sequence[tuple[float, float]],
    start: tuple[float, float] | None = None,
) -> SafeString:
    """An <svg> of the stops (lat, lng) in visit order; with ``start``, the loop from and back
    to it (the start is private: only the driver's own sheet passes it)."""
    points = ([start] if start else []) + list(stops)
    projected = _project(points)
    start_xy = projected[0] if start else None
    stop_xy = projected[1:] if start else projected
    path = ([start_xy] if start_xy else []) + stop_xy + ([start_xy] if start_xy else [])
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in path)
    # The line and the circles are stroked in the accent colour; the circles are filled white so
    # the numbers read over the line; the driver's start is a filled square.
    circles = format_html_join(
        "",
        '<g><circle cx="{x}" cy="{y}" r="{r}" fill="#fff" stroke="{accent}" stroke-width="2"/>'
        '<text x="{x}" y="{text_y}" font-size="10" text-anchor="middle" fill="{ink}">{n}</text>'
        "</g>",
        (
            {
                "x": f"{x:.1f}",
                "y": f"{y:.1f}",
                "r": RADIUS,
                "text_y": f"{y + 4:.1f}",
                "n": n,
                "accent": ACCENT,
                "ink": INK,
            }
            for n, (x, y) in enumerate(stop_xy, start=1)
        ),
    )
    home = (
        format_html(
            '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>',
            f"{start_xy[0] - 6:.1f}",
            f"{start_xy[1] - 6:.1f}",
            WARN,
        )
        if start_xy
        else ""
    )
    polyline = (
        format_html(
            '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', line, ACCENT
        )
        if len(path) > 1
        else SafeString("")
    )
    return format_html(
        '<svg class="route-sketch" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        'role="img" aria-labelledby="{id}-title {id}-desc">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "{polyline}{home}{circles}</svg>",
        size=SIZE,
        id=element_id,
        title=title,
        desc=description,
        polyline=polyline,
        home=home,
        circles=circles,
    )
