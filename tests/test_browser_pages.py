"""The workbench and entity pages in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``).

Screenshots go to ``$CSTO_KG_TEST_ARTIFACTS`` (default ``.csto-kg/test-artifacts``) as test artifacts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import ROOT
from .headless import CHROMEDRIVER, CHROMIUM, webdriver_chrome
from .live_endpoint import serve

ARTIFACTS = Path(os.environ.get("CSTO_KG_TEST_ARTIFACTS") or ROOT / ".csto-kg" / "test-artifacts")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="headless Chromium is not installed (apt-get install chromium chromium-driver)"),
]


@pytest.fixture(scope="module")
def live(built_store):
    with serve(built_store.path) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    pytest.importorskip("selenium.webdriver", reason="selenium is part of the [test] extra")
    driver = webdriver_chrome(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 1000
    return path


def test_workbench_example_to_meeting_page(live, browser):
    from selenium.webdriver.common.by import By

    browser.get(live.url + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Query the graph")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=query]").is_displayed()
    example = browser.find_element(By.CSS_SELECTOR, "a.example[data-name=cq1-participants]")
    example.click()
    rows = browser.find_elements(By.CSS_SELECTOR, "#results-table tbody tr")
    assert len(rows) >= 4
    assert "cq1" in browser.find_element(By.ID, "query").get_attribute("value").lower() or \
        "igo:inMeeting" in browser.find_element(By.ID, "query").get_attribute("value")
    table = browser.find_element(By.ID, "results-table").text
    assert "Aleksandr Gorovoy" in table and "Valentina Kazakova" in table
    screenshot(browser, "workbench-cq1")

    # edit the query in the editor and run it with the keyboard shortcut
    area = browser.find_element(By.ID, "query")
    area.clear()
    area.send_keys("SELECT ?m WHERE { ?m a <https://w3id.org/csto-kg/ontology#Meeting> }")
    from selenium.webdriver.common.keys import Keys

    area.send_keys(Keys.CONTROL, Keys.ENTER)
    link = browser.find_element(By.CSS_SELECTOR, "#results-table a[href='/id/meeting/2019-06-20-ccim-22']")
    link.click()
    assert browser.current_url.endswith("/id/meeting/2019-06-20-ccim-22")
    participants = browser.find_element(By.ID, "participants-table")
    text = participants.text
    assert "Aleksandr Gorovoy" in text and "Valentina Kazakova" in text and "head of delegation" in text.lower()
    screenshot(browser, "meeting-page")


def test_person_page_reached_from_the_meeting(live, browser):
    from selenium.webdriver.common.by import By

    browser.get(live.url + "/id/meeting/2019-06-20-ccim-22")
    browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=decisions] a[href='/id/person/valentina-kazakova']").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Valentina Kazakova"
    appointments = browser.find_element(By.ID, "appointments-table").text
    assert "Secretary of the CSTO Coordinating Council" in appointments
    source = browser.find_element(By.CSS_SELECTOR, "#appointments-table a[href^='/id/source/']")
    assert source.is_displayed()
    screenshot(browser, "person-page")
    # no script is needed to read a page
    assert browser.execute_script("return document.querySelectorAll('script').length") == 0


def test_timelines_render_on_the_post_and_person_pages(live, browser):
    """The post's holders and the person's career are drawn (server-side SVG, no script), each bar a
    link to its tenure's evidence."""
    from selenium.webdriver.common.by import By

    browser.get(live.url + "/id/post/csto-secretary-general")
    figure = browser.find_element(By.ID, "holders-timeline")
    svg = figure.find_element(By.TAG_NAME, "svg")
    assert svg.size["width"] > 400 and svg.size["height"] > 80  # drawn, not collapsed
    bars = figure.find_elements(By.CSS_SELECTOR, "a.bar")
    assert len(bars) == 7 and len(figure.find_elements(By.CSS_SELECTOR, "a.bar.acting")) == 2
    held = [b.find_element(By.CSS_SELECTOR, "rect.held") for b in bars]
    assert all(r.size["width"] >= 2 for r in held)
    xs = [r.location["x"] for r in held]
    assert xs == sorted(xs)  # the holders in time order, left to right
    browser.execute_script("window.scrollTo(0, arguments[0])", figure.location["y"] - 20)
    screenshot(browser, "post-timeline")
    browser.get(live.url + "/id/tenure/stanislav-zas/csto-secretary-general")
    assert "/id/meeting/2019-11-28-csc-bishkek/decision/" in browser.page_source  # the evidence, linked

    browser.get(live.url + "/id/person/valery-semerikov")
    career = browser.find_element(By.ID, "career-timeline")
    points = career.find_elements(By.CSS_SELECTOR, "a.point circle")
    assert len(points) == 5 and all(p.is_displayed() for p in points)
    assert len(career.find_elements(By.CSS_SELECTOR, "a.bar")) == 3
    browser.execute_script("window.scrollTo(0, arguments[0])", career.location["y"] - 20)
    screenshot(browser, "person-timeline")
    assert browser.execute_script("return document.querySelectorAll('script').length") == 0
