"""Checks on the OWL ontology (ontology/igo.ttl) and the role vocabulary (ontology/roles.ttl)."""

from pathlib import Path

import owlrl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from csto_kg.records import BASE_ROLES, DOCUMENT_KINDS, ROLES

ONTOLOGY_DIR = Path(__file__).resolve().parents[1] / "ontology"
IGO_TTL = ONTOLOGY_DIR / "igo.ttl"
ROLES_TTL = ONTOLOGY_DIR / "roles.ttl"
KINDS_TTL = ONTOLOGY_DIR / "document-kinds.ttl"

IGO = Namespace("https://w3id.org/csto-kg/ontology#")
ONTOLOGY_IRI = URIRef("https://w3id.org/csto-kg/ontology")
ROLE = Namespace("https://w3id.org/csto-kg/id/role/")
KIND = Namespace("https://w3id.org/csto-kg/id/document-kind/")
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")  # owlrl's error vocabulary

ROLE_SLUGS = set(ROLES)  # the roles the record format accepts

# Terms the rdfizer emits; renaming any of them breaks the data.
EXPECTED_CLASSES = {
    "State", "IntergovernmentalOrganization", "GovernmentAgency", "Body", "Place", "Rank",
    "Role", "Source", "Meeting", "AnnouncedMeeting", "Participation", "Delegation",
    "Decision", "Appointment", "AgendaItem", "RecordGraph", "RankHolding",
    "Absence", "Adoption", "Document", "DocumentKind",
}
EXPECTED_OBJECT_PROPERTIES = {
    "body", "inMeeting", "participant", "role", "onBehalfOf", "post", "rank", "delegation",
    "ofState", "head", "member", "decidedAt", "appointee", "toPost", "agendaItem",
    "proposedBy", "nextMeeting", "hostState", "country", "holder", "during", "atTime",
    "adopted", "adoptedBy", "documentKind", "absentee", "actingPost", "notStated",
}
EXPECTED_DATATYPE_PROPERTIES = {
    "sessionNumber", "number", "effectiveFrom", "recordFile", "dateCertainty", "representativeCount", "reason",
    "earliestDate", "latestDate", "inEDTF", "inferredSessionNumber", "postAsStated", "roleAsStated",
}

SAMPLE = """
@prefix igo:    <https://w3id.org/csto-kg/ontology#> .
@prefix id:     <https://w3id.org/csto-kg/id/> .
@prefix org:    <http://www.w3.org/ns/org#> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix schema: <http://schema.org/> .
@prefix time:   <http://www.w3.org/2006/time#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf:   <http://xmlns.com/foaf/0.1/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .

<https://w3id.org/csto-kg/id/organization/csto> a igo:IntergovernmentalOrganization ;
    rdfs:label "Collective Security Treaty Organization"@en ;
    skos:exactMatch <http://www.wikidata.org/entity/Q0> .  # placeholder item
<https://w3id.org/csto-kg/id/state/armenia> a igo:State ;
    rdfs:label "Armenia"@en ;
    org:memberOf <https://w3id.org/csto-kg/id/organization/csto> .
<https://w3id.org/csto-kg/id/state/russia> a igo:State ; rdfs:label "Russia"@en .
<https://w3id.org/csto-kg/id/organization/mia-russia> a igo:GovernmentAgency ;
    rdfs:label "Ministry of Internal Affairs of Russia"@en ;
    org:subOrganizationOf <https://w3id.org/csto-kg/id/state/russia> .
<https://w3id.org/csto-kg/id/body/ccim> a igo:Body ;
    rdfs:label "Coordinating Council"@en ;
    org:unitOf <https://w3id.org/csto-kg/id/organization/csto> .
<https://w3id.org/csto-kg/id/place/yerevan> a igo:Place ;
    rdfs:label "Yerevan"@en ;
    igo:country <https://w3id.org/csto-kg/id/state/armenia> ;
    schema:containedInPlace <https://w3id.org/csto-kg/id/place/armenia> .
<https://w3id.org/csto-kg/id/place/armenia> a igo:Place ; rdfs:label "Armenia (territory)"@en .
<https://w3id.org/csto-kg/id/post/ccim-secretary> a org:Post ;
    rdfs:label "Secretary of the Council"@en ;
    org:postIn <https://w3id.org/csto-kg/id/body/ccim> .
<https://w3id.org/csto-kg/id/post/minister> a org:Post ;
    rdfs:label "Minister"@en ;
    org:postIn <https://w3id.org/csto-kg/id/organization/mia-russia> .
<https://w3id.org/csto-kg/id/rank/police-general> a igo:Rank , skos:Concept ;
    rdfs:label "Police General"@en ;
    skos:inScheme igo:RankScheme .
<https://w3id.org/csto-kg/id/person/a-person> a foaf:Person ; rdfs:label "A. Person"@en .
<https://w3id.org/csto-kg/id/person/b-person> a foaf:Person ; rdfs:label "B. Person"@en .

<https://w3id.org/csto-kg/id/source/report> a igo:Source ;
    dcterms:title "Report on the meeting"@en ;
    schema:url <https://example.org/report> ;
    schema:publisher <https://w3id.org/csto-kg/id/organization/mia-russia> ;
    dcterms:issued "2019-06-21"^^xsd:date ;
    dcterms:language "ru" .

<https://w3id.org/csto-kg/id/meeting/m-22> a igo:Meeting ;
    rdfs:label "22nd meeting"@en ;
    igo:body <https://w3id.org/csto-kg/id/body/ccim> ;
    igo:sessionNumber 22 ;
    schema:startDate "2019-06-21"^^xsd:date ;
    schema:endDate "2019-06-21"^^xsd:date ;
    igo:dateCertainty "day from the report"^^xsd:string ;
    schema:location <https://w3id.org/csto-kg/id/place/yerevan> ;
    schema:eventAttendanceMode schema:OfflineEventAttendanceMode ;
    igo:hostState <https://w3id.org/csto-kg/id/state/armenia> ;
    igo:agendaItem <https://w3id.org/csto-kg/id/meeting/m-22/agenda/1> ;
    igo:nextMeeting <https://w3id.org/csto-kg/id/meeting/m-22/next> ;
    prov:wasDerivedFrom <https://w3id.org/csto-kg/id/source/report> .

<https://w3id.org/csto-kg/id/meeting/m-22/agenda/1> a igo:AgendaItem ;
    igo:number 1 ;
    dcterms:subject "Migration"@en ;
    igo:proposedBy <https://w3id.org/csto-kg/id/state/russia> .

<https://w3id.org/csto-kg/id/meeting/m-22/next> a igo:AnnouncedMeeting ;
    schema:startDate "2020"^^xsd:gYear ;
    igo:hostState <https://w3id.org/csto-kg/id/state/russia> .

<https://w3id.org/csto-kg/id/meeting/m-22/delegation/russia> a igo:Delegation ;
    igo:inMeeting <https://w3id.org/csto-kg/id/meeting/m-22> ;
    igo:ofState <https://w3id.org/csto-kg/id/state/russia> ;
    igo:head <https://w3id.org/csto-kg/id/person/a-person> .

<https://w3id.org/csto-kg/id/meeting/m-22/participation/1> a igo:Participation ;
    igo:number 1 ;
    igo:inMeeting <https://w3id.org/csto-kg/id/meeting/m-22> ;
    igo:participant <https://w3id.org/csto-kg/id/person/a-person> ;
    igo:role <https://w3id.org/csto-kg/id/role/head-of-delegation> ;
    igo:post <https://w3id.org/csto-kg/id/post/minister> ;
    igo:rank <https://w3id.org/csto-kg/id/rank/police-general> ;
    igo:onBehalfOf <https://w3id.org/csto-kg/id/state/russia> ;
    igo:delegation <https://w3id.org/csto-kg/id/meeting/m-22/delegation/russia> ;
    prov:wasDerivedFrom <https://w3id.org/csto-kg/id/source/report> .

# Acting in a post, with the source's own wording, and no rank in the source.
<https://w3id.org/csto-kg/id/meeting/m-22/participation/3> a igo:Participation ;
    igo:number 3 ;
    igo:inMeeting <https://w3id.org/csto-kg/id/meeting/m-22> ;
    igo:participant <https://w3id.org/csto-kg/id/person/b-person> ;
    igo:role <https://w3id.org/csto-kg/id/role/attendee> ;
    igo:actingPost <https://w3id.org/csto-kg/id/post/minister> ;
    igo:postAsStated "Acting Minister"@en , "исполняющий обязанности министра"@ru ;
    igo:roleAsStated "took part"@en ;
    igo:notStated igo:rank .

<https://w3id.org/csto-kg/id/meeting/m-21> a igo:Meeting ;
    rdfs:label "21st meeting, by inference"@en ;
    igo:body <https://w3id.org/csto-kg/id/body/ccim> ;
    igo:inferredSessionNumber 21 .

<https://w3id.org/csto-kg/id/place/armenia> igo:notStated skos:exactMatch .

<https://w3id.org/csto-kg/id/membership/a-person-acting-minister> a org:Membership ;
    org:member <https://w3id.org/csto-kg/id/person/a-person> ;
    igo:actingPost <https://w3id.org/csto-kg/id/post/minister> .

# Only a post is named: no participant.
<https://w3id.org/csto-kg/id/meeting/m-22/participation/2> a igo:Participation ;
    igo:number 2 ;
    igo:inMeeting <https://w3id.org/csto-kg/id/meeting/m-22> ;
    igo:role <https://w3id.org/csto-kg/id/role/secretary> ;
    igo:post <https://w3id.org/csto-kg/id/post/ccim-secretary> ;
    igo:onBehalfOf <https://w3id.org/csto-kg/id/organization/csto> .

<https://w3id.org/csto-kg/id/meeting/m-22/decision/1> a igo:Appointment ;
    igo:number 1 ;
    igo:decidedAt <https://w3id.org/csto-kg/id/meeting/m-22> ;
    igo:appointee <https://w3id.org/csto-kg/id/person/b-person> ;
    igo:toPost <https://w3id.org/csto-kg/id/post/ccim-secretary> ;
    igo:effectiveFrom "2019-07"^^xsd:gYearMonth .

<https://w3id.org/csto-kg/id/membership/b-person-secretary> a org:Membership ;
    org:member <https://w3id.org/csto-kg/id/person/b-person> ;
    org:organization <https://w3id.org/csto-kg/id/body/ccim> ;
    igo:post <https://w3id.org/csto-kg/id/post/ccim-secretary> ;
    org:memberDuring [ a time:Interval ;
        time:hasBeginning [ a time:Instant ; time:inXSDDate "2019-07-01"^^xsd:date ] ;
        time:hasEnd [ a time:Instant ; time:inXSDgYear "2022"^^xsd:gYear ] ] .

<https://w3id.org/csto-kg/id/rank-holding/a-person-1> a igo:RankHolding ;
    igo:holder <https://w3id.org/csto-kg/id/person/a-person> ;
    igo:rank <https://w3id.org/csto-kg/id/rank/police-general> ;
    igo:during [ a time:Interval ;
        time:hasBeginning [ a time:Instant ; time:inXSDgYearMonth "2015-03"^^xsd:gYearMonth ] ] .
<https://w3id.org/csto-kg/id/rank-holding/a-person-2> a igo:RankHolding ;
    igo:holder <https://w3id.org/csto-kg/id/person/a-person> ;
    igo:rank <https://w3id.org/csto-kg/id/rank/police-general> ;
    igo:atTime [ a time:Instant ; time:inXSDDate "2019-06-21"^^xsd:date ] .

<https://w3id.org/csto-kg/graph/meetings/m-22> a igo:RecordGraph ;
    igo:recordFile "meetings/m-22.yaml"^^xsd:string ;
    prov:wasDerivedFrom <https://w3id.org/csto-kg/id/source/report> .
"""


def _load(*paths: Path) -> Graph:
    g = Graph()
    for p in paths:
        g.parse(p, format="turtle")
    return g


@pytest.fixture(scope="module")
def igo() -> Graph:
    return _load(IGO_TTL)


@pytest.fixture(scope="module")
def roles() -> Graph:
    return _load(ROLES_TTL)


def _closure_problems(g: Graph) -> list[str]:
    """Run the OWL 2 RL closure in place; return owlrl's inconsistency messages and owl:Nothing members."""
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    problems = [str(msg) for node in g.subjects(RDF.type, ERR.ErrorMessage) for msg in g.objects(node, ERR.error)]
    problems += [f"{x} is an owl:Nothing" for x in g.subjects(RDF.type, OWL.Nothing)]
    return problems


def _igo_terms(g: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
    return {s for k in kinds for s in g.subjects(RDF.type, k) if isinstance(s, URIRef) and s.startswith(str(IGO))}


# (a) parsing


def test_files_parse():
    for path in (IGO_TTL, ROLES_TTL, KINDS_TTL):
        g = _load(path)
        assert len(g) > 0, path


# (b) header


def test_ontology_header(igo):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in igo
    assert igo.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    assert igo.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef("https://w3id.org/csto-kg/ontology/0.1.0")
    assert igo.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    titles = list(igo.objects(ONTOLOGY_IRI, DCTERMS.title))
    assert any(t.language == "en" and str(t).strip() for t in titles)
    assert any(d.language == "en" for d in igo.objects(ONTOLOGY_IRI, DCTERMS.description))
    assert igo.value(ONTOLOGY_IRI, DCTERMS.created) is not None
    vann = Namespace("http://purl.org/vocab/vann/")
    assert str(igo.value(ONTOLOGY_IRI, vann.preferredNamespacePrefix)) == "igo"
    assert str(igo.value(ONTOLOGY_IRI, vann.preferredNamespaceUri)) == str(IGO)


# (c) documentation of every igo: term


def test_every_igo_term_is_documented(igo):
    terms = _igo_terms(igo)
    assert len(terms) > 30
    missing = []
    for t in sorted(terms):
        if not any(getattr(o, "language", None) == "en" for o in igo.objects(t, RDFS.label)):
            missing.append(f"{t}: rdfs:label@en")
        if not any(getattr(o, "language", None) == "en" for o in igo.objects(t, RDFS.comment)):
            missing.append(f"{t}: rdfs:comment@en")
        if (t, RDFS.isDefinedBy, ONTOLOGY_IRI) not in igo:
            missing.append(f"{t}: rdfs:isDefinedBy")
    assert not missing, missing


def test_igo_subjects_are_all_declared(igo):
    """No igo: IRI is used in igo.ttl without being declared there (catches typos)."""
    schemes = {IGO.RoleScheme, IGO.RankScheme, IGO.DocumentKindScheme}
    used = {n for t in igo for n in t if isinstance(n, URIRef) and n.startswith(str(IGO))}
    assert used <= _igo_terms(igo) | schemes, used - _igo_terms(igo) - schemes


def test_terms_the_data_uses_exist(igo):
    def local(kind):
        return {str(s)[len(str(IGO)):] for s in igo.subjects(RDF.type, kind) if str(s).startswith(str(IGO))}

    assert EXPECTED_CLASSES <= local(OWL.Class)
    assert EXPECTED_OBJECT_PROPERTIES <= local(OWL.ObjectProperty)
    assert EXPECTED_DATATYPE_PROPERTIES <= local(OWL.DatatypeProperty)
    for scheme in (IGO.RoleScheme, IGO.RankScheme, IGO.DocumentKindScheme):
        assert (scheme, RDF.type, SKOS.ConceptScheme) in igo


def test_key_axioms(igo):
    org = Namespace("http://www.w3.org/ns/org#")
    prov = Namespace("http://www.w3.org/ns/prov#")
    schema = Namespace("http://schema.org/")
    for sub, sup in [
        (IGO.State, org.FormalOrganization),
        (IGO.IntergovernmentalOrganization, org.FormalOrganization),
        (IGO.GovernmentAgency, org.FormalOrganization),
        (IGO.Body, org.OrganizationalUnit),
        (IGO.Place, schema.Place),
        (IGO.Rank, SKOS.Concept),
        (IGO.Role, SKOS.Concept),
        (IGO.Source, prov.Entity),
        (IGO.Source, schema.CreativeWork),
        (IGO.Meeting, schema.Event),
        (IGO.AnnouncedMeeting, schema.Event),
        (IGO.Participation, prov.Association),
        (IGO.Decision, prov.Activity),
        (IGO.Appointment, IGO.Decision),
        (IGO.RecordGraph, prov.Entity),
    ]:
        assert (sub, RDFS.subClassOf, sup) in igo, (sub, sup)
    assert (IGO.participant, RDFS.subPropertyOf, prov.agent) in igo
    assert (IGO.role, RDFS.subPropertyOf, prov.hadRole) in igo
    # Only the session number (stated or inferred) is functional: everything else may have several values.
    functional = set(igo.subjects(RDF.type, OWL.FunctionalProperty)) | set(
        igo.subjects(RDF.type, OWL.InverseFunctionalProperty)
    )
    assert functional == {IGO.sessionNumber, IGO.inferredSessionNumber}
    # An acting post is never the post itself, so a query for holders does not find acting ones.
    assert (IGO.actingPost, OWL.propertyDisjointWith, IGO.post) in igo
    assert (IGO.actingPost, RDFS.range, org.Post) in igo


def test_reused_terms_are_declared(igo):
    """Every non-igo term used in an axiom of igo.ttl is declared with a label, so OWL tools need no imports."""
    builtin = (str(OWL), str(RDF), str(RDFS), XSD_NS)
    used = set()
    for p in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.disjointWith):
        for s, o in igo.subject_objects(p):
            used |= {n for n in (s, o) if isinstance(n, URIRef)}
    for lst in igo.objects(None, OWL.unionOf):
        used |= set(igo.items(lst))
    for lst in igo.objects(None, OWL.members):
        used |= set(igo.items(lst))
    external = {u for u in used if not str(u).startswith((str(IGO),) + builtin)}
    assert external
    undeclared = [u for u in external if igo.value(u, RDF.type) is None or igo.value(u, RDFS.label) is None]
    assert not undeclared, undeclared


# (d) OWL 2 RL consistency


def test_consistent_under_owl_rl(igo, roles):
    g = igo + roles
    g.parse(data=SAMPLE, format="turtle")
    problems = _closure_problems(g)
    assert problems == []
    # the closure did run: a few entailments the sample relies on
    org = Namespace("http://www.w3.org/ns/org#")
    prov = Namespace("http://www.w3.org/ns/prov#")
    russia = URIRef("https://w3id.org/csto-kg/id/state/russia")
    assert (russia, RDF.type, org.Organization) in g
    person = URIRef("https://w3id.org/csto-kg/id/person/a-person")
    participation = URIRef("https://w3id.org/csto-kg/id/meeting/m-22/participation/1")
    delegation = URIRef("https://w3id.org/csto-kg/id/meeting/m-22/delegation/russia")
    assert (participation, prov.agent, person) in g
    assert (delegation, IGO.member, person) in g
    assert (ROLE["head-of-delegation"], RDF.type, prov.Role) in g


@pytest.mark.parametrize(
    "bad",
    [
        # a person who is also a state
        "<urn:x:p> a foaf:Person , igo:State .",
        # a participant that is a ministry (range foaf:Person, disjoint with org:Organization)
        "<urn:x:a> a igo:GovernmentAgency . <urn:x:pp> igo:participant <urn:x:a> .",
        # a place used as a state
        "<urn:x:c> a igo:Place . <urn:x:d> igo:ofState <urn:x:c> .",
        # a role used as a rank
        "<urn:x:q> igo:rank <https://w3id.org/csto-kg/id/role/chair> .",
        # a post both held and held in an acting capacity
        "<urn:x:h> igo:post <urn:x:sg> ; igo:actingPost <urn:x:sg> .",
    ],
)
def test_inconsistency_is_detected(igo, roles, bad):
    g = igo + roles
    g.parse(
        data="@prefix igo: <https://w3id.org/csto-kg/ontology#> .\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n" + bad,
        format="turtle",
    )
    assert _closure_problems(g), bad


# (e) roles


def test_roles(roles, igo):
    g = roles + igo
    in_scheme = set(g.subjects(SKOS.inScheme, IGO.RoleScheme))
    assert len(in_scheme) == 12
    assert in_scheme == {ROLE[s] for s in ROLE_SLUGS}
    top = {ROLE[s] for s in BASE_ROLES}
    assert len(top) == 7
    assert set(g.subjects(SKOS.topConceptOf, IGO.RoleScheme)) == top
    assert set(g.objects(IGO.RoleScheme, SKOS.hasTopConcept)) == top
    assert set(roles.subjects(RDF.type, IGO.Role)) == in_scheme
    for r in in_scheme - top:  # every narrower role leads up to a base role
        seen, up = set(), g.value(r, SKOS.broader)
        while up is not None and up not in top and up not in seen:
            seen.add(up)
            up = g.value(up, SKOS.broader)
        assert up in top, r
        assert len(list(g.objects(r, SKOS.broader))) == 1, r
    for r in in_scheme:
        assert (r, RDF.type, SKOS.Concept) in g
        pref = {o.language: o for o in g.objects(r, SKOS.prefLabel)}
        assert set(pref) >= {"en", "ru"}, r
        assert len(list(g.objects(r, SKOS.prefLabel))) == len(pref), r  # one prefLabel per language
        assert g.value(r, RDFS.label) == pref["en"], r
        assert any(d.language == "en" for d in g.objects(r, SKOS.definition)), r


def test_document_kinds(igo):
    g = _load(KINDS_TTL) + igo
    in_scheme = set(g.subjects(SKOS.inScheme, IGO.DocumentKindScheme))
    assert in_scheme == {KIND[k] for k in DOCUMENT_KINDS} and len(in_scheme) == 10
    assert set(g.objects(IGO.DocumentKindScheme, SKOS.hasTopConcept)) == in_scheme
    for k in in_scheme:
        assert (k, RDF.type, IGO.DocumentKind) in g and (k, RDF.type, SKOS.Concept) in g
        pref = {o.language: o for o in g.objects(k, SKOS.prefLabel)}
        assert set(pref) >= {"en", "ru"} and g.value(k, RDFS.label) == pref["en"], k
        assert any(d.language == "en" for d in g.objects(k, SKOS.definition)), k
