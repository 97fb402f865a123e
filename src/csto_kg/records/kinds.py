"""The kinds of resource: one table of what each kind is called in the records, in its IRIs, in
the graph, on the pages and in Wikidata linking.

Every other list of kinds is made from this table: the entity file sections the records reader
accepts (:data:`ENTITY_SECTIONS`), the classes rdfize gives entities, the classes the near-match
lookup searches, the page templates, the Wikidata classes a linked item must have. Classes are
prefixed names (``igo:State``); :func:`csto_kg.graph.vocab.expand` makes them IRIs.

Imports nothing of csto_kg.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class Kind:
    name: str  # the IRI's {kind}: https://w3id.org/csto-kg/id/{name}/{slug}
    section: str | None  # the list of an entity file (entities/*.yaml) that holds them; None: not curated there
    rdf_class: str  # the class every resource of the kind has (a prefixed name)
    page: str = "generic"  # its page's template: web/templates/entity/{page}.html
    wikidata: tuple[str, ...] = ()  # Wikidata classes a linked item is an instance of; (): not linked
    types: Mapping[str, str] = field(default_factory=dict)  # a `type` field's values -> the class instead

    @property
    def classes(self) -> tuple[str, ...]:
        """Every class that makes a resource one of this kind."""
        return tuple(dict.fromkeys([*self.types.values(), self.rdf_class]))

    @property
    def linkable(self) -> bool:
        """Whether `csto-kg link` looks for the kind's entities in Wikidata."""
        return bool(self.wikidata)


KINDS = (
    Kind("state", "states", "igo:State", "agent", ("Q6256", "Q3624078")),  # country, sovereign state
    Kind("organization", "organizations", "org:FormalOrganization", "agent", ("Q43229",),  # organization
         types={"intergovernmental": "igo:IntergovernmentalOrganization",
                "government-agency": "igo:GovernmentAgency",
                "organization": "org:FormalOrganization"}),
    Kind("body", "bodies", "igo:Body", "agent", ("Q43229",)),
    Kind("post", "posts", "org:Post", "post", ("Q4164871",)),  # position
    # human settlement, administrative territorial entity, geographic region
    Kind("place", "places", "igo:Place", wikidata=("Q486972", "Q56061", "Q82794")),
    Kind("person", "people", "foaf:Person", "person", ("Q5",)),  # human
    Kind("rank", "ranks", "igo:Rank"),
    Kind("source", "sources", "igo:Source"),
    Kind("post-holding", "post_holdings", "org:Membership"),
    Kind("rank-holding", "rank_holdings", "igo:RankHolding"),
    Kind("meeting", None, "igo:Meeting", "meeting"),  # one per file in meetings/
    # the open SKOS scheme of roles: ontology/roles.ttl, and roles curators add under `roles:`
    Kind("role", "roles", "igo:Role"),
    Kind("document-kind", None, "igo:DocumentKind"),  # the SKOS scheme in ontology/document-kinds.ttl
)
BY_NAME = {kind.name: kind for kind in KINDS}

#: YAML key in an entity file -> the kind of entity it lists (the IRI's ``{kind}``).
ENTITY_SECTIONS = {kind.section: kind.name for kind in KINDS if kind.section}

#: The parts of a meeting with IRIs of their own, ``id/meeting/{slug}/{part}[/{n or state}]``,
#: and their classes.
MEETING_PARTS = {
    "participation": "igo:Participation",
    "delegation": "igo:Delegation",
    "agenda": "igo:AgendaItem",
    "decision": "igo:Decision",
    "absence": "igo:Absence",
    "next-meeting": "igo:AnnouncedMeeting",
}


def kind_of_path(path: str) -> str:
    """The kind of the resource at ``path`` below ``id/``: ``person`` for ``person/x``; inside a
    meeting, the part (``participation`` for ``meeting/m/participation/1``) or what a part holds
    (``post-holding`` for ``meeting/m/decision/1/post-holding``)."""
    parts = path.split("/")
    if parts[0] == "meeting" and len(parts) > 2:
        return parts[-2] if parts[-1].isdigit() or parts[-2] in ("delegation", "absence") else parts[-1]
    return parts[0]
