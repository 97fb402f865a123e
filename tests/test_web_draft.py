"""The "new record" page: GET /draft shows the form, POST /draft the draft, its problems and the
entities matched; nothing is written."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

pytest.importorskip("pymorphy3")

from csto_kg.web import create_app  # noqa: E402

from .conftest import DATA  # noqa: E402
from .test_draft import TEXT_RU  # noqa: E402


@pytest.fixture
def client(built_store):
    app = create_app({"STORE": str(built_store.path), "DATA": str(DATA), "TESTING": True})
    return app.test_client()


def _snapshot():
    return sorted((p.as_posix(), p.stat().st_mtime_ns, p.stat().st_size) for p in DATA.rglob("*"))


def _post(client, **fields):
    return client.post("/draft", data=urlencode(fields), content_type="application/x-www-form-urlencoded")


def test_the_form(client):
    page = client.get("/draft")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="draft-form"' in html and '<option value="mia-en-2019-06-21-ccim-22">' in html


def test_a_pasted_text_gives_the_draft_its_problems_and_the_matches_side_by_side(client):
    before = _snapshot()
    page = _post(client, text=TEXT_RU, source="mia-en-2019-06-21-ccim-22", lang="auto")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "person: aleksandr-gorovoy" in html and "&#34;Александр Горовой&#34; [s2," in html
    assert "ivan-petrovich-sidorenko" in html and "New entities, to review" in html
    assert "Validation (meetings/2019-06-20-draft.yaml)" in html and "The draft conforms." in html
    assert "<td>генерал-полковник полиции</td><td>rank</td><td><code>police-colonel-general</code>" in html
    assert _snapshot() == before


@pytest.mark.parametrize("fields, message", [
    ({"text": "x", "source": "nope"}, "source: &#39;nope&#39; is not a source"),
    ({"text": " ", "source": "mia-en-2019-06-21-ccim-22"}, "text: is empty"),
    ({"text": "x", "source": "mia-en-2019-06-21-ccim-22", "lang": "de"}, "lang=&#39;de&#39;: expected auto, en or ru"),
])
def test_what_cannot_be_drafted_says_why(client, fields, message):
    page = _post(client, **fields)
    assert page.status_code == 400 and message in page.get_data(as_text=True)


def test_without_the_draft_extra_the_page_says_what_to_install(built_store, monkeypatch):
    """An install without the optional libraries answers 503 with the command, not a server error."""
    import importlib.util

    from csto_kg.web import create_app

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "razdel" else find_spec(name, *a))
    app = create_app({"STORE": str(built_store.path), "TESTING": True})
    client = app.test_client()
    for answer in (client.get("/draft"), client.post("/draft", data={"text": "x", "source": "y"})):
        assert answer.status_code == 503
        text = answer.get_data(as_text=True)
        assert "razdel is not installed" in text and "pip install -e &#39;.[draft]&#39;" in text
