"""Who held which post when without SPARQL: `csto-kg career`, `GET /api/holders`, `GET /api/career`,
read from a built store, agreeing with `csto-kg holders` (which reasons from the records)."""

from __future__ import annotations

import json

import pytest

from csto_kg.cli import main
from csto_kg.problems import QueryTimeout
from csto_kg.store.embedded import EmbeddedStore
from csto_kg.web.entity import PageReader

from .conftest import DATA
from .conftest import app_on

POSTS = ["csto-secretary-general", "csto-ccim-secretary", "csto-ccim-chairman", "csto-deputy-secretary-general"]


@pytest.fixture(scope="module")
def app(built_store):
    with app_on(built_store, SPARQL_WORKERS=1) as app:
        yield app


@pytest.fixture
def client(app, monkeypatch):
    """A client of the app, whose server process must not query the store itself."""
    def in_the_server(*_args, **_kwargs):
        raise AssertionError("an API answer queried the store in the server's process")

    monkeypatch.setattr(EmbeddedStore, "query", in_the_server)
    return app.test_client()


def _holders_from_records(runner, post, *args):
    result = runner.invoke(main, ["holders", post, "--data", str(DATA), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


KEYS = ("person", "on", "earliest_start", "latest_start", "earliest_end", "latest_end", "start_basis", "end_basis",
        "sources")


@pytest.mark.parametrize("post", POSTS)
@pytest.mark.parametrize("day", [None, "2018-02-14", "2019-06-01", "2020-06-01"])
def test_api_holders_agree_with_the_reasoning_over_the_records(client, runner, post, day):
    for acting in (False, True):
        args = (["--on", day] if day else []) + (["--acting"] if acting else [])
        expected = [{k: row[k] for k in KEYS} for row in _holders_from_records(runner, post, *args)]
        query = {"post": post, "acting": "true" if acting else "false", **({"on": day} if day else {})}
        answer = client.get("/api/holders", query_string=query)
        assert answer.status_code == 200 and answer.mimetype == "application/json"
        got = answer.get_json()
        assert (got["post"], got["on"], got["acting"]) == (post, day, acting)
        assert [{k: row[k] for k in KEYS} for row in got["holders"]] == expected


def test_api_holders_on_the_real_records(client):
    zas = client.get("/api/holders?post=csto-secretary-general&on=2020-06-01").get_json()["holders"]
    assert [(h["person"], h["on"], h["start_basis"]) for h in zas] == [("stanislav-zas", "certainly", "appointment")]
    assert zas[0]["tenure"] == "https://w3id.org/csto-kg/id/tenure/stanislav-zas/csto-secretary-general"
    assert client.get("/api/holders?post=csto-secretary-general&on=2019-06-01").get_json()["holders"] == []
    acting = client.get("/api/holders?post=csto-secretary-general&on=2019-06-01&acting=true").get_json()["holders"]
    assert [(h["person"], h["on"]) for h in acting] == [("valery-semerikov", "certainly")]
    kirillova = client.get("/api/holders?post=csto-ccim-secretary&on=2018-02-14").get_json()["holders"]
    assert [(h["person"], h["on"], h["start_basis"]) for h in kirillova] == [("olga-kirillova", "certainly", "attested")]
    assert kirillova[0]["evidence"] == ["https://w3id.org/csto-kg/id/meeting/2018-02-14-nelegal-hq/participation/1"]


@pytest.mark.parametrize("url, status, words", [
    ("/api/holders", 400, "post=SLUG"),
    ("/api/holders?post=Not%20a%20slug", 400, "post=SLUG"),
    ("/api/holders?post=csto-secretary-general&on=2020", 400, "expected YYYY-MM-DD"),
    ("/api/holders?post=csto-secretary-general&acting=yes", 400, "expected true or false"),
    ("/api/holders?post=no-such-post", 404, "no post 'no-such-post'"),
    ("/api/career", 400, "person=SLUG"),
    ("/api/career?person=nobody-at-all", 404, "no person 'nobody-at-all'"),
])
def test_api_bad_requests_say_what_to_fix(client, url, status, words):
    answer = client.get(url)
    assert answer.status_code == status and answer.mimetype == "application/json"
    body = answer.get_json()
    assert (body["ok"], body["status"]) == (False, status) and words in body["error"]  # the app's one error shape


def test_api_career(client):
    found = client.get("/api/career?person=valery-semerikov").get_json()
    posts = [(p["post"], p["acting"], p["start_basis"]) for p in found["posts"]]
    assert posts == [("csto-deputy-secretary-general", False, "attested"), ("csto-secretary-general", True, "stated"),
                     ("csto-secretary-general", True, "stated")]  # acting twice, Khachaturov holding it between
    assert [p["tenure"].rsplit("/", 2)[-2:] for p in found["posts"][1:]] == [["csto-secretary-general", "acting"],
                                                                           ["acting", "2"]]
    dates = [m["date"] for m in found["meetings"]]
    assert "2019-11-28" in dates and all(m["sources"] for m in found["meetings"])
    bishkek = next(m for m in found["meetings"] if m["meeting"] == "2019-11-28-csc-bishkek")
    assert bishkek["acting_posts"] == ["csto-secretary-general"] and bishkek["posts"] == []


def test_api_answers_within_the_time_limit(app, monkeypatch):
    """Past the time limit, an answer is a 503 that says so, in JSON."""
    def too_slow(self, query):
        raise QueryTimeout("the query took longer than the time limit of 10 ms (CSTO_KG_SPARQL_TIME_LIMIT_MS)")

    monkeypatch.setattr(PageReader, "query", too_slow)
    for url in ("/api/holders?post=csto-secretary-general", "/api/career?person=valery-semerikov"):
        answer = app.test_client().get(url)
        assert answer.status_code == 503 and answer.mimetype == "application/json"
        assert answer.get_json()["status"] == 503 and "time limit" in answer.get_json()["error"]


def test_career_command(built_store, runner):
    text = runner.invoke(main, ["career", "valery-semerikov", "--store", str(built_store.path)])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    acting = next(i for i, line in enumerate(lines) if "acting csto-secretary-general: from 2018" in line)
    assert "from 2018-11-01..2018-11-08 (stated)" in lines[acting]
    assert lines[acting + 1].strip().startswith("sources: armenpress-en-2018-11-08-csto-sg")
    dates = [line.split()[0] for line in lines if line[:1].isdigit()]
    assert dates == sorted(dates)  # in time order
    as_json = runner.invoke(main, ["career", "valery-semerikov", "--store", str(built_store.path), "--format", "json"])
    assert json.loads(as_json.output)["person"] == "valery-semerikov"
    missing = runner.invoke(main, ["career", "nobody-at-all", "--store", str(built_store.path)])
    assert missing.exit_code == 2 and "is not a person of the store" in missing.output


def test_a_tenure_is_read_from_the_tenures_graph_alone(built_store, tmp_path):
    """What the answers say of a tenure -- its post, bounds, sources and evidence -- is what the build
    reasoned, in the tenures graph: statements about the same tenure in any other graph change nothing."""
    import pyoxigraph as ox

    from csto_kg.graph.names import GRAPH, ID
    from csto_kg.graph.vocab import IGO, PROV
    from csto_kg.query import tenures

    built = ox.Store.read_only(str(built_store.current_dir())).dump(format=ox.RdfFormat.N_QUADS).decode("utf-8")

    def answers(store):
        return (tenures.career(store, "valery-semerikov"),
                [tenures.holders(store, post, on, acting) for post in POSTS
                 for on in (None, "2019-06-01") for acting in (False, True)])

    before = answers(built_store)
    held = before[0]["posts"]
    assert len(held) == 3 and all(t["sources"] and t["evidence"] for t in held)
    elsewhere = [(IGO.earliestStart, '"1900-01-01"'), (IGO.latestEnd, '"1901-01-01"'),
                 (IGO.actingPost, f"<{ID}post/csto-ccim-chairman>"), (IGO.evidence, "<https://example.org/evidence>"),
                 (PROV.wasDerivedFrom, f"<{ID}source/elsewhere>")]
    said_elsewhere = EmbeddedStore(tmp_path / "store")
    said_elsewhere.replace(built + "".join(f"<{t['tenure']}> <{predicate}> {value} <{GRAPH}elsewhere> .\n"
                                           for t in held for predicate, value in elsewhere), {})
    assert answers(said_elsewhere) == before
