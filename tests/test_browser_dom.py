"""The pages as headless Chromium renders them, driven from its command line (no ChromeDriver needed).

These run wherever Chromium is installed, with or without ``chromium-driver``; the WebDriver
tests (tests/test_browser_pages.py) add clicking and typing where the driver is there too.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from .conftest import ROOT
from .headless import CHROMIUM, dump_dom, screenshot
from .live_endpoint import serve

ARTIFACTS = Path(os.environ.get("CSTO_KG_TEST_ARTIFACTS") or ROOT / ".csto-kg" / "test-artifacts")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="headless Chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def live(built_store):
    with serve(built_store.path) as running:
        yield running


class Page(HTMLParser):
    """The text of each element with an id, and every link's target."""

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text_by_id: dict[str, str] = {}
        self._open: list[str | None] = []
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("br", "img", "input", "meta", "link", "hr"):
            return
        self._open.append(attrs.get("id"))
        if attrs.get("id"):
            self.text_by_id.setdefault(attrs["id"], "")

    def handle_endtag(self, tag):
        if tag in ("br", "img", "input", "meta", "link", "hr"):
            return
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            if element_id:
                self.text_by_id[element_id] += data


def test_the_workbench_runs_a_query_and_links_the_results(live):
    query = "SELECT ?m WHERE { ?m a <https://w3id.org/csto-kg/ontology#Meeting> }"
    url = f"{live.url}/?query={quote(query)}"
    page = Page(dump_dom(url))
    assert "row" in page.text_by_id["row-count"]
    assert "/id/meeting/2019-06-20-ccim-22" in page.links
    screenshot(url, ARTIFACTS / "dom-workbench.png")


def test_a_meeting_page_shows_who_took_part_in_which_role(live):
    url = f"{live.url}/id/meeting/2019-06-20-ccim-22"
    page = Page(dump_dom(url))
    participants = page.text_by_id["participants-table"]
    assert "Aleksandr Gorovoy" in participants and "Valentina Kazakova" in participants
    assert "head of delegation" in participants.lower()
    assert "/id/person/valentina-kazakova" in page.links
    screenshot(url, ARTIFACTS / "dom-meeting.png")


def test_a_person_page_shows_the_appointment_and_its_source(live):
    page = Page(dump_dom(f"{live.url}/id/person/valentina-kazakova"))
    assert "Secretary of the CSTO Coordinating Council" in page.text_by_id["appointments-table"]
    assert any(link.startswith("/id/source/") for link in page.links)
