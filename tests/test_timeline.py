"""Timelines as server-side SVG: the drawing (web/timeline.py) and the post and person pages that show it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from csto_kg.web.timeline import Bar, Point, timeline

from .conftest import app_on

SVG = "{http://www.w3.org/2000/svg}"
BROWSER = {"Accept": "text/html"}


def _svg(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def _bars(root):
    return [a for a in root.findall(f"{SVG}a[@class]") if a.get("class").startswith("bar")]


def test_a_stated_tenure_is_solid_its_uncertain_parts_hatched_and_an_open_end_reaches_the_edge():
    bars = [Bar("Anna", "iri:anna", "2010-03-01", "2010-03-31", "2014-12-31", "2015-01-01", "stated", "succession"),
            Bar("Boris", "iri:boris", "2015-01-01", "2015-01-01", "2016-05-01", None, "appointment", "attested")]
    root = _svg(timeline(bars, today=date(2020, 6, 1)))
    anna, boris = _bars(root)
    assert anna.get("href") == "iri:anna" and anna.get("class") == "bar stated"
    parts = {r.get("class"): r for r in anna.findall(f"{SVG}rect")}
    assert set(parts) == {"uncertain-start", "held", "uncertain-end"}
    assert parts["held"].get("fill") == "#4a6fa5"
    assert "url(#hatch)" in parts["uncertain-start"].get("fill")
    boris_parts = {r.get("class"): r for r in boris.findall(f"{SVG}rect")}
    assert set(boris_parts) == {"held", "open"}  # no uncertainty about the start, an open end
    edge = float(boris_parts["open"].get("x")) + float(boris_parts["open"].get("width"))
    assert edge == pytest.approx(float(root.get("width")) - 24, abs=0.5)  # to the end of the axis (2021)
    assert "from 2015-01-01 (appointment) until 2016-05-01.. (attested)" in boris.find(f"{SVG}title").text


def test_an_attested_only_tenure_is_hatched_and_an_acting_one_dashed():
    bars = [Bar("Olga", "iri:o", None, "2018-02-14", "2018-02-14", "2019-06-20", "attested", "succession"),
            Bar("Valery", "iri:v", "2018-11-01", "2018-11-08", "2019-11-28", "2019-12-31", "stated", "stated", acting=True)]
    olga, valery = _bars(_svg(timeline(bars)))
    assert olga.get("class") == "bar inferred"
    assert next(r for r in olga.findall(f"{SVG}rect") if r.get("class") == "held").get("fill") == "url(#hatch)"
    assert valery.get("class") == "bar stated acting"
    held = next(r for r in valery.findall(f"{SVG}rect") if r.get("class") == "held")
    assert held.get("stroke-dasharray") == "4 3"
    assert any((t.text or "").startswith("acting: Valery") for t in valery.findall(f"{SVG}text"))


def test_points_link_to_their_meetings_and_text_is_escaped():
    markup = timeline([Bar("<b>&", "iri:x?a=1&b=2", "2019-01-01", "2019-01-01", "2019-01-01", "2019-01-01")],
                      [Point("Meeting <1>", "iri:m", "2019-06-20"), Point("no date", "iri:n", "[2017, 2018]")],
                      link=lambda iri: "/page/" + iri)
    root = _svg(markup)  # parses: everything is escaped
    points = root.findall(f"{SVG}a[@class='point']")
    assert [p.get("href") for p in points] == ["/page/iri:m"]  # a point without a day is left out
    assert _bars(root)[0].get("href") == "/page/iri:x?a=1&b=2"
    assert timeline([]) == ""


@pytest.fixture(scope="module")
def client(built_store):
    with app_on(built_store) as app:
        yield app.test_client()


def test_the_post_page_draws_its_holders(client):
    html = client.get("/id/post/csto-secretary-general", headers=BROWSER).get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>") + 6]
    bars = _bars(_svg(svg))
    hrefs = [b.get("href") for b in bars]
    assert hrefs == ["/id/tenure/nikolai-bordyuzha/csto-secretary-general",
                     "/id/tenure/valery-semerikov/csto-secretary-general/acting",
                     "/id/tenure/yuri-khachaturov/csto-secretary-general",
                     "/id/tenure/valery-semerikov/csto-secretary-general/acting/2",
                     "/id/tenure/stanislav-zas/csto-secretary-general",
                     "/id/tenure/imangali-tasmagambetov/csto-secretary-general",
                     "/id/tenure/taalatbek-masadykov/csto-secretary-general"]
    assert [b.get("class") for b in bars] == ["bar stated", "bar stated acting", "bar stated", "bar stated acting",
                                              "bar stated", "bar stated", "bar stated"]
    # each bar's link is a page that shows the tenure's evidence
    tenure = client.get(hrefs[3], headers=BROWSER).get_data(as_text=True)
    assert "/id/meeting/2019-11-28-csc-bishkek/participation/7" in tenure


def test_the_person_page_draws_the_career_with_meetings_as_points(client):
    html = client.get("/id/person/valery-semerikov", headers=BROWSER).get_data(as_text=True)
    root = _svg(html[html.index("<svg"):html.index("</svg>") + 6])
    assert [b.get("href") for b in _bars(root)] == [
        "/id/tenure/valery-semerikov/csto-deputy-secretary-general",
        "/id/tenure/valery-semerikov/csto-secretary-general/acting",
        "/id/tenure/valery-semerikov/csto-secretary-general/acting/2"]
    points = [p.get("href") for p in root.findall(f"{SVG}a[@class='point']")]
    assert "/id/meeting/2019-11-28-csc-bishkek" in points and len(points) == 5
