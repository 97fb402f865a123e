"""Timelines drawn on the server as SVG: a post's holders, a person's career.

One row per tenure: a bar over the days the evidence guarantees the post was held (from the
latest start to the earliest end), solid when a holding, appointment or election states it and
hatched when it rests only on attestations (the person shown in the post at meetings); faded and
hatched where the bounds only allow it (between the earliest and the latest start, between the
earliest and the latest end, and to the right edge when the tenure is open). An acting tenure has a
dashed outline and says "acting". Every bar links
to the tenure's page (its evidence and sources). A person's meetings are points on a row of their
own, each linking to its meeting. Pages keep working without JavaScript: the SVG is in the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable
from html import escape

from markupsafe import Markup

from ..query.tenures import span_text

WIDTH, LABEL_WIDTH, ROW, AXIS = 880, 230, 26, 24
INFERRED = ("attested", "succession")
LABEL_CHARS = 34


@dataclass
class Bar:
    label: str
    href: str
    earliest_start: str | None
    latest_start: str | None
    earliest_end: str | None
    latest_end: str | None
    start_basis: str | None = None
    end_basis: str | None = None
    acting: bool = False


@dataclass
class Point:
    label: str
    href: str
    day: str


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def timeline(bars: list[Bar], points: Iterable[Point] = (), link: Callable[[str], str | None] = lambda iri: iri,
             today: date | None = None, title: str = "Timeline") -> Markup:
    """The SVG of ``bars`` (one row each) and ``points`` (one row), or an empty string when
    nothing has a date. ``link`` gives where the IRI of a bar or point links to (None: nowhere)."""
    today = today or date.today()
    points = list(points)
    days = [d for b in bars for d in map(_day, (b.earliest_start, b.latest_start, b.earliest_end, b.latest_end)) if d]
    days += [d for d in (_day(p.day) for p in points) if d]
    if not days:
        return Markup("")
    first = date(min(days).year, 1, 1)
    open_ended = any(b.latest_end is None for b in bars)
    last = date(max([*days, today] if open_ended else days).year + 1, 1, 1)
    span = (last - first).days or 1
    plot = WIDTH - LABEL_WIDTH - 24

    def x(d: date) -> float:
        return round(LABEL_WIDTH + plot * (d - first).days / span, 1)

    rows = len(bars) + (1 if points else 0)
    height = AXIS + rows * ROW + 8
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" viewBox="0 0 {WIDTH} {height}" '
           f'width="{WIDTH}" height="{height}" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>",
           '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
           '<rect width="6" height="6" fill="#dfe7f2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#4a6fa5" stroke-width="2"/>'
           "</pattern></defs>"]
    for year in range(first.year, last.year + 1):
        step = 1 if last.year - first.year <= 12 else 5 if last.year - first.year <= 60 else 10
        if year % step:
            continue
        tx = x(date(year, 1, 1))
        out.append(f'<line class="tick" x1="{tx}" y1="{AXIS - 6}" x2="{tx}" y2="{height - 4}" stroke="#ddd"/>'
                   f'<text x="{tx}" y="{AXIS - 10}" font-size="11" text-anchor="middle" fill="#444">{year}</text>')
    for row, b in enumerate(bars):
        y = AXIS + row * ROW + 4
        es, ls, ee, le = (_day(v) for v in (b.earliest_start, b.latest_start, b.earliest_end, b.latest_end))
        start_outer = es or ls or ee or first
        start_inner = ls or es or start_outer
        end_inner = ee or start_inner
        end_outer = le or (last if b.latest_end is None else end_inner)
        inferred = b.start_basis in INFERRED and b.end_basis in INFERRED  # nothing states it: attestations only
        kind = "inferred" if inferred else "stated"
        name = ("acting: " if b.acting else "") + b.label
        label = escape(name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "…")
        summary = escape(f"{b.label}{' (acting)' if b.acting else ''}: from {span_text(b.earliest_start, b.latest_start)}"
                         f" ({b.start_basis or 'unknown'}) until {span_text(b.earliest_end, b.latest_end, open_end=True)}"
                         f" ({b.end_basis or 'unknown'})")
        dash = ' stroke-dasharray="4 3"' if b.acting else ""
        out.append(f'<a href="{escape(link(b.href) or "")}" class="bar {kind}{" acting" if b.acting else ""}"><title>{summary}</title>')
        out.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" font-size="12" text-anchor="end" fill="#1a3e72">{label}</text>')
        if start_outer < start_inner:
            out.append(_rect(x(start_outer), x(start_inner), y, 'fill="url(#hatch)" fill-opacity="0.6"', "uncertain start"))
        fill = 'fill="url(#hatch)"' if inferred else 'fill="#4a6fa5"'
        out.append(_rect(x(start_inner), max(x(end_inner), x(start_inner) + 3), y, f'{fill} stroke="#1a3e72"{dash}', "held"))
        if end_inner < end_outer:
            out.append(_rect(x(end_inner), x(end_outer), y, 'fill="url(#hatch)" fill-opacity="0.6"',
                             "open" if b.latest_end is None else "uncertain end"))
        out.append("</a>")
    if points:
        y = AXIS + len(bars) * ROW + 4
        out.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" font-size="12" text-anchor="end" fill="#444">meetings</text>')
        for p in points:
            d = _day(p.day)
            if d is None:
                continue
            out.append(f'<a href="{escape(link(p.href) or "")}" class="point"><title>{escape(p.label)} ({escape(p.day)})</title>'
                       f'<circle cx="{x(d)}" cy="{y + 9}" r="5" fill="#c0392b" stroke="#fff"/></a>')
    out.append("</svg>")
    return Markup("".join(out))


def _rect(x1: float, x2: float, y: int, attrs: str, part: str) -> str:
    return f'<rect class="{part.replace(" ", "-")}" x="{x1}" y="{y}" width="{max(round(x2 - x1, 1), 0)}" height="18" {attrs}/>'
