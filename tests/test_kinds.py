"""The table of kinds (csto_kg.records.kinds) and every place that uses it: the records reader, rdfize,
the near-match lookup, the pages, Wikidata linking, the README."""

from __future__ import annotations

import re

import pytest

from csto_kg.graph import rdfize
from csto_kg.graph.resources import ontology_files, read_turtle
from csto_kg.graph.names import ID, OWL, RDF, entity_iri, expand
from csto_kg.graph.terms import IRI as URIRef
from csto_kg.query import describe
from csto_kg import records as schema
from csto_kg.records import entities as entity_schema
from csto_kg.records.kinds import BY_NAME, ENTITY_SECTIONS, KINDS, MEETING_PARTS
from csto_kg.web.entity import KIND_TEMPLATES, kind_of, page_data
from csto_kg.wikidata import link

from .conftest import DATA, ROOT, app_on, record_graphs

TEMPLATES = ROOT / "src" / "csto_kg" / "web" / "templates" / "entity"


@pytest.fixture(scope="module")
def graphs():
    records = schema.read_records(DATA)
    assert not [p for p in records.problems if p.severity == "error"]
    return record_graphs(records)


@pytest.fixture(scope="module")
def client(built_store):
    with app_on(built_store, SPARQL_WORKERS=2) as app:
        yield app.test_client()


def _types(graphs) -> dict[URIRef, set[URIRef]]:
    found: dict[URIRef, set[URIRef]] = {}
    for g in graphs:
        for s, p, o in g.triples:
            if p == RDF.type:
                found.setdefault(s, set()).add(o)
    return found


def _of_kind(iris, kind: str) -> list[str]:
    """The IRIs ``id/{kind}/{slug}`` (not the parts inside them)."""
    return sorted(str(i) for i in iris if re.fullmatch(re.escape(ID + kind) + r"/[a-z0-9-]+", str(i)))


def test_the_table_is_whole():
    assert len(BY_NAME) == len(KINDS) and len(ENTITY_SECTIONS) == len([k for k in KINDS if k.section])
    from csto_kg.graph import vocab  # the ontology is an rdflib graph: looked up with rdflib's terms

    ontology = read_turtle(ontology_files())
    for kind in KINDS:
        for cls in kind.classes:
            iri = vocab.expand(cls)
            if cls.startswith("igo:"):  # our own classes are declared in the ontology
                assert (iri, vocab.RDF.type, vocab.OWL.Class) in ontology, cls
        assert (TEMPLATES / f"{kind.page}.html").is_file()
        assert all(q in link.CLASS_NAMES for q in kind.wikidata)
    for cls in MEETING_PARTS.values():
        assert (vocab.expand(cls), vocab.RDF.type, vocab.OWL.Class) in ontology, cls


def test_every_list_of_kinds_is_made_from_the_table():
    entity_kinds = set(ENTITY_SECTIONS.values())
    assert schema.ENTITY_SECTIONS == ENTITY_SECTIONS
    assert set(entity_schema._ENTITY_FIELDS) == set(entity_schema._REQUIRED) == entity_kinds
    assert schema.ORGANIZATION_TYPES == tuple(BY_NAME["organization"].types)
    assert set(rdfize.ENTITY_CLASSES) == entity_kinds
    assert set(describe.KIND_CLASSES) == set(BY_NAME)
    assert KIND_TEMPLATES == {k.name: k.page for k in KINDS if k.page != "generic"}
    assert link.CLASSES == {k.name: k.wikidata for k in KINDS if k.linkable}
    assert set(link.CLASSES) == {"state", "organization", "body", "place", "post", "person"}


def test_the_readme_names_every_kind():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"kind one of\s+(.*?);", readme, re.S).group(1)
    assert set(re.split(r",\s*", " ".join(listed.split()))) == set(BY_NAME)


@pytest.mark.parametrize("kind", [k for k in KINDS if k.name != "document-kind"], ids=lambda k: k.name)
def test_rdfize_gives_every_resource_of_a_kind_its_class(graphs, kind):
    """(The kinds of document are only in the ontology; the roles are there and in the records.)"""
    types = _types(graphs)
    resources = _of_kind(types, kind.name)
    assert resources, f"the records hold no {kind.name}"
    expected = {expand(c) for c in kind.classes}
    for resource in resources:
        assert types[URIRef(resource)] & expected, resource
    if kind.types:  # each type of the kind has its own class
        entities = [e for f in schema.read_records(DATA).files for e in f.entities if e.kind == kind.name]
        for e in entities:
            assert expand(kind.types[str(e.fields["type"])]) in types[entity_iri(kind.name, e.slug)]


def test_a_document_adopted_at_a_meeting_has_its_class(graphs):
    types = _types(graphs)
    found = [s for s in types if re.fullmatch(re.escape(ID) + r"meeting/[a-z0-9-]+/decision/[0-9]+/document", str(s))]
    assert len(found) == 35
    for resource in found:
        assert expand("igo:Document") in types[resource] and kind_of(str(resource)) == "document"


@pytest.mark.parametrize("part", MEETING_PARTS)
def test_rdfize_gives_every_part_of_a_meeting_its_class(graphs, part):
    types = _types(graphs)
    found = [s for s in types if re.fullmatch(re.escape(ID) + r"meeting/[a-z0-9-]+/" + part + r"(/[a-z0-9-]+)?", str(s))]
    assert found, f"the records hold no {part}"
    for resource in found:
        assert expand(MEETING_PARTS[part]) in types[resource], resource
        assert kind_of(str(resource)) == part


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_resource_of_every_kind_dereferences_to_its_page(built_store, client, kind):
    names = describe._names_of_kind(built_store, kind.name)  # found through the table's classes
    assert names, f"the store holds no {kind.name}"
    iri = ID + names[0]
    assert kind_of(iri) == kind.name
    template, _data, _labels = page_data(built_store, iri)
    assert template == kind.page
    page = client.get(f"/id/{names[0]}")
    assert page.status_code == 200
    assert f'<p class="kind">{kind.name.replace("-", " ")}</p>' in page.get_data(as_text=True)
    assert client.get(f"/id/{names[0]}", headers={"Accept": "text/turtle"}).status_code == 200


def test_the_not_found_page_names_every_kind(client):
    text = " ".join(client.get("/id/person/no-such-person").get_data(as_text=True).split())
    listed = re.search(r"with a kind among (.*?)\.", text).group(1)
    assert re.split(r", | and ", listed) == [k.name for k in KINDS]
